"""The built-in CA's revocations, published (the database side of ``signing.revocation``).

- ``revoked_certificates()``: every revoked certificate of the built-in CA (a re-key revokes the old one,
  ``certificate_revoke`` any other), as ``Revoked`` entries.
- ``certificate_revoke``: thu hồi a holder's certificate (the principal of its school, or the server's operator);
  logged, the CRL republished.
- ``crl_current`` / ``crl_publish``: the CRL made now, and written to ``pki/crl/`` in the CA's folder (the file
  storage with ``HOCBASO_PKI_IN_STORAGE``); ``ocsp_respond``: the OCSP answer to a request.
- ``ltv_session``: the validation data issuance adds to records (``signing.ltv``), with the built-in CA's CRLs
  made in-process (the app does not fetch from itself).
"""

from __future__ import annotations

from cryptography import x509
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hocbaso.audit.services import Action, log_actions
from hocbaso.directory.models import Role
from hocbaso.signing.errors import SigningSetupError
from hocbaso.signing.ltv import LtvSession
from hocbaso.signing.models import SigningIdentity
from hocbaso.signing.revocation import Revoked, crl_build, ocsp_answer
from hocbaso.signing.services import deployment_ca, identity_certificate
from hocbaso.signing.validate import configured_trust_roots


def revoked_certificates(ca=None) -> list[Revoked]:
    """The built-in CA's revoked holder certificates (those another CA issued are not ours to list)."""
    ca = ca or deployment_ca()
    out = []
    for identity in SigningIdentity.objects.filter(revoked_at__isnull=False).only(
            "certificate_pem", "revoked_at", "revocation_reason"):
        cert = identity_certificate(identity)
        if cert.issuer != ca.issuing.subject:
            continue
        reason = x509.ReasonFlags.superseded if identity.revocation_reason.startswith("thay bằng") else \
            x509.ReasonFlags.unspecified
        out.append(Revoked(cert.serial_number, identity.revoked_at, reason))
    return out


def crl_current(*, root: bool = False) -> bytes:
    """The CRL (DER) made now: the issuing CA's revoked holders, or with ``root`` the root's (no issuing CA
    revoked)."""
    ca = deployment_ca()
    return crl_build(ca, [] if root else revoked_certificates(ca), root=root)


def crl_publish() -> bytes:
    """Write the current CRLs to ``crl/issuing.crl`` and ``crl/root.crl`` in the CA's folder; the issuing one
    returned."""
    ca = deployment_ca()
    issuing = crl_build(ca, revoked_certificates(ca))
    folder = ca.directory / "crl"
    _write(folder / "issuing.crl", issuing)
    _write(folder / "root.crl", crl_build(ca, [], root=True))
    return issuing


def _write(path, data: bytes) -> None:
    if hasattr(path, "parent"):  # a local folder
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def ocsp_respond(request_der: bytes) -> bytes:
    """The built-in CA's OCSP answer (DER) to ``request_der``."""
    ca = deployment_ca()
    return ocsp_answer(ca, request_der, {r.serial: r for r in revoked_certificates(ca)})


def certificate_revoke(*, identity: SigningIdentity, by, reason: str, operator: bool = False) -> SigningIdentity:
    """Thu hồi: ``identity`` stops signing and is listed on the CRL and answered ``revoked`` by OCSP from now on;
    what it signed before keeps its proofs (time stamps, embedded validation data). The principal of its school
    (or the server's operator, ``operator``) revokes; ``reason`` is said in the log."""
    if not operator:
        principal = getattr(by, "staff", None)
        if principal is None or Role.PRINCIPAL not in principal.roles or principal.school_id != identity.school_id:
            raise SigningSetupError("Chỉ hiệu trưởng của trường thu hồi được chứng thư số.")
    reason = (reason or "").strip()
    if not reason:
        raise SigningSetupError("Cần ghi lý do thu hồi chứng thư số.")
    with transaction.atomic():
        locked = SigningIdentity.objects.select_for_update().get(pk=identity.pk)
        if locked.revoked_at is not None:
            raise SigningSetupError("Chứng thư số này đã bị thu hồi.")
        now = timezone.now()
        locked.active, locked.revoked_at, locked.revoked_by = False, now, by
        locked.revocation_reason = reason[:200]
        locked.save(update_fields=["active", "revoked_at", "revoked_by", "revocation_reason"])
        log_actions([Action("signing.identity.revoke", "signingidentity", str(locked.pk), {"active": True},
                            {"active": False, "revoked_at": now.isoformat(), "reason": locked.revocation_reason,
                             "serial": format(identity_certificate(locked).serial_number, "x")},
                            school_code=locked.school.code)], actor=by)
    crl_publish()
    return locked


def ltv_session(*, tsa_url: str | None = None) -> LtvSession:
    """An ``LtvSession`` for a batch: trust roots as verification has them, the built-in CA's CRLs made now, a TSA
    (``HOCBASO_TSA_URL`` unless given) for the document time stamp, fetching only with ``HOCBASO_LTV_FETCH``."""
    return LtvSession(trust_roots=configured_trust_roots(), tsa_url=tsa_url or settings.TSA_URL,
                      crls=[crl_current(), crl_current(root=True)], fetch=settings.LTV_FETCH)
