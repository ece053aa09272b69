"""The data page and its downloads: the exports (pupil list, the sector file with the identity check, the submission
and its reception by an office), previews nobody confirmed swept after a day, and the pages in English."""

import datetime as dt
import hashlib
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hocbaso.directory.models import Pupil, Role, Staff, StaffRole
from hocbaso.records.models import Extract, ExtractForm
from hocbaso.testing.exchange import (PUPIL_HEADERS, XLSX_TYPE, confirm_key, login, members, pupil_row, rezip, upload,
                                      xlsx)
from hocbaso.testing.i18n import assert_catalogue_complete
from hocbaso.testing.lifecycle import sign_and_issue


def test_exports_the_submission_and_the_offices_count(client, school, django_user_model):
    w = school
    sign_and_issue(w)
    login(client, w.owner)
    pupils = client.get(reverse("exchange:export", args=[w.year.pk, "danh-sach-hoc-sinh"]))
    assert pupils.status_code == 200 and pupils["Content-Type"] == XLSX_TYPE
    Pupil.objects.filter(pk=w.pupil1.pk).update(identity_number=None)
    hub = client.get(reverse("exchange:hub", args=[w.year.pk])).content.decode()
    check = hub[hub.index('id="identity-check"'):hub.index('id="chuyen-truong"')]
    # the pupil without a number, and the two girls whose numbers' 4th digit (2) says "male"; Bình's is right
    assert "3 học sinh chưa có hoặc sai mã định danh" in check and "Hoàng Minh An" in check
    assert "Chưa có mã định danh cá nhân." in check and "(phải là 3)" in check and "Trần Văn Bình" not in check
    sector = client.get(reverse("exchange:export", args=[w.year.pk, "csdl-nganh"]) + "?hk=year&dang=json")
    document = json.loads(sector.content)
    assert document["matruong"] == w.school.code and len(document["thongtinsohocbasotieuhoc"]) == 4
    assert sector["X-Identity-Failures"] == str(len(document["kiemtramadinhdanh"])) == "3"
    # the year's file leaves for the sector database: an extract of each issued record it names, with its hash
    named = {p["madinhdanhhocba"] for p in document["thongtinsohocbasotieuhoc"]} - {None}
    logged = Extract.objects.filter(form=ExtractForm.SECTOR)
    assert len(named) == 3 and {e.issued.record_id for e in logged} == named and logged.count() == 3
    assert {(e.channel, e.by_id, e.sha256) for e in logged} == {
        ("exchange.sector_file", w.owner.user.pk, hashlib.sha256(sector.content).hexdigest())}
    client.get(reverse("exchange:export", args=[w.year.pk, "csdl-nganh"]) + "?hk=1&dang=json")  # a term: none
    assert Extract.objects.filter(form=ExtractForm.SECTOR).count() == 3
    submission = client.get(reverse("exchange:export", args=[w.year.pk, "nop-phong-so"]))
    assert submission.status_code == 200 and submission["X-Packages"] == "1"
    files = members(submission.content)
    index = json.loads(files["submission.json"])
    package = index["packages"][0]
    assert package["class_name"] == "4A" and package["records"] == 3
    assert hashlib.sha256(files[package["file"]]).hexdigest() == package["sha256"]

    officer = Staff.objects.create(user=django_user_model.objects.create_user("phong2", password="x"),
                                   full_name="Cán bộ xã", commune=w.commune)
    StaffRole.objects.create(staff=officer, role=Role.COMMUNE_OFFICER)
    login(client, officer)
    damaged = rezip({**members(files[package["file"]])})  # re-zipped unchanged: still valid
    page = client.post(reverse("exchange:receive"), {"files": [
        SimpleUploadedFile(package["file"], files[package["file"]]),
        SimpleUploadedFile("submission.json", files["submission.json"]),
        SimpleUploadedFile("hong.zip", damaged[:-40])]}).content.decode()
    assert "3 học bạ trong 1 gói hợp lệ" in page and "hong.zip" in page and "bị từ chối" in page
    # The school's file exactly as downloaded, in one upload.
    page = client.post(reverse("exchange:receive"), {"files": [
        SimpleUploadedFile("nop-phong-so.zip", submission.content)]}).content.decode()
    assert "3 học bạ trong 1 gói hợp lệ; 0 gói bị từ chối." in page


def test_an_unconfirmed_preview_is_swept_after_a_day(client, world):
    import os
    import time

    from django.core.files.storage import default_storage

    login(client, world.owner)
    url = reverse("exchange:import_pupils", args=[world.year.pk])
    good = xlsx({"DS": [PUPIL_HEADERS, pupil_row(1, "4A", "067214009991", "Lê Văn Một", dt.date(2014, 2, 2))]})
    confirm_key(client.post(url, {"file": upload(good)}))
    _folders, names = default_storage.listdir("tmp/uploads")
    assert len(names) == 1
    old = default_storage.path(f"tmp/uploads/{names[0]}")
    os.utime(old, (time.time() - 2 * 86400, time.time() - 2 * 86400))
    confirm_key(client.post(url, {"file": upload(good)}))  # the next preview sweeps the stale one
    assert not os.path.exists(old) and len(default_storage.listdir("tmp/uploads")[1]) == 1


def test_the_data_pages_speak_english_on_request_and_the_catalogue_is_complete(client, world):
    from pathlib import Path

    po = Path(__file__).resolve().parents[1] / "locale" / "en" / "LC_MESSAGES" / "django.po"
    assert_catalogue_complete(po, "exchange's django.po")
    login(client, world.owner)
    hub = reverse("exchange:hub", args=[world.year.pk])
    assert "Dữ liệu vào – ra" in client.get(hub).content.decode()
    client.post(reverse("portal:set_language"), {"language": "en", "next": hub})
    page = client.get(hub).content.decode()
    assert "Data in and out" in page and "Import the pupil list" in page and "Year-end archive" in page
    dashboard = client.get(reverse("portal:school_dashboard", args=[world.year.pk])).content.decode()
    assert "Data in and out" in dashboard
