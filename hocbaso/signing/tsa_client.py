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

import secrets
import socket
import ssl
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


MAX_ANSWER = 1 << 20  # bytes: a time-stamp answer is a few kilobytes


class _Connection:
    """One kept-alive HTTP/1.1 connection: a POST and its answer, read by hand. The answer's length comes from
    ``Content-Length``, or from its chunks (``Transfer-Encoding: chunked``), or, on a connection the server
    closes, from the end of the stream. Raises ``ValueError`` for an answer that is not HTTP, ``OSError``
    (``TimeoutError`` included) for the network."""

    def __init__(self, sock, head: bytes):
        self.sock, self.head, self.buffer = sock, head, b""

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def _more(self) -> bytes:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionResetError("the server closed the connection")
        return data

    def _line(self) -> bytes:
        while True:
            end = self.buffer.find(b"\r\n")
            if end >= 0:
                line, self.buffer = self.buffer[:end], self.buffer[end + 2:]
                return line
            if len(self.buffer) > 65536:
                raise ValueError("HTTP line too long")
            self.buffer += self._more()

    def _exactly(self, size: int) -> bytes:
        if not 0 <= size <= MAX_ANSWER:
            raise ValueError("answer too large")
        while len(self.buffer) < size:
            self.buffer += self._more()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def post(self, body: bytes) -> tuple[int, bytes, bool]:
        """(the answer's status, its body, whether the connection stays open)."""
        self.buffer = b""
        self.sock.sendall(self.head + str(len(body)).encode("ascii") + b"\r\n\r\n" + body)
        while True:
            status_line = self._line()
            parts = status_line.split(None, 2)
            if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
                raise ValueError("not an HTTP answer")
            status = int(parts[1])
            headers = {}
            while True:
                line = self._line()
                if not line:
                    break
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
                if len(headers) > 100:
                    raise ValueError("too many headers")
            if status >= 200:
                break  # 100 Continue and other informational answers: the real one follows
        connection = headers.get(b"connection", b"").lower()
        keep = (parts[0] == b"HTTP/1.1" and b"close" not in connection) or b"keep-alive" in connection
        if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
            data = b""
            while True:
                size = int(self._line().split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while self._line():  # trailers, up to the empty line
                        pass
                    break
                data += self._exactly(size)
                if len(data) > MAX_ANSWER:
                    raise ValueError("answer too large")
                if self._exactly(2) != b"\r\n":
                    raise ValueError("bad chunk")
        elif b"content-length" in headers:
            data = self._exactly(int(headers[b"content-length"]))
        else:  # no length: the body runs to the end of the stream
            keep, chunks, size = False, [self.buffer], len(self.buffer)
            while True:
                more = self.sock.recv(65536)
                if not more:
                    break
                chunks.append(more)
                size += len(more)
                if size > MAX_ANSWER:
                    raise ValueError("answer too large")
            data = b"".join(chunks)
        if self.buffer:
            keep = False  # more than the answer came: do not read the next answer out of step
        return status, data, keep


class TsaClient:
    """Time stamps from ``url`` (SHA-256 message imprints). Thread-safe; raises ``SigningError`` (Vietnamese)
    when the server cannot be reached or answers wrongly."""

    def __init__(self, url: str, *, timeout: float = 10.0, threads: int = THREADS):
        self.url, self.timeout, self.threads = url, timeout, threads
        self._local = threading.local()
        self._token_size: int | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _connect(self):
        """A new connection to the server (TLS for an https URL), its request line and headers made once."""
        parts = urlsplit(self.url)
        https = parts.scheme == "https"
        port = parts.port or (443 if https else 80)
        sock = socket.create_connection((parts.hostname, port), timeout=self.timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # the request leaves in one write
            if https:
                sock = ssl.create_default_context().wrap_socket(sock, server_hostname=parts.hostname)
        except BaseException:
            sock.close()
            raise
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        default = (https and port == 443) or (not https and port == 80)
        host = parts.hostname if default else f"{parts.hostname}:{port}"
        if ":" in parts.hostname and not parts.hostname.startswith("["):  # IPv6 literal
            host = f"[{parts.hostname}]" if default else f"[{parts.hostname}]:{port}"
        head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/timestamp-query\r\n"
                f"Accept: application/timestamp-reply\r\nContent-Length: ").encode("ascii")
        return _Connection(sock, head)

    def _post(self, body: bytes) -> tuple[int, bytes]:
        """POST ``body`` on this thread's kept connection (HTTP/1.1 on a plain socket: http.client's objects cost
        more CPU than the time stamp's own messages), opened again once if the kept one fails (a server closes an
        idle connection when it likes)."""
        for attempt in (0, 1):
            connection = getattr(self._local, "connection", None)
            if connection is None:
                connection = self._local.connection = self._connect()
            try:
                status, data, keep = connection.post(body)
            except (OSError, ValueError):
                connection.close()
                self._local.connection = None
                if attempt:
                    raise
                continue
            if not keep:
                connection.close()
                self._local.connection = None
            return status, data
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
