"""Nộp gói học bạ: a school's sealed class packages collected (hocbaso submit), then received, checked and
counted by an office's deployment (hocbaso receive); a tampered package is reported."""

import json

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from hocbaso.directory.models import Commune, Province, Role, Staff, StaffRole

from hocbaso.exchange.submission.services import (SubmissionRefused, receive_counts, submission_collect,
                                                  submission_receive)
from hocbaso.records.models import ClassPackage, PackageReceipt
from hocbaso.testing.exchange import flip_in_member, members, rezip
from hocbaso.testing.lifecycle import sign_and_issue


def test_submit_then_receive_counts_and_reports_tampering(school, tmp_path, capsys):
    w = school
    with pytest.raises(SubmissionRefused, match="chưa có gói học bạ"):
        submission_collect(school_year=w.year, out=tmp_path / "none")
    sign_and_issue(w)
    out = tmp_path / "nop"
    call_command("submit", "--school", w.school.code, "--year", "2024-2025", "--out", str(out))
    printed = capsys.readouterr().out
    assert "Lớp 4A: 3 học bạ" in printed and "Các lớp chưa có gói học bạ: 1A, 4B" in printed
    index = json.loads((out / "submission.json").read_text())
    assert [p["class_name"] for p in index["packages"]] == ["4A"] and index["packages"][0]["records"] == 3
    package = out / index["packages"][0]["file"]
    assert package.exists()

    call_command("receive", str(out))
    printed = capsys.readouterr().out
    assert f"{w.school.code} {w.school.name} — năm học 2024-2025: 3 học bạ hợp lệ trong 1 gói" in printed
    assert "Lớp 4A: 3 học bạ — hợp lệ" in printed

    # Two tampered copies sent alongside: one byte flipped in the ZIP, one record edited and re-zipped.
    data = package.read_bytes()
    files = members(data)
    record = next(n for n in files if n.startswith("records/"))
    tampered = tmp_path / "bi-sua"
    tampered.mkdir()
    (tampered / "a-flip.zip").write_bytes(flip_in_member(data, record))
    (tampered / "b-edit.zip").write_bytes(rezip({**files, record: files[record].replace(b"<score>9</score>",
                                                                                        b"<score>10</score>", 1)}))
    with pytest.raises(CommandError, match="2 gói bị từ chối"):
        call_command("receive", str(package), str(tampered))
    printed = capsys.readouterr().out
    assert "3 học bạ hợp lệ trong 1 gói, 2 gói bị từ chối" in printed
    assert printed.count("BỊ TỪ CHỐI") == 2 and f"TỪ CHỐI {tampered / 'b-edit.zip'}" in printed
    assert "không khớp mã băm" in printed and "bị hỏng hoặc đã bị sửa" in printed

    received = submission_receive([package, tampered])
    counts = receive_counts(received)
    assert counts[0]["records"] == 3 and counts[0]["packages_ok"] == 1 and counts[0]["packages_refused"] == 2
    assert received[0].trusted  # the school's seal chains to this deployment's CA


def test_the_receive_page_records_this_installation_s_sound_packages_of_the_office_s_schools(school, client,
                                                                                           django_user_model):
    w = school
    sign_and_issue(w)
    package = ClassPackage.objects.get(school_class=w.class4a)
    with default_storage.open(package.file, "rb") as handle:
        data = handle.read()
    files = members(data)
    record = next(n for n in files if n.startswith("records/"))
    officers = {}
    for username, province in (("so", w.province), ("sokhac", Province.objects.create(code="66", name="Đắk Lắk"))):
        user = django_user_model.objects.create_user(username=username, password="x" * 12)
        StaffRole.objects.create(staff=Staff.objects.create(user=user, full_name=username, province=province),
                                 role=Role.PROVINCE_OFFICER)
        officers[username] = user
    for username, commune in (("ubndxa", w.commune),
                              ("xakhac", Commune.objects.create(province=w.province, code="24715", name="xã Khác"))):
        user = django_user_model.objects.create_user(username=username, password="x" * 12)
        StaffRole.objects.create(staff=Staff.objects.create(user=user, full_name=username, commune=commune),
                                 role=Role.COMMUNE_OFFICER)
        officers[username] = user

    def post(user):
        client.force_login(user)
        uploads = [SimpleUploadedFile("4A.zip", data), SimpleUploadedFile("a-flip.zip", flip_in_member(data, record))]
        return client.post(reverse("exchange:receive"), {"files": uploads}).content.decode()

    assert "Đã ghi nhận 0 gói mới là đã nhận." in post(officers["sokhac"])  # not their school
    assert "Đã ghi nhận 0 gói mới là đã nhận." in post(officers["xakhac"])  # another commune's office
    assert not PackageReceipt.objects.exists()
    assert "Đã ghi nhận 1 gói mới là đã nhận." in post(officers["ubndxa"])  # the tampered copy is not recorded
    receipt = PackageReceipt.objects.get()
    assert receipt.package == package and receipt.received_by == officers["ubndxa"]
    assert "Đã ghi nhận 0 gói mới là đã nhận." in post(officers["so"])  # the first receipt stays
    assert PackageReceipt.objects.get() == receipt
