"""Loopback simulators of the remote signing services' published protocols (VNPT SmartCA sp769 v1, Viettel
MySign gateway), field by field as docs/remote-signing.md lists them, for the tests.

    with RemoteSim("smartca") as sim:                      # or "mysign"
        sim.add_user("012345678901", "Lê Thị Hoa")           # a real RSA key and certificate from a test CA
        sim.outcome = "confirm"                              # or refuse / expire / error / never
        sim.confirm_delay = 0.2                              # the simulated phone answers after this
        config = sim.config()                                # a ServiceConfig pointing here

An HTTP server in a thread on 127.0.0.1 (a free port). It refuses wrong relying-party credentials and tokens,
checks every field of a request as the documents describe it, signs each digest with the user's key (RSA
PKCS#1 v1.5 over the SHA-256 digest, the raw signature the services return) once the simulated confirmation
arrives, and records what it received (``transactions``: the number of digests of each).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import secrets
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509.oid import NameOID

from hocbaso.signing.remote import ServiceConfig

SMARTCA_PREFIX = "/sca/sp769"
OID_SHA256 = "2.16.840.1.101.3.4.2.1"
OID_RSA = "1.2.840.113549.1.1.1"
OUTCOMES = ("confirm", "refuse", "expire", "error", "never")


def _name(*parts) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in parts])


def _cert(subject, issuer, public_key, signing_key, *, ca: bool, days: int = 1095) -> x509.Certificate:
    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
               .serial_number(x509.random_serial_number()).not_valid_before(now)
               .not_valid_after(now + dt.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=not ca, content_commitment=not ca,
                                            key_encipherment=False, data_encipherment=False, key_agreement=False,
                                            key_cert_sign=ca, crl_sign=ca, encipher_only=False,
                                            decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))
    return builder.sign(signing_key, hashes.SHA256())


def _b64(cert: x509.Certificate) -> str:
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


class TestCA:
    """A root and an issuing CA (RSA), issuing the users' certificates as a public CA would."""

    def __init__(self, name: str):
        self.root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        root_name = _name((NameOID.COUNTRY_NAME, "VN"), (NameOID.ORGANIZATION_NAME, name),
                          (NameOID.COMMON_NAME, f"{name} Root CA (test)"))
        self.root = _cert(root_name, root_name, self.root_key.public_key(), self.root_key, ca=True, days=3650)
        self.issuing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        issuing_name = _name((NameOID.COUNTRY_NAME, "VN"), (NameOID.ORGANIZATION_NAME, name),
                             (NameOID.COMMON_NAME, f"{name} (test)"))
        self.issuing = _cert(issuing_name, root_name, self.issuing_key.public_key(), self.root_key, ca=True)

    def issue(self, user_id: str, full_name: str, public_key) -> x509.Certificate:
        subject = _name((NameOID.COUNTRY_NAME, "VN"), (NameOID.COMMON_NAME, full_name),
                        (NameOID.USER_ID, f"CCCD:{user_id}"))
        return _cert(subject, self.issuing.subject, public_key, self.issuing_key, ca=False)

    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)


class User:
    def __init__(self, user_id: str, full_name: str, ca: TestCA):
        self.user_id, self.full_name = user_id, full_name
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.certificate = ca.issue(user_id, full_name, self.key.public_key())
        self.serial = format(self.certificate.serial_number, "x")
        self.credential_id = str(uuid.uuid4())

    def sign(self, digest: bytes) -> bytes:
        return self.key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))


class Transaction:
    def __init__(self, user: User, digests: list[bytes], outcome: str, delay: float, ids: tuple[str, ...],
                 doc_ids: list[str]):
        self.user, self.digests, self.outcome, self.ids, self.doc_ids = user, digests, outcome, ids, doc_ids
        self.answer_at = time.monotonic() + delay


class RemoteSim:
    """One service's simulator (``protocol``: ``smartca`` or ``mysign``). Client credentials are random per
    instance (``client_id``, ``secret``); ``tokens`` are the MySign access tokens it handed out."""

    def __init__(self, protocol: str, *, max_hashes: int = 50, confirm_delay: float = 0.2):
        if protocol not in ("smartca", "mysign"):
            raise ValueError(protocol)
        self.protocol = protocol
        self.ca = TestCA("VNPT-CA" if protocol == "smartca" else "Viettel-CA")
        self.client_id = f"{uuid.uuid4().hex[:4]}-{secrets.randbelow(10**18)}.apps.test"
        self.secret = "sim-secret-" + secrets.token_urlsafe(18)
        self.profile_id = "adss:ras:profile:001"
        self.max_hashes, self.confirm_delay, self.outcome = max_hashes, confirm_delay, "confirm"
        self.users: dict[str, User] = {}
        self.transactions: list[Transaction] = []
        self.tokens: dict[str, str] = {}
        self.rejected: list[str] = []  # why requests were refused (bad fields, credentials)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"sim-{protocol}", daemon=True)

    # -- set-up --
    def add_user(self, user_id: str, full_name: str) -> User:
        user = User(user_id, full_name, self.ca)
        self.users[user_id] = user
        return user

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}" + (SMARTCA_PREFIX if self.protocol == "smartca" else "")

    def config(self, **overrides) -> ServiceConfig:
        values = {"service": self.protocol, "url": self.url, "client_id": self.client_id, "secret": self.secret,
                  "profile_id": self.profile_id if self.protocol == "mysign" else "", **overrides}
        return ServiceConfig(**values)

    def write_root(self, folder) -> str:
        path = folder / f"{self.protocol}-root.pem"
        path.write_bytes(self.ca.root_pem())
        return str(path)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    # -- the protocols --
    def _refuse(self, why: str):
        self.rejected.append(why)

    def _transaction(self, user: User, digests: list[bytes], ids: tuple[str, ...], doc_ids: list[str]):
        with self._lock:
            found = Transaction(user, digests, self.outcome, self.confirm_delay, ids, doc_ids)
            self.transactions.append(found)
        return found

    def _find(self, transaction_id: str) -> Transaction | None:
        with self._lock:
            return next((t for t in self.transactions if transaction_id in t.ids), None)

    def _state(self, found: Transaction) -> str:
        if found.outcome == "never" or time.monotonic() < found.answer_at:
            return "pending"
        return found.outcome

    def smartca(self, path: str, body: dict) -> tuple[int, dict]:
        def answer(code: int, message: str, data=None) -> tuple[int, dict]:
            return (code if code < 600 else 200), {"status_code": code, "message": message, "data": data}

        if body.get("sp_id") != self.client_id or body.get("sp_password") != self.secret:
            self._refuse("sp credentials")
            return answer(401, "SP_CREDENTIAL_INVALID")
        status = re.fullmatch(r"/v1/signatures/sign/([^/]+)/status", path)
        if status:
            found = self._find(status.group(1))
            if found is None:
                return answer(400, "BAD_REQUEST: transaction not found")
            state = self._state(found)
            if state == "pending":
                return answer(200, "sig_wait_for_user_confirm", {"transaction_id": found.ids[0], "signatures": None})
            if state == "refuse":
                return answer(4002, "SIGNER_REJECTED")
            if state == "expire":
                return answer(4001, "EXPIRED")
            if state == "error":
                return answer(500, "SERVER_INTERNAL_ERROR")
            signatures = [{"doc_id": doc, "signature_value": base64.b64encode(found.user.sign(d)).decode(),
                           "timestamp_signature": None} for doc, d in zip(found.doc_ids, found.digests)]
            return answer(200, "SUCCESS", {"transaction_id": found.ids[0], "signatures": signatures})
        user = self.users.get(body.get("user_id") or "")
        if user is None:
            self._refuse("user_id")
            return answer(401, "SP_CREDENTIAL_INVALID: user not found")
        if not body.get("transaction_id"):
            self._refuse("transaction_id")
            return answer(400, "BAD_REQUEST: transaction_id")
        if path == "/v1/credentials/get_certificate":
            return answer(200, "Success", {"user_certificates": [{
                "service_type": "SMARTCA", "service_name": "SMARTCA PERSONAL PRO", "cert_id": user.credential_id,
                "cert_status": "Đang hoạt động", "serial_number": user.serial,
                "cert_subject": user.certificate.subject.rfc4514_string(),
                "cert_valid_from": user.certificate.not_valid_before_utc.isoformat(),
                "cert_valid_to": user.certificate.not_valid_after_utc.isoformat(),
                "cert_data": _b64(user.certificate),
                "chain_data": {"ca_cert": _b64(self.ca.issuing), "root_cert": _b64(self.ca.root)},
                "transaction_id": body["transaction_id"]}]})
        if path == "/v1/signatures/sign":
            files = body.get("sign_files")
            if body.get("serial_number") not in ("", None, user.serial):
                return answer(403, "CREDENTIAL_STATUS_INVALID: serial_number")
            if not isinstance(files, list) or not files or len(files) > self.max_hashes:
                self._refuse("sign_files")
                return answer(400, "BAD_REQUEST: sign_files")
            digests = []
            for item in files:
                value = str(item.get("data_to_be_signed", ""))
                if item.get("sign_type") != "hash" or not item.get("doc_id") or not item.get("file_type") \
                        or not re.fullmatch(r"[0-9a-fA-F]{64}", value):
                    self._refuse("sign_files item")
                    return answer(400, "BAD_REQUEST: sign_files")
                digests.append(bytes.fromhex(value))
            if self._find(body["transaction_id"]) is not None:
                return answer(400, "BAD_REQUEST: transaction_id is not unique")
            tran_code = str(uuid.uuid4())
            self._transaction(user, digests, (body["transaction_id"], tran_code), [f["doc_id"] for f in files])
            return answer(200, "sig_wait_for_user_confirm",
                          {"transaction_id": body["transaction_id"], "tran_code": tran_code})
        return answer(404, "NOT_FOUND")

    def mysign(self, path: str, body: dict, token: str | None) -> tuple[int, object]:
        def error(code: int, name: str, description: str):
            self._refuse(name)
            return code, {"error": name, "error_description": description}

        if path == "/vtss/service/ras/v1/login":
            if (body.get("client_id"), body.get("client_secret"), body.get("profile_id")) != \
                    (self.client_id, self.secret, self.profile_id):
                return error(401, "invalid_client", "Client authentication failed")
            if body.get("user_id") not in self.users:
                return error(400, "invalid_user", "User not found")
            issued = secrets.token_urlsafe(24)
            self.tokens[issued] = body["user_id"]
            return 200, {"access_token": issued, "token_type": "Bearer", "expires_in": "3600"}
        user = self.users.get(self.tokens.get(token or "", ""))
        if user is None:
            return error(401, "invalid_token", "Access token is invalid")
        if path == "/vtss/service/certificates/info":
            if body.get("client_id") != self.client_id or body.get("client_secret") != self.secret:
                return error(401, "invalid_client", "Client authentication failed")
            cert = user.certificate
            return 200, [{"credential_id": user.credential_id, "description": "MySign cá nhân",
                          "key": {"status": "ENABLED", "algo": [OID_RSA], "len": "2048"},
                          "cert": {"status": "VALID",
                                   "certificates": [_b64(cert), _b64(self.ca.issuing), _b64(self.ca.root)],
                                   "issuerDN": cert.issuer.rfc4514_string(),
                                   "serialNumber": format(cert.serial_number, "x"),
                                   "subjectDN": cert.subject.rfc4514_string(),
                                   "validFrom": cert.not_valid_before_utc.strftime("%Y%m%d%H%M%S+0000"),
                                   "validTo": cert.not_valid_after_utc.strftime("%Y%m%d%H%M%S+0000")},
                          "authMode": "EXPLICIT/OTP-PUSH"}]
        if path == "/vtss/service/signHash":
            if body.get("client_id") != self.client_id or body.get("client_secret") != self.secret:
                return error(401, "invalid_client", "Client authentication failed")
            if body.get("credentialID") != user.credential_id:
                return error(400, "invalid_request", "credentialID")
            hashes_b64 = body.get("hash")
            if not isinstance(hashes_b64, list) or not hashes_b64 or len(hashes_b64) > self.max_hashes \
                    or body.get("numSignatures") != len(hashes_b64) \
                    or len(body.get("documents") or []) != len(hashes_b64):
                return error(400, "invalid_request", "numSignatures / hash / documents")
            if body.get("hashAlgo") != OID_SHA256 or body.get("signAlgo") != OID_RSA \
                    or body.get("async") not in (1, 2):
                return error(400, "invalid_request", "hashAlgo / signAlgo / async")
            try:
                digests = [base64.b64decode(h, validate=True) for h in hashes_b64]
            except ValueError:
                return error(400, "invalid_request", "hash")
            if any(len(d) != 32 for d in digests):
                return error(400, "invalid_request", "hash length")
            transaction_id = str(uuid.uuid4())
            self._transaction(user, digests, (transaction_id,), [d["document_id"] for d in body["documents"]])
            return 200, {"transactionId": transaction_id}
        if path == "/vtss/service/requests/status":
            found = self._find(body.get("transactionId") or "")
            if found is None or found.user is not user:
                return error(400, "invalid_request", "transactionId")
            state = self._state(found)
            if state == "pending":
                return 200, {"status": "0", "message": "WAITING_FOR_USER_CONFIRM", "signatures": None}
            if state == "refuse":
                return 200, {"status": "4002", "message": "Transaction rejected by user", "signatures": None}
            if state == "expire":
                return 200, {"status": "4001", "message": "Transaction expired", "signatures": None}
            if state == "error":
                return error(500, "server_error", "Internal error")
            wrapped = [base64.encodebytes(found.user.sign(d)).decode().replace("\n", "\r\n") for d in found.digests]
            return 200, {"status": "1", "message": "SUCCESS", "signatures": wrapped}
        return 404, {"error": "not_found"}

    def _handler(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = None
                if not isinstance(body, dict) or self.headers.get("Content-Type", "").split(";")[0] != \
                        "application/json":
                    status, answer = 400, {"error": "invalid_request"}
                elif owner.protocol == "smartca":
                    path = self.path[len(SMARTCA_PREFIX):] if self.path.startswith(SMARTCA_PREFIX) else "/?"
                    status, answer = owner.smartca(path, body)
                else:
                    auth = self.headers.get("Authorization", "")
                    token = auth[7:] if auth.startswith("Bearer ") else None
                    status, answer = owner.mysign(self.path, body, token)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler
