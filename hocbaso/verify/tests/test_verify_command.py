"""``hocbaso verify FILE.pdf`` on real two-signature PDFs (homeroom teacher, then principal as an incremental
update) made with ``hocbaso.signing`` and a built-in CA in a temporary directory."""

import datetime as dt
import hashlib
import io
import json
from io import StringIO

import pikepdf
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from hocbaso.records.codes import new_lookup_code, new_record_id
from hocbaso.records.models import IssuedRecord, RecordWithdrawal
from hocbaso.signing.ca import TITLE_PRINCIPAL, TITLE_TEACHER, CertificateAuthority
from hocbaso.signing.pades import SignJob
from hocbaso.signing.signers import BuiltinSigner
from hocbaso.signing.testing.pdfs import PRINCIPAL_BOX, TEACHER_BOX, simple_pdf

SCHOOL = "Trường Tiểu học Thử Nghiệm"
TEACHER, PRINCIPAL = "Lê Thị Hoa", "Đoàn Trung Quế"
TEACHER_PIN, PRINCIPAL_PIN = "246810", "135790"
CODES = [new_lookup_code() for _ in range(3)]


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    ca = CertificateAuthority.create(tmp_path_factory.mktemp("pki"), b"ca-passphrase", name="hocbaso test",
                                     organisation="hocbaso", pepper=b"deployment-pepper")
    teacher = ca.issue_person("staff-1", full_name=TEACHER, title=TITLE_TEACHER, organisation=SCHOOL,
                              pin=TEACHER_PIN)
    principal = ca.issue_person("staff-2", full_name=PRINCIPAL, title=TITLE_PRINCIPAL, organisation=SCHOOL,
                                pin=PRINCIPAL_PIN)
    return ca, teacher, principal


def with_record(pdf: bytes, lookup_code: str, version: int) -> bytes:
    """The PDF with a hocbaso.record/1 attached, as the renderer attaches it (issuance block included)."""
    record = {"format": "hocbaso.record/1", "school_year": "2024-2025", "class_name": "4A",
              "pupil": {"full_name": "Nguyễn Thị Ánh Tuyết"},
              "issuance": {"record_id": "67000199-2425-TEST", "lookup_code": lookup_code, "version": version}}
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        doc.attachments["hocbaso-record.json"] = pikepdf.AttachedFileSpec(
            doc, json.dumps(record, ensure_ascii=False).encode("utf-8"), mime_type="application/json")
        out = io.BytesIO()
        doc.save(out, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def sign_twice(pki, pdfs: list[bytes]) -> list[bytes]:
    ca, teacher_id, principal_id = pki
    with BuiltinSigner(teacher_id, TEACHER_PIN, pepper=ca.pepper) as teacher, \
            BuiltinSigner(principal_id, PRINCIPAL_PIN, pepper=ca.pepper, seal=True) as principal:
        signed = teacher.sign_batch([SignJob(pdf, "GVCN", box=TEACHER_BOX) for pdf in pdfs])
        return principal.sign_batch([SignJob(pdf, "HieuTruong", box=PRINCIPAL_BOX) for pdf in signed])


@pytest.fixture(scope="module")
def sources():
    return [with_record(simple_pdf(seed=i), CODES[i], version=i + 1) for i in range(2)]


@pytest.fixture(scope="module")
def signed(pki, sources):
    """Version 1 and version 2 of a record, each signed by the teacher and the principal."""
    return sign_twice(pki, sources)


@pytest.fixture
def trusted(settings, pki, tmp_path):
    settings.HOCBASO_TRUST_ROOTS = [str(pki[0].root_pem_path)]
    settings.PKI_DIR = tmp_path / "no-builtin-ca"


def flip_signed_byte(data: bytes) -> bytes:
    """One byte changed inside the first revision's page text (covered by both signatures)."""
    at = data.index(b"Hoc ba so") + 2
    changed = bytearray(data)
    changed[at] ^= 0x01
    return bytes(changed)


def verify(tmp_path, data: bytes, *args) -> tuple[int, dict]:
    path = tmp_path / "hoc-ba.pdf"
    path.write_bytes(data)
    out = StringIO()
    try:
        call_command("verify", str(path), *args, stdout=out)
    except CommandError as error:
        return error.returncode, json.loads(out.getvalue()) if out.getvalue() else {"error": str(error)}
    return 0, json.loads(out.getvalue())


def register(world, data: bytes, *, version=1, supersedes=None, lookup_code=None) -> IssuedRecord:
    return IssuedRecord.objects.create(
        record_id=new_record_id("67000199", "2024-2025"), lookup_code=lookup_code or new_lookup_code(),
        enrolment=world.enrolment, version=version, supersedes=supersedes, school_code="67000199",
        school_year="2024-2025", class_name="4A", pupil_name="Nguyễn Thị Ánh Tuyết",
        pupil_birth_date=dt.date(2014, 9, 2), identity_number="067214001234", effective_date=dt.date(2025, 6, 1),
        issued_at=timezone.now(), issued_by=world.owner.user, sha256=hashlib.sha256(data).hexdigest(),
        pdf=f"records/test-v{version}.pdf", record={"outcome": "HTT"},
        signers=[{"name": TEACHER, "role": "Giáo viên chủ nhiệm"}, {"name": PRINCIPAL, "role": "Hiệu trưởng"}])


def test_intact_unregistered_file_lists_both_signatures(db, trusted, signed, tmp_path):
    code, report = verify(tmp_path, signed[0])
    assert code == 0
    assert report["intact"] and report["trusted"] and report["signed"]
    assert report["registry_match"] is False and report["status"] == "unknown"
    assert report["verdict"] == "valid_not_issued"
    assert report["lookup_code"] == CODES[0]
    teacher, principal = report["signatures"]
    assert [teacher["signer_name"], principal["signer_name"]] == [TEACHER, PRINCIPAL]
    assert [teacher["role"], principal["role"]] == ["Giáo viên chủ nhiệm", "Hiệu trưởng"]
    assert f"Common Name: {TEACHER}" in teacher["subject"] and SCHOOL in teacher["subject"]
    for signature in (teacher, principal):
        assert signature["intact"] and signature["valid"] and signature["trusted"]
        when = dt.datetime.fromisoformat(signature["signing_time"])
        assert abs((timezone.now() - when).total_seconds()) < 600
    assert [teacher["covers_whole_file"], principal["covers_whole_file"]] == [False, True]


def test_one_flipped_byte_is_reported_as_not_intact(db, trusted, signed, tmp_path):
    code, report = verify(tmp_path, flip_signed_byte(signed[0]))
    assert code == 1
    assert report["verdict"] == "altered" and report["intact"] is False
    assert len(report["signatures"]) == 2
    assert not any(s["intact"] for s in report["signatures"])
    assert report["status"] == "unknown" and report["registry_match"] is False


def test_trust_comes_from_configured_roots(db, settings, pki, signed, tmp_path):
    settings.HOCBASO_TRUST_ROOTS = []
    settings.PKI_DIR = tmp_path / "no-builtin-ca"
    code, report = verify(tmp_path, signed[0])
    assert code == 0 and report["intact"]  # intact, ...
    assert not report["trusted"] and not any(s["trusted"] for s in report["signatures"])  # ... but not trusted
    code, report = verify(tmp_path, signed[0], "--trust-root", str(pki[0].root_pem_path))
    assert code == 0 and report["trusted"] and all(s["trusted"] for s in report["signatures"])
    assert settings.HOCBASO_TRUST_ROOTS == []  # the option does not leak into the process's settings


def test_current_and_superseded_versions(world, trusted, signed, tmp_path):
    version1 = register(world, signed[0], lookup_code=CODES[0])
    register(world, signed[1], version=2, supersedes=version1, lookup_code=CODES[1])

    code, report = verify(tmp_path, signed[0])
    assert code == 0 and report["registry_match"] is True
    assert report["status"] == "superseded" and report["superseded_by_version"] == 2
    assert report["version"] == 1 and report["record_id"] == version1.record_id
    assert report["lookup_code"] == CODES[0]
    assert [s["signer_name"] for s in report["signatures"]] == [TEACHER, PRINCIPAL]
    assert all(s["intact"] and s["trusted"] for s in report["signatures"])

    code, report = verify(tmp_path, signed[1])
    assert code == 0 and report["registry_match"] is True
    assert report["status"] == "current" and report["superseded_by_version"] is None and report["version"] == 2


def test_withdrawn_record(world, trusted, signed, tmp_path):
    issued = register(world, signed[0], lookup_code=CODES[0])
    RecordWithdrawal.objects.create(issued_record=issued, reason="Nhầm học sinh", withdrawn_by=world.owner.user)
    code, report = verify(tmp_path, signed[0])
    assert code == 0 and report["registry_match"] and report["status"] == "withdrawn"


def test_resigned_copy_carrying_an_issued_lookup_code_is_altered(world, trusted, pki, sources, signed, tmp_path):
    """Same source signed again (validly) is not the issued file: the registry knows its lookup code."""
    register(world, signed[0], lookup_code=CODES[0])
    [again] = sign_twice(pki, sources[:1])
    assert again != signed[0]
    code, report = verify(tmp_path, again)
    assert code == 1 and report["verdict"] == "altered" and report["registry_match"] is False
    assert all(s["intact"] for s in report["signatures"]) and "reason" in report


def test_unsigned_pdf_and_not_a_pdf(db, trusted, tmp_path):
    code, report = verify(tmp_path, simple_pdf())
    assert code == 2 and report["verdict"] == "not_signed" and report["signatures"] == []
    code, report = verify(tmp_path, b"hello, not a pdf")
    assert code == 2 and report["verdict"] == "not_pdf"


def test_missing_file(db, tmp_path):
    with pytest.raises(CommandError) as raised:
        call_command("verify", str(tmp_path / "missing.pdf"), stdout=StringIO())
    assert raised.value.returncode == 2


def test_console_command(pki, signed, tmp_path):
    """Through the real console entry point on an empty data folder: JSON on stdout, exit 0 then 1."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "HOCBASO_DATA_DIR": str(tmp_path / "data"), "DJANGO_SETTINGS_MODULE": "hocbaso.settings",
           "HOCBASO_TRUST_ROOTS": str(pki[0].root_pem_path)}
    env.pop("DATABASE_URL", None)
    good, broken = tmp_path / "good.pdf", tmp_path / "broken.pdf"
    good.write_bytes(signed[0])
    broken.write_bytes(flip_signed_byte(signed[0]))
    done = subprocess.run([sys.executable, "-m", "hocbaso", "verify", str(good)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["intact"] and report["trusted"] and report["status"] == "unknown"
    done = subprocess.run([sys.executable, "-m", "hocbaso", "verify", str(broken)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 1
    assert json.loads(done.stdout)["intact"] is False
    assert "đã bị thay đổi" in done.stderr
