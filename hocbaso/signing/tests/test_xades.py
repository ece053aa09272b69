"""XAdES on the record's XML (signing.xades): three separate signatures (teacher, principal, the school's seal)
through every kind of signer's ``sign_digests``, each verified by our verifier and by xmlsec1's command line (an
independent implementation); a byte changed in the record or in a signed property is caught by both."""

import subprocess

import pytest
from cryptography import x509

from hocbaso.signing.errors import SigningError
from hocbaso.signing.signers import BuiltinSigner, CscSigner, Pkcs11Signer
from hocbaso.signing.xades import (DS, ROLE_PRINCIPAL, ROLE_SEAL, ROLE_TEACHER, XADES, tsa_timestamper, xades_sign,
                                   xades_verify)
from hocbaso.signing.pades import PadesSettings
from hocbaso.testing.tools import require_program
from hocbaso.testing.people import PRINCIPAL_PIN, SEAL_PIN, TEACHER_PIN
from hocbaso.tt27.record_xml import NS, record_from_xml, record_to_xml
from hocbaso.tt27.tests.factories import issuance, valid_record

PEPPER = b"deployment-pepper"
RECORDS = [valid_record(grade, issuance=issuance()) for grade in (1, 4)]


def root_of(pki):
    return [x509.load_pem_x509_certificate(pki.ca.root_pem_path.read_bytes())]


@pytest.fixture(scope="module")
def signed(pki):
    """Two records' XML with the three signatures, each added by its own batch as at issuance."""
    documents = [record_to_xml(r) for r in RECORDS]
    for identity, pin, role in ((pki.teacher, TEACHER_PIN, ROLE_TEACHER), (pki.principal, PRINCIPAL_PIN, ROLE_PRINCIPAL),
                                (pki.seal, SEAL_PIN, ROLE_SEAL)):
        with BuiltinSigner(identity, pin, pepper=PEPPER, seal=role is ROLE_SEAL) as signer:
            documents = xades_sign(signer, documents, role=role)
    return documents


def xmlsec_verify(tmp_path, pki, data: bytes, signature_id: str) -> subprocess.CompletedProcess:
    require_program("xmlsec1", "xmlsec1")
    path = tmp_path / f"{signature_id}.xml"
    path.write_bytes(data)
    return subprocess.run(["xmlsec1", "--verify", "--trusted-pem", str(pki.ca.root_pem_path),
                           "--id-attr:Id", f"{NS}:record", "--id-attr:Id", f"{XADES}:SignedProperties",
                           "--id-attr:Id", f"{DS}:Signature", "--node-id", signature_id, str(path)],
                          capture_output=True, text=True, timeout=60)


SIGNATURE_IDS = ("sig-gvcn", "sig-ht", "sig-seal")


def test_three_signatures_each_intact_trusted_and_with_its_role(signed, pki):
    for document, record in zip(signed, RECORDS):
        found = xades_verify(document, root_of(pki))
        assert [s["id"] for s in found] == list(SIGNATURE_IDS)
        assert [s["role"] for s in found] == [ROLE_TEACHER[1], ROLE_PRINCIPAL[1], ROLE_SEAL[1]]
        assert [s["seal"] for s in found] == [False, False, True]
        assert all(s["intact"] and s["trusted"] and s["signing_time"] for s in found)
        assert record_from_xml(document) == record  # the signatures do not change the record


def test_xmlsec1_verifies_each_of_the_three(signed, pki, tmp_path):
    for signature_id in SIGNATURE_IDS:
        result = xmlsec_verify(tmp_path, pki, signed[0], signature_id)
        assert result.returncode == 0, result.stderr
        assert "OK" in result.stderr


def test_untrusted_root_is_intact_but_not_trusted(signed):
    found = xades_verify(signed[0], [])
    assert all(s["intact"] and not s["trusted"] for s in found)


@pytest.mark.parametrize("old, new, broken", [
    (b"<grade>4</grade>", b"<grade>5</grade>", set(SIGNATURE_IDS)),  # a value of the record
    ("Nhận xét Toán.".encode(), "Nhận xét Toán!".encode(), set(SIGNATURE_IDS)),  # one byte of a comment
    ("Hiệu trưởng</xades:ClaimedRole>".encode(), "Hiệu phó</xades:ClaimedRole>".encode(), {"sig-ht"}),
])
def test_a_changed_byte_is_caught_by_both_verifiers(signed, pki, tmp_path, old, new, broken):
    document = next(d for d in signed if old in d)
    assert document.count(old) == 1
    changed = document.replace(old, new)
    found = {s["id"]: s for s in xades_verify(changed, root_of(pki))}
    assert {sid for sid, s in found.items() if not s["intact"]} == broken
    for signature_id in SIGNATURE_IDS:
        result = xmlsec_verify(tmp_path, pki, changed, signature_id)
        assert (result.returncode != 0) == (signature_id in broken), (signature_id, result.stderr)


def test_a_flipped_signature_value_byte_is_caught(signed, pki, tmp_path):
    document = signed[0]
    start = document.index(b'<ds:SignatureValue Id="sv-gvcn">') + len(b'<ds:SignatureValue Id="sv-gvcn">')
    flipped = document[:start + 5] + (b"A" if document[start + 5:start + 6] != b"A" else b"B") + document[start + 6:]
    assert not xades_verify(flipped, root_of(pki))[0]["intact"]
    assert xmlsec_verify(tmp_path, pki, flipped, "sig-gvcn").returncode != 0


def test_the_same_role_twice_is_refused(signed, pki):
    with BuiltinSigner(pki.teacher, TEACHER_PIN, pepper=PEPPER) as signer, pytest.raises(SigningError):
        xades_sign(signer, signed[:1], role=ROLE_TEACHER)


def test_sign_digests_one_call_per_batch(pki):
    calls = []
    with BuiltinSigner(pki.teacher, TEACHER_PIN, pepper=PEPPER) as signer:
        original = signer.sign_digests
        signer.sign_digests = lambda digests: calls.append(len(digests)) or original(digests)
        xades_sign(signer, [record_to_xml(r) for r in RECORDS * 3], role=ROLE_TEACHER)
    assert calls == [6]


def test_token_signer_signs_digests(softhsm, pki, tmp_path):
    with Pkcs11Signer(softhsm.module, other_certs=softhsm.chain, **softhsm.teacher) as signer:
        assert len(signer.sign_digests([b"\1" * 32, b"\2" * 32])) == 2
        documents = xades_sign(signer, [record_to_xml(RECORDS[0])], role=ROLE_TEACHER)
    assert [s["intact"] and s["trusted"] for s in xades_verify(documents[0], root_of(pki))] == [True]
    assert xmlsec_verify(tmp_path, pki, documents[0], "sig-gvcn").returncode == 0


def test_remote_signer_signs_digests_in_one_authorisation(csc_server, tmp_path):
    signer = CscSigner(csc_server.url, csc_server.credential("gvcn"), pin="1234")
    documents = xades_sign(signer, [record_to_xml(r) for r in RECORDS * 2], role=ROLE_TEACHER)
    assert signer.authorizations == 1
    root = x509.load_pem_x509_certificate(csc_server.root_pem)
    assert all(s["intact"] and s["trusted"] for d in documents for s in xades_verify(d, [root]))


def test_with_a_tsa_the_signature_is_time_stamped(pki, tsa, tmp_path):
    before = tsa.requests
    with BuiltinSigner(pki.teacher, TEACHER_PIN, pepper=PEPPER) as signer:
        documents = xades_sign(signer, [record_to_xml(RECORDS[0])], role=ROLE_TEACHER,
                               timestamper=tsa_timestamper(PadesSettings(tsa_url=tsa.url)))
    assert tsa.requests == before + 1
    found = xades_verify(documents[0], root_of(pki))
    assert found[0]["timestamped"] and found[0]["intact"]
    assert b"<xades:EncapsulatedTimeStamp>" in documents[0]
    assert xmlsec_verify(tmp_path, pki, documents[0], "sig-gvcn").returncode == 0


def test_sign_digests_takes_sha256_values_only(pki):
    with BuiltinSigner(pki.teacher, TEACHER_PIN, pepper=PEPPER) as signer:
        assert signer.sign_digests([]) == []
        with pytest.raises(SigningError, match="SHA-256"):
            signer.sign_digests([b"too short"])


def test_a_large_batch_signs_the_xml_in_the_worker_processes_with_time_stamps(pki, tsa, tmp_path, settings):
    """``pdfs_xml_sign`` on 17 PDFs (from ``PARALLEL_MIN``, the XML is made, read and written in the worker
    processes; here the signatures and the batch's time stamps, asked together): the teacher's batch attaches the
    XML, the principal's and the seal's add theirs; each XML has three intact, trusted, time-stamped signatures,
    which xmlsec1 verifies too."""
    from hocbaso.signing.pades import PARALLEL_MIN
    from hocbaso.signing.testing.pdfs import simple_pdf
    from hocbaso.signing.xml_batches import pdfs_xml_sign
    from hocbaso.signing.xml_pdf import pdf_xml_read

    settings.SIGN_WORKERS = 2
    count = PARALLEL_MIN + 1
    records = [valid_record(1 + index % 5, issuance=issuance()) for index in range(count)]
    pdfs = [simple_pdf(seed=index) for index in range(count)]
    before = tsa.requests
    tsa_settings = PadesSettings(tsa_url=tsa.url)
    for identity, pin, role in ((pki.teacher, TEACHER_PIN, ROLE_TEACHER), (pki.principal, PRINCIPAL_PIN, ROLE_PRINCIPAL),
                                (pki.seal, SEAL_PIN, ROLE_SEAL)):
        with BuiltinSigner(identity, pin, pepper=PEPPER, settings=tsa_settings, seal=role is ROLE_SEAL) as signer:
            pdfs = pdfs_xml_sign(signer, pdfs, role=role, records=records if role is ROLE_TEACHER else None)
    assert tsa.requests - before in (3 * count, 3 * count + 1)  # one per signature (and a size probe at most)
    for pdf, record in zip(pdfs, records):
        xml = pdf_xml_read(pdf)
        assert record_from_xml(xml) == record
        found = xades_verify(xml, root_of(pki))
        assert [s["id"] for s in found] == list(SIGNATURE_IDS)
        assert all(s["intact"] and s["trusted"] and s["timestamped"] for s in found)
    for signature_id in SIGNATURE_IDS:
        assert xmlsec_verify(tmp_path, pki, pdf_xml_read(pdfs[-1]), signature_id).returncode == 0


@pytest.mark.parametrize("stamped", [False, True])
def test_finish_in_the_bytes_equals_the_tree(pki, monkeypatch, stamped):
    """``xml_batches.xades_finish_bytes`` writes the value (and the time stamp) into the prepared bytes: byte for
    byte what parsing, filling and serialising gives (``xades_finish_one``), for the three signatures one after
    another; a document not as prepared (something after the signature) goes through the tree."""
    from hocbaso.signing import xades, xml_batches
    from hocbaso.signing.xades import xades_prepare_one, xades_template
    from hocbaso.signing.xml_batches import xades_finish_bytes

    token = bytes(range(256)) * 7 if stamped else None
    documents = [record_to_xml(r) for r in RECORDS]
    for identity, pin, role in ((pki.teacher, TEACHER_PIN, ROLE_TEACHER),
                                (pki.principal, PRINCIPAL_PIN, ROLE_PRINCIPAL), (pki.seal, SEAL_PIN, ROLE_SEAL)):
        with BuiltinSigner(identity, pin, pepper=PEPPER, seal=role is ROLE_SEAL) as signer:
            template = xades_template(signer, role)
            prepared = [xades_prepare_one(d, role, template) for d in documents]
            values = [xades.xades_value(v, signer.certificate) for v in signer.sign_digests([p[1] for p in prepared])]
        reference = [xades.xades_finish_one(p[0], role, v, token) for p, v in zip(prepared, values)]
        with monkeypatch.context() as patched:
            patched.setattr(xml_batches, "xades_finish_one", lambda *a: pytest.fail("went through the tree"))
            documents = [xades_finish_bytes(p[0], role, v, token) for p, v in zip(prepared, values)]
        assert documents == reference
    found = xades_verify(documents[0], root_of(pki))
    assert [(s["intact"], s["trusted"], s["timestamped"]) for s in found] == [(True, True, stamped)] * 3
    # not as prepared (something after the signature): through the tree
    prepared_last = prepared[0][0]
    moved = prepared_last.replace(b"</ds:Signature></hocbaso>",
                                  b"</ds:Signature><x:extra xmlns:x=\"urn:x\"/></hocbaso>")
    assert moved != prepared_last
    calls = []
    tree = xades.xades_finish_one
    monkeypatch.setattr(xml_batches, "xades_finish_one", lambda *a: calls.append(1) or tree(*a))
    assert xades_finish_bytes(moved, ROLE_SEAL, values[0], token) == tree(moved, ROLE_SEAL, values[0], token)
    assert calls == [1]
