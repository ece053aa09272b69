"""Cấp bản sao: the whole history marked BẢN SAO with its number, signed by the principal, logged, verifiable."""

import io
import json
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hocbaso.audit.models import AuditEntry
from hocbaso.documents import extract_records
from hocbaso.exchange.copies.services import COPY_VERDICT, copy_file_verdict, copy_issue, provenance_read
from hocbaso.exchange.models import CertifiedCopy
from hocbaso.records.guards import LifecycleRefused
from hocbaso.records.models import IssuedRecord
from hocbaso.signing.validate import validate_pdf
from hocbaso.testing.exchange import flip_in_signed_pdf, read
from hocbaso.testing.lifecycle import open_signer, sign_and_issue
from hocbaso.testing.people import PRINCIPAL_PIN, TEACHER_PIN


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "copy.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout


def test_a_certified_copy_is_numbered_signed_by_the_principal_logged_and_recognised(school, tmp_path):
    w = school
    sign_and_issue(w)
    issued = IssuedRecord.objects.get(enrolment=w.enrolment)
    principal = open_signer(w.owner, PRINCIPAL_PIN, seal=True)
    first = copy_issue(pupil=w.pupil, by=w.owner.user, signer=principal)
    second = copy_issue(pupil=w.pupil, by=w.owner.user, signer=principal)
    assert (first.number, second.number) == (1, 2) and first.sha256 != second.sha256
    assert first.records == [{"record_id": issued.record_id, "version": 1, "school_year": "2024-2025",
                              "sha256": issued.sha256}]
    data = read(second.file)
    report = validate_pdf(data)
    assert [s["signer_name"] for s in report["signatures"]] == ["Đoàn Trung Quế"]
    assert report["trusted"] and not report["altered"] and report["signatures"][0]["field"] == "HT"
    assert report["signatures"][0]["covers_whole_file"]
    # The copy carries the issued record itself (same record id, lookup code, data).
    assert extract_records(data)["2024-2025"] == issued.record
    if shutil.which("pdftotext"):
        text = _text(data, tmp_path)
        assert "BẢN SAO" in text and "Lần cấp: 2" in text
    # Logged: the copy register and the audit log.
    assert list(CertifiedCopy.objects.values_list("number", flat=True)) == [1, 2]
    assert AuditEntry.objects.filter(action="record.copy", school_code=w.school.code).count() == 2
    # Every extract recorded: each copy of the issued record, by whom, with the copy's hash.
    extracts = list(issued.extracts.order_by("pk").values_list("form", "channel", "by", "sha256"))
    assert extracts == [("certified_copy", "copies.copy_issue:1", w.owner.user.pk, first.sha256),
                        ("certified_copy", "copies.copy_issue:2", w.owner.user.pk, second.sha256)]
    # The copy names its originals itself, covered by the principal's signature: identifier, version, the
    # issued file's SHA-256 and the copy's number (hocbaso-copy.json).
    carried = provenance_read(data)
    assert carried["copy_number"] == 2 and carried["school"]["code"] == w.school.code
    assert [(o["record_id"], o["version"], o["sha256"], o["origin"]) for o in carried["originals"]] == \
        [(issued.record_id, 1, issued.sha256, "issued")]
    assert report["signatures"][0]["covers_whole_file"]  # so the provenance is signed
    # Verifiable like an original: the file is recognised by its SHA-256; a changed byte is not.
    verdict = copy_file_verdict(data)
    assert verdict.verdict == COPY_VERDICT and "lần cấp 2" in verdict.message and w.school.name in verdict.message
    assert verdict.details["copy_number"] == 2 and verdict.details["provenance"] == "signed"
    # "bản sao của …": the original's identifier, year, version and where it stands now
    assert f"Bản sao của: học bạ {issued.record_id} (năm học 2024-2025, phiên bản 1, đang có hiệu lực)" \
        in verdict.message
    assert [(o["record_id"], o["status"]) for o in verdict.details["copy_of"]] == [(issued.record_id, "current")]
    broken = flip_in_signed_pdf(data)
    assert copy_file_verdict(broken) is None
    assert validate_pdf(broken)["altered"]


def test_only_the_principal_with_their_own_certificate_and_only_issued_records(school):
    w = school
    with pytest.raises(LifecycleRefused, match="chưa có học bạ nào đã phát hành"):
        copy_issue(pupil=w.pupil, by=w.owner.user, signer=open_signer(w.owner, PRINCIPAL_PIN, seal=True))
    sign_and_issue(w)
    with pytest.raises(LifecycleRefused, match="Chỉ hiệu trưởng"):
        copy_issue(pupil=w.pupil, by=w.member.user, signer=open_signer(w.member, TEACHER_PIN))
    with pytest.raises(LifecycleRefused, match="không phải chứng thư số đã đăng ký"):
        copy_issue(pupil=w.pupil, by=w.owner.user, signer=open_signer(w.member, TEACHER_PIN))
    assert not CertifiedCopy.objects.exists()


def test_copy_command(school, tmp_path, monkeypatch, capsys):
    w = school
    sign_and_issue(w)
    monkeypatch.setenv("HT_PIN", PRINCIPAL_PIN)
    out = tmp_path / "ban-sao.pdf"
    call_command("copy", "--pupil", w.pupil.identity_number, "--user", "hieutruong", "--out", str(out),
                 "--pin-env", "HT_PIN")
    assert "bản sao học bạ số 1" in capsys.readouterr().out
    assert copy_file_verdict(out.read_bytes()).details["copy_number"] == 1


def test_the_public_file_check_recognises_a_certified_copy(school, tmp_path):
    from hocbaso.verify.files import file_check

    w = school
    sign_and_issue(w)
    copy = copy_issue(pupil=w.pupil, by=w.owner.user, signer=open_signer(w.owner, PRINCIPAL_PIN, seal=True))
    assert file_check(read(copy.file)).verdict == COPY_VERDICT
    # `hocbaso verify` says the same: a certified copy, intact, with its number.
    path = tmp_path / "ban-sao.pdf"
    path.write_bytes(read(copy.file))
    out = io.StringIO()
    call_command("verify", str(path), stdout=out)
    report = json.loads(out.getvalue())
    assert report["status"] == "certified_copy" and report["intact"] and report["copy_number"] == copy.number
    # … and names the original it came from, from the copy's own signed provenance checked against the register
    issued = IssuedRecord.objects.get(enrolment=w.enrolment)
    assert report["copy_of"] == [{"record_id": issued.record_id, "version": 1, "school_year": "2024-2025",
                                  "sha256": issued.sha256, "status": "current", "superseded_by_version": None}]
    assert report["provenance"] == "signed" and f"Bản sao của: học bạ {issued.record_id}" in report["message"]
    # the public file page says it too, with the copy's number in the technical details
    from django.test import Client

    page = Client().post("/kiem-tra-tep/", {"tep": io.BytesIO(read(copy.file))}).content.decode()
    assert f"Bản sao của: học bạ {issued.record_id}" in page and "Bản sao lần cấp" in page
    assert "Ghi trong tệp, có chữ ký số, khớp sổ cấp bản sao" in page


def test_a_copy_without_signed_provenance_says_the_register_alone_and_a_register_at_odds_is_flagged(school,
                                                                                                     monkeypatch):
    from hocbaso.exchange.copies import services

    w = school
    sign_and_issue(w)
    principal = open_signer(w.owner, PRINCIPAL_PIN, seal=True)
    monkeypatch.setattr(services, "provenance_attach", lambda pdf, data: pdf)  # as copies were made before
    old = copy_issue(pupil=w.pupil, by=w.owner.user, signer=principal)
    assert provenance_read(read(old.file)) is None
    verdict = copy_file_verdict(read(old.file))
    assert verdict.details["provenance"] == "register" and "Bản sao của: học bạ" in verdict.message
    monkeypatch.undo()
    new = copy_issue(pupil=w.pupil, by=w.owner.user, signer=principal)
    # the register edited behind the school's back (another version named): the signed file says otherwise
    CertifiedCopy.objects.filter(pk=new.pk).update(records=[{**new.records[0], "version": 2}])
    verdict = copy_file_verdict(read(new.file))
    assert verdict.details["provenance"] == "mismatch" and "khác với sổ cấp bản sao" in verdict.message


def test_a_copy_missing_from_the_register_still_names_its_originals_from_its_signed_provenance(school, tmp_path):
    """As after a restore into another installation (copies are not archived): the register does not know the file,
    its signature holds, and the signed hocbaso-copy.json names the originals, found in the registry by hash."""
    w = school
    sign_and_issue(w)
    issued = IssuedRecord.objects.get(enrolment=w.enrolment)
    copy = copy_issue(pupil=w.pupil, by=w.owner.user, signer=open_signer(w.owner, PRINCIPAL_PIN, seal=True))
    data = read(copy.file)
    CertifiedCopy.objects.filter(pk=copy.pk).delete()
    path = tmp_path / "ban-sao.pdf"
    path.write_bytes(data)
    out = io.StringIO()
    call_command("verify", str(path), stdout=out)
    report = json.loads(out.getvalue())
    assert report["verdict"] == "valid_not_issued" and report["intact"] and report["trusted"]
    assert report["copy_number"] == 1 and report["provenance"] == "unlogged"
    assert report["copy_of"] == [{"record_id": issued.record_id, "version": 1, "school_year": "2024-2025",
                                  "sha256": issued.sha256, "status": "current", "superseded_by_version": None}]
    assert "không có trong sổ cấp bản sao của hệ thống này" in report["reason"]
    # a byte changed: the signature no longer holds, and nothing is said of the originals
    path.write_bytes(flip_in_signed_pdf(data))
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("verify", str(path), stdout=out)
    report = json.loads(out.getvalue())
    assert failed.value.returncode == 1 and report["verdict"] == "altered" and "copy_of" not in report
