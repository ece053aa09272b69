"""The time-stamping client's HTTP (signing.tsa_client): a POST on a kept connection read by hand. Against a server
on loopback that answers with the local TSA's tokens in each framing HTTP allows (Content-Length, chunked, to the
end of the stream), closes a kept connection, fails or answers another request: every answer's token is this
request's, a closed connection is opened again once, and a wrong answer is a ``SigningError``."""

import hashlib
import socket
import threading

import pytest
from asn1crypto import cms, tsp

from hocbaso.signing.errors import SigningError
from hocbaso.signing.tsa_client import TsaClient


class FramingServer:
    """Answers each POST with ``mode``'s framing; counts the connections it accepted."""

    def __init__(self, stamper, mode: str):
        self.stamper, self.mode, self.connections, self.requests = stamper, mode, 0, 0
        self.other = None  # a previous request's answer ("stale" mode answers with it)
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/tsa"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def close(self):
        self.listener.close()

    def _serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    def _read_request(self, conn, buffer: bytes):
        while b"\r\n\r\n" not in buffer:
            more = conn.recv(65536)
            if not more:
                return None, b""
            buffer += more
        head, buffer = buffer.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        assert lines[0].startswith(b"POST /tsa HTTP/1.1")
        headers = dict(line.split(b": ", 1) for line in lines[1:])
        assert headers[b"Content-Type"] == b"application/timestamp-query" and headers[b"Host"].startswith(b"127.0.0.1:")
        size = int(headers[b"Content-Length"])
        while len(buffer) < size:
            buffer += conn.recv(65536)
        return buffer[:size], buffer[size:]

    def _connection(self, conn):
        buffer = b""
        with conn:
            while True:
                body, buffer = self._read_request(conn, buffer)
                if body is None:
                    return
                with self.lock:
                    self.requests += 1
                    data = self.stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
                mode = self.mode
                if mode == "stale":
                    data, self.other = (self.other or data), data
                    mode = "length"
                if mode == "status":
                    conn.sendall(b"HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n")
                elif mode == "garbage":
                    conn.sendall(b"SSH-2.0-OpenSSH\r\n\r\n")
                    return
                elif mode == "chunked":
                    half = len(data) // 2
                    conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 + b"%x\r\n" % half + data[:half] + b"\r\n"
                                 + b"%x;x=1\r\n" % (len(data) - half) + data[half:] + b"\r\n0\r\nX-Trailer: 1\r\n\r\n")
                elif mode == "eof":  # HTTP/1.0 without a length: the body runs to the connection's end
                    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/timestamp-reply\r\n\r\n" + data)
                    return
                else:  # "length", "once": kept alive, in two writes
                    answer = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(data) + data
                    conn.sendall(answer[:20])
                    conn.sendall(answer[20:])
                    if mode == "once":  # closes the kept connection after one answer, without saying so
                        return


@pytest.fixture
def framing(tsa):
    servers = []

    def make(mode):
        server = FramingServer(tsa.stamper, mode)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


def _imprint(token: bytes) -> bytes:
    info = cms.ContentInfo.load(token)["content"]["encap_content_info"]["content"].parsed
    return info["message_imprint"]["hashed_message"].native


@pytest.mark.parametrize("mode, connections", [("length", 1), ("chunked", 1), ("eof", 3), ("once", 3)])
def test_each_framing_gives_this_requests_token(framing, mode, connections):
    server = framing(mode)
    client = TsaClient(server.url, threads=1)
    digests = [hashlib.sha256(bytes([i])).digest() for i in range(3)]
    assert [_imprint(client.stamp(d)) for d in digests] == digests
    assert server.requests == 3
    # kept alive where the server keeps it; a new connection where it closed one (HTTP/1.0, or silently)
    assert server.connections == connections


def test_many_in_flight_on_kept_connections(framing):
    server = framing("length")
    client = TsaClient(server.url, threads=4)
    digests = [hashlib.sha256(bytes([i])).digest() for i in range(40)]
    assert [_imprint(t) for t in client.stamp_many(digests)] == digests
    assert server.connections <= 4


@pytest.mark.parametrize("mode", ["status", "garbage", "stale"])
def test_wrong_answers_refused(framing, mode):
    server = framing(mode)
    client = TsaClient(server.url, threads=1)
    if mode == "stale":  # the first answer is right; the second is the first request's token
        client.stamp(hashlib.sha256(b"a").digest())
    with pytest.raises(SigningError):
        client.stamp(hashlib.sha256(b"b").digest())


def test_unreachable_server_and_timeout():
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts (the backlog) and never answers
        port = silent.getsockname()[1]
        client = TsaClient(f"http://127.0.0.1:{port}/tsa", timeout=0.3, threads=1)
        with pytest.raises(SigningError):
            client.stamp(bytes(32))
    with pytest.raises(SigningError):
        TsaClient(f"http://127.0.0.1:{port}/tsa", timeout=0.3, threads=1).stamp(bytes(32))
