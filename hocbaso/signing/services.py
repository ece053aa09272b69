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
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from hocbaso.audit.services import Action, log_actions
from hocbaso.directory.models import Role, School, Staff
from hocbaso.signing.ca import (TITLE_PRINCIPAL, TITLE_SUBJECT_TEACHER, TITLE_TEACHER, CertificateAuthority,
                                load_pem_certificates)
from hocbaso.signing.errors import SigningSetupError, WrongPinError
from hocbaso.signing.models import IdentityKind, SigningIdentity
from hocbaso.signing.pades import PadesSettings
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
    """The built-in CA under ``settings.PKI_DIR``, created the first time it is needed."""
    passphrase = settings.CA_PASSPHRASE.encode() if settings.CA_PASSPHRASE else _derived("ca-passphrase").hex().encode()
    directory = Path(settings.PKI_DIR)
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


def _blocked_error(identity_pk: int) -> WrongPinError:
    until = SigningIdentity.objects.filter(pk=identity_pk).values_list("blocked_until", flat=True).first()
    seconds = (until - timezone.now()).total_seconds() if until else PIN_BLOCK_MINUTES * 60
    minutes = max(1, int(seconds // 60) + 1)
    return WrongPinError(f"Nhập sai mã PIN quá số lần cho phép. Hãy thử lại sau {minutes} phút.")


def _pin_attempt_take(identity: SigningIdentity) -> None:
    """Reserve one PIN evaluation before the key is tried, in one conditional UPDATE: at most
    ``SIGN_PIN_ATTEMPTS`` evaluations are ever in flight or failed in a row, however many requests arrive at
    once (a read-then-write counter let 24 concurrent wrong PINs get 7 evaluations). An expired block starts a
    fresh count. Raises ``WrongPinError`` when no attempt is left."""
    now = timezone.now()
    limit = settings.SIGN_PIN_ATTEMPTS
    fresh = Q(blocked_until__isnull=False, blocked_until__lte=now)
    taken = SigningIdentity.objects.filter(Q(pk=identity.pk) & (fresh | Q(blocked_until__isnull=True,
                                                                          failed_pins__lt=limit))).update(
        failed_pins=Case(When(fresh, then=Value(1)), default=F("failed_pins") + 1),
        blocked_until=Case(When(fresh, then=Value(None)), default=F("blocked_until")))
    if not taken:
        raise _blocked_error(identity.pk)


def _pin_attempt_settle(identity: SigningIdentity, *, outcome: str) -> None:
    """After the evaluation: ``right`` clears the count, ``wrong`` keeps the reserved attempt (and blocks the
    identity for PIN_BLOCK_MINUTES once the count reaches the limit), ``void`` (the key could not be tried:
    a missing token, a network error) gives the attempt back."""
    rows = SigningIdentity.objects.filter(pk=identity.pk)
    if outcome == "right":
        rows.update(failed_pins=0)
    elif outcome == "void":
        rows.filter(failed_pins__gt=0).update(failed_pins=F("failed_pins") - 1)
    else:
        rows.filter(failed_pins__gte=settings.SIGN_PIN_ATTEMPTS, blocked_until__isnull=True).update(
            blocked_until=timezone.now() + dt.timedelta(minutes=PIN_BLOCK_MINUTES))


def signer_open(identity: SigningIdentity, pin: str | None, *, seal: bool = False, authorize=None) -> Signer:
    """A ``Signer`` for ``identity`` unlocked with ``pin``. After ``SIGN_PIN_ATTEMPTS`` wrong PINs in a row
    the identity is blocked for 15 minutes (``WrongPinError`` says so); the count is taken before the key is
    tried, atomically, so concurrent attempts cannot exceed it."""
    _pin_attempt_take(identity)
    try:
        signer = _signer_unlock(identity, pin, seal=seal, authorize=authorize)
    except WrongPinError:
        _pin_attempt_settle(identity, outcome="wrong")
        raise
    except BaseException:
        _pin_attempt_settle(identity, outcome="void")
        raise
    _pin_attempt_settle(identity, outcome="right")
    return signer


def _signer_unlock(identity: SigningIdentity, pin: str | None, *, seal: bool, authorize) -> Signer:
    options = {"settings": pades_settings(), "seal": seal}
    if identity.kind == IdentityKind.BUILTIN:
        ca = deployment_ca()
        return BuiltinSigner(ca.identity(identity.identity_id), pin, pepper=ca.pepper, **options)
    if identity.kind == IdentityKind.PKCS11:
        config = dict(identity.config)
        module = config.pop("module")
        chain = load_pem_certificates(identity.certificate_pem.encode())[1:]
        return Pkcs11Signer(module, pin=pin, other_certs=chain or None, **config, **options)
    return CscSigner(identity.config["service_url"], identity.config["credential_id"], pin=pin,
                     authorize=authorize, **options)
