"""An RFC 3161 time-stamping client for batches: many time stamps requested at once, each thread on its own
kept-alive HTTP connection.

A record with long-term validation carries up to seven time stamps (three XAdES, three PAdES signature time
stamps, the document time stamp); a school's issuance asks for thousands. Asked one after another on a new
connection each (pyHanko's clients, one event loop per call), a school waited for every round trip in turn; here
``stamp_many`` keeps ``threads`` requests in flight (a TSA's round trip, not our CPU, is what each one waits for)
and builds and reads the messages with asn1crypto only (no validation of the TSA's answer beyond what proves it
answers this request: the status, the message imprint and the nonce; the token is validated where the signature
is, by the verifier).

    client = tsa_client(url)                   # one per process and URL, kept
    token = client.stamp(sha256_digest)        # DER of the TimeStampToken (a CMS ContentInfo)
    tokens = client.stamp_many([d1, d2, ...])  # in order, ``threads`` at a time
"""

from __future__ import annotations

import http.client
import secrets
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from urllib.parse import urlsplit

from asn1crypto import algos, tsp

from hocbaso.signing.errors import SigningError

THREADS = 8  # requests in flight at once
_SHA256_ALGORITHM = algos.DigestAlgorithm({"algorithm": "sha256"}).dump()


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    body = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(body)]) + body + content


class TsaClient:
    """Time stamps from ``url`` (SHA-256 message imprints). Thread-safe; raises ``SigningError`` (Vietnamese)
    when the server cannot be reached or answers wrongly."""

    def __init__(self, url: str, *, timeout: float = 10.0, threads: int = THREADS):
        self.url, self.timeout, self.threads = url, timeout, threads
        self._local = threading.local()
        self._token_size: int | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _post(self, body: bytes) -> tuple[int, bytes]:
        """POST ``body`` on this thread's kept connection (http.client: a request costs a fraction of a
        millisecond of CPU, requests' Session several times that), opened again once if the server closed it."""
        for attempt in (0, 1):
            connection = getattr(self._local, "connection", None)
            if connection is None:
                parts = urlsplit(self.url)
                kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
                connection = self._local.connection = kind(parts.hostname, parts.port, timeout=self.timeout)
                self._local.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            try:
                connection.request("POST", self._local.path, body=body,
                                   headers={"Content-Type": "application/timestamp-query"})
                response = connection.getresponse()
                data = response.read()
                if response.will_close:
                    connection.close()
                    self._local.connection = None
                return response.status, data
            except (http.client.HTTPException, OSError):
                connection.close()
                self._local.connection = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def stamp(self, digest: bytes) -> bytes:
        """The DER TimeStampToken over the SHA-256 ``digest``."""
        if len(digest) != 32:
            raise SigningError("Chỉ xin dấu thời gian cho giá trị băm SHA-256 (32 byte).")
        nonce = secrets.randbits(63) | (1 << 62)  # 8 bytes in DER, whatever its value
        nonce_der = b"\x02\x08" + nonce.to_bytes(8, "big")
        # TimeStampReq {version 1, messageImprint {sha256, digest}, nonce, certReq TRUE}, by hand (RFC 3161 §2.4.1)
        request = _der(0x30, b"\x02\x01\x01" + _der(0x30, _SHA256_ALGORITHM + _der(0x04, digest)) + nonce_der
                       + b"\x01\x01\xff")
        try:
            status, content = self._post(request)
        except Exception as error:
            raise SigningError("Không kết nối được máy chủ cấp dấu thời gian.") from error
        if status != 200:
            raise SigningError(f"Máy chủ cấp dấu thời gian trả lời lỗi (HTTP {status}).")
        try:
            answer = tsp.TimeStampResp.load(content)
            if answer["status"]["status"].native not in ("granted", "granted_with_mods"):
                raise ValueError(answer["status"]["status"].native)
            token = answer["time_stamp_token"].dump()
            # this request's answer: the TSTInfo inside carries our imprint and our nonce (the token itself is
            # validated where the signature is, by the verifier)
            if _der(0x04, digest) not in token or nonce_der not in token:
                raise ValueError("another request's answer")
            return token
        except Exception as error:
            raise SigningError("Máy chủ cấp dấu thời gian không trả lời đúng.") from error

    def _threads(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="hocbaso-tsa")
            return self._pool

    def stamp_many(self, digests: list[bytes]) -> list[bytes]:
        """``stamp`` for each digest, in order, ``threads`` requests at a time; the first error is raised."""
        if len(digests) <= 1 or self.threads <= 1:
            return [self.stamp(d) for d in digests]
        return list(self._threads().map(self.stamp, digests))

    def submit(self, digest: bytes) -> Future:
        """``stamp(digest)`` started on the client's threads (``threads`` requests in flight, across callers): the
        future's ``result()`` is the token or raises ``stamp``'s error. Lets a batch ask for the time stamps of
        the documents it has signed while it goes on preparing and signing the others."""
        return self._threads().submit(self.stamp, digest)

    def token_size(self) -> int:
        """The size of one of this server's tokens (asked once: what a PDF signature reserves room for)."""
        if self._token_size is None:
            self._token_size = len(self.stamp(bytes(32)))
        return self._token_size


_CLIENTS: dict[tuple[str, float], TsaClient] = {}
_CLIENTS_LOCK = threading.Lock()


def tsa_client(url: str, *, timeout: float = 10.0) -> TsaClient:
    """The process's client for ``url`` (its connections and threads kept between batches)."""
    with _CLIENTS_LOCK:
        client = _CLIENTS.get((url, timeout))
        if client is None:
            client = _CLIENTS[(url, timeout)] = TsaClient(url, timeout=timeout)
        return client
