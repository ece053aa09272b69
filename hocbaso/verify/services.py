"""Answering the public: lookups by code, the second factor, and file checks.

Privacy rules: the status page shows only a masked name; the full record needs the pupil's
date of birth or identity number, compared in constant time; a wrong code and a wrong second
factor get byte-identical answers; every lookup is logged without personal data.
"""

import datetime as dt
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings

from hocbaso.records.codes import normalize_lookup_code
from hocbaso.records.models import IssuedRecord
from hocbaso.records.selectors import issued_status
from hocbaso.verify.models import LookupKind, RecordLookup
from hocbaso.verify.ratelimit import bucket_take, ip_key

STATUS_TEXT = {
    "current": "Học bạ có hiệu lực (phiên bản hiện hành).",
    "superseded": "Học bạ này đã được thay thế bởi phiên bản {version}.",
    "withdrawn": "Học bạ này đã bị thu hồi.",
    "unknown": "Không tìm thấy học bạ nào với mã tra cứu này.",
}


class RateLimited(Exception):
    """Too many attempts; the message is for people."""

    def __init__(self):
        super().__init__("Bạn đã tra cứu quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau ít phút.")


def mask_name(full_name: str) -> str:
    """``Nguyễn Thị Ánh Tuyết`` → ``Nguyễn T. Á. Tuyết``: family and given name, middle names as initials."""
    words = unicodedata.normalize("NFC", full_name or "").split()
    if len(words) <= 2:
        return " ".join(words[:1] + [w[0] + "." for w in words[1:]]) if len(words) == 2 else "".join(words)
    return " ".join([words[0], *[w[0] + "." for w in words[1:-1]], words[-1]])


def _limit(key: str, capacity: float, per_hour: float) -> None:
    if not bucket_take(key, capacity=capacity, per_hour=per_hour):
        raise RateLimited()


def _log(kind: str, ip: str, issued: IssuedRecord | None, ok: bool, via_api: bool) -> None:
    RecordLookup.objects.create(kind=kind, ip_hash=ip_key(ip), issued_record=issued, ok=ok, via_api=via_api,
                                school_code=issued.school_code if issued else "")


@dataclass
class StatusAnswer:
    code: str | None
    status: str
    message: str
    record: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"lookup_code": self.code, "status": self.status, "message": self.message, **self.record}


def _public_view(issued: IssuedRecord, state: dict | None = None) -> dict:
    state = state or issued_status(issued)
    return {
        "record_id": issued.record_id, "version": issued.version, "school_year": issued.school_year,
        "class_name": issued.class_name, "school_code": issued.school_code,
        "school_name": issued.record.get("school", {}).get("name", ""),
        "pupil_name_masked": mask_name(issued.pupil_name),
        "effective_date": issued.effective_date.isoformat(),
        "signers": [{k: s.get(k) for k in ("name", "role", "signed_at")} for s in issued.signers],
        "superseded_by_version": state["superseded_by_version"],
    }


def lookup_status(*, text: str, ip: str, via_api: bool = False) -> StatusAnswer:
    """The public status of the record with this lookup code (masked; no second factor needed)."""
    limits = settings.VERIFY_LIMITS
    _limit(f"status-ip:{ip_key(ip)}", limits["status_burst"], limits["status_per_hour"])
    code = normalize_lookup_code(text)
    if code is None:
        return StatusAnswer(None, "invalid", "Mã tra cứu không hợp lệ: hãy kiểm tra lại từng kí tự (dạng XXXX-XXXX-XXX).")
    issued = IssuedRecord.objects.filter(lookup_code=code).first()
    _log(LookupKind.STATUS, ip, issued, issued is not None, via_api)
    if issued is None:
        return StatusAnswer(code, "unknown", STATUS_TEXT["unknown"])
    return status_answer(issued)


def status_answer(issued: IssuedRecord) -> StatusAnswer:
    """The public status of an issued record (no rate limit, no log: for callers that already did both)."""
    state = issued_status(issued)
    view = _public_view(issued, state)
    return StatusAnswer(issued.lookup_code, state["status"],
                        STATUS_TEXT[state["status"]].format(version=state["superseded_by_version"]), view)


_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y")
_DUMMY = "0000-00-00"


def _factor_forms(text: str) -> str:
    """Normalise a typed date of birth or identity number to the canonical string compared."""
    text = (text or "").strip()
    digits = re.sub(r"\s", "", text)
    if re.fullmatch(r"\d{12}", digits):
        return digits
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return "invalid-factor"


def lookup_full(*, text: str, factor: str, ip: str, via_api: bool = False) -> IssuedRecord | None:
    """The issued record when the code and the second factor (date of birth or identity number) both match;
    otherwise None, with no hint of which one was wrong. Both comparisons run in constant time."""
    limits = settings.VERIFY_LIMITS
    _limit(f"factor-ip:{ip_key(ip)}", limits["factor_ip_burst"], limits["factor_ip_per_hour"])
    code = normalize_lookup_code(text) or "invalid"
    _limit(f"factor-code:{code}", limits["factor_code_burst"], limits["factor_code_per_hour"])
    issued = IssuedRecord.objects.filter(lookup_code=code).first()
    given = _factor_forms(factor).encode()
    birth = (issued.pupil_birth_date.isoformat() if issued else _DUMMY).encode()
    identity = ((issued.identity_number if issued else None) or "no-identity-number").encode()
    match_birth = hmac.compare_digest(hashlib.sha256(given).digest(), hashlib.sha256(birth).digest())
    match_identity = hmac.compare_digest(hashlib.sha256(given).digest(), hashlib.sha256(identity).digest())
    ok = issued is not None and (match_birth or match_identity)
    _log(LookupKind.FULL, ip, issued, ok, via_api)
    return issued if ok else None
