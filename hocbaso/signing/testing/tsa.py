"""A tiny RFC 3161 time-stamping server on 127.0.0.1 (http.server + pyHanko's DummyTimeStamper, made fast).

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



def _stamper_class(base):
    """pyHanko's ``DummyTimeStamper`` answering in a fraction of a millisecond, as a real TSA's server does: the
    original parses its DER key again for every token (cryptography's RSA key check: ~85 ms of CPU) and builds
    the whole SignedData with asn1crypto (~5 ms); here the key is loaded once and the token's DER is assembled
    from pieces made once (the certificates, the signer's identifier, the signing-certificate attribute), only
    the TSTInfo (asn1crypto, small) and the signed attributes being new per request."""
    from asn1crypto import algos, cms, core, tsp  # deferred: with pyHanko, only where a TSA is started
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.sign import general  # deferred: pyHanko, as above
    from pyhanko.sign.general import simple_cms_attribute  # deferred: as above

    from hocbaso.signing.pades import _set_of, der

    class FastStamper(base):
        def __init__(self, *args, key, **kwargs):
            super().__init__(*args, **kwargs)
            self._key = key
            certs = {c.sha256: c for c in [*self.certs_to_embed, self.tsa_cert]}
            self._certificates = der(0xA0, b"".join(sorted(c.dump() for c in certs.values())))
            self._sid = cms.IssuerAndSerialNumber({"issuer": self.tsa_cert.issuer,
                                                   "serial_number": self.tsa_cert.serial_number}).dump()
            self._digest_algorithm = algos.DigestAlgorithm({"algorithm": "sha256"}).dump()
            self._signature_algorithm = algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"}).dump()
            self._attrs = [simple_cms_attribute("content_type", "tst_info").dump(),
                           simple_cms_attribute("signing_certificate",
                                                general.as_signing_certificate(self.tsa_cert)).dump()]

        def request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
            if req["message_imprint"]["hash_algorithm"]["algorithm"].native != "sha256":
                return super().request_tsa_response(req)
            import datetime as dt

            when = self.fixed_dt or dt.datetime.now(dt.timezone.utc)
            tst_info = self._build_tst_info(req["message_imprint"], when, req).dump()
            digest = hashes.Hash(hashes.SHA256())
            digest.update(tst_info)
            signed_attrs = _set_of([*self._attrs,
                                    simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(when)})).dump(),
                                    simple_cms_attribute("message_digest", digest.finalize()).dump()])
            signature = self._key.sign(signed_attrs, PKCS1v15(), hashes.SHA256())
            signer_info = (der(0x02, b"\x01") + self._sid + self._digest_algorithm + b"\xA0" + signed_attrs[1:]
                           + self._signature_algorithm + der(0x04, signature))
            encap = der(0x30, cms.ContentType("tst_info").dump() + der(0xA0, der(0x04, tst_info)))
            signed_data = der(0x30, der(0x02, b"\x03") + der(0x31, self._digest_algorithm) + encap
                              + self._certificates + der(0x31, der(0x30, signer_info)))
            token = der(0x30, cms.ContentType("signed_data").dump() + der(0xA0, signed_data))
            return tsp.TimeStampResp.load(der(0x30, der(0x30, der(0x02, b"\x00")) + token))

    return FastStamper


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
                        response = owner.stamper.request_tsa_response(request)
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
