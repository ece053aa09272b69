"""A tiny RFC 3161 time-stamping server on 127.0.0.1 (http.server + pyHanko's DummyTimeStamper).

    with LocalTSA(ca) as tsa:       # ca: a CertificateAuthority that issues the TSA's certificate
        settings = PadesSettings(tsa_url=tsa.url)
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from hocbaso.signing.aio import run_sync


def _stamper_class(base):
    """pyHanko's ``DummyTimeStamper`` signing with a key loaded once: the original parses its DER key again for
    every token, and cryptography's RSA key check made that ~85 ms of CPU a time stamp (a real TSA's answer
    costs it about a millisecond of RSA)."""
    from asn1crypto import cms, core  # deferred: with pyHanko, only where a TSA is started
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.sign import general  # deferred: pyHanko, as above
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash  # deferred: as above

    class KeptKeyStamper(base):
        def __init__(self, *args, key, **kwargs):
            super().__init__(*args, **kwargs)
            self._key = key

        def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt):
            # as DummyTimeStamper._sign_tst_info (pyHanko 0.2x), with the kept key
            digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
            digest.update(tst_info_data)
            signed_attrs = cms.CMSAttributes([
                general.simple_cms_attribute("content_type", "tst_info"),
                general.simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                general.simple_cms_attribute("signing_certificate", general.as_signing_certificate(self.tsa_cert)),
                general.simple_cms_attribute("message_digest", digest.finalize()),
            ])
            signature = self._key.sign(signed_attrs.dump(), PKCS1v15(),
                                       get_pyca_cryptography_hash(md_algorithm.upper()))
            return signature, signed_attrs

    return KeptKeyStamper


class LocalTSA:
    """Serves time-stamp tokens signed by a TSA certificate issued by ``ca``; counts requests."""

    def __init__(self, ca, name: str = "hocbaso test TSA", years: int = 3):
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's dummy TSA is RSA-only
        subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                             x509.NameAttribute(NameOID.COMMON_NAME, name)])
        cert = ca.certify_public_key(subject, key.public_key(), extended_key_usage=[ExtendedKeyUsageOID.TIME_STAMPING],
                                    years=years)
        der = lambda c: asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))  # noqa: E731
        self.certificate = cert
        key_info = keys.PrivateKeyInfo.load(key.private_bytes(serialization.Encoding.DER,
                                                              serialization.PrivateFormat.PKCS8,
                                                              serialization.NoEncryption()))
        self.stamper = _stamper_class(DummyTimeStamper)(
            der(cert), key_info, certs_to_embed=SimpleCertificateStore.from_certs([der(ca.issuing)]), key=key)
        self.requests = 0
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            # HTTP/1.1 keeps a client's connection (one TCP connection per time stamp cost a round trip); the
            # answer leaves in one write (buffered, sent at the end of the request) on a socket without Nagle's
            # algorithm: written unbuffered, the body waited for the client's delayed ACK, ~40 ms a time stamp
            protocol_version = "HTTP/1.1"
            wbufsize = -1
            disable_nagle_algorithm = True

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    request = tsp.TimeStampReq.load(body)
                    with owner._lock:
                        owner.requests += 1
                        response = run_sync(owner.stamper.async_request_tsa_response(request))
                    data, status = response.dump(), 200
                except Exception:  # a malformed request gets HTTP 400
                    data, status = b"", 400
                self.send_response(status)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsa"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
