"""Thu hồi chứng thư số: the built-in CA's certificate revocation list (CRL, RFC 5280) and OCSP answers (RFC 6960).

Pure crypto, no database: the caller says which serials are revoked (``Revoked``: serial → when, why); the
issuing CA's key signs the CRL and each OCSP answer itself (a CA-signed OCSP response, RFC 6960 §2.6), built with
``cryptography``'s ``CertificateRevocationListBuilder`` and ``ocsp.OCSPResponseBuilder``. The app serves them at
``CRL_PATH`` and ``OCSP_PATH`` under ``SITE_URL`` (``verify.pki``), the URLs the CA writes into every holder
certificate (``ca.revocation_urls``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from asn1crypto import keys
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509 import ocsp

CRL_PATH = "/pki/issuing.crl"
ROOT_CRL_PATH = "/pki/root.crl"
OCSP_PATH = "/pki/ocsp"
CRL_DAYS = 7  # nextUpdate: a verifier fetches again after a week at most
OCSP_MINUTES = 24 * 60  # an OCSP answer's nextUpdate


@dataclass(frozen=True)
class Revoked:
    serial: int
    when: dt.datetime
    reason: x509.ReasonFlags = x509.ReasonFlags.superseded


def _aware(when: dt.datetime) -> dt.datetime:
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def crl_build(ca, revoked: list[Revoked], *, now: dt.datetime | None = None, number: int | None = None,
              root: bool = False) -> bytes:
    """The issuing CA's CRL (DER) listing ``revoked``, valid ``CRL_DAYS``; with ``root``, the root's CRL (the
    issuing CAs it revoked: none so far), which a verifier needs to validate the issuing CA at a past time.
    ``number`` (the CRL number) defaults to the time in seconds, so that a later CRL always has a larger one."""
    now = now or dt.datetime.now(dt.timezone.utc)
    issuer = ca.root if root else ca.issuing
    builder = (x509.CertificateRevocationListBuilder().issuer_name(issuer.subject)
               .last_update(now - dt.timedelta(minutes=1)).next_update(now + dt.timedelta(days=CRL_DAYS))
               .add_extension(x509.CRLNumber(number if number is not None else int(now.timestamp())), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                   issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value), critical=False))
    for item in sorted(revoked, key=lambda r: r.serial):
        entry = (x509.RevokedCertificateBuilder().serial_number(item.serial).revocation_date(_aware(item.when))
                 .add_extension(x509.CRLReason(item.reason), critical=False).build())
        builder = builder.add_revoked_certificate(entry)
    key = ca.root_signing_key() if root else ca.signing_key()
    return builder.sign(key, ca.digest(key)).public_bytes(Encoding.DER)


def ocsp_answer(ca, request_der: bytes, revoked: dict[int, Revoked], *, now: dt.datetime | None = None) -> bytes:
    """The OCSP response (DER) to ``request_der``: ``good`` or ``revoked`` (with its time and reason) for a serial
    of the issuing CA, ``unauthorized`` for a certificate another CA issued, ``malformedRequest`` for bytes that
    are not an OCSP request. Signed by the issuing CA, with its certificate embedded."""
    now = now or dt.datetime.now(dt.timezone.utc)
    try:
        request = ocsp.load_der_ocsp_request(request_der)
    except ValueError:
        return ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST).public_bytes(
            Encoding.DER)
    issuer_hash = _key_hash(ca.issuing, request.hash_algorithm)
    if request.issuer_key_hash != issuer_hash:
        return ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(
            Encoding.DER)
    found = revoked.get(request.serial_number)
    # answered by hash: every serial of our issuing CA is good unless it is listed as revoked
    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=request.issuer_name_hash, issuer_key_hash=request.issuer_key_hash,
        serial_number=request.serial_number, algorithm=request.hash_algorithm,
        cert_status=ocsp.OCSPCertStatus.REVOKED if found else ocsp.OCSPCertStatus.GOOD,
        this_update=now - dt.timedelta(minutes=1), next_update=now + dt.timedelta(minutes=OCSP_MINUTES),
        revocation_time=_aware(found.when) if found else None,
        revocation_reason=found.reason if found else None)
    builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, ca.issuing).certificates([ca.issuing])
    nonce = _nonce(request)
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.sign(ca.signing_key(), ca.digest()).public_bytes(Encoding.DER)


def _nonce(request) -> bytes | None:
    try:
        return request.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        return None


def _key_hash(cert: x509.Certificate, algorithm) -> bytes:
    spki = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    # the hash is over the BIT STRING's value (the key), not the whole SubjectPublicKeyInfo
    key_bits = keys.PublicKeyInfo.load(spki)["public_key"].contents[1:]  # skip the unused-bits byte
    digest = hashes.Hash(algorithm)
    digest.update(key_bits)
    return digest.finalize()
