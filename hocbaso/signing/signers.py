"""One ``Signer`` interface, three kinds of key: built-in (our CA), PKCS#11 token/HSM, remote CSC service.

Every signer signs a *batch*: ``sign_batch(jobs)`` PAdES-signs many PDFs under one unlock of the key (one PIN
entry, one token login, or one CSC authorisation), keeping the loaded key, certificates, CMS template and
stamp fonts for the whole batch. Use a signer as a context manager, or call ``close()``.

    with BuiltinSigner(identity, pin="123456") as signer:
        signed = signer.sign_batch([SignJob(pdf, "GVCN", box=(2, 56.7, 368.1, 295.1, 441.8)), ...])
        values = signer.sign_digests([sha256_of_signed_info, ...])   # XAdES (signing.xades), same unlock

Long on purpose (about 450 lines, over the 400 of other modules): the interface and its three implementations,
each with its two ways of signing (PDF batches, raw digests), are read side by side; split per kind of key, each
part would be read with the interface open beside it.
"""

from __future__ import annotations

import abc
import base64
import datetime as dt
from typing import Any, Callable

from asn1crypto import algos
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature
from cryptography.x509.oid import NameOID

from hocbaso.signing.aio import run_sync
from hocbaso.signing.ca import Identity
from hocbaso.signing.errors import RemoteSigningError, SigningError, SigningSetupError, WrongPinError
from hocbaso.signing.pades import PadesBatch, PadesSettings, SignJob, default_stamp_text

__all__ = ["Signer", "BuiltinSigner", "Pkcs11Signer", "CscSigner", "SignJob"]


def to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def to_crypto(cert: asn1_x509.Certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(cert.dump())


def _attr(cert: x509.Certificate, oid) -> str:
    found = cert.subject.get_attributes_for_oid(oid)
    return str(found[0].value) if found else ""


def subject_text(name: x509.Name) -> str:
    """RFC 4514 text of a name, with ``title`` spelled out (cryptography prints its OID otherwise)."""
    return name.rfc4514_string({NameOID.TITLE: "title"})


def mechanism_for(cert: x509.Certificate) -> algos.SignedDigestAlgorithm:
    key = cert.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        return algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"})
    if isinstance(key, rsa.RSAPublicKey):
        return algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"})
    raise SigningSetupError("Loại khóa của chứng thư số không được hỗ trợ.")


def _digests_checked(digests: list[bytes]) -> list[bytes]:
    """What every ``sign_digests`` signs: SHA-256 values (32 bytes each)."""
    if any(len(digest) != 32 for digest in digests):
        raise SigningError("Chỉ ký được giá trị băm SHA-256 (32 byte).")
    return list(digests)


class Signer(abc.ABC):
    """A signing identity that PAdES-signs batches of PDFs.

    Guarantees of ``sign_batch``: the result has one signed PDF per job, in order; each is the job's bytes
    followed by one incremental update holding a new signature field ``job.field_name`` (visible in
    ``job.box`` with the stamp text, or invisible); earlier signatures stay valid; either every job is signed
    or an exception is raised and nothing is returned. ``SigningError`` messages are Vietnamese.
    """

    kind: str = ""
    concurrent: bool = False  # whether raw signatures may be requested all at once

    def __init__(self, settings: PadesSettings | None = None, *, seal: bool = False):
        self.settings = settings or PadesSettings()
        self.seal = seal  # the stamp says "Đóng dấu: <school>" (principal signing with the school-bound cert)

    # -- identity --
    @property
    @abc.abstractmethod
    def certificate(self) -> x509.Certificate:
        """The signer's certificate."""

    @property
    def chain(self) -> list[x509.Certificate]:
        """CA certificates to embed (issuing CA first)."""
        return []

    def describe(self) -> dict:
        """Who signs: name (CN), role (the certificate's title attribute), organisation (O), subject, kind."""
        cert = self.certificate
        described = getattr(self, "_described", None)  # read once per certificate: every stamp asks again
        if described is None or described[0] is not cert:
            described = (cert, {"name": _attr(cert, NameOID.COMMON_NAME), "role": _attr(cert, NameOID.TITLE),
                                "organisation": _attr(cert, NameOID.ORGANIZATION_NAME),
                                "subject": subject_text(cert.subject), "kind": self.kind})
            self._described = described
        return dict(described[1])

    def stamp_text(self, when: dt.datetime) -> str:
        who = self.describe()
        return default_stamp_text(who["name"], who["role"], who["organisation"], when, seal=self.seal)

    # -- signing --
    @abc.abstractmethod
    def _raw_session(self, count: int):
        """An async context manager yielding the raw signer for a batch of ``count`` documents."""

    def sign_batch(self, jobs: list[SignJob], *, progress: Callable[[int, int], Any] | None = None,
                   each: Callable[[int, bytes], Any] | None = None, prepare=None) -> list[bytes]:
        """``each(index, pdf)``, when given, receives every signed PDF as soon as it is done (``PadesBatch.sign``):
        storing it there overlaps the preparation of the next ones. ``prepare``: ``PadesBatch.sign``'s."""
        if not jobs:
            return []
        signed: list[bytes] = []

        async def batch() -> None:  # returns nothing: asyncio.run formats its task's result (every PDF's repr)
            signed.extend(await self._sign_batch(list(jobs), progress, each, prepare))

        run_sync(batch())
        return signed

    async def _sign_batch(self, jobs: list[SignJob], progress, each=None, prepare=None) -> list[bytes]:
        async with self._raw_session(len(jobs)) as (raw, session):
            batch = PadesBatch(raw, to_asn1(self.certificate), [to_asn1(c) for c in self.chain],
                               mechanism_for(self.certificate), self.settings, concurrent=self.concurrent,
                               stamp_text=self.stamp_text)
            return await batch.sign(jobs, progress=progress, session=session, each=each, prepare=prepare)

    def sign_digests(self, digests: list[bytes]) -> list[bytes]:
        """Raw signatures of SHA-256 digests computed by the caller (XAdES's SignedInfo, signing.xades), all
        under the one unlock of the key this signer holds: one PIN (one token login, one CSC authorisation per
        ``multisign`` digests) for a whole class or school. Each value is what a CMS SignerInfo holds: ECDSA as
        the DER ``SEQUENCE {r, s}``, RSA as PKCS#1 v1.5. Every implementation of ``Signer`` overrides it
        (checking its input with ``_digests_checked``)."""
        raise NotImplementedError(f"{type(self).__name__} does not sign raw digests")

    def close(self) -> None:
        """Forget the unlocked key / end the token session."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _Session:
    """Async context manager around an already-open raw signer (nothing to open or close per batch)."""

    def __init__(self, raw, session=None):
        self.raw, self.session = raw, session

    async def __aenter__(self):
        return self.raw, self.session

    async def __aexit__(self, *exc):
        return False


# ---- built-in ----------------------------------------------------------------------------------------------

class _KeyRawSigner:
    """Signs with a private key object kept in memory for the whole batch (never re-read or re-parsed)."""

    def __init__(self, key):
        self.key = key

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        if digest_algorithm != "sha256":
            raise SigningError(f"Thuật toán băm không được hỗ trợ: {digest_algorithm}.")
        if isinstance(self.key, ec.EllipticCurvePrivateKey):
            return self.key.sign(data, ec.ECDSA(hashes.SHA256()))
        return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())


class BuiltinSigner(Signer):
    """Signs with a key from the deployment's own CA (``ca.Identity``), unlocked once by the PIN.

    Guarantees: a wrong PIN raises ``WrongPinError`` here, before any document is touched; the decrypted key
    stays in memory until ``close()`` and is used for every document of every batch meanwhile.
    """

    kind = "builtin"

    def __init__(self, identity: Identity, pin: str, *, pepper: bytes | None = None,
                 settings: PadesSettings | None = None, seal: bool = False):
        super().__init__(settings, seal=seal)
        self.identity = identity
        self._key = identity.unlock(pin, pepper)

    @property
    def certificate(self) -> x509.Certificate:
        return self.identity.certificate

    @property
    def chain(self) -> list[x509.Certificate]:
        return list(self.identity.chain)

    def _raw_session(self, count: int):
        if self._key is None:
            raise SigningError("Phiên ký đã đóng; hãy nhập lại mã PIN.")
        return _Session(_KeyRawSigner(self._key))

    def sign_digests(self, digests: list[bytes]) -> list[bytes]:
        digests = _digests_checked(digests)
        if self._key is None:
            raise SigningError("Phiên ký đã đóng; hãy nhập lại mã PIN.")
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            return [self._key.sign(d, ec.ECDSA(Prehashed(hashes.SHA256()))) for d in digests]
        return [self._key.sign(d, padding.PKCS1v15(), Prehashed(hashes.SHA256())) for d in digests]

    def close(self) -> None:
        self._key = None


# ---- PKCS#11 -----------------------------------------------------------------------------------------------

class Pkcs11Signer(Signer):
    """Signs with a key inside a PKCS#11 token or HSM through pyHanko's ``PKCS11Signer``.

    The token is chosen by its label; the user PIN logs in once (``WrongPinError`` if refused) and the
    session stays open until ``close()``. EC keys are used with the raw ECDSA mechanism (hash computed here),
    which every token supports. Signatures are requested one at a time (sessions are not re-entrant).
    """

    kind = "pkcs11"

    def __init__(self, module: str, *, token_label: str, pin: str, key_label: str, cert_label: str | None = None,
                 settings: PadesSettings | None = None, other_certs: list[x509.Certificate] | None = None,
                 seal: bool = False):
        super().__init__(settings, seal=seal)
        # This module is imported by every web and worker process, where the built-in signer needs neither
        # python-pkcs11 nor pyHanko's PKCS#11 signer (~0.4 s to import).
        # deferred: loaded only when a token is opened
        from pkcs11 import exceptions as p11_errors
        from pyhanko.config.pkcs11 import TokenCriteria  # deferred: pyHanko, only when a token is opened
        from pyhanko.sign import pkcs11 as ph_pkcs11  # deferred: pyHanko, only when a token is opened

        try:
            self._session = ph_pkcs11.open_pkcs11_session(module, token_criteria=TokenCriteria(label=token_label),
                                                          user_pin=pin)
        except p11_errors.PinIncorrect as error:
            raise WrongPinError("Mã PIN của thiết bị ký số (token) không đúng.") from error
        except p11_errors.PinLenRange as error:
            raise WrongPinError("Mã PIN của thiết bị ký số (token) không đúng độ dài.") from error
        except p11_errors.PinLocked as error:
            raise WrongPinError("Thiết bị ký số (token) đã bị khóa PIN.") from error
        except Exception as error:  # missing module, no such token, ...
            raise SigningSetupError(f"Không mở được thiết bị ký số {token_label!r}: {error}") from error
        self._other = [to_asn1(c) for c in (other_certs or [])]
        self._signer = ph_pkcs11.PKCS11Signer(self._session, key_label=key_label, cert_label=cert_label or key_label,
                                              use_raw_mechanism=True, ca_chain=self._other or None)
        run_sync(self._signer.ensure_objects_loaded())
        self._cert = to_crypto(self._signer.signing_cert)

    @property
    def certificate(self) -> x509.Certificate:
        return self._cert

    @property
    def chain(self) -> list[x509.Certificate]:
        own = self._signer.signing_cert.sha256
        return [to_crypto(c) for c in self._signer.cert_registry if c.sha256 != own]

    def _raw_session(self, count: int):
        if self._session is None:
            raise SigningError("Phiên làm việc với thiết bị ký số đã đóng.")
        return _Session(self._signer)

    def sign_digests(self, digests: list[bytes]) -> list[bytes]:
        digests = _digests_checked(digests)
        if self._session is None:
            raise SigningError("Phiên làm việc với thiết bị ký số đã đóng.")
        from pkcs11 import Mechanism  # deferred: python-pkcs11, loaded only when a token is opened

        key = self._signer._key_handle  # loaded by ensure_objects_loaded() when the token was opened
        if isinstance(self._cert.public_key(), ec.EllipticCurvePublicKey):
            out = []
            for digest in digests:  # CKM_ECDSA signs the digest as given and returns r || s
                raw = key.sign(digest, mechanism=Mechanism.ECDSA)
                half = len(raw) // 2
                out.append(encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")))
            return out
        return [key.sign(_SHA256_DIGEST_INFO + digest, mechanism=Mechanism.RSA_PKCS) for digest in digests]

    def close(self) -> None:
        if self._session is not None:
            try:
                self._session.close()
            finally:
                self._session = None


# DER prefix of a SHA-256 DigestInfo (RFC 8017 §9.2 note 1): CKM_RSA_PKCS pads what it is given.
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


# ---- CSC (remote signing) ----------------------------------------------------------------------------------

class CscSigner(Signer):
    """Remote signing over the Cloud Signature Consortium API v1 with pyHanko's ``CSCSigner``.

    ``service_url`` is the service's base address (the API lives under ``<service_url>/csc/v1/``).

    One ``sign_batch`` = one ``credentials/authorize`` call (one PIN/OTP, one SAD bound to every document's
    hash) and one ``signatures/signHash`` call, as long as the batch is no larger than the credential's
    ``multisign`` limit; a larger batch is split into as few authorisations as that limit allows.
    ``authorize`` supplies the PIN/OTP per authorisation: ``authorize(count) -> {"PIN": ..., "OTP": ...}``.
    The OAuth access token (``oauth_token``) is the caller's business.
    """

    kind = "csc"
    concurrent = True

    def __init__(self, service_url: str, credential_id: str, *, authorize: Callable[[int], dict] | None = None,
                 pin: str | None = None, oauth_token: str | None = None, settings: PadesSettings | None = None,
                 seal: bool = False, timeout: float = 60.0, max_batch: int | None = None):
        super().__init__(settings, seal=seal)
        # deferred: pyHanko's CSC signer and aiohttp (~0.35 s) load only when a remote-signing service is used
        from pyhanko.sign.signers import csc_signer

        self.max_batch = max_batch
        self._csc = csc_signer
        self.session_info = csc_signer.CSCServiceSessionInfo(service_url.rstrip("/"), credential_id,
                                                             oauth_token=oauth_token)
        self._authorize = authorize or (lambda count: {"PIN": pin} if pin is not None else {})
        self.timeout = timeout
        self.authorizations = 0  # credentials/authorize calls made by this signer
        self.credential_info = run_sync(self._fetch_info())

    async def _fetch_info(self):
        import aiohttp  # deferred: aiohttp (~0.2 s) loads only for remote signing (CSC)

        try:
            async with aiohttp.ClientSession() as session:
                return await self._csc.fetch_certs_in_csc_credential(session, self.session_info)
        except Exception as error:
            raise RemoteSigningError(f"Không lấy được chứng thư số từ dịch vụ ký số từ xa: {error}") from error

    @property
    def certificate(self) -> x509.Certificate:
        return to_crypto(self.credential_info.signing_cert)

    @property
    def chain(self) -> list[x509.Certificate]:
        own = self.credential_info.signing_cert.sha256
        return [to_crypto(c) for c in self.credential_info.chain if c.sha256 != own]

    def _raw_session(self, count: int):
        return _CscBatchSession(self, count)

    def sign_digests(self, digests: list[bytes]) -> list[bytes]:
        digests = _digests_checked(digests)
        if not digests:
            return []
        signed: list[bytes] = []

        async def run() -> None:
            async with _CscBatchSession(self, len(digests)) as (raw, http):
                signer = raw.signer
                for start in range(0, len(digests), raw.chunk_size):
                    chunk = [base64.b64encode(d).decode() for d in digests[start:start + raw.chunk_size]]
                    try:
                        # One credentials/authorize (SAD bound to these hashes) and one signatures/signHash.
                        body = await signer.format_csc_signing_req(chunk, "sha256")
                        url = self.session_info.endpoint_url("signatures/signHash")
                        async with http.post(url, json=body, headers=signer.auth_manager.auth_headers,
                                             raise_for_status=True) as response:
                            values = (await response.json())["signatures"]
                    except SigningError:
                        raise
                    except Exception as error:
                        raise RemoteSigningError(f"Dịch vụ ký số từ xa không ký được: {error}") from error
                    if len(values) != len(chunk):
                        raise RemoteSigningError("Dịch vụ ký số từ xa trả về sai số chữ ký.")
                    signed.extend(base64.b64decode(v) for v in values)

        run_sync(run())
        return signed


class _CscBatchSession:
    """One aiohttp session and one pyHanko CSCSigner for a batch; the batch size is the document count
    (capped by the credential's multisign), so the signatures are requested in one call."""

    def __init__(self, owner: CscSigner, count: int):
        self.owner, self.count = owner, count

    async def __aenter__(self):
        import aiohttp  # deferred: aiohttp (~0.2 s) loads only for remote signing (CSC)

        owner = self.owner
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=owner.timeout))
        limit = max(1, min(owner.credential_info.max_batch_size or self.count, owner.max_batch or self.count))
        manager = _Authorizer(owner, self.http)
        chunk = min(self.count, limit)
        signer = owner._csc.CSCSigner(self.http, manager, batch_size=chunk, embed_roots=True)
        return _CscRaw(signer, chunk), self.http

    async def __aexit__(self, *exc):
        await self.http.close()
        return False


class _CscRaw:
    """pyHanko's CSCSigner for one batch, fed in chunks of at most ``chunk_size`` documents; each chunk is one
    authorisation and one signHash call (pyHanko commits when the chunk's last hash arrives)."""

    def __init__(self, signer, chunk_size: int):
        self.signer, self.chunk_size = signer, chunk_size

    def start_chunk(self, size: int) -> None:
        self.signer.batch_size = size

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        try:
            return await self.signer.async_sign_raw(data, digest_algorithm)
        except SigningError:
            raise
        except Exception as error:
            raise RemoteSigningError(f"Dịch vụ ký số từ xa không ký được: {error}") from error


def _authorizer_base():
    # deferred: pyHanko's CSC signer (~0.35 s) loads only for remote signing (CSC)
    from pyhanko.sign.signers.csc_signer import CSCAuthorizationManager

    return CSCAuthorizationManager


class _Authorizer:
    """Calls ``credentials/authorize`` with the PIN/OTP and the batch's hashes (hash-pinned SAD, SCAL 2)."""

    def __new__(cls, owner: CscSigner, http):
        base = _authorizer_base()

        class Manager(base):
            async def authorize_signature(self, hash_b64s):
                secrets = owner._authorize(len(hash_b64s)) or {}
                body = self.format_csc_auth_request(num_signatures=len(hash_b64s), pin=secrets.get("PIN"),
                                                    otp=secrets.get("OTP"), hash_b64s=hash_b64s,
                                                    description="Ký học bạ số")
                url = self.csc_session_info.endpoint_url("credentials/authorize")
                owner.authorizations += 1
                async with http.post(url, json=body, headers=self.auth_headers) as response:
                    if response.status in (401, 403):
                        raise WrongPinError("Dịch vụ ký số từ xa từ chối mã PIN/OTP.")
                    if response.status >= 400:
                        raise RemoteSigningError(f"Dịch vụ ký số từ xa từ chối ủy quyền ký (HTTP {response.status}).")
                    data = await response.json()
                return self.parse_csc_auth_response(data)

        return Manager(owner.session_info, owner.credential_info)
