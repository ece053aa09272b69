"""VNPT SmartCA (the relying-party API "sp769", v1): the user confirms each transaction in the VNPT SmartCA app.

Follows VNPT's "Tài liệu tích hợp VNPT SMARTCA" (sections 3.1–3.4: common errors, ``v1/credentials/
get_certificate``, ``v1/signatures/sign``, ``v1/signatures/sign/{tranId}/status``) as the public integrations
use it (docs/remote-signing.md). Every call is a POST of JSON carrying the relying party's ``sp_id`` and
``sp_password``; every answer is ``{"status_code", "message", "data"}``.

- certificates: ``data.user_certificates[]`` with ``serial_number``, ``cert_id``, ``cert_status``, ``cert_data``
  (base64 DER) and ``chain_data.ca_cert`` / ``chain_data.root_cert`` (base64 DER, may be null);
- sign: ``sign_files[]`` of ``{data_to_be_signed: hex digest, doc_id, file_type, sign_type: "hash"}`` (several
  files = one confirmation: "ký theo lô"), answered ``message: "sig_wait_for_user_confirm"`` and
  ``data.transaction_id`` / ``data.tran_code``;
- status: ``data.signatures[]`` of ``{doc_id, signature_value: base64, timestamp_signature}`` once confirmed,
  null while waiting. The document names no status for a refusal or an expiry; the codes VNPT's gateway
  publishes for a transaction (4001 EXPIRED, 4002 SIGNER_REJECTED, 4003/4004 failures) are read in
  ``status_code``; any other code ≥ 300 is a failure with the service's message.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid

from hocbaso.signing.remote.base import (DONE, EXPIRED, FAILED, PENDING, REFUSED, Adapter, Credential, Poll,
                                         der_certificate)

MAX_HASHES = 50  # digests per transaction: the limit VNPT gives for signing hashes in one call
EXPIRED_CODES = {4001}
REFUSED_CODES = {4002}


class SmartCA(Adapter):
    name, label, app = "smartca", "VNPT SmartCA", "SmartCA"
    max_hashes = MAX_HASHES

    def __init__(self, config):
        super().__init__(config)
        self._orders: dict[str, list[str]] = {}  # each sent transaction's doc_ids, in the digests' order

    def _auth(self) -> dict:
        return {"sp_id": self.config.client_id, "sp_password": self.config.secret}

    def _call(self, path: str, body: dict) -> dict:
        status, answer = self.post(path, {**self._auth(), **body})
        code = answer.get("status_code") if isinstance(answer, dict) else None
        if status >= 400 or code is None or int(code) >= 300:
            message = answer.get("message") if isinstance(answer, dict) else None
            if status == 401 or code == 401:
                raise self.error("thông tin tài khoản của hệ thống hoặc người dùng không hợp lệ "
                                 f"({message or 'SP_CREDENTIAL_INVALID'}).")
            if status == 403 or code == 403:
                raise self.error(f"chứng thư số không hợp lệ ({message or 'CREDENTIAL_STATUS_INVALID'}).")
            raise self.error(f"lỗi {code or status} ({message or 'không rõ'}).")
        return answer.get("data") or {}

    def credentials(self, user_id: str) -> list[Credential]:
        data = self._call("/v1/credentials/get_certificate",
                          {"user_id": user_id, "serial_number": "", "transaction_id": str(uuid.uuid4())})
        found = []
        for item in data.get("user_certificates") or []:
            chain_data = item.get("chain_data") or {}
            chain = tuple(der_certificate(c) for c in (chain_data.get("ca_cert"), chain_data.get("root_cert")) if c)
            found.append(Credential(id=item["serial_number"], certificate=der_certificate(item["cert_data"]),
                                    chain=chain, status=item.get("cert_status") or "",
                                    label=item.get("service_name") or item.get("service_type") or ""))
        return found

    def submit(self, *, user_id: str, credential_id: str, digests: list[bytes], description: str) -> str:
        transaction_id = f"HOCBASO-{uuid.uuid4()}"
        files = [{"data_to_be_signed": digest.hex(), "doc_id": f"{transaction_id[-8:]}-{index + 1}",
                  "file_type": "pdf", "sign_type": "hash"} for index, digest in enumerate(digests)]
        data = self._call("/v1/signatures/sign", {
            "user_id": user_id, "transaction_id": transaction_id, "transaction_desc": description,
            "serial_number": credential_id, "sign_files": files,
            "time_stamp": dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d%H%M%SZ")})
        handle = data.get("transaction_id") or transaction_id
        self._orders[handle] = [f["doc_id"] for f in files]
        return handle

    def poll(self, *, user_id: str, transaction: str) -> Poll:
        status, answer = self.post(f"/v1/signatures/sign/{transaction}/status", self._auth())
        code = answer.get("status_code") if isinstance(answer, dict) else None
        message = (answer or {}).get("message", "") if isinstance(answer, dict) else ""
        if code is None:
            return Poll(FAILED, message=f"HTTP {status}")
        code = int(code)
        if code in REFUSED_CODES:
            return Poll(REFUSED, message=message)
        if code in EXPIRED_CODES:
            return Poll(EXPIRED, message=message)
        if code >= 300 or status >= 400:
            return Poll(FAILED, message=f"{code} {message}".strip())
        signed = (answer.get("data") or {}).get("signatures") or []
        if not signed:
            return Poll(PENDING, message=message)
        by_doc = {item.get("doc_id"): item.get("signature_value") for item in signed}
        order = self._orders.get(transaction) or [item.get("doc_id") for item in signed]
        values = [by_doc.get(doc) for doc in order]
        if any(not value for value in values):
            return Poll(FAILED, message="thiếu chữ ký của một số tài liệu")
        return Poll(DONE, signatures=tuple(base64.b64decode(v) for v in values))
