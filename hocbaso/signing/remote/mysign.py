"""Viettel MySign (Viettel-CA's remote signing gateway): the user confirms each transaction in the MySign app.

Follows Viettel's "Viettel Mysign Gateway" API collection as the public integrations use it
(docs/remote-signing.md):

- ``POST /vtss/service/ras/v1/login`` ``{client_id, client_secret, profile_id, user_id}`` → ``{access_token,
  token_type: "Bearer", expires_in}`` (an error: ``{error, error_description}``);
- ``POST /vtss/service/certificates/info`` (Bearer) ``{client_id, client_secret, profile_id, user_id,
  certificates: "chain", certInfo: true, authInfo: true}`` → ``[{credential_id, cert: {status, certificates:
  [base64 DER, the user's first], subjectDN, serialNumber, validFrom, validTo}}]``;
- ``POST /vtss/service/signHash`` (Bearer) ``{client_id, client_secret, credentialID, numSignatures, documents:
  [{document_id, document_name}], hash: [base64 digest], hashAlgo: SHA-256's OID, signAlgo: RSA's OID, async}``
  → ``{transactionId}`` (several hashes = one confirmation);
- ``POST /vtss/service/requests/status`` (Bearer) ``{transactionId}`` → ``{status, signatures, message}``:
  ``"0"`` waiting, ``"1"`` signed (``signatures``: base64, one per hash, possibly wrapped with line breaks).
  The collection names no code for a refusal or an expiry; 4002 / 4001 (the codes of VNPT's gateway, which
  the simulator answers) or the words "reject" / "expire" in ``message`` are read as such; anything else is a
  failure with the service's message.
"""

from __future__ import annotations

import base64
import time

from hocbaso.signing.remote.base import (DONE, EXPIRED, FAILED, PENDING, REFUSED, Adapter, Credential, Poll,
                                         der_certificate)

OID_SHA256 = "2.16.840.1.101.3.4.2.1"
OID_RSA = "1.2.840.113549.1.1.1"
MAX_HASHES = 50  # no limit is published; a deployment sets its own with HOCBASO_MYSIGN_MAX_HASHES
ASYNC_POLLING = 1  # "async": 0 answers the signatures at once (no confirmation wait); 1 and 2 are polled


class MySign(Adapter):
    name, label, app = "mysign", "Viettel MySign", "MySign"
    max_hashes = MAX_HASHES

    def __init__(self, config):
        super().__init__(config)
        self._tokens: dict[str, tuple[str, float]] = {}  # user_id -> (access token, when it expires)

    def _client(self) -> dict:
        return {"client_id": self.config.client_id, "client_secret": self.config.secret,
                "profile_id": self.config.profile_id}

    def _token(self, user_id: str) -> str:
        token, until = self._tokens.get(user_id, ("", 0.0))
        if token and time.monotonic() < until:
            return token
        status, answer = self.post("/vtss/service/ras/v1/login", {**self._client(), "user_id": user_id})
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if status >= 400 or not token:
            described = (answer or {}).get("error_description") or (answer or {}).get("error") \
                if isinstance(answer, dict) else None
            raise self.error(f"đăng nhập không được ({described or f'HTTP {status}'}).")
        self.hide(token)
        try:
            lifetime = float(answer.get("expires_in") or 3600)
        except (TypeError, ValueError):
            lifetime = 3600.0
        self._tokens[user_id] = (token, time.monotonic() + max(30.0, lifetime - 60))
        return token

    def _failed(self, status: int, answer) -> str:
        if isinstance(answer, dict):
            return answer.get("error_description") or answer.get("message") or answer.get("error") or f"HTTP {status}"
        return f"HTTP {status}"

    def credentials(self, user_id: str) -> list[Credential]:
        token = self._token(user_id)
        status, answer = self.post("/vtss/service/certificates/info",
                                   {**self._client(), "user_id": user_id, "certificates": "chain",
                                    "certInfo": True, "authInfo": True}, token=token)
        if status >= 400 or not isinstance(answer, list):
            raise self.error(f"không lấy được danh sách chứng thư số ({self._failed(status, answer)}).")
        found = []
        for item in answer:
            cert = item.get("cert") or {}
            ders = cert.get("certificates") or []
            if not ders:
                continue
            found.append(Credential(id=item["credential_id"], certificate=der_certificate(ders[0]),
                                    chain=tuple(der_certificate(d) for d in ders[1:]), status=cert.get("status", ""),
                                    label=item.get("description") or ""))
        return found

    def submit(self, *, user_id: str, credential_id: str, digests: list[bytes], description: str) -> str:
        token = self._token(user_id)
        body = {**self._client(), "credentialID": credential_id, "numSignatures": len(digests),
                "documents": [{"document_id": str(index + 1), "document_name": description}
                              for index in range(len(digests))],
                "hash": [base64.b64encode(digest).decode() for digest in digests],
                "hashAlgo": OID_SHA256, "signAlgo": OID_RSA, "async": ASYNC_POLLING}
        body.pop("profile_id")
        status, answer = self.post("/vtss/service/signHash", body, token=token)
        transaction = answer.get("transactionId") if isinstance(answer, dict) else None
        if status >= 400 or not transaction:
            raise self.error(f"không nhận yêu cầu ký ({self._failed(status, answer)}).")
        return str(transaction)

    def poll(self, *, user_id: str, transaction: str) -> Poll:
        status, answer = self.post("/vtss/service/requests/status", {"transactionId": transaction},
                                   token=self._token(user_id))
        if status >= 400 or not isinstance(answer, dict):
            return Poll(FAILED, message=self._failed(status, answer))
        state = str(answer.get("status", ""))
        message = str(answer.get("message") or "")
        if state == "0":
            return Poll(PENDING, message=message)
        if state == "1":
            return Poll(DONE, signatures=tuple(base64.b64decode("".join(s.split()))
                                               for s in answer.get("signatures") or []))
        lowered = message.lower()
        if state == "4002" or "reject" in lowered:
            return Poll(REFUSED, message=message)
        if state == "4001" or "expire" in lowered:
            return Poll(EXPIRED, message=message)
        return Poll(FAILED, message=f"{state} {message}".strip())
