"""Checking an uploaded PDF: registry match first (instant), full signature validation otherwise."""

import hashlib
from dataclasses import dataclass, field

from hocbaso.records.models import IssuedRecord
from hocbaso.records.selectors import issued_status

VERDICTS = {
    "authentic_current": "Tệp đúng là học bạ do hệ thống phát hành và đang có hiệu lực.",
    "authentic_superseded": "Tệp đúng là học bạ do hệ thống phát hành, nhưng đã được thay thế bởi phiên bản {version}.",
    "authentic_withdrawn": "Tệp đúng là học bạ do hệ thống phát hành, nhưng học bạ này đã bị thu hồi.",
    "valid_not_issued": "Chữ ký số trong tệp hợp lệ, nhưng tệp này không do hệ thống phát hành (không có trong sổ đăng ký).",
    "altered": "Tệp đã bị thay đổi sau khi ký hoặc chữ ký số không hợp lệ. Không sử dụng tệp này.",
    "not_signed": "Tệp PDF không có chữ ký số.",
    "not_pdf": "Tệp tải lên không phải là tệp PDF.",
}


@dataclass
class FileVerdict:
    verdict: str
    message: str
    sha256: str
    record: dict | None = None
    signatures: list = field(default_factory=list)
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"verdict": self.verdict, "message": self.message, "sha256": self.sha256, "record": self.record,
                "signatures": self.signatures, "details": self.details}


def _registry_answer(issued: IssuedRecord, digest: str) -> FileVerdict:
    from hocbaso.verify.services import _public_view

    state = issued_status(issued)
    verdict = {"current": "authentic_current", "superseded": "authentic_superseded",
               "withdrawn": "authentic_withdrawn"}[state["status"]]
    return FileVerdict(verdict, VERDICTS[verdict].format(version=state["superseded_by_version"]), digest,
                       record=_public_view(issued), signatures=issued.signers)


def file_check(data: bytes) -> FileVerdict:
    """The verdict on an uploaded file, in plain Vietnamese, with technical details."""
    digest = hashlib.sha256(data).hexdigest()
    issued = IssuedRecord.objects.filter(sha256=digest).first()
    if issued is not None:
        return _registry_answer(issued, digest)
    if not data.lstrip()[:5] == b"%PDF-":
        return FileVerdict("not_pdf", VERDICTS["not_pdf"], digest)
    from hocbaso.signing.validate import validate_pdf

    try:
        report = validate_pdf(data)
    except Exception as error:  # an unreadable PDF is an answer, not a server error
        return FileVerdict("not_pdf", VERDICTS["not_pdf"], digest, details={"error": str(error)[:300]})
    signatures = report.get("signatures", [])
    if not signatures:
        return FileVerdict("not_signed", VERDICTS["not_signed"], digest)
    intact = all(s.get("intact") and s.get("valid") for s in signatures) and not report.get("altered")
    details = {k: v for k, v in report.items() if k != "signatures"}
    if not intact:
        return FileVerdict("altered", VERDICTS["altered"], digest, signatures=signatures, details=details)
    embedded_code = report.get("lookup_code")
    if embedded_code and IssuedRecord.objects.filter(lookup_code=embedded_code).exists():
        details["reason"] = "Tệp mang mã tra cứu của một học bạ đã phát hành nhưng khác với bản đã phát hành."
        return FileVerdict("altered", VERDICTS["altered"], digest, signatures=signatures, details=details)
    return FileVerdict("valid_not_issued", VERDICTS["valid_not_issued"], digest, signatures=signatures,
                       details=details)
