"""A teacher's (or principal's) remote signing account, linked once (Tài khoản → Chữ ký số): the service, the
holder's user id there and the certificate they chose; the certificate and its chain are stored like every
other signing identity's, after the chain is checked against the configured trust roots and the holder's name
against the staff member's.

- ``remote_services()``: the services this deployment offers (configured in settings).
- ``remote_credentials(service=, user_id=)``: the certificates the service lists for a user id (a network read).
- ``remote_account_link(...)``: store the chosen certificate as the staff member's signing identity (logged;
  replacing an active certificate needs the same authority as any other: its PIN, the principal's approval or
  the operator).
"""

from __future__ import annotations

import unicodedata

from cryptography.x509.oid import NameOID
from django.conf import settings

from hocbaso.directory.models import Staff
from hocbaso.signing.aio import run_sync
from hocbaso.signing.errors import SigningSetupError
from hocbaso.signing.models import IdentityKind, SigningIdentity
from hocbaso.signing.remote import SERVICES, Credential, adapter_for
from hocbaso.signing.services import _current, _identity_store, _rekey_authority, remote_config
from hocbaso.signing.signers import to_asn1
from hocbaso.signing.validate import configured_trust_roots, load_roots


def remote_services() -> dict[str, str]:
    """``{name: label}`` of the remote signing services configured in this deployment."""
    return {name: label for name, label in SERVICES.items() if name in settings.REMOTE_SIGNING}


def remote_credentials(*, service: str, user_id: str) -> list[Credential]:
    """The certificates ``service`` lists for ``user_id`` (``RemoteSigningError`` when it refuses)."""
    user_id = user_id.strip()
    if not user_id:
        raise SigningSetupError("Hãy nhập mã người dùng của dịch vụ ký số (số CCCD/CMND đã đăng ký).")
    return adapter_for(remote_config(service)).credentials(user_id)


def _same_name(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())
    return norm(a) == norm(b)


def chain_check(credential: Credential) -> None:
    """The certificate chains to a configured trust root and is valid now (``SigningSetupError`` otherwise)."""
    # deferred: pyHanko's certificate validator, only when an account is linked
    from pyhanko_certvalidator import CertificateValidator, ValidationContext

    roots = load_roots(configured_trust_roots())
    if not roots:
        raise SigningSetupError("Chưa cấu hình chứng thư gốc tin cậy (HOCBASO_TRUST_ROOTS) để kiểm tra chứng thư "
                                "số của dịch vụ ký số.")
    context = ValidationContext(trust_roots=roots, other_certs=[to_asn1(c) for c in credential.chain],
                                allow_fetching=False, revocation_mode="soft-fail")
    validator = CertificateValidator(to_asn1(credential.certificate), validation_context=context)
    try:
        run_sync(validator.async_validate_usage(set()))
    except Exception as error:
        raise SigningSetupError("Chứng thư số này không xác minh được tới chứng thư gốc tin cậy đã cấu hình "
                                f"(hoặc đã hết hạn): {type(error).__name__}.") from error


def remote_account_link(*, staff: Staff, service: str, user_id: str, credential_id: str, by,
                        old_pin: str | None = None, operator: bool = False) -> SigningIdentity:
    """Link ``staff``'s account at ``service``: the certificate ``credential_id`` among those the service lists
    for ``user_id`` becomes their signing identity. Refused (``SigningSetupError``, Vietnamese) when the service
    does not list it, its chain does not reach a trust root, or it is in another person's name."""
    if by is None or (getattr(by, "staff", None) is None or by.staff.pk != staff.pk) and not operator:
        raise SigningSetupError("Chỉ chính người ký được liên kết tài khoản ký số của mình.")
    credentials = {c.id: c for c in remote_credentials(service=service, user_id=user_id)}
    credential = credentials.get(credential_id)
    if credential is None:
        raise SigningSetupError(f"Dịch vụ {SERVICES[service]} không có chứng thư số đã chọn cho mã người dùng này.")
    holder = credential.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    holder_name = str(holder[0].value) if holder else ""
    if not _same_name(holder_name, staff.full_name):
        raise SigningSetupError(f"Chứng thư số đã chọn mang tên {holder_name or '(không có tên)'}, không phải "
                                f"{staff.full_name}.")
    chain_check(credential)
    current = _current(school=staff.school, staff=staff)
    authority, approval = ("new", None) if current is None else \
        _rekey_authority(current, old_pin=old_pin, operator=operator)
    return _identity_store(school=staff.school, staff=staff, kind=IdentityKind.REMOTE, identity_id="",
                           certificate=credential.certificate, chain=credential.chain, by=by,
                           config={"service": service, "user_id": user_id.strip(), "credential_id": credential.id},
                           authority=authority, approval=approval)
