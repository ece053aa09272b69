"""Data in and out through the web pages: Excel import (upload, preview with the problems, confirm), exports,
the submission and its reception by an office, transfer out and in (a changed byte refused), certified copies
(request → the principal signs with a PIN → download, numbered), and the year-end archive as a job."""

import datetime as dt
import hashlib
import io
import json
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hocbaso.audit.models import AuditEntry
from hocbaso.conftest import make_staff
from hocbaso.directory.models import Enrolment, Pupil, Role, Staff, StaffRole
from hocbaso.exchange.archive import archive_open
from hocbaso.exchange.models import CertifiedCopy, CopyRequest, ImportedRecord, Transfer
from hocbaso.exchange.tests.helpers import PUPIL_HEADERS, pupil_row, receiving_school, save, xlsx
from hocbaso.exchange.tests.packaging import flip_in_signed_pdf, members, rezip
from hocbaso.exchange.xlsx_export import evaluations_workbook
from hocbaso.jobs.models import Job, JobState
from hocbaso.records.models import IssuedRecord
from hocbaso.records.tests.test_lifecycle import PRINCIPAL_PIN, SEAL_PIN, school, sign_and_issue  # noqa: F401
from hocbaso.signing.job_pins import ARG
from hocbaso.verify.files import file_check

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def login(client, staff):
    client.force_login(staff.user)
    return client


def upload(data: bytes, name: str = "tep.xlsx"):
    return SimpleUploadedFile(name, data, content_type=XLSX_TYPE)


def confirm_key(response) -> str:
    found = re.search(r'name="confirm" value="([^"]+)"', response.content.decode())
    assert found, response.content.decode()[:3000]
    return found.group(1)


def job_of(response) -> Job:
    assert response.status_code == 302, response.content.decode()[:2000]
    return Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


# ---------------------------------------------------------------------- Excel import from the web

def test_pupil_list_upload_shows_every_problem_then_a_preview_and_writes_only_on_confirmation(client, world):
    url = reverse("exchange:import_pupils", args=[world.year.pk])
    login(client, world.owner)
    assert "Nhập danh sách học sinh" in client.get(url).content.decode()
    bad = xlsx({"DS": [PUPIL_HEADERS,
                       pupil_row(1, "4A", "067214009991", "Lê Văn Một", "31/02/2014"),
                       pupil_row(2, "9Z", "067214009992", "Lê Văn Hai", dt.date(2014, 3, 3)),
                       pupil_row(3, "4A", "067214009991", "Lê Văn Ba", dt.date(2014, 4, 4))]})
    before = (Pupil.objects.count(), Enrolment.objects.count(), AuditEntry.objects.count())
    page = client.post(url, {"file": upload(bad)})
    text = page.content.decode()
    assert page.status_code == 200 and 'id="problems"' in text and "chưa ghi gì" in text
    rows = re.findall(r"<tr><td>DS</td><td>(\d+)</td><td>([A-Z]+)", text)
    assert {("2", "E"), ("3", "B"), ("4", "C")} <= set(rows), rows  # bad date, unknown class, duplicated number
    assert 'name="confirm"' not in text
    assert (Pupil.objects.count(), Enrolment.objects.count(), AuditEntry.objects.count()) == before

    not_excel = client.post(url, {"file": upload(b"STT;Ho ten\n1;A\n", "danh-sach.csv")}).content.decode()
    assert "không phải tệp Excel .xlsx" in not_excel and 'name="confirm"' not in not_excel

    good = xlsx({"DS": [PUPIL_HEADERS, pupil_row(1, "4A", "067214009991", "Lê Văn Một", dt.date(2014, 2, 2)),
                        pupil_row(2, "4B", "067214009992", "Lê Văn Hai", dt.date(2014, 3, 3))]})
    preview = client.post(url, {"file": upload(good)})
    assert "Sẽ thêm 2" in preview.content.decode()
    assert Pupil.objects.count() == before[0]  # the preview writes nothing
    key = confirm_key(preview)
    done = client.post(url, {"confirm": key})
    assert done.status_code == 302 and done["Location"] == reverse("exchange:hub", args=[world.year.pk])
    assert Pupil.objects.filter(identity_number__in=["067214009991", "067214009992"]).count() == 2
    assert AuditEntry.objects.filter(action="pupil.create", actor_id=world.owner.user.pk).count() == 2
    again = client.post(url, {"confirm": key})  # a used key does nothing
    assert "đã hết hạn hoặc đã được dùng" in again.content.decode()
    assert Pupil.objects.count() == before[0] + 2


def test_an_evaluation_upload_may_only_touch_the_sheets_the_user_enters(client, school):
    w = school
    url = reverse("exchange:import_evaluations", args=[w.class4a.pk])
    data = save(evaluations_workbook(w.class4a, "cuoi_nam"))  # every subject, English included
    login(client, w.member)
    exported = client.get(reverse("exchange:class_export", args=[w.class4a.pk, "cuoi_nam"]))
    assert exported.status_code == 200 and exported["Content-Type"] == XLSX_TYPE
    assert reverse("exchange:class_export", args=[w.class4a.pk, "cuoi_nam"]) in client.get(url).content.decode()
    login(client, w.member)  # the homeroom teacher: English is the English teacher's
    text = client.post(url, {"period": "cuoi_nam", "file": upload(data)}).content.decode()
    assert "Bạn không được nhập «Tiếng Anh» của lớp 4A" in text or "Bạn không được nhập «Ngoại ngữ 1" in text, text
    assert 'name="confirm"' not in text
    login(client, w.english)
    text = client.post(url, {"period": "cuoi_nam", "file": upload(data)}).content.decode()
    assert "Bạn không được nhập «Toán» của lớp 4A" in text and 'name="confirm"' not in text
    login(client, w.owner)  # the principal enters every sheet: the exported file changes nothing
    preview = client.post(url, {"period": "cuoi_nam", "file": upload(data)})
    assert "Sẽ thêm 0, cập nhật 0" in preview.content.decode()
    assert client.post(url, {"period": "", "file": upload(data)}).content.decode().count("Hãy chọn thời điểm") == 1


# ---------------------------------------------------------------------- exports and the office's reception

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
    submission = client.get(reverse("exchange:export", args=[w.year.pk, "nop-phong-so"]))
    assert submission.status_code == 200 and submission["X-Packages"] == "1"
    files = members(b"".join(submission.streaming_content))
    index = json.loads(files["submission.json"])
    package = index["packages"][0]
    assert package["class_name"] == "4A" and package["records"] == 3
    assert hashlib.sha256(files[package["file"]]).hexdigest() == package["sha256"]

    officer = Staff.objects.create(user=django_user_model.objects.create_user("phong2", password="x"),
                                   full_name="Cán bộ phòng", district=w.district)
    StaffRole.objects.create(staff=officer, role=Role.DISTRICT_OFFICER)
    login(client, officer)
    damaged = rezip({**members(files[package["file"]])})  # re-zipped unchanged: still valid
    page = client.post(reverse("exchange:receive"), {"files": [
        SimpleUploadedFile(package["file"], files[package["file"]]),
        SimpleUploadedFile("submission.json", files["submission.json"]),
        SimpleUploadedFile("hong.zip", damaged[:-40])]}).content.decode()
    assert "3 học bạ trong 1 gói hợp lệ" in page and "hong.zip" in page and "bị từ chối" in page


# ---------------------------------------------------------------------- transfer out and in

@pytest.fixture
def receiving(school, django_user_model):
    return receiving_school(school, django_user_model)


def test_transfer_through_the_pages_with_every_signature_checked_and_a_changed_byte_refused(client, receiving):
    w = receiving
    create = reverse("exchange:transfer_create", args=[w.year.pk]) + f"?hs={w.enrolment.pk}"
    login(client, w.owner)
    assert "Lập gói chuyển trường" in client.get(create).content.decode()
    wrong = client.post(create, {"pin": "000000"}).content.decode()
    assert "Mã PIN" in wrong and Transfer.objects.count() == 0
    done = client.post(create, {"pin": SEAL_PIN}).content.decode()
    link = re.search(r'value="(https://hocba\.example\.vn/chuyen-truong/[^"]+/)" id="transfer-link"', done)
    assert link, done[:3000]
    transfer = Transfer.objects.get()
    package = client.get(link.group(1).replace("https://hocba.example.vn", "")).content
    assert hashlib.sha256(package).hexdigest() == transfer.sha256

    receive = reverse("exchange:transfer_receive", args=[w.next_year.pk])
    login(client, w.receiver)
    files = members(package)
    record = next(name for name in files if name.startswith("records/"))
    tampered = rezip({**files, record: flip_in_signed_pdf(files[record])})
    before = (Enrolment.objects.count(), ImportedRecord.objects.count(), AuditEntry.objects.count())
    refused = client.post(receive, {"file": SimpleUploadedFile("goi.zip", tampered)}).content.decode()
    assert 'id="problems"' in refused and "Không nhận gói chuyển trường này" in refused
    assert "mã băm" in refused or "SHA-256" in refused
    assert 'name="confirm"' not in refused
    assert (Enrolment.objects.count(), ImportedRecord.objects.count(), AuditEntry.objects.count()) == before

    preview = client.post(receive, {"link": link.group(1)})  # this deployment's link works too
    text = preview.content.decode()
    assert "Mọi chữ ký và mã băm trong gói đều hợp lệ" in text and w.pupil.full_name in text
    assert "Lê Thị Hoa" in text and "Đoàn Trung Quế" in text  # the homeroom teacher's and the principal's signatures
    assert Enrolment.objects.count() == before[0]
    key = confirm_key(preview)
    missing_class = client.post(receive, {"confirm": key}).content.decode()
    assert "Hãy chọn lớp" in missing_class
    done = client.post(receive, {"confirm": confirm_key_text(missing_class), "class": w.class5a.pk})
    assert done.status_code == 302
    enrolment = Enrolment.objects.get(school_class=w.class5a)
    assert enrolment.pupil == w.pupil and enrolment.transferred_in
    imported = ImportedRecord.objects.get(pupil=w.pupil)
    assert imported.sha256 == IssuedRecord.objects.get(enrolment=w.enrolment).sha256
    assert AuditEntry.objects.filter(action="transfer.import", actor_id=w.receiver.user.pk).count() == 1


def confirm_key_text(text: str) -> str:
    return re.search(r'name="confirm" value="([^"]+)"', text).group(1)


# ---------------------------------------------------------------------- certified copies

def test_copy_request_signed_by_the_principal_as_a_job_then_downloaded_numbered(client, school, inline_jobs):
    w = school
    sign_and_issue(w)
    page = reverse("exchange:copies", args=[w.year.pk])
    clerk = make_staff(type(w.owner.user), w.school, "vanthu2", "Bùi Thị Hân", Role.CLERK)
    login(client, clerk)
    assert client.post(page, {"enrolment": w.enrolment.pk, "requester": " "}).status_code == 200
    assert CopyRequest.objects.count() == 0
    assert client.post(page, {"enrolment": w.enrolment.pk, "requester": "Trần Thị Lan (mẹ)",
                              "reason": "Mất bản chính"}).status_code == 302
    request = CopyRequest.objects.get()
    assert request.requested_by == clerk.user
    assert client.get(reverse("exchange:copy_sign", args=[request.pk])).status_code == 403  # the clerk does not sign

    login(client, w.owner)
    sign = reverse("exchange:copy_sign", args=[request.pk])
    assert "Ký bản sao" in client.get(sign).content.decode()
    assert "Mã PIN" in client.post(sign, {"pin": "000000"}).content.decode() and not CertifiedCopy.objects.exists()
    job = job_of(inline_jobs(client, sign, {"pin": PRINCIPAL_PIN}))
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.message
    assert ARG not in job.args and PRINCIPAL_PIN not in json.dumps(job.args)  # the sealed PIN left the row
    copy = CertifiedCopy.objects.get()
    request.refresh_from_db()
    assert request.copy == copy and copy.number == 1
    assert client.get(reverse("portal:job", args=[job.pk])).content.decode().count(page) >= 1  # back to the copies
    downloaded = b"".join(client.get(reverse("exchange:copy_download", args=[copy.pk])).streaming_content)
    assert hashlib.sha256(downloaded).hexdigest() == copy.sha256
    assert file_check(downloaded).verdict == "authentic_copy"
    again = client.post(sign, {"pin": PRINCIPAL_PIN}).content.decode()  # a request gives one copy
    assert "đã được cấp bản sao (lần cấp 1)" in again and CertifiedCopy.objects.count() == 1
    assert "lần cấp 1" in client.get(page).content.decode()


# ---------------------------------------------------------------------- the year-end archive

def test_the_archive_is_a_job_and_the_principal_downloads_a_file_that_checks(client, school, inline_jobs):
    w = school
    sign_and_issue(w)
    login(client, w.owner)
    job = job_of(inline_jobs(client, reverse("exchange:archive", args=[w.year.pk])))
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.message
    hub = client.get(reverse("exchange:hub", args=[w.year.pk])).content.decode()
    download = reverse("exchange:archive_download", args=[job.pk])
    assert download in hub
    data = b"".join(client.get(download).streaming_content)
    assert hashlib.sha256(data).hexdigest() == job.result["sha256"]
    contents = archive_open(io.BytesIO(data))
    assert contents.manifest["counts"]["issued"] == 3 and contents.work["subject_evaluations"]
    login(client, w.member)
    assert client.get(download).status_code == 403
    assert zipfile.is_zipfile(io.BytesIO(data))


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

    from hocbaso.conftest import assert_catalogue_complete

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
