"""The issuance flow the three signer kinds share: the homeroom teacher signs every record in the teacher's
box, then the principal signs (with the school-bound certificate: the seal) in the principal's box."""

from hocbaso.signing.pades import SignJob
from hocbaso.signing.testing.pdfs import PRINCIPAL_BOX, TEACHER_BOX
from hocbaso.signing.validate import validate_pdf
from hocbaso.testing.poppler import pdfsig


def issue(teacher, principal, pdfs: list[bytes]) -> list[bytes]:
    signed = teacher.sign_batch([SignJob(pdf, "GVCN", box=TEACHER_BOX) for pdf in pdfs])
    return principal.sign_batch([SignJob(pdf, "HieuTruong", box=PRINCIPAL_BOX) for pdf in signed])


def flip_signed_byte(data: bytes) -> bytes:
    """One byte changed inside the first revision's page text (covered by both signatures)."""
    at = data.index(b"Hoc ba so") + 2
    changed = bytearray(data)
    changed[at] ^= 0x01
    return bytes(changed)


def assert_issued(data: bytes, tmp_path, trust_roots, teacher: str, principal: str) -> dict:
    """pdfsig and validate_pdf agree: two valid signatures, the last covering the whole file; one changed
    byte makes both report it."""
    report = pdfsig(data, tmp_path, "issued.pdf")
    assert len(report) == 2
    assert [r["Signature Field Name"] for r in report] == ["GVCN", "HieuTruong"]
    assert [r["Signer Certificate Common Name"] for r in report] == [teacher, principal]
    assert all(r["Signature Validation"] == "Signature is Valid." for r in report)
    assert "Not total document signed" in report[0]
    assert "Total document signed" in report[1]

    result = validate_pdf(data, trust_roots=trust_roots)
    sigs = result["signatures"]
    assert not result["altered"] and result["trusted"]
    assert [s["signer_name"] for s in sigs] == [teacher, principal]
    assert [s["role"] for s in sigs] == ["Giáo viên chủ nhiệm", "Hiệu trưởng"]
    assert all(s["intact"] and s["valid"] and s["trusted"] for s in sigs)
    assert [s["covers_whole_file"] for s in sigs] == [False, True]
    assert sigs[0]["modification_level"] == "FORM_FILLING" and sigs[1]["modification_level"] == "NONE"
    assert [s["revision"] for s in sigs] == [1, 2]

    broken = flip_signed_byte(data)
    report = pdfsig(broken, tmp_path, "broken.pdf")
    assert len(report) == 2
    assert all(r["Signature Validation"] != "Signature is Valid." for r in report), report
    result = validate_pdf(broken, trust_roots=trust_roots)
    assert result["altered"]
    assert not any(s["intact"] for s in result["signatures"])
    return result
