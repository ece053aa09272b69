"""The built-in CA's CRL and OCSP responder on 127.0.0.1 in a thread, for the crypto-level tests (the app serves
the same answers at ``verify.pki`` from the database's revocations).

    with LocalRevocation(ca) as server:   # sets ca.public_url: certificates issued now point at it
        server.revoke(cert.serial_number)
"""

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from hocbaso.signing.revocation import CRL_PATH, OCSP_PATH, Revoked, crl_build, ocsp_answer


class LocalRevocation:
    def __init__(self, ca):
        self.ca = ca
        self.revoked: dict[int, Revoked] = {}
        self.requests = {"crl": 0, "ocsp": 0}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, data: bytes, kind: str):
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802
                if self.path != CRL_PATH:
                    self.send_error(404)
                    return
                owner.requests["crl"] += 1
                self._send(crl_build(owner.ca, list(owner.revoked.values())), "application/pkix-crl")

            def do_POST(self):  # noqa: N802
                if self.path != OCSP_PATH:
                    self.send_error(404)
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                owner.requests["ocsp"] += 1
                self._send(ocsp_answer(owner.ca, body, dict(owner.revoked)), "application/ocsp-response")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def revoke(self, serial: int, when: dt.datetime | None = None) -> None:
        self.revoked[serial] = Revoked(serial, when or dt.datetime.now(dt.timezone.utc))

    def __enter__(self):
        self.ca.public_url = self.url
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
