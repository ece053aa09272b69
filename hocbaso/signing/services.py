"""Signing identities (the database side of ký số): certificates, their keys and PINs.

- ``deployment_ca()``: the deployment's built-in certificate authority (created on first use).
- ``identity_issue``: a built-in certificate for a teacher, a principal, or the school's seal.
- ``identity_register``: a certificate whose key is on a PKCS#11 token or at a remote CSC service.
- ``signer_open``: a ready ``Signer`` for an identity and its PIN, with wrong-PIN attempts limited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hocbaso.audit.services import Action, log_actions
from hocbaso.directory.models import Role, School, Staff
from hocbaso.signing.ca import (TITLE_PRINCIPAL, TITLE_SUBJECT_TEACHER, TITLE_TEACHER, CertificateAuthority,
                                load_pem_certificates)
from hocbaso.signing.errors import SigningSetupError, WrongPinError
from hocbaso.signing.models import IdentityKind, SigningIdentity
from hocbaso.signing.pades import PadesSettings
from hocbaso.signing.pki_store import pki_folder
from hocbaso.signing.signers import BuiltinSigner, CscSigner, Pkcs11Signer, Signer, subject_text

PIN_BLOCK_MINUTES = 15


def identity_certificate(identity: SigningIdentity):
    """The holder's own certificate (the first of the stored PEM; any others are its CA chain)."""
    return load_pem_certificates(identity.certificate_pem.encode())[0]


def _derived(purpose: str) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), f"hocbaso-{purpose}".encode(), hashlib.sha256).digest()


def pin_pepper() -> bytes:
    return settings.PIN_PEPPER.encode() if settings.PIN_PEPPER else _derived("pin-pepper")


def deployment_ca() -> CertificateAuthority:
    """The built-in CA in ``pki_folder()`` (``HOCBASO_PKI_DIR``, or the file storage), created the first time it is
    needed."""
    passphrase = settings.CA_PASSPHRASE.encode() if settings.CA_PASSPHRASE else _derived("ca-passphrase").hex().encode()
    directory = pki_folder()
    if not (directory / "ca" / "root.pem").exists():
        try:
            CertificateAuthority.create(directory, passphrase, name="hocbaso", organisation="hocbaso học bạ số",
                                        pepper=pin_pepper())
        except SigningSetupError:  # another process created it meanwhile
            pass
    return CertificateAuthority(directory, passphrase, pepper=pin_pepper())


def pades_settings() -> PadesSettings:
    """PAdES B-T when a time-stamping server is configured (``HOCBASO_TSA_URL``), else B-B."""
    return PadesSettings(tsa_url=settings.TSA_URL)


def title_for(staff: Staff) -> str:
    roles = staff.roles
    if Role.PRINCIPAL in roles:
        return TITLE_PRINCIPAL
    if Role.HOMEROOM_TEACHER in roles:
        return TITLE_TEACHER
    return TITLE_SUBJECT_TEACHER


def _certificate_pem(cert) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@transaction.atomic
def _identity_store(*, school: School, staff: Staff | None, kind: str, identity_id: str, certificate, config: dict,
                    by, chain: tuple = ()) -> SigningIdentity:
    SigningIdentity.objects.filter(school=school, staff=staff, active=True).update(active=False)
    identity = SigningIdentity.objects.create(
        school=school, staff=staff, kind=kind, identity_id=identity_id,
        certificate_pem="".join(_certificate_pem(c) for c in (certificate, *chain)),
        subject=subject_text(certificate.subject), config=config, created_by=by)
    log_actions([Action("signing.identity", "signingidentity", str(identity.pk), None,
                        {"kind": kind, "subject": identity.subject, "staff": staff.full_name if staff else None},
                        school_code=school.code)], actor=by)
    return identity


def identity_issue(*, pin: str, by, staff: Staff | None = None, school: School | None = None) -> SigningIdentity:
    """Issue a built-in certificate (P-256) for ``staff``, or the seal of ``school`` when no staff is given.
    The private key is stored encrypted under ``pin``; a previous identity of the same holder is retired."""
    if staff is None and school is None:
        raise SigningSetupError("Cần chọn người ký hoặc trường (con dấu).")
    school = school or staff.school
    if school is None or (staff is not None and staff.school_id != school.pk):
        raise SigningSetupError("Chỉ cán bộ của trường mới được cấp chứng thư số ký học bạ của trường.")
    ca = deployment_ca()
    province = school.district.province.name
    if staff is not None:
        identity_id = f"staff-{staff.pk}"
        ident = ca.issue_person(identity_id, full_name=staff.full_name, title=title_for(staff),
                                organisation=school.name, pin=pin, uid=f"{school.code}-{staff.pk}", locality=province)
    else:
        identity_id = f"seal-{school.code}"
        ident = ca.issue_seal(identity_id, organisation=school.name, pin=pin, uid=school.code, locality=province)
    return _identity_store(school=school, staff=staff, kind=IdentityKind.BUILTIN, identity_id=identity_id,
                           certificate=ident.certificate, config={}, by=by)


def identity_register(*, kind: str, config: dict, certificate_pem: str, by, staff: Staff | None = None,
                      school: School | None = None) -> SigningIdentity:
    """Record a certificate whose key is elsewhere: a PKCS#11 token (``config``: module, token_label,
    key_label) or a remote CSC service (``config``: service_url, credential_id)."""
    if kind not in (IdentityKind.PKCS11, IdentityKind.CSC):
        raise SigningSetupError(f"Loại chứng thư số không hỗ trợ: {kind}.")
    certificate, *chain = load_pem_certificates(certificate_pem.encode())
    school = school or staff.school
    return _identity_store(school=school, staff=staff, kind=kind, identity_id="", certificate=certificate,
                           config=config, by=by, chain=tuple(chain))


def identity_for(*, staff: Staff | None = None, school: School | None = None) -> SigningIdentity:
    found = SigningIdentity.objects.filter(active=True, staff=staff, **({"school": school} if staff is None else {}))
    identity = found.select_related("staff", "school").first()
    if identity is None:
        who = staff.full_name if staff else f"con dấu của {school.name}"
        raise SigningSetupError(f"{who} chưa có chứng thư số. Hãy cấp chứng thư số trước khi ký.")
    return identity


def _pin_failed(identity: SigningIdentity) -> None:
    with transaction.atomic():
        row = SigningIdentity.objects.select_for_update().get(pk=identity.pk)
        row.failed_pins += 1
        if row.failed_pins >= settings.SIGN_PIN_ATTEMPTS:
            row.blocked_until = timezone.now() + dt.timedelta(minutes=PIN_BLOCK_MINUTES)
            row.failed_pins = 0
        row.save(update_fields=["failed_pins", "blocked_until"])


def signer_open(identity: SigningIdentity, pin: str | None, *, seal: bool = False, authorize=None) -> Signer:
    """A ``Signer`` for ``identity`` unlocked with ``pin``. After ``SIGN_PIN_ATTEMPTS`` wrong PINs in a row
    the identity is blocked for 15 minutes (``WrongPinError`` says so)."""
    if identity.blocked_until and identity.blocked_until > timezone.now():
        minutes = max(1, int((identity.blocked_until - timezone.now()).total_seconds() // 60) + 1)
        raise WrongPinError(f"Nhập sai mã PIN quá số lần cho phép. Hãy thử lại sau {minutes} phút.")
    options = {"settings": pades_settings(), "seal": seal}
    try:
        if identity.kind == IdentityKind.BUILTIN:
            ca = deployment_ca()
            signer = BuiltinSigner(ca.identity(identity.identity_id), pin, pepper=ca.pepper, **options)
        elif identity.kind == IdentityKind.PKCS11:
            config = dict(identity.config)
            module = config.pop("module")
            chain = load_pem_certificates(identity.certificate_pem.encode())[1:]
            signer = Pkcs11Signer(module, pin=pin, other_certs=chain or None, **config, **options)
        else:
            signer = CscSigner(identity.config["service_url"], identity.config["credential_id"], pin=pin,
                               authorize=authorize, **options)
    except WrongPinError:
        _pin_failed(identity)
        raise
    if identity.failed_pins:
        SigningIdentity.objects.filter(pk=identity.pk).update(failed_pins=0)
    return signer
