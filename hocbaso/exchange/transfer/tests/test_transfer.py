"""Chuyển trường between two schools of one deployment: the sealed package, the expiring link, the checks at
the receiving school, and refusal (with the reason, writing nothing) of a package changed by one byte."""

import datetime as dt
import hashlib
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from hocbaso.audit.models import AuditEntry
from hocbaso.directory.models import Enrolment, Pupil
from hocbaso.exchange.models import Transfer
from hocbaso.exchange.transfer.services import (TransferRefused, _pupil_for, transfer_package_build,
                                                transfer_package_check, transfer_package_import)
from hocbaso.records.completion import award_add
from hocbaso.records.guards import LifecycleRefused
from hocbaso.records.history import pupil_history
from hocbaso.records.models import ImportedRecord
from hocbaso.records.models import IssuedRecord
from hocbaso.signing.packages import package_open, sealed_package
from hocbaso.signing.services import identity_for, identity_issue, signer_open
from hocbaso.signing.validate import validate_pdf
from hocbaso.testing.exchange import flip_in_member, flip_in_signed_pdf, members, read, receiving_school, rezip
from hocbaso.testing.people import SEAL_PIN
from hocbaso.testing.poppler import pdftext
from hocbaso.verify.tests.test_long_term_validation import long_lived  # noqa: F401  (the fixture)


SHEET = {"left": "Trường", "right": "", "title": "Danh sách", "subtitle": "", "columns": ["STT"], "widths": ["auto"],
         "rows": [[1]], "signer_title": "Thủ trưởng", "signer_name": "Trường"}


@pytest.fixture
def transfer(school, django_user_model):
    """The class issued at the sending school; at the receiving school a principal, a teacher and a class 5A
    for 2025-2026; the transfer package of the first pupil."""
    w = receiving_school(school, django_user_model)
    w.seal = signer_open(identity_for(school=w.school), SEAL_PIN)
    w.transfer = transfer_package_build(pupil=w.pupil, by=w.owner.user, seal_signer=w.seal)
    w.package = read(w.transfer.file)
    w.issued = IssuedRecord.objects.get(enrolment=w.enrolment)
    return w


def _import(w, data, **kw):
    return transfer_package_import(data=data, school_year=w.next_year, school_class=w.class5a, by=w.receiver.user, **kw)


def _state():
    return (Enrolment.objects.count(), ImportedRecord.objects.count(), Pupil.objects.count(),
            AuditEntry.objects.count(), list(Pupil.objects.order_by("pk").values_list("school_id", flat=True)))


def test_transfer_package_moves_the_pupil_with_every_signature_checked(transfer, client, tmp_path):
    w = transfer
    assert w.transfer.records == 1 and w.transfer.url.endswith(f"/chuyen-truong/#{w.transfer.token}")
    assert w.transfer.expires_at - timezone.now() > dt.timedelta(days=13, hours=23)
    assert w.transfer.token not in Transfer.objects.values_list("token_sha256", flat=True)  # only its hash is kept
    files = members(w.package)
    assert set(files) == {"manifest.pdf", f"records/{w.issued.record_id}.pdf"}
    assert files[f"records/{w.issued.record_id}.pdf"] == read(w.issued.pdf)  # the issued bytes, unchanged
    sealed = validate_pdf(files["manifest.pdf"])
    assert sealed["trusted"] and not sealed["altered"]
    assert sealed["signatures"][0]["organisation"] == w.school.name
    # The sending school as it stands today: its commune's People's Committee, printed above its name.
    manifest = transfer_package_check(w.package)[0].manifest
    assert (manifest["authority"], manifest["commune"], manifest["province"]) == (
        "UBND xã Trường Xuân", "xã Trường Xuân", "Tỉnh Lâm Đồng") and "district" not in manifest
    sheet = pdftext(files["manifest.pdf"], tmp_path)
    assert sheet.index("UBND XÃ TRƯỜNG XUÂN") < sheet.index("TRƯỜNG TIỂU HỌC THỬ NGHIỆM")

    # The receiving school downloads through the link, then imports.
    response = client.post("/chuyen-truong/", {"token": w.transfer.token})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    data = response.content
    assert hashlib.sha256(data).hexdigest() == w.transfer.sha256
    assert Transfer.objects.get().downloads == 1
    # every extract recorded: the package sealed by the principal, then fetched by whoever held the link
    pk = w.transfer.pk
    assert list(w.issued.extracts.order_by("pk").values_list("form", "channel", "by", "sha256")) == [
        ("package", f"transfer.build:{pk}", w.owner.user.pk, w.transfer.sha256),
        ("package", f"transfer.download:{pk}", None, w.transfer.sha256)]
    result = _import(w, data, joined_on=dt.date(2025, 9, 5))
    assert result.pupil.pk == w.pupil.pk and not result.pupil_created  # linked by identity number
    w.pupil.refresh_from_db()
    assert w.pupil.school == w.other_school
    enrolment = result.enrolment
    assert enrolment.transferred_in and enrolment.school_class == w.class5a and enrolment.registry_number == "1/2025"
    imported = ImportedRecord.objects.get()
    assert (imported.record_id, imported.version, imported.lookup_code, imported.sha256) == \
        (w.issued.record_id, 1, w.issued.lookup_code, w.issued.sha256)
    assert read(imported.pdf) == read(w.issued.pdf) and imported.record == w.issued.record
    # The teacher, the principal and the school's seal (docs/record-xml.md)
    assert [s["name"] for s in imported.signers] == ["Lê Thị Hoa", "Đoàn Trung Quế", w.school.name]
    assert imported.history and imported.history[0]["school_name"] == w.school.name
    assert AuditEntry.objects.filter(action="transfer.import", school_code=w.other_school.code).exists()
    # The pupil's history at the receiving school: the issued year, then the new year.
    records, history = pupil_history(w.pupil)
    assert [r["school_year"] for r in records] == ["2024-2025", "2025-2026"]
    assert records[0]["issuance"]["record_id"] == w.issued.record_id
    assert [(h["school_year"], h["school_name"], h["transferred_in"]) for h in history] == \
        [("2024-2025", w.school.name, False), ("2025-2026", w.other_school.name, True)]
    assert [r["school_year"] for r in pupil_history(w.pupil, issued_only=True)[0]] == ["2024-2025"]
    # Importing the same pupil into the same class again is refused.
    with pytest.raises(TransferRefused, match="đã có trong lớp 5A"):
        _import(w, data)


def test_the_link_expires_and_an_unknown_token_finds_nothing(transfer, client):
    w = transfer
    assert client.post("/chuyen-truong/", {"token": "khong-co"}).status_code == 404
    Transfer.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = client.post("/chuyen-truong/", {"token": w.transfer.token})
    assert response.status_code == 410 and "hết hạn" in response.content.decode()


def test_a_byte_changed_in_a_record_pdf_is_refused_and_nothing_is_written(transfer):
    w = transfer
    before = _state()
    name = f"records/{w.issued.record_id}.pdf"
    # One byte changed in the ZIP, inside the record PDF's bytes.
    with pytest.raises(TransferRefused) as refused:
        _import(w, flip_in_member(w.package, name))
    assert any(name in p and "bị hỏng hoặc đã bị sửa" in p for p in refused.value.problems), refused.value.problems
    # The same change made with a ZIP tool (the ZIP's own checksums right): the sealed hash catches it.
    files = members(w.package)
    with pytest.raises(TransferRefused) as refused:
        _import(w, rezip({**files, name: flip_in_signed_pdf(files[name])}))
    assert any(name in p and "không khớp mã băm SHA-256" in p for p in refused.value.problems), refused.value.problems
    assert _state() == before
    assert not ImportedRecord.objects.exists()


def test_a_byte_changed_in_the_manifest_is_refused_and_nothing_is_written(transfer):
    w = transfer
    before = _state()
    with pytest.raises(TransferRefused) as refused:
        _import(w, flip_in_member(w.package, "manifest.pdf"))
    assert any("manifest.pdf" in p for p in refused.value.problems), refused.value.problems
    files = members(w.package)
    with pytest.raises(TransferRefused) as refused:
        _import(w, rezip({**files, "manifest.pdf": flip_in_signed_pdf(files["manifest.pdf"])}))
    assert any("manifest.pdf" in p and ("chữ ký số không hợp lệ" in p or "không đọc được" in p.lower())
               for p in refused.value.problems), refused.value.problems
    assert _state() == before


def test_a_swapped_record_an_extra_file_and_a_foreign_seal_are_refused(transfer):
    w = transfer
    before = _state()
    files = members(w.package)
    name = f"records/{w.issued.record_id}.pdf"
    other = IssuedRecord.objects.exclude(pk=w.issued.pk).first()
    # Another pupil's genuine, validly signed record in place of this pupil's: the sealed hash says no.
    with pytest.raises(TransferRefused, match="không khớp mã băm"):
        _import(w, rezip({**files, name: read(other.pdf)}))
    # A file slipped in that the sealed list does not name.
    with pytest.raises(TransferRefused, match="không có trong danh sách đã đóng dấu"):
        _import(w, rezip({**files, "records/them.pdf": read(other.pdf)}))
    assert _state() == before
    # A package sealed by another school's seal, claiming to be from the sending school: refused when built,
    # and refused when someone assembles it by hand.
    identity_issue(school=w.other_school, pin="999999", by=w.receiver.user)
    foreign = signer_open(identity_for(school=w.other_school), "999999")
    with pytest.raises(LifecycleRefused, match="không phải con dấu đã đăng ký"):
        transfer_package_build(pupil=w.pupil, by=w.owner.user, seal_signer=foreign)
    opened = package_open(w.package)
    forged = sealed_package(manifest=opened.manifest, files={name: files[name]}, seal_signer=foreign,
                            sheet=SHEET, reason="Giả mạo")
    before = _state()
    with pytest.raises(TransferRefused, match=f"Con dấu trên danh sách là của {w.other_school.name}, không phải "
                                              f"của {w.school.name}"):
        _import(w, forged)
    assert _state() == before


def test_only_the_principal_sends_and_only_school_officers_receive(transfer):
    w = transfer
    with pytest.raises(LifecycleRefused, match="Chỉ hiệu trưởng"):
        transfer_package_build(pupil=w.pupil, by=w.member.user, seal_signer=w.seal)
    with pytest.raises(TransferRefused, match="Chỉ hiệu trưởng, phó hiệu trưởng hoặc văn thư"):
        transfer_package_import(data=w.package, school_year=w.next_year, school_class=w.class5a,
                                by=w.outsider.user)
    with pytest.raises(TransferRefused, match="chính trường này"):
        transfer_package_import(data=w.package, school_year=w.year, school_class=w.class4b, by=w.owner.user)


def test_a_new_pupil_is_created_from_the_manifest_and_a_clashing_identity_is_refused(transfer):
    w = transfer
    block = {"identity_number": "067214777777", "full_name": "Đặng Văn Mới", "gender": "male",
             "birth_date": "2015-04-03", "ethnicity": "Kinh", "nationality": "Việt Nam", "birthplace": "Tỉnh Lâm Đồng",
             "hometown": None, "address": None, "father_name": None, "mother_name": None, "guardian_name": None,
             "sector_code": None, "disability": None}
    pupil, created = _pupil_for(block, w.other_school)
    assert created and pupil.pk is None and pupil.full_name == "Đặng Văn Mới" and pupil.hometown == ""
    with pytest.raises(TransferRefused, match="đã thuộc học sinh Nguyễn Thị Ánh Tuyết"):
        _pupil_for({**block, "identity_number": w.pupil.identity_number}, w.other_school)


def test_transfer_commands(transfer, tmp_path, monkeypatch, capsys):
    w = transfer
    monkeypatch.setenv("SEAL_PIN", SEAL_PIN)
    out = tmp_path / "chuyen.zip"
    call_command("transfer", "export", "--pupil", w.pupil.identity_number, "--out", str(out), "--user", "hieutruong",
                 "--seal-pin-env", "SEAL_PIN")
    printed = capsys.readouterr().out
    assert "1 học bạ" in printed and "/chuyen-truong/" in printed and out.stat().st_size > 0
    bad = tmp_path / "hong.zip"
    bad.write_bytes(flip_in_member(out.read_bytes(), f"records/{w.issued.record_id}.pdf"))
    with pytest.raises(CommandError, match="Từ chối gói chuyển trường"):
        call_command("transfer", "import", str(bad), "--school", w.other_school.code, "--year", "2025-2026",
                     "--class", "5A", "--user", "hieutruong2")
    call_command("transfer", "import", str(out), "--school", w.other_school.code, "--year", "2025-2026",
                 "--class", "5A", "--user", "hieutruong2", "--registry-number", "7/2025", "--joined-on", "2025-09-08")
    printed = capsys.readouterr().out
    assert "Đã nhận học sinh Nguyễn Thị Ánh Tuyết" in printed and w.issued.record_id in printed
    enrolment = Enrolment.objects.get(school_class=w.class5a)
    assert (enrolment.registry_number, enrolment.joined_on) == ("7/2025", dt.date(2025, 9, 8))


def test_from_another_deployment_the_pupil_is_created_and_the_imported_records_are_the_history(transfer):
    """As if the package came from another deployment: the pupil is unknown here, and trust in the sending
    deployment's CA is configuration (no trusted root: refused; its root given: accepted)."""
    w = transfer
    Pupil.objects.filter(pk=w.pupil.pk).update(identity_number="067214000000")  # nobody here has the number
    with pytest.raises(TransferRefused, match="không thuộc tổ chức chứng thực được hệ thống tin cậy"):
        _import(w, w.package, trust_roots=[])
    from django.conf import settings

    result = _import(w, w.package, trust_roots=[str(settings.PKI_DIR / "ca" / "root.pem")])
    assert result.pupil_created and result.pupil.pk != w.pupil.pk
    pupil = result.pupil
    assert (pupil.identity_number, pupil.full_name, pupil.school) == ("067214001234", w.pupil.full_name,
                                                                       w.other_school)
    assert (pupil.birth_date, pupil.father_name, pupil.hometown) == (w.pupil.birth_date, w.pupil.father_name,
                                                                      w.pupil.hometown)
    records, history = pupil_history(pupil)
    assert [r["school_year"] for r in records] == ["2024-2025", "2025-2026"]
    assert records[0] == w.issued.record  # from the imported record: this pupil has no issued record here
    assert [(h["school_year"], h["school_name"], h["class_name"]) for h in history] == \
        [("2024-2025", w.school.name, "4A"), ("2025-2026", w.other_school.name, "5A")]


def test_the_pupil_years_awards_travel_with_the_transfer(school, django_user_model):
    """Record format 2's fields are in the issued record, so they arrive with it (issue 19)."""
    award_add(enrolment=school.enrolment, kind="cap_tren", title="Giấy khen", level="Sở Giáo dục và Đào tạo",
              awarded_on=dt.date(2025, 4, 15), reason="Giải Nhì Hội thi Viết chữ đẹp cấp tỉnh.", by=school.owner.user)
    w = receiving_school(school, django_user_model)
    seal = signer_open(identity_for(school=w.school), SEAL_PIN)
    package = read(transfer_package_build(pupil=w.pupil, by=w.owner.user, seal_signer=seal).file)
    _import(w, package, joined_on=dt.date(2025, 9, 5))
    record = ImportedRecord.objects.get().record
    assert record["format"] == "hocbaso.record/3"
    assert record["awards"] == [{"kind": "cap_tren", "title": "Giấy khen", "level": "Sở Giáo dục và Đào tạo",
                                 "date": "2025-04-15", "reason": "Giải Nhì Hội thi Viết chữ đẹp cấp tỉnh."}]
def test_the_links_token_never_reaches_an_address_the_server_logs(transfer, client):
    """Finding 17: the bearer token is the link's fragment (never sent by a browser), posted in the body of the
    download; no address with the token in it downloads anything."""
    w = transfer
    sent, fragment = w.transfer.url.split("#")
    assert fragment == w.transfer.token and w.transfer.token not in sent
    page = client.get(urlsplit(sent).path)
    assert page.status_code == 200 and 'name="token"' in page.content.decode()
    assert client.get(f"/chuyen-truong/{w.transfer.token}/").status_code == 404  # the old, logged form
    assert client.get(f"/chuyen-truong/?token={w.transfer.token}")["Content-Type"].startswith("text/html")
    assert Transfer.objects.get().downloads == 0
    response = client.post(urlsplit(sent).path, {"token": w.transfer.token})
    assert response["Content-Type"] == "application/zip" and Transfer.objects.get().downloads == 1


def test_the_package_carries_each_records_latest_renewal_and_the_receiving_school_takes_it(long_lived,  # noqa: F811
                                                                                           django_user_model):
    """After an archive time-stamp renewal the pupil's package carries the renewed file (the same record and
    version, its long-term validation carried furthest), not the issued bytes; the receiving school checks and
    imports it, and the lookup still finds the record by that file."""
    from hocbaso.records.models import IssuedRenewal
    from hocbaso.records.renewal import archive_timestamps_renew, issued_by_hash

    w = receiving_school(long_lived, django_user_model)
    issued = IssuedRecord.objects.get(enrolment=w.enrolment)
    archive_timestamps_renew(within_days=50 * 365, records=IssuedRecord.objects.filter(pk=issued.pk))
    renewal = IssuedRenewal.objects.get(issued=issued)
    assert renewal.sha256 != issued.sha256
    seal = signer_open(identity_for(school=w.school), SEAL_PIN)
    sent = transfer_package_build(pupil=w.pupil, by=w.owner.user, seal_signer=seal)
    package = read(sent.file)
    content = members(package)[f"records/{issued.record_id}.pdf"]
    assert content == read(renewal.pdf) and content != read(issued.pdf)
    entry = transfer_package_check(package)[0].manifest["records"][0]
    assert entry["sha256"] == renewal.sha256 == hashlib.sha256(content).hexdigest()
    assert issued_by_hash(entry["sha256"]) == (issued, renewal)
    _import(w, package, joined_on=dt.date(2025, 9, 5))
    imported = ImportedRecord.objects.get()
    assert (imported.record_id, imported.version, imported.sha256) == (issued.record_id, issued.version,
                                                                        renewal.sha256)
    assert read(imported.pdf) == content
    # a certified copy the receiving school makes names this file's hash as its original: still this record
    from hocbaso.verify.files import _originals_now

    named = {"record_id": issued.record_id, "version": 1, "school_year": issued.school_year, "sha256": renewal.sha256}
    assert [o["status"] for o in _originals_now({"originals": [named]})] == ["current"]
    assert [o["status"] for o in _originals_now({"originals": [{**named, "record_id": "67000101-2425-X"}]})] == \
        ["unknown"]
