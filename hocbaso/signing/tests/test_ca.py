"""The deployment CA: certificate contents, keys encrypted at rest under the PIN, Vietnamese errors."""

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hocbaso.signing.ca import TITLE_TEACHER, CertificateAuthority, load_identity
from hocbaso.signing.errors import SigningSetupError, WrongPinError
from hocbaso.testing.people import PRINCIPAL, SCHOOL, TEACHER, TEACHER_PIN


def attr(cert, oid):
    return [a.value for a in cert.subject.get_attributes_for_oid(oid)]


def test_person_certificate_names_the_person_role_and_school(pki):
    cert = pki.teacher.certificate
    assert attr(cert, NameOID.COMMON_NAME) == [TEACHER]
    assert attr(cert, NameOID.TITLE) == ["Giáo viên chủ nhiệm"]
    assert attr(cert, NameOID.ORGANIZATION_NAME) == [SCHOOL]
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey) and cert.public_key().curve.name == "secp256r1"
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert cert.issuer == pki.ca.issuing.subject
    assert pki.ca.issuing.issuer == pki.ca.root.subject
    assert attr(pki.principal.certificate, NameOID.COMMON_NAME) == [PRINCIPAL]
    # the seal: the school itself, no person, no title
    assert attr(pki.seal.certificate, NameOID.COMMON_NAME) == [SCHOOL]
    assert attr(pki.seal.certificate, NameOID.TITLE) == []


def test_key_is_encrypted_at_rest_and_opens_only_with_the_pin(pki):
    pem = pki.teacher.key_path.read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError):  # unusable without a password
        serialization.load_pem_private_key(pem, None)
    with pytest.raises(ValueError):  # and the PIN itself is not the password (scrypt + deployment pepper)
        serialization.load_pem_private_key(pem, TEACHER_PIN.encode())
    key = pki.teacher.unlock(TEACHER_PIN, pki.ca.pepper)
    assert key.public_key().public_numbers() == pki.teacher.certificate.public_key().public_numbers()
    with pytest.raises(WrongPinError) as wrong:
        pki.teacher.unlock("000000", pki.ca.pepper)
    assert str(wrong.value) == "Mã PIN ký số không đúng. Vui lòng nhập lại."
    with pytest.raises(WrongPinError):  # the right PIN without the deployment's pepper does not open it either
        pki.teacher.unlock(TEACHER_PIN)


def test_change_pin_and_reload_from_disk(tmp_path):
    ca = CertificateAuthority.create(tmp_path, b"pass")
    ca.issue_person("gv-1", full_name="Phạm Văn Nam", title=TITLE_TEACHER, organisation=SCHOOL, pin="1111")
    ca.change_pin("gv-1", "1111", "2222")
    again = load_identity(tmp_path / "identities" / "gv-1")
    again.unlock("2222")
    with pytest.raises(WrongPinError):
        again.unlock("1111")
    with pytest.raises(WrongPinError):
        ca.change_pin("gv-1", "1111", "3333")


def test_refusals_are_clear_vietnamese_sentences(tmp_path):
    ca = CertificateAuthority.create(tmp_path, b"pass")
    with pytest.raises(SigningSetupError, match="đã tồn tại"):
        CertificateAuthority.create(tmp_path, b"pass")
    with pytest.raises(SigningSetupError, match="dài quá 64 ký tự"):
        ca.issue_person("x", full_name="A" * 65, title=TITLE_TEACHER, organisation=SCHOOL, pin="1234")
    with pytest.raises(SigningSetupError, match="ít nhất 4"):
        ca.issue_person("x", full_name="B", title=TITLE_TEACHER, organisation=SCHOOL, pin="12")
    with pytest.raises(SigningSetupError, match="không hợp lệ"):
        ca.issue_person("../x", full_name="B", title=TITLE_TEACHER, organisation=SCHOOL, pin="1234")
    with pytest.raises(SigningSetupError, match="Mật khẩu"):
        CertificateAuthority(tmp_path, b"wrong").issue_person("y", full_name="B", title=TITLE_TEACHER,
                                                              organisation=SCHOOL, pin="1234")
