"""Signing identities (the database side of ký số): certificates, their keys and PINs.

- ``deployment_ca()``: the deployment's built-in certificate authority (created on first use).
- ``identity_issue``: a built-in certificate for a teacher, a principal, or the school's seal.
- ``identity_register``: a certificate whose key is on a PKCS#11 token or at a remote CSC service.
- ``signer_open``: a ready ``Signer`` for an identity and its PIN, with wrong-PIN attempts limited (a remote
  account confirmed on the phone has no PIN here: ``remote_signer``).
- a teacher's remote account (SmartCA, MySign) is linked by ``signing.remote_accounts.remote_account_link``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from hocbaso.audit.services import Action, log_actions
from hocbaso.directory.models import Role, School, Staff
from hocbaso.directory.selectors import school_places
from hocbaso.signing.ca import (TITLE_PRINCIPAL, TITLE_SUBJECT_TEACHER, TITLE_TEACHER, CertificateAuthority,
                                load_pem_certificates)
from hocbaso.signing.errors import SigningSetupError, WrongPinError
from hocbaso.signing.models import IdentityKind, RekeyApproval, SigningIdentity
from hocbaso.signing.pades import PadesSettings
from hocbaso.signing.pki_store import pki_folder
from hocbaso.signing.remote import SERVICES, RemoteSigner, ServiceConfig, adapter_for
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
                                        pepper=pin_pepper(), public_url=settings.SITE_URL)
        except SigningSetupError:  # another process created it meanwhile
            pass
    # certificates issued from now on name the app's OCSP responder and CRL under SITE_URL (verify.urls' pki/)
    return CertificateAuthority(directory, passphrase, pepper=pin_pepper(), public_url=settings.SITE_URL)


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


REKEY_APPROVAL_HOURS = 24
REKEY_REFUSED = ("Đã có chứng thư số đang dùng. Để thay, hãy nhập mã PIN cũ; nếu đã quên mã PIN cũ, hãy đề nghị "
                 "hiệu trưởng phê duyệt cấp lại (trang Tài khoản của trường).")


def _current(*, school: School, staff: Staff | None) -> SigningIdentity | None:
    return SigningIdentity.objects.filter(school=school, staff=staff, active=True).first()


def _rekey_authority(current: SigningIdentity, *, old_pin: str | None, operator: bool) -> tuple[str, object]:
    """Why ``current`` may be replaced: its PIN (``WrongPinError`` when wrong, counted like any PIN: checked
    outside any transaction of ours, so a refusal's count is kept), the principal's approval (taken when the new
    certificate is stored), or the server's operator (the command line); else ``SigningSetupError``. Returns the
    authority's name and the approval to take, if any."""
    if old_pin:
        signer_open(current, old_pin).close()
        return "old_pin", None
    approval = (RekeyApproval.objects.select_related("approved_by")
                .filter(identity=current, used_at=None, expires_at__gt=timezone.now()).order_by("-approved_at").first())
    if approval is not None:
        return "principal_approval", approval
    if operator:
        return "operator", None
    raise SigningSetupError(REKEY_REFUSED)


@transaction.atomic
def _identity_store(*, school: School, staff: Staff | None, kind: str, identity_id: str, certificate, config: dict,
                    by, chain: tuple = (), authority: str = "new", approval=None) -> SigningIdentity:
    now = timezone.now()
    if approval is not None and not RekeyApproval.objects.filter(pk=approval.pk, used_at=None).update(used_at=now):
        raise SigningSetupError(REKEY_REFUSED)  # used meanwhile by another request: once only
    actions = []
    for old in SigningIdentity.objects.select_for_update().filter(school=school, staff=staff, active=True):
        old.active, old.revoked_at, old.revoked_by = False, now, by
        old.revocation_reason = f"thay bằng chứng thư mới ({authority})"
        old.save(update_fields=["active", "revoked_at", "revoked_by", "revocation_reason"])
        actions.append(Action("signing.identity.revoke", "signingidentity", str(old.pk), {"active": True},
                              {"active": False, "revoked_at": now.isoformat(), "authority": authority,
                               "approved_by": approval.approved_by.username if approval else None},
                              school_code=school.code))
    identity = SigningIdentity.objects.create(
        school=school, staff=staff, kind=kind, identity_id=identity_id,
        certificate_pem="".join(_certificate_pem(c) for c in (certificate, *chain)),
        subject=subject_text(certificate.subject), config=config, created_by=by)
    actions.append(Action("signing.identity", "signingidentity", str(identity.pk), None,
                          {"kind": kind, "subject": identity.subject, "staff": staff.full_name if staff else None,
                           "authority": authority}, school_code=school.code))
    log_actions(actions, actor=by)
    return identity


def rekey_approve(*, staff: Staff, by, pin: str) -> RekeyApproval:
    """The principal lets ``staff`` (a colleague of their school who lost their PIN) replace their certificate once,
    within REKEY_APPROVAL_HOURS, confirming with the principal's own signing PIN (``WrongPinError`` when wrong).
    Logged; the colleague is told at their next sign-in and on their certificate page."""
    principal = getattr(by, "staff", None)
    if principal is None or Role.PRINCIPAL not in principal.roles or principal.school_id != staff.school_id \
            or principal.pk == staff.pk:
        raise SigningSetupError("Chỉ hiệu trưởng của trường phê duyệt cấp lại chứng thư số cho đồng nghiệp.")
    current = _current(school=staff.school, staff=staff)
    if current is None:
        raise SigningSetupError(f"{staff.full_name} chưa có chứng thư số: tự tạo được, không cần phê duyệt.")
    signer_open(identity_for(staff=principal), pin).close()
    now = timezone.now()
    with transaction.atomic():
        approval = RekeyApproval.objects.create(identity=current, approved_by=by, approved_at=now,
                                                expires_at=now + dt.timedelta(hours=REKEY_APPROVAL_HOURS))
        log_actions([Action("signing.rekey_approve", "signingidentity", str(current.pk), None,
                            {"staff": staff.full_name, "expires_at": approval.expires_at.isoformat()},
                            school_code=staff.school.code)], actor=by)
    return approval


def identity_issue(*, pin: str, by, staff: Staff | None = None, school: School | None = None,
                   old_pin: str | None = None, operator: bool = False) -> SigningIdentity:
    """Issue a built-in certificate (P-256) for ``staff``, or the seal of ``school`` when no staff is given.
    The private key is stored encrypted under ``pin``. Replacing a holder's active certificate needs its PIN
    (``old_pin``), a principal's approval (``rekey_approve``) or the server's operator (``operator``, the command
    line): a password alone (after a reset, say) must not mint a certificate in someone's name. The old one is
    revoked and both are logged."""
    if staff is None and school is None:
        raise SigningSetupError("Cần chọn người ký hoặc trường (con dấu).")
    school = school or staff.school
    if school is None or (staff is not None and staff.school_id != school.pk):
        raise SigningSetupError("Chỉ cán bộ của trường mới được cấp chứng thư số ký học bạ của trường.")
    current = _current(school=school, staff=staff)
    authority, approval = ("new", None) if current is None else \
        _rekey_authority(current, old_pin=old_pin, operator=operator)
    ca = deployment_ca()
    province = school_places([school])[school.pk].province_name
    if staff is not None:
        identity_id = f"staff-{staff.pk}"
        ident = ca.issue_person(identity_id, full_name=staff.full_name, title=title_for(staff),
                                organisation=school.name, pin=pin, uid=f"{school.code}-{staff.pk}", locality=province)
    else:
        identity_id = f"seal-{school.code}"
        ident = ca.issue_seal(identity_id, organisation=school.name, pin=pin, uid=school.code, locality=province)
    return _identity_store(school=school, staff=staff, kind=IdentityKind.BUILTIN, identity_id=identity_id,
                           certificate=ident.certificate, config={}, by=by, authority=authority, approval=approval)


def identity_register(*, kind: str, config: dict, certificate_pem: str, by, staff: Staff | None = None,
                      school: School | None = None, old_pin: str | None = None,
                      operator: bool = False) -> SigningIdentity:
    """Record a certificate whose key is elsewhere: a PKCS#11 token (``config``: module, token_label,
    key_label) or a remote CSC service (``config``: service_url, credential_id). Replacing an active certificate
    needs the same authority as ``identity_issue``."""
    if kind not in (IdentityKind.PKCS11, IdentityKind.CSC):
        raise SigningSetupError(f"Loại chứng thư số không hỗ trợ: {kind}.")
    certificate, *chain = load_pem_certificates(certificate_pem.encode())
    school = school or staff.school
    current = _current(school=school, staff=staff)
    authority, approval = ("new", None) if current is None else \
        _rekey_authority(current, old_pin=old_pin, operator=operator)
    return _identity_store(school=school, staff=staff, kind=kind, identity_id="", certificate=certificate,
                           config=config, by=by, chain=tuple(chain), authority=authority, approval=approval)


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


def remote_config(service: str) -> ServiceConfig:
    """The deployment's access to a remote signing service (settings ``REMOTE_SIGNING``), or
    ``SigningSetupError`` when the service is not configured here."""
    config = settings.REMOTE_SIGNING.get(service)
    if not config:
        raise SigningSetupError(f"Hệ thống chưa được cấu hình dịch vụ ký số {SERVICES.get(service, service)}.")
    return ServiceConfig(service=service, url=config["url"], client_id=config["client_id"], secret=config["secret"],
                         profile_id=config.get("profile_id", ""), max_hashes=config.get("max_hashes"))


def remote_signer(identity: SigningIdentity, *, seal: bool = False, waiting=None) -> RemoteSigner:
    """The signer of a linked remote account: nothing to unlock here, each transaction is confirmed by its
    holder on the phone (``waiting(count, app)`` follows the wait)."""
    certificate, *chain = load_pem_certificates(identity.certificate_pem.encode())
    config = identity.config
    return RemoteSigner(adapter_for(remote_config(config["service"])), user_id=config["user_id"],
                        credential_id=config["credential_id"], certificate=certificate, chain=chain,
                        settings=pades_settings(), seal=seal, confirm_timeout=settings.REMOTE_SIGN_TIMEOUT,
                        poll_interval=settings.REMOTE_SIGN_POLL_MS / 1000, waiting=waiting)


def signer_open(identity: SigningIdentity, pin: str | None, *, seal: bool = False, authorize=None) -> Signer:
    """A ``Signer`` for ``identity`` unlocked with ``pin``. After ``SIGN_PIN_ATTEMPTS`` wrong PINs in a row
    the identity is blocked for 15 minutes (``WrongPinError`` says so); the count is taken before the key is
    tried, atomically, so concurrent attempts cannot exceed it. A remote account (``IdentityKind.REMOTE``) takes
    no PIN: its holder confirms each transaction on the phone."""
    if identity.kind == IdentityKind.REMOTE:
        return remote_signer(identity, seal=seal)
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
