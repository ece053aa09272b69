"""PAdES details: invisible and visible signatures, both kinds of cross-reference, the Vietnamese stamp,
B-T with a local time-stamping server, refusing to sign a field twice, a third (seal) signature, keys kept
for the batch, and one CSC authorisation for a 30-document class."""

import re
import subprocess

import pytest

from hocbaso.signing.ca import Identity
from hocbaso.signing.errors import WrongPinError
from hocbaso.signing.pades import AlreadySignedError, PadesSettings, SignJob, signature_fields
from hocbaso.signing.signers import BuiltinSigner, CscSigner
from hocbaso.signing.testing.pdfs import PRINCIPAL_BOX, TEACHER_BOX, simple_pdf
from hocbaso.signing.validate import validate_pdf
from hocbaso.testing.people import PRINCIPAL, PRINCIPAL_PIN, SCHOOL, SEAL_PIN, TEACHER, TEACHER_PIN
from hocbaso.testing.poppler import pdfsig
from hocbaso.testing.tools import require_program

from .flows import assert_issued, issue


@pytest.fixture
def teacher(pki):
    with BuiltinSigner(pki.teacher, TEACHER_PIN, pepper=pki.ca.pepper) as signer:
        yield signer


@pytest.fixture
def principal(pki):
    with BuiltinSigner(pki.principal, PRINCIPAL_PIN, pepper=pki.ca.pepper, seal=True) as signer:
        yield signer


def text_of(data: bytes, tmp_path) -> str:
    require_program("pdftotext", "poppler-utils")
    path = tmp_path / "t.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_wrong_pin_is_refused_before_any_document(pki):
    with pytest.raises(WrongPinError, match="Mã PIN ký số không đúng"):
        BuiltinSigner(pki.teacher, "999999", pepper=pki.ca.pepper)


def test_stamps_show_name_role_school_and_time_in_vietnamese(teacher, principal, pdfs, tmp_path):
    [issued] = issue(teacher, principal, pdfs[:1])
    text = " ".join(text_of(issued, tmp_path).split())
    assert f"Ký bởi: {TEACHER}" in text and "Giáo viên chủ nhiệm" in text
    assert "Ký bởi: Đoàn Trung Quế" in text and "Hiệu trưởng" in text and f"Đóng dấu: {SCHOOL}" in text
    assert len(re.findall(r"Ký ngày \d{2}/\d{2}/\d{4} \d{2}:\d{2}", text)) == 2


def test_invisible_signature_and_cross_reference_streams(teacher, principal, tmp_path):
    source = simple_pdf(xref_stream=True)
    assert b"/XRef" in source
    once = teacher.sign_batch([SignJob(source, "GVCN")])[0]  # invisible
    twice = principal.sign_batch([SignJob(once, "HieuTruong", box=PRINCIPAL_BOX)])[0]
    assert twice.startswith(once) and once.startswith(source)  # incremental: earlier bytes untouched
    report = pdfsig(twice, tmp_path)
    assert [r["Signature Validation"] for r in report] == ["Signature is Valid."] * 2
    result = validate_pdf(twice, trust_roots=[teacher.identity.directory.parent.parent / "ca" / "root.pem"])
    assert not result["altered"] and [s["covers_whole_file"] for s in result["signatures"]] == [False, True]
    assert signature_fields(twice) == {"GVCN": True, "HieuTruong": True}
    assert signature_fields(source) == {}


def test_a_large_batch_is_prepared_on_worker_processes(teacher, principal, pki, pdfs, tmp_path, settings):
    from hocbaso.signing import pades

    settings.SIGN_WORKERS = 2  # HOCBASO_SIGN_WORKERS=2
    batch = pdfs * 2  # 20 documents: over PARALLEL_MIN, so the updates are prepared in the pool
    assert len(batch) >= pades.PARALLEL_MIN
    issued = issue(teacher, principal, batch)
    assert pades._pool is not None  # the worker pool did the preparing
    assert [doc.startswith(source) for doc, source in zip(issued, batch)] == [True] * len(batch)
    for index in (0, 13, 19):  # first, middle (a later chunk), last: each its own document, both signatures valid
        assert_issued(issued[index], tmp_path, [pki.ca.root_pem_path], TEACHER, PRINCIPAL)
    # Each document is handed over as soon as it is signed (the caller stores it while the rest are prepared).
    for jobs in ([SignJob(doc, "GVCN", box=TEACHER_BOX) for doc in batch],  # through the pool
                 [SignJob(doc, "GVCN", box=TEACHER_BOX) for doc in batch[:2]]):  # in this process
        seen = []
        signed = teacher.sign_batch(jobs, each=lambda index, pdf: seen.append((index, pdf)))
        assert seen == list(enumerate(signed)) and len(signed) == len(jobs)
    # A document already signed in that field fails the whole batch from the worker, with the usual error.
    with pytest.raises(AlreadySignedError, match="GVCN"):
        teacher.sign_batch([SignJob(doc, "GVCN", box=TEACHER_BOX) for doc in issued])


def test_a_field_is_never_signed_twice(teacher, pdfs):
    once = teacher.sign_batch([SignJob(pdfs[0], "GVCN", box=TEACHER_BOX)])[0]
    with pytest.raises(AlreadySignedError, match="GVCN"):
        teacher.sign_batch([SignJob(once, "GVCN", box=TEACHER_BOX)])


def test_school_seal_can_be_a_third_signature(teacher, principal, pki, pdfs, tmp_path):
    [issued] = issue(teacher, principal, pdfs[:1])
    with BuiltinSigner(pki.seal, SEAL_PIN, pepper=pki.ca.pepper) as seal:
        assert seal.describe()["name"] == SCHOOL and seal.describe()["role"] == ""
        sealed = seal.sign_batch([SignJob(issued, "ConDau")])[0]
    assert [r["Signature Validation"] for r in pdfsig(sealed, tmp_path)] == ["Signature is Valid."] * 3
    result = validate_pdf(sealed, trust_roots=[pki.ca.root_pem_path])
    assert not result["altered"] and result["trusted"]
    assert [s["signer_name"] for s in result["signatures"]][-1] == SCHOOL


def test_b_t_with_a_local_time_stamping_server(pki, tsa, pdfs, tmp_path):
    before = tsa.requests
    settings = PadesSettings(tsa_url=tsa.url)
    with BuiltinSigner(pki.teacher, TEACHER_PIN, pepper=pki.ca.pepper, settings=settings) as teacher, \
            BuiltinSigner(pki.principal, PRINCIPAL_PIN, pepper=pki.ca.pepper, settings=settings) as principal:
        issued = issue(teacher, principal, pdfs[:2])
    # one token per signature, plus one probe of a token's size the first time this process asks this server
    assert tsa.requests - before in (2 * 2, 2 * 2 + 1)
    result = validate_pdf(issued[1], trust_roots=[pki.ca.root_pem_path])
    assert not result["altered"]
    for sig in result["signatures"]:
        assert sig["level"] == "B-T" and sig["timestamp_valid"] and sig["timestamp"]
    assert all(r["Signature Validation"] == "Signature is Valid." for r in pdfsig(issued[1], tmp_path))


def test_the_key_is_unlocked_once_and_kept_for_the_batch(pki, pdfs, monkeypatch):
    signer = BuiltinSigner(pki.teacher, TEACHER_PIN, pepper=pki.ca.pepper)

    def refuse(*args, **kwargs):
        raise AssertionError("the key file was read again")

    monkeypatch.setattr(Identity, "unlock", refuse)
    seen = []
    signed = signer.sign_batch([SignJob(pdf, "GVCN", box=TEACHER_BOX) for pdf in pdfs],
                               progress=lambda done, total: seen.append((done, total)))
    assert len(signed) == len(pdfs)
    assert seen == [(i, len(pdfs)) for i in range(1, len(pdfs) + 1)]
    signer.close()
    with pytest.raises(Exception, match="nhập lại mã PIN"):
        signer.sign_batch([SignJob(pdfs[0], "GVCN")])


def test_trust_comes_only_from_configured_roots(teacher, principal, pki, pdfs, settings):
    [issued] = issue(teacher, principal, pdfs[:1])
    untrusted = validate_pdf(issued, trust_roots=[], skip_diff=True)
    assert not untrusted["altered"] and not untrusted["trusted"]
    assert all(s["valid"] and not s["trusted"] for s in untrusted["signatures"])
    settings.HOCBASO_TRUST_ROOTS = [str(pki.ca.root_pem_path)]  # HOCBASO_TRUST_ROOTS in the environment
    assert validate_pdf(issued, skip_diff=True)["trusted"]  # the configured default


def test_a_class_of_thirty_needs_one_csc_authorisation(csc_server, tmp_path):
    documents = [simple_pdf(seed=100 + i) for i in range(30)]
    signer = CscSigner(csc_server.url, csc_server.credential("gvcn"), pin="1234")
    start = len(csc_server.requests())
    signed = signer.sign_batch([SignJob(pdf, "GVCN", box=TEACHER_BOX) for pdf in documents])
    calls = csc_server.requests()[start:]
    assert calls.count("POST /csc/v1/credentials/authorize") == 1
    assert calls.count("POST /csc/v1/signatures/signHash") == 1
    assert signer.authorizations == 1 and len(signed) == 30
    for index in (0, 29):
        result = validate_pdf(signed[index], trust_roots=[csc_server.root_pem], skip_diff=True)
        assert result["signatures"][0]["valid"] and result["signatures"][0]["trusted"]
    # a service that allows fewer signatures per authorisation gets as few as its limit allows
    limited = CscSigner(csc_server.url, csc_server.credential("gvcn"), pin="1234", max_batch=12)
    limited.sign_batch([SignJob(pdf, "GVCN") for pdf in documents])
    assert limited.authorizations == 3


def test_signs_a_rendered_hoc_ba(pki, teacher, principal, tmp_path):
    """Integration with the renderer (hocbaso.documents) when it is present: the boxes it reports."""
    documents = pytest.importorskip("hocbaso.documents")
    factories = pytest.importorskip("hocbaso.tt27.tests.factories")
    record = factories.valid_record(grade=4)
    record.update(homeroom_teacher=TEACHER, principal="Đoàn Trung Quế")
    record["issuance"] = {"record_id": "67000199-2425-TEST", "lookup_code": "7KQ2-M9XD-4RP",
                          "effective_date": "2025-06-01", "version": 1}
    pdf = documents.render_year(record)
    boxes = documents.signature_boxes(record)
    once = teacher.sign_batch([SignJob(pdf, "GVCN", box=boxes["teacher"])])[0]
    issued = principal.sign_batch([SignJob(once, "HieuTruong", box=boxes["principal"])])[0]
    assert [r["Signature Validation"] for r in pdfsig(issued, tmp_path)] == ["Signature is Valid."] * 2
    result = validate_pdf(issued, trust_roots=[pki.ca.root_pem_path])
    assert not result["altered"] and result["trusted"] and result["lookup_code"] == "7KQ2-M9XD-4RP"


@pytest.mark.parametrize("workers", [1, 2])
def test_document_timestamps_added_as_they_come(pki, tsa, settings, workers):
    """``DocumentTimestamps``: documents added one at a time and out of order (as a batch signs them), each
    chunk prepared in the workers as soon as it is complete: every document, in index order, gets one document
    time stamp over the whole file after its signature, the same as ``document_timestamps`` makes; one missing is
    an error, not a shorter result."""
    from hocbaso.signing.errors import SigningError
    from hocbaso.signing.pades import PARALLEL_MIN, DocumentTimestamps, document_timestamps
    from hocbaso.signing.tsa_client import tsa_client
    from hocbaso.signing.validate import validate_pdf

    settings.SIGN_WORKERS = workers
    count = PARALLEL_MIN + 3
    with BuiltinSigner(pki.teacher, TEACHER_PIN, pepper=b"deployment-pepper") as signer:
        signed = signer.sign_batch([SignJob(simple_pdf(), "GVCN") for _i in range(count)])
    client = tsa_client(tsa.url)
    stamps = DocumentTimestamps(client, count=count)
    order = [*range(1, count), 0]  # the first comes last: nothing can go to the workers before it
    for index in order:
        stamps.add(index, signed[index])
    stamped = stamps.finish()
    assert len(stamped) == count
    for pdf, original in zip(stamped, signed):
        assert pdf.startswith(original)
        result = validate_pdf(pdf, [pki.ca.root_pem_path])
        assert [s["field"] for s in result["signatures"]] == ["GVCN"] and not result["altered"]
        [stamp] = result["document_timestamps"]
        assert stamp["valid"] and stamp["covers_whole_file"]
    reference = document_timestamps(signed[:1], client)[0]
    assert len(reference) == len(stamped[0])  # the same update, but for the time stamp's own bytes and time
    incomplete = DocumentTimestamps(client, count=count)
    incomplete.add(0, signed[0])
    with pytest.raises(SigningError):
        incomplete.finish()
