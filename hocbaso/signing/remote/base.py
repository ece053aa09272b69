"""The generic part of remote signing: the relying party's configuration, the JSON-over-HTTPS call (secrets
kept out of every message and log), and ``RemoteSigner``, which signs digests in transactions the user confirms
on the phone.

An adapter (``smartca.py``, ``mysign.py``) provides::

    name, label, app            # "smartca", "VNPT SmartCA", "SmartCA" (the phone app's name, for messages)
    max_hashes                  # digests one transaction may carry
    credentials(user_id) -> [Credential]
    submit(*, user_id, credential_id, digests, description) -> transaction handle (str)
    poll(*, user_id, transaction) -> Poll
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import dataclasses
import hashlib
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from hocbaso.signing.errors import RemoteSigningError, SigningError
from hocbaso.signing.pades import PadesSettings
from hocbaso.signing.signers import Signer

log = logging.getLogger("hocbaso.signing.remote")

PENDING, DONE, REFUSED, EXPIRED, FAILED = "pending", "done", "refused", "expired", "failed"


class RemoteSigningRefused(RemoteSigningError):
    """The user refused the transaction in the phone app."""


class RemoteSigningTimeout(RemoteSigningError):
    """The user did not confirm in time (our limit, or the service's own expiry)."""


@dataclasses.dataclass(frozen=True)
class ServiceConfig:
    """A relying party's access to one service (one deployment, from settings). ``secret`` is the client secret
    (SmartCA's ``sp_password``, MySign's ``client_secret``): never logged, never in a message."""

    service: str
    url: str
    client_id: str
    secret: str = dataclasses.field(repr=False)
    profile_id: str = ""
    max_hashes: int | None = None  # a deployment's own cap (else the adapter's)
    http_timeout: float = 30.0


@dataclasses.dataclass(frozen=True)
class Credential:
    """One certificate of the user at the service: ``id`` is what a signing request names it by."""

    id: str
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()
    status: str = ""
    label: str = ""  # what the service calls it (service name, cert id…), for the list a teacher picks from


@dataclasses.dataclass(frozen=True)
class Poll:
    state: str  # PENDING, DONE, REFUSED, EXPIRED or FAILED
    signatures: tuple[bytes, ...] = ()
    message: str = ""


def der_certificate(b64: str) -> x509.Certificate:
    return x509.load_der_x509_certificate(base64.b64decode("".join(b64.split())))


class Adapter:
    """What every service's adapter shares: its configuration and the HTTP call."""

    name = label = app = ""
    max_hashes = 1

    def __init__(self, config: ServiceConfig):
        self.config = config
        self.url = config.url.rstrip("/")
        if config.max_hashes:
            self.max_hashes = max(1, min(self.max_hashes, config.max_hashes))
        self._secrets: set[str] = {config.secret} if config.secret else set()
        host = urllib.parse.urlsplit(self.url).hostname or ""
        # A simulator or test service on this machine is reached directly, whatever proxy the environment names.
        local = host in ("127.0.0.1", "localhost", "::1")
        self._opener = urllib.request.build_opener(*([urllib.request.ProxyHandler({})] if local else []))

    def hide(self, secret: str) -> None:
        """Add a value (an access token) to what never leaves in a message."""
        if secret:
            self._secrets.add(secret)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def error(self, what: str) -> RemoteSigningError:
        return RemoteSigningError(self.redact(f"Dịch vụ {self.label}: {what}"))

    def post(self, path: str, body: dict, *, token: str | None = None) -> tuple[int, Any]:
        """POST ``body`` as JSON to ``path``; returns (HTTP status, decoded JSON or None). Network failures raise
        ``RemoteSigningError`` naming the service, never the request's body."""
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), headers=headers,
                                         method="POST")
        try:
            with self._opener.open(request, timeout=self.config.http_timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as answer:
            status, raw = answer.code, answer.read()
        except (urllib.error.URLError, OSError) as failure:
            reason = getattr(failure, "reason", failure)
            raise self.error(f"không kết nối được ({reason}).") from None
        log.debug("%s %s -> HTTP %s", self.name, "…/status" if path.endswith("/status") else path, status)
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, None


def verify_raw(certificate: x509.Certificate, signature: bytes, digest: bytes) -> bool:
    """Whether ``signature`` is the certificate key's signature of the SHA-256 ``digest``."""
    key = certificate.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


class RemoteSigner(Signer):
    """Signs through a remote service whose user confirms each transaction on the phone.

    ``sign_digests(digests)`` is the raw operation (also for XML signatures): the digests go in as few
    transactions as the service allows (``batch_limit`` each); for each, ``waiting(count, app)`` is called when
    it is sent and at every poll (a progress line; it may raise to stop waiting, e.g. a cancelled job), the
    service is polled every ``poll_interval`` seconds until the user confirms, refuses
    (``RemoteSigningRefused``), the service expires it or ``confirm_timeout`` passes (``RemoteSigningTimeout``),
    or the service fails (``RemoteSigningError``). Every returned signature is checked against the certificate
    before it is used. ``sign_batch`` (PAdES) asks ``sign_digests`` once per ``batch_limit`` documents: a class
    that fits in one transaction is one confirmation; ``sign_batch_with`` adds other digests (the record XML's) to
    the same transaction.
    """

    kind = "remote"
    concurrent = True
    waits_for_user = True

    def __init__(self, adapter: Adapter, *, user_id: str, credential_id: str, certificate: x509.Certificate,
                 chain: tuple | list = (), settings: PadesSettings | None = None, seal: bool = False,
                 confirm_timeout: float = 300.0, poll_interval: float = 3.0, max_batch: int | None = None,
                 waiting: Callable[[int, str], Any] | None = None):
        super().__init__(settings, seal=seal)
        self.adapter, self.user_id, self.credential_id = adapter, user_id, credential_id
        self._certificate, self._chain = certificate, list(chain)
        self.confirm_timeout, self.poll_interval = confirm_timeout, poll_interval
        self.max_batch, self.waiting = max_batch, waiting
        self.transactions = 0  # transactions sent by this signer (each one confirmation on the phone)
        self._riders: list[bytes] = []  # digests the next transaction carries first (``sign_batch_with``)
        self._rider_values: list[bytes] | None = None

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def chain(self) -> list[x509.Certificate]:
        return list(self._chain)

    @property
    def batch_limit(self) -> int:
        return max(1, min(self.adapter.max_hashes, self.max_batch or self.adapter.max_hashes))

    def describe(self) -> dict:
        return {**super().describe(), "service": self.adapter.name}

    def sign_digests(self, digests: list[bytes], carried: int = 0, *,
                     description: str = "Ký học bạ số") -> list[bytes]:
        """One raw signature per SHA-256 digest, in order (all or an exception). ``carried``: how many of the first
        digests are the XML's of documents whose PDF digests follow (``sign_batch_with``): the wait shown counts
        documents, not digests."""
        signatures: list[bytes] = []
        for start in range(0, len(digests), self.batch_limit):
            part = digests[start:start + self.batch_limit]
            riders = max(0, min(len(part), carried - start))
            signatures += self._transaction(part, description, shown=len(part) - riders or len(part))
        return signatures

    def _transaction(self, digests: list[bytes], description: str, *, shown: int | None = None) -> list[bytes]:
        adapter = self.adapter
        shown = shown or len(digests)
        if self.waiting:
            self.waiting(shown, adapter.app)
        handle = adapter.submit(user_id=self.user_id, credential_id=self.credential_id, digests=digests,
                                description=description)
        self.transactions += 1
        log.info("%s: transaction of %d digests sent, waiting for the user's confirmation", adapter.name,
                 len(digests))
        deadline = time.monotonic() + self.confirm_timeout
        while True:
            answer = adapter.poll(user_id=self.user_id, transaction=handle)
            if answer.state == DONE:
                break
            if answer.state == REFUSED:
                raise RemoteSigningRefused(
                    f"Giao dịch ký đã bị từ chối trên ứng dụng {adapter.app}: chưa học bạ nào của giao dịch này "
                    f"được ký. Hãy ký lại khi sẵn sàng.")
            if answer.state == EXPIRED or time.monotonic() >= deadline:
                minutes = max(1, round(self.confirm_timeout / 60))
                raise RemoteSigningTimeout(
                    f"Hết thời gian chờ xác nhận trên ứng dụng {adapter.app}"
                    + ("" if answer.state == EXPIRED else f" ({minutes} phút)")
                    + ": chưa học bạ nào của giao dịch này được ký. Hãy ký lại và xác nhận trên điện thoại.")
            if answer.state == FAILED:
                raise adapter.error(f"không ký được ({answer.message or 'lỗi không rõ'}).")
            if self.waiting:
                self.waiting(shown, adapter.app)
            time.sleep(max(0.0, min(self.poll_interval, deadline - time.monotonic())))
        signatures = list(answer.signatures)
        if len(signatures) != len(digests):
            raise adapter.error(f"trả về {len(signatures)} chữ ký cho {len(digests)} yêu cầu.")
        for digest, signature in zip(digests, signatures):
            if not verify_raw(self._certificate, signature, digest):
                raise adapter.error("trả về chữ ký không khớp chứng thư số của người ký.")
        log.info("%s: transaction confirmed, %d signatures", adapter.name, len(signatures))
        return signatures

    def sign_batch(self, jobs, *, progress=None, each=None) -> list[bytes]:
        """PAdES as every signer does, with the wait for the phone on this thread: the documents are prepared on
        a helper thread's event loop, which hands the chunk's digests (and the ``progress`` / ``each``
        callbacks) back here, so the waiting callback may use this thread's database connection (Django refuses
        it inside an event loop)."""
        if not jobs:
            return []
        calls: queue.Queue = queue.Queue()
        closed = threading.Event()  # set when this thread stops listening (even interrupted): the helper ends

        def relay(function):
            if function is None:
                return None

            def call(*args):
                answer: concurrent.futures.Future = concurrent.futures.Future()
                calls.put((function, args, answer))
                while True:
                    try:
                        return answer.result(timeout=0.5)
                    except concurrent.futures.TimeoutError:
                        if closed.is_set():
                            raise SigningError("Phiên ký đã dừng.") from None
            return call

        outcome: dict = {}

        def batch() -> None:
            try:
                outcome["signed"] = Signer.sign_batch(self, jobs, progress=relay(progress), each=relay(each))
            except BaseException as error:  # re-raised on the caller's thread below
                outcome["error"] = error
            finally:
                calls.put(None)

        self._sign_here = relay(self.sign_digests)
        helper = threading.Thread(target=batch, name="hocbaso-remote-sign", daemon=True)
        helper.start()
        try:
            while (item := calls.get()) is not None:
                function, args, answer = item
                try:
                    answer.set_result(function(*args))
                except BaseException as error:
                    answer.set_exception(error)
        finally:
            closed.set()
            helper.join()
            self._sign_here = None
        if "error" in outcome:
            raise outcome["error"]
        return outcome["signed"]

    def sign_batch_with(self, jobs, digests: list[bytes], *, progress=None,
                        each=None) -> tuple[list[bytes], list[bytes]]:
        """``sign_batch`` whose first transaction also carries ``digests`` (a record XML's XAdES SignedInfo
        digests, ``signing.xml_batches.pdfs_xml_pades_sign``): (the signed PDFs, the raw signatures of ``digests``).
        With ``len(digests) + len(jobs) <= batch_limit``, one confirmation on the phone for both."""
        self._riders, self._rider_values = list(digests), None
        try:
            signed = self.sign_batch(jobs, progress=progress, each=each)
            values = self._rider_values
            if values is None:  # nothing was signed in a transaction (no job): the digests alone
                values = self.sign_digests(self._riders) if self._riders else []
            return signed, values
        finally:
            self._riders, self._rider_values = [], None

    def _raw_session(self, count: int):
        return _RemoteSession(self)


class _RemoteSession:
    def __init__(self, signer: RemoteSigner):
        self.signer = signer

    async def __aenter__(self):
        return _RemoteRaw(self.signer), None

    async def __aexit__(self, *exc):
        return False


class _RemoteRaw:
    """The raw signer ``PadesBatch`` calls once per document: the calls of one chunk (``start_chunk``) are
    gathered and answered by one ``sign_digests`` call (one transaction), made on the thread that called
    ``sign_batch`` while this loop waits (nothing else is due meanwhile)."""

    def __init__(self, signer: RemoteSigner):
        self.signer = signer
        self.chunk_size = signer.batch_limit
        self._expected = 0
        self._pending: list[tuple[bytes, Any]] = []

    def start_chunk(self, size: int) -> None:
        self._expected, self._pending = size, []

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        if digest_algorithm != "sha256":
            raise SigningError(f"Thuật toán băm không được hỗ trợ: {digest_algorithm}.")
        future = asyncio.get_running_loop().create_future()
        self._pending.append((hashlib.sha256(data).digest(), future))
        if len(self._pending) >= max(1, self._expected):
            batch, self._pending = self._pending, []
            try:
                sign = getattr(self.signer, "_sign_here", None) or self.signer.sign_digests
                riders = getattr(self.signer, "_riders", None) or []
                self.signer._riders = []  # carried once, by the first transaction
                signatures = sign([*riders, *(digest for digest, _ in batch)], len(riders))
                if riders:
                    self.signer._rider_values, signatures = signatures[:len(riders)], signatures[len(riders):]
            except BaseException as error:
                for _, other in batch:
                    if other is not future and not other.done():
                        other.set_exception(error)
                raise
            for (_, waiter), signature in zip(batch, signatures):
                waiter.set_result(signature)
        return await future
