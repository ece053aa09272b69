"""The lifecycle services with each kind of signing key: the homeroom teacher signs the whole class through a
remote CSC service (one authorisation for the class) or a SoftHSM2 token over PKCS#11, the principal signs,
the records are issued, and Poppler's pdfsig finds two valid signatures."""

from cryptography.hazmat.primitives import serialization
from django.core.files.storage import default_storage

from hocbaso.records.issuance import records_issue
from hocbaso.records.locks import data_lock
from hocbaso.records.models import IssuedRecord
from hocbaso.records.signatures import class_sign, school_sign, subject_signoff
from hocbaso.signing.models import IdentityKind
from hocbaso.signing.services import identity_register, signer_open
from hocbaso.signing.signers import CscSigner, Pkcs11Signer
from hocbaso.signing.validate import validate_pdf
from hocbaso.testing.lifecycle import open_signer
from hocbaso.testing.people import ENGLISH_PIN, PRINCIPAL_PIN, TEACHER_PIN
from hocbaso.testing.poppler import pdfsig


def _pem(signer) -> str:
    return signer.certificate.public_bytes(serialization.Encoding.PEM).decode()


def _issue_class_with(w, teacher_signer_factory, tmp_path):
    data_lock(school_year=w.year, school_class=w.class4a, by=w.owner.user)
    subject_signoff(school_class=w.class4a, subject="ngoai_ngu_1", by=w.english.user,
                    signer=open_signer(w.english, ENGLISH_PIN))
    with teacher_signer_factory() as teacher:  # closing ends the token session (SoftHSM2 allows one login)
        report = class_sign(school_class=w.class4a, by=w.member.user, signer=teacher)
    school_sign(school_year=w.year, by=w.owner.user, signer=open_signer(w.owner, PRINCIPAL_PIN, seal=True))
    records_issue(school_year=w.year, by=w.owner.user)
    issued = IssuedRecord.objects.order_by("pk").first()
    with default_storage.open(issued.pdf, "rb") as handle:
        data = handle.read()
    report_sig = pdfsig(data, tmp_path)
    assert [r["Signature Validation"] for r in report_sig] == ["Signature is Valid."] * 2
    # no TSA here: issuance adds B-LT validation data (the DSS) after the principal's signature, and nothing signs
    # that last revision (docs/long-term-validation.md)
    assert "Not total document signed" in report_sig[1]
    assert validate_pdf(data)["ltv"]["level"] == "B-LT"
    return report


def test_class_signed_through_a_remote_csc_service_with_one_pin(school, csc_server, tmp_path):
    w = school
    probe = CscSigner(csc_server.url, csc_server.credential("gvcn"), pin="1234")
    identity = identity_register(kind=IdentityKind.CSC, staff=w.member, by=w.owner.user, certificate_pem=_pem(probe),
                                 config={"service_url": csc_server.url, "credential_id": csc_server.credential("gvcn")},
                                 old_pin=TEACHER_PIN)  # replacing the built-in certificate: its PIN
    before = csc_server.count("/credentials/authorize")
    report = _issue_class_with(w, lambda: signer_open(identity, "1234"), tmp_path)
    assert report.done == 3
    # One PIN for the whole class; two authorisations, each bound to its hashes (SCAL 2): the records' XML
    # signatures first, then the PDFs, whose hashes cover the signed XML (docs/signing.md).
    assert csc_server.count("/credentials/authorize") - before == 2


def test_class_signed_with_a_softhsm2_token(school, softhsm, tmp_path):
    w = school
    config = {"module": softhsm.module, "token_label": softhsm.teacher["token_label"],
              "key_label": softhsm.teacher["key_label"]}
    with Pkcs11Signer(softhsm.module, **softhsm.teacher) as probe:
        pem = _pem(probe) + "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in softhsm.chain)
    identity = identity_register(kind=IdentityKind.PKCS11, staff=w.member, by=w.owner.user, certificate_pem=pem,
                                 config=config, old_pin=TEACHER_PIN)
    report = _issue_class_with(w, lambda: signer_open(identity, softhsm.teacher["pin"]), tmp_path)
    assert report.done == 3


def test_with_a_time_stamping_server_configured_the_class_is_signed_b_t(school, tsa, settings):
    from hocbaso.records.models import RecordDraft
    from hocbaso.signing.validate import validate_pdf

    settings.TSA_URL = tsa.url
    w = school
    data_lock(school_year=w.year, school_class=w.class4a, by=w.owner.user)
    subject_signoff(school_class=w.class4a, subject="ngoai_ngu_1", by=w.english.user,
                    signer=open_signer(w.english, ENGLISH_PIN))
    class_sign(school_class=w.class4a, by=w.member.user, signer=open_signer(w.member, "246810"))
    draft = RecordDraft.objects.order_by("pk").first()
    with default_storage.open(draft.pdf, "rb") as handle:
        signature = validate_pdf(handle.read(), trust_roots=[])["signatures"][0]
    assert signature["timestamp"] is not None and signature["timestamp_valid"] and signature["level"] == "B-T"
