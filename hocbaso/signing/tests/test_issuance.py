"""The same issuance (teacher, then principal as an incremental update) with each kind of signer, checked by
Poppler's pdfsig and by validate_pdf; one flipped byte is caught by both."""

import pytest

from hocbaso.signing.errors import WrongPinError
from hocbaso.signing.signers import BuiltinSigner, CscSigner, Pkcs11Signer
from hocbaso.testing.people import PRINCIPAL, PRINCIPAL_PIN, TEACHER, TEACHER_PIN

from .flows import assert_issued, issue


def test_builtin_signer_issues_and_pdfsig_agrees(pki, pdfs, tmp_path):
    with BuiltinSigner(pki.teacher, TEACHER_PIN, pepper=pki.ca.pepper) as teacher, \
            BuiltinSigner(pki.principal, PRINCIPAL_PIN, pepper=pki.ca.pepper, seal=True) as principal:
        issued = issue(teacher, principal, pdfs[:3])
    assert len(issued) == 3
    assert_issued(issued[0], tmp_path, [pki.ca.root_pem_path], TEACHER, PRINCIPAL)


def test_pkcs11_signer_issues_with_softhsm2(softhsm, pki, pdfs, tmp_path):
    with pytest.raises(WrongPinError, match="PIN"):
        Pkcs11Signer(softhsm.module, **{**softhsm.teacher, "pin": "0000"})
    with Pkcs11Signer(softhsm.module, **softhsm.teacher, other_certs=softhsm.chain) as teacher, \
            Pkcs11Signer(softhsm.module, **softhsm.principal, other_certs=softhsm.chain, seal=True) as principal:
        assert teacher.describe()["role"] == "Giáo viên chủ nhiệm"
        issued = issue(teacher, principal, pdfs[:3])
    assert_issued(issued[2], tmp_path, [pki.ca.root_pem_path], TEACHER, PRINCIPAL)


def test_csc_signer_issues_a_class_under_one_authorisation_each(csc_server, pdfs, tmp_path):
    teacher = CscSigner(csc_server.url, csc_server.credential("gvcn"), pin="1234")
    principal = CscSigner(csc_server.url, csc_server.credential("hieutruong"), pin="5678", seal=True)
    before = csc_server.count("/credentials/authorize")
    issued = issue(teacher, principal, pdfs[:4])
    assert csc_server.count("/credentials/authorize") - before == 2  # one per signer for the whole class
    assert teacher.authorizations == principal.authorizations == 1
    assert_issued(issued[3], tmp_path, [csc_server.root_pem], TEACHER, PRINCIPAL)
