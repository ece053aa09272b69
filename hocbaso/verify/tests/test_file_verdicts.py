"""The file check's five verdicts on REAL records: issued by the lifecycle services (class_sign → school_sign →
records_issue, two signatures each), superseded by a correction's version 2, signed by a foreign CA, altered
by one byte, and files that are not signed PDFs. Through the page (/kiem-tra-tep/) and the JSON API."""

import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hocbaso.records.models import IssuedRecord
from hocbaso.signing.ca import TITLE_PRINCIPAL, TITLE_TEACHER, CertificateAuthority
from hocbaso.signing.pades import SignJob
from hocbaso.signing.signers import BuiltinSigner
from hocbaso.signing.testing.pdfs import PRINCIPAL_BOX, TEACHER_BOX, simple_pdf
from hocbaso.testing.lifecycle import correct_and_reissue, sign_and_issue
from hocbaso.verify.files import VERDICTS, file_check

pytestmark = pytest.mark.slow


def read(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def flip_signed_byte(data: bytes) -> bytes:
    """One bit flipped inside the first revision's first content stream (covered by both signatures)."""
    at = data.index(b"stream", data.index(b"/FlateDecode")) + 40
    changed = bytearray(data)
    changed[at] ^= 0x01
    return bytes(changed)


@pytest.fixture
def issued(school):
    """Three records issued through the lifecycle; version 1 of the first pupil, read back from storage."""
    sign_and_issue(school)
    return IssuedRecord.objects.get(enrolment=school.enrolment)


@pytest.fixture
def foreign_signed(tmp_path):
    """A two-signature PDF made with a CA that is not this deployment's: valid signatures, not issued here."""
    ca = CertificateAuthority.create(tmp_path / "foreign-pki", b"another-passphrase", name="Foreign",
                                     organisation="Foreign CA", pepper=b"pepper")
    teacher = ca.issue_person("t", full_name="Lê Thị Hoa", title=TITLE_TEACHER,
                              organisation="Trường Tiểu học Thử Nghiệm", pin="111111")
    principal = ca.issue_person("p", full_name="Đoàn Trung Quế", title=TITLE_PRINCIPAL,
                                organisation="Trường Tiểu học Thử Nghiệm", pin="222222")
    with BuiltinSigner(teacher, "111111", pepper=ca.pepper) as first, \
            BuiltinSigner(principal, "222222", pepper=ca.pepper, seal=True) as second:
        [once] = first.sign_batch([SignJob(simple_pdf(seed=7), "GVCN", box=TEACHER_BOX)])
        [twice] = second.sign_batch([SignJob(once, "HieuTruong", box=PRINCIPAL_BOX)])
    return twice


def check_page(client, data: bytes, name="hoc-ba.pdf"):
    page = client.post(reverse("verify:file"), {"tep": SimpleUploadedFile(name, data, "application/pdf")})
    assert page.status_code == 200
    return page.content.decode()


def visible_verdict(html: str) -> str:
    """The plain-language verdict line, as shown above the folded technical details."""
    found = re.search(r'<p class="status verdict-[a-z_]+"[^>]*>(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def assert_plain_with_details_folded(html: str, verdict: str):
    """The verdict in plain Vietnamese first; hashes, certificates and JSON only inside <details>."""
    before, _, after = html.partition("<details")
    assert f"verdict-{verdict}" in before and VERDICTS[verdict].split("{")[0][:40] in before
    assert "Chi tiết kỹ thuật" in after
    for technical in ('"sha256"', "ByteRange", "intact", "covers_whole_file", "trust_problem"):
        assert technical not in before, technical


def test_issued_pdf_is_authentic_and_current(client, issued, school):
    data = read(issued.pdf)
    verdict = file_check(data)
    assert verdict.verdict == "authentic_current" and verdict.sha256 == issued.sha256
    assert verdict.record["record_id"] == issued.record_id and verdict.record["version"] == 1
    assert verdict.record["pupil_name_masked"] == "Nguyễn T. Á. Tuyết"
    assert [s["name"] for s in verdict.signatures][:2] == ["Lê Thị Hoa", "Đoàn Trung Quế"]
    html = check_page(client, data)
    assert visible_verdict(html) == VERDICTS["authentic_current"]
    assert_plain_with_details_folded(html, "authentic_current")
    assert "Lê Thị Hoa" in html and "Nguyễn Thị Ánh Tuyết" not in html
    api = client.post(reverse("verify:api_file"), data, content_type="application/pdf").json()
    assert api["verdict"] == "authentic_current" and api["record"]["record_id"] == issued.record_id


def test_version_one_after_a_correction_is_authentic_but_superseded(client, issued, school):
    w = school
    correct_and_reissue(w)
    v2 = IssuedRecord.objects.get(enrolment=w.enrolment, version=2)

    old = file_check(read(issued.pdf))
    assert old.verdict == "authentic_superseded" and "phiên bản 2" in old.message
    assert old.record["superseded_by_version"] == 2
    html = check_page(client, read(issued.pdf))
    assert visible_verdict(html) == VERDICTS["authentic_superseded"].format(version=2)
    assert_plain_with_details_folded(html, "authentic_superseded")

    new = file_check(read(v2.pdf))
    assert new.verdict == "authentic_current" and new.record["version"] == 2


def test_pdf_signed_by_a_foreign_ca_is_valid_but_not_issued_here(client, issued, foreign_signed):
    verdict = file_check(foreign_signed)
    assert verdict.verdict == "valid_not_issued"
    assert [s["signer_name"] for s in verdict.signatures] == ["Lê Thị Hoa", "Đoàn Trung Quế"]
    assert all(s["intact"] and s["valid"] and not s["trusted"] for s in verdict.signatures)
    assert "không thuộc" in verdict.message  # says plainly that the certificates are not trusted
    html = check_page(client, foreign_signed)
    assert visible_verdict(html) == verdict.message
    assert_plain_with_details_folded(html, "valid_not_issued")
    assert "Foreign" in html.partition("<details")[2]  # the issuer is among the details


def test_one_altered_byte_is_altered(client, issued):
    broken = flip_signed_byte(read(issued.pdf))
    verdict = file_check(broken)
    assert verdict.verdict == "altered"
    assert len(verdict.signatures) == 3 and not any(s["intact"] for s in verdict.signatures)
    html = check_page(client, broken)
    assert visible_verdict(html) == VERDICTS["altered"]
    assert_plain_with_details_folded(html, "altered")
    api = client.post(reverse("verify:api_file"), broken, content_type="application/pdf").json()
    assert api["verdict"] == "altered"


def test_a_byte_that_breaks_the_file_structure_is_still_altered_not_not_a_pdf(issued):
    """Damage in the signed bytes' structure (here the cross-reference offsets) must not read as 'not a PDF'."""
    data = read(issued.pdf)
    at = data.rindex(b"startxref") + len(b"startxref\n")
    broken = data[:at] + (b"9" if data[at:at + 1] != b"9" else b"8") + data[at + 1:]
    assert file_check(broken).verdict == "altered"


def test_unsigned_pdf_and_not_a_pdf(client, db):
    assert file_check(simple_pdf()).verdict == "not_signed"
    html = check_page(client, simple_pdf())
    assert visible_verdict(html) == VERDICTS["not_signed"]
    assert_plain_with_details_folded(html, "not_signed")
    for junk in (b"PK\x03\x04 a word file", b"", "Học bạ".encode()):
        assert file_check(junk).verdict == "not_pdf"
    html = check_page(client, b"GIF89a not a pdf", name="anh.gif")
    assert visible_verdict(html) == VERDICTS["not_pdf"]
