"""The signed record XML inside the record's PDF (signing.xml_pdf): added before the teacher's PAdES signature,
replaced with one more XAdES signature before the principal's and the seal's; pdfsig still finds every signature
valid and the last one covering the whole file, pdfdetach lists the XML, and our validator accepts exactly this
change (a replaced XML whose record differs, or that drops an earlier signature, makes the file altered)."""

import shutil
import subprocess

import pytest
from cryptography import x509

from hocbaso.documents.render import render_year
from hocbaso.signing.pades import SignJob
from hocbaso.signing.signers import BuiltinSigner
from hocbaso.signing.validate import validate_pdf
from hocbaso.signing.xades import ROLE_PRINCIPAL, ROLE_SEAL, ROLE_TEACHER, xades_sign, xades_verify
from hocbaso.signing.xml_pdf import pdf_xml_attach, pdf_xml_read, pdf_xml_replace, xml_update_allowed
from hocbaso.testing.people import PRINCIPAL_PIN, SEAL_PIN, TEACHER_PIN
from hocbaso.tt27.record_xml import record_from_xml, record_to_xml
from hocbaso.tt27.tests.factories import issuance, valid_record

PEPPER = b"deployment-pepper"
RECORD = valid_record(issuance=issuance(), outcome="HTT", completed_grade=True)


def _step(pki_identity, pin, role, field, pdf, *, first=False, tamper=None):
    with BuiltinSigner(pki_identity, pin, pepper=PEPPER) as signer:
        xml = record_to_xml(RECORD) if first else pdf_xml_read(pdf)
        xml = xades_sign(signer, [xml], role=role)[0]
        if tamper:
            xml = tamper(xml)
        pdf = pdf_xml_attach(pdf, xml) if first else pdf_xml_replace(pdf, xml)
        return signer.sign_batch([SignJob(pdf, field)])[0]


@pytest.fixture(scope="module")
def teacher_signed(pki):
    return _step(pki.teacher, TEACHER_PIN, ROLE_TEACHER, "GVCN", render_year(RECORD), first=True)


@pytest.fixture(scope="module")
def issued(pki, teacher_signed):
    pdf = _step(pki.principal, PRINCIPAL_PIN, ROLE_PRINCIPAL, "HT", teacher_signed)
    return _step(pki.seal, SEAL_PIN, ROLE_SEAL, "SEAL", pdf)


def test_the_issued_pdf_carries_the_xml_with_three_signatures(issued, pki):
    xml = pdf_xml_read(issued)
    assert record_from_xml(xml) == RECORD
    found = xades_verify(xml, [x509.load_pem_x509_certificate(pki.ca.root_pem_path.read_bytes())])
    assert [(s["role"], s["intact"], s["trusted"]) for s in found] == [
        (ROLE_TEACHER[1], True, True), (ROLE_PRINCIPAL[1], True, True), (ROLE_SEAL[1], True, True)]


def test_our_validator_accepts_the_replaced_xml(issued, pki):
    result = validate_pdf(issued, [pki.ca.root_pem_path])
    assert not result["altered"] and result["trusted"]
    assert [s["field"] for s in result["signatures"]] == ["GVCN", "HT", "SEAL"]
    assert result["signatures"][-1]["covers_whole_file"]


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils is not installed")
def test_pdfsig_and_pdfdetach(issued, tmp_path):
    path = tmp_path / "record.pdf"
    path.write_bytes(issued)
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60).stdout
    assert report.count("Signature Validation: Signature is Valid.") == 3
    assert report.rstrip().split("Signature #3:")[1].count("Total document signed") == 1
    listing = subprocess.run(["pdfdetach", "-list", str(path)], capture_output=True, text=True, timeout=60).stdout
    assert "hocbaso-record.xml" in listing and "hocbaso-record.json" in listing


def test_an_xml_with_a_changed_record_makes_the_file_altered(pki, teacher_signed):
    tampered = _step(pki.principal, PRINCIPAL_PIN, ROLE_PRINCIPAL, "HT", teacher_signed,
                     tamper=lambda xml: xml.replace(b"<outcome>HTT</outcome>", b"<outcome>HTXS</outcome>"))
    result = validate_pdf(tampered, [pki.ca.root_pem_path])
    assert result["altered"]
    assert [s["changes_allowed"] for s in result["signatures"]] == [False, True]


def test_xml_update_rule():
    xml = record_to_xml(RECORD)
    assert xml_update_allowed(xml, xml)
    assert not xml_update_allowed(xml, xml.replace(b"<grade>4</grade>", b"<grade>5</grade>"))
    assert not xml_update_allowed(xml, b"<not-a-record/>")


def test_dropping_an_earlier_xades_signature_is_not_allowed(teacher_signed):
    signed = pdf_xml_read(teacher_signed)
    start, end = signed.index(b"<ds:Signature "), signed.index(b"</ds:Signature>") + len(b"</ds:Signature>")
    assert xml_update_allowed(signed, signed)
    assert not xml_update_allowed(signed, signed[:start] + signed[end:])


@pytest.mark.parametrize("workers", [1, 2])
def test_xml_pades_batch_signs_the_xml_and_the_pdf_in_one_pass(pki, tsa, settings, workers):
    """``XmlPadesBatch`` (the XML's finish and the PAdES update in one worker pass, the documents never sent back
    whole): with and without the worker processes, with a TSA (B-T), a batch of PARALLEL_MIN + 1 documents of
    which one has no record XML: that one is PAdES-signed as it was; the others carry the XML with two XAdES
    signatures, each time-stamped, and two valid PAdES signatures, the last covering the whole file."""
    from hocbaso.signing.pades import PARALLEL_MIN, PadesSettings
    from hocbaso.signing.xml_batches import XmlPadesBatch

    settings.SIGN_WORKERS = workers
    draft = render_year(RECORD)
    roots = [x509.load_pem_x509_certificate(pki.ca.root_pem_path.read_bytes())]
    count = PARALLEL_MIN + 1
    options = {"pepper": PEPPER, "settings": PadesSettings(tsa_url=tsa.url)}
    with BuiltinSigner(pki.teacher, TEACHER_PIN, **options) as signer:
        batch = XmlPadesBatch(signer, [draft] * count, role=ROLE_TEACHER, records=[RECORD] * count)
        stored = {}
        teacher = batch.sign(lambda i, pdf: SignJob(pdf, "GVCN"), each=lambda i, pdf: stored.setdefault(i, pdf))
    assert stored == dict(enumerate(teacher))
    plain = render_year(RECORD)  # no XML: left as it is, then signed
    with BuiltinSigner(pki.principal, PRINCIPAL_PIN, **options) as signer:
        batch = XmlPadesBatch(signer, [*teacher[1:], plain], role=ROLE_PRINCIPAL, certificates=True)
        assert batch.certificates[-1] is None and all(len(c) >= 2 for c in batch.certificates[:-1])  # GVCN + its TSA
        indices = [0, 5, count - 1]  # a subset, the XML-less one included
        principal = batch.sign(lambda i, pdf: SignJob(pdf, "HT"), indices=indices)
    assert len(principal) == 3
    for pdf in principal[:2]:
        found = xades_verify(pdf_xml_read(pdf), roots)
        assert [(s["role"], s["intact"], s["trusted"], s["timestamped"]) for s in found] == [
            (ROLE_TEACHER[1], True, True, True), (ROLE_PRINCIPAL[1], True, True, True)]
        result = validate_pdf(pdf, [pki.ca.root_pem_path])
        assert not result["altered"] and result["trusted"]
        assert [(s["field"], s["level"]) for s in result["signatures"]] == [("GVCN", "B-T"), ("HT", "B-T")]
        assert result["signatures"][-1]["covers_whole_file"]
    assert pdf_xml_read(principal[2]) is None
    assert principal[2].startswith(plain)
    result = validate_pdf(principal[2], [pki.ca.root_pem_path])
    assert [s["field"] for s in result["signatures"]] == ["HT"] and result["trusted"]
