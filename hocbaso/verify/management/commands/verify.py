"""``hocbaso verify FILE``: the signatures, registry match, status and lookup code of a học bạ PDF or of its
signed XML (docs/record-xml.md), as JSON: the PDF's PAdES signatures (``signatures``) and the record XML's XAdES
signatures (``xml_signatures``: inside the PDF, or the bare XML's).

The verdict comes from ``hocbaso.verify.files.file_check`` (the same check as the public verification page):
registry match by SHA-256 first, full signature validation otherwise. A registry match is also run through
``validate_pdf`` so that every signature is listed with its certificate and its checks.

``--at YYYY-MM-DD`` validates each signature as of that day (PAdES-LTA from the validation data and time stamps
in the file, ``signing.ltv.validate_at``): a record issued with its LTV data stays valid after its signers'
certificates expired or were revoked; one signed after a revocation does not. ``valid_at`` says it.

Exit status: 0 the file is a signed PDF whose signatures are intact (whether or not it is in the registry,
whatever its status: read ``status``) and, with ``--at``, valid on that day; 1 the file was altered after
signing, a signature does not verify, or (``--at``) is not valid on that day; 2 not a PDF or a record XML, not
signed, or the file cannot be read.
"""

import contextlib
import datetime as dt
import json
import logging
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from hocbaso.documents import extract_record
from hocbaso.records.selectors import issued_status
from hocbaso.signing.validate import validate_pdf
from hocbaso.verify.files import file_check
from hocbaso.verify.xml_check import pdf_xml_signatures

EXIT_ALTERED = 1
EXIT_NOT_SIGNED = 2
SIGNATURE_KEYS = ("field", "signer_name", "role", "organisation", "subject", "issuer", "serial", "signing_time",
                  "timestamp", "level", "intact", "valid", "trusted", "trust_problem", "covers_whole_file",
                  "modification_level", "changes_allowed", "ltv")
AT_KEYS = ("valid_at", "at_indication")
STATUS = {"authentic_current": "current", "authentic_superseded": "superseded", "authentic_withdrawn": "withdrawn"}


def _embedded_lookup_code(data: bytes) -> str | None:
    """The lookup code of the hocbaso.record/1 attached to the PDF, if any."""
    try:
        record = extract_record(data)
    except Exception:  # no attachment, or not a readable PDF: file_check says which
        return None
    return (record.get("issuance") or {}).get("lookup_code") or None


def _validated(data: bytes) -> dict | None:
    try:
        return validate_pdf(data)
    except Exception:
        return None


XML_UNSIGNED = ("not_record", "xml_not_signed")


def verify_file(data: bytes, at: dt.datetime | None = None) -> tuple[dict, int]:
    """The JSON report for a file and the exit status it deserves; with ``at``, validated as of that time too."""
    verdict = file_check(data)
    # the registry's row; a renewed file (one more archive time stamp) names the version it continues
    issued = verdict.issued if verdict.verdict in STATUS else None
    is_copy = verdict.verdict == "authentic_copy"
    is_xml = verdict.details.get("form") == "xml" or verdict.verdict in XML_UNSIGNED
    xml = verdict.xml_signatures
    validation = None
    if is_xml:
        signatures = []
        altered = verdict.verdict == "altered" or not xml
        lookup_from_signature_check = verdict.details.get("lookup_code")
    elif issued is not None or is_copy:  # answered from the registry: check the signatures all the same
        validation = _validated(data) or {}
        signatures = validation.get("signatures", [])
        altered = bool(validation.get("altered")) or not signatures
        lookup_from_signature_check = validation.get("lookup_code")
        xml = pdf_xml_signatures(data)
        altered = altered or not all(s["intact"] for s in xml)
    else:
        signatures = verdict.signatures
        altered = verdict.verdict != "valid_not_issued"
        lookup_from_signature_check = verdict.details.get("lookup_code")
    state = issued_status(issued) if issued is not None else {"status": "unknown", "superseded_by_version": None,
                                                              "current_record_id": None}
    if is_copy:
        state["status"] = "certified_copy"
    report = {
        "verdict": verdict.verdict,
        "message": verdict.message,
        "sha256": verdict.sha256,
        "form": "xml" if is_xml else "pdf",
        "signed": bool(signatures or xml),
        "intact": bool(signatures or xml) and not altered,
        "trusted": bool(signatures or xml) and all(s.get("trusted") for s in [*signatures, *xml]),
        "signatures": [{k: s.get(k) for k in SIGNATURE_KEYS} for s in signatures],
        "xml_signatures": xml,
        "registry_match": issued is not None or is_copy,
        "status": state["status"],
        "superseded_by_version": state["superseded_by_version"],
        "record_id": issued.record_id if issued is not None else None,
        "version": issued.version if issued is not None else None,
        "current_record_id": state["current_record_id"],
        "lookup_code": (None if is_xml else _embedded_lookup_code(data)) or lookup_from_signature_check
                       or (issued.lookup_code if issued is not None else None),
    }
    # answered from the registry: the validation above; else file_check's own (its details and signatures)
    full = validation if validation else {"ltv": verdict.details.get("ltv"), "signatures": verdict.signatures,
                                          "document_timestamps": verdict.details.get("document_timestamps", [])}
    if full:
        report["ltv"] = full.get("ltv")
        report["document_timestamps"] = full.get("document_timestamps", [])
        by_field = {s.get("field"): s for s in full.get("signatures", [])}
        for shown in report["signatures"]:
            shown["ltv"] = by_field.get(shown["field"], {}).get("ltv")
    if at is not None and signatures:
        try:
            checked = validate_pdf(data, at=at)
        except Exception as error:  # an unreadable file was already answered above; this is belt and braces
            checked = {"signatures": [], "valid_at": False, "error": str(error)}
        by_field = {s["field"]: s for s in checked["signatures"]}
        for shown in report["signatures"]:
            shown.update({k: by_field.get(shown["field"], {}).get(k) for k in AT_KEYS})
        report["at"] = at.date().isoformat()
        report["valid_at"] = bool(checked.get("valid_at"))
    if verdict.details.get("copy_of") is not None:  # bản sao của …: the originals, with their status now
        report["copy_number"] = verdict.details.get("copy_number")
        report["copy_of"] = [{k: o.get(k) for k in ("record_id", "version", "school_year", "sha256", "status",
                                                    "superseded_by_version")}
                             for o in verdict.details.get("copy_of") or []]
        report["provenance"] = verdict.details.get("provenance")
    reason = verdict.details.get("reason") or verdict.details.get("error")
    if reason:
        report["reason"] = reason
    if verdict.verdict in ("not_pdf", "not_signed", *XML_UNSIGNED) or not (signatures or xml):
        return report, EXIT_NOT_SIGNED
    if not report["intact"] or (at is not None and not report["valid_at"]):
        return report, EXIT_ALTERED
    return report, 0


@contextlib.contextmanager
def _quiet(enabled: bool):
    """pyHanko logs a traceback for every certificate it cannot chain to a root; the JSON already says so
    (``trusted``, ``trust_problem``). Shown with ``-v 2``."""
    loggers = [logging.getLogger(name) for name in ("pyhanko", "pyhanko_certvalidator")] if enabled else []
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _day(text: str) -> dt.datetime:
    """``--at``'s day, as noon UTC of that day."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--at: ngày không hợp lệ {text!r}, cần dạng YYYY-MM-DD.", returncode=EXIT_NOT_SIGNED) \
            from None
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.timezone.utc)


class Command(BaseCommand):
    help = ("Kiểm tra một tệp PDF học bạ hoặc tệp XML học bạ có chữ ký số: in JSON gồm các chữ ký số (người ký, "
            "chức vụ, chứng thư, thời gian ký, còn nguyên vẹn, được tin cậy), tệp có trùng khớp bản đã phát hành không, trạng thái (current / "
            "superseded / withdrawn / unknown) và mã tra cứu. Mã thoát 0: chữ ký nguyên vẹn; 1: tệp đã bị sửa "
            "hoặc chữ ký không hợp lệ; 2: không phải PDF hay XML có chữ ký số.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="Tệp PDF học bạ hoặc tệp XML học bạ cần kiểm tra.")
        parser.add_argument("--trust-root", action="append", default=[], metavar="PEM",
                            help="Thêm chứng thư gốc tin cậy (tệp PEM); lặp lại được. Mặc định theo "
                                 "HOCBASO_TRUST_ROOTS và CA của hệ thống.")
        parser.add_argument("--at", metavar="YYYY-MM-DD", type=_day,
                            help="Kiểm tra chữ ký như vào ngày này (kể cả sau khi chứng thư hết hạn hoặc bị thu hồi), "
                                 "dựa trên dữ liệu kiểm tra dài hạn (LTV) và dấu thời gian trong tệp.")

    def handle(self, *args, file, trust_root, at=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp {file}.", returncode=EXIT_NOT_SIGNED)
        for pem in trust_root:
            if not Path(pem).is_file():
                raise CommandError(f"Không tìm thấy chứng thư gốc {pem}.", returncode=EXIT_NOT_SIGNED)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Không đọc được tệp {file}: {error}", returncode=EXIT_NOT_SIGNED) from None
        with override_settings(HOCBASO_TRUST_ROOTS=[*settings.HOCBASO_TRUST_ROOTS, *trust_root]), \
                _quiet(options.get("verbosity", 1) < 2):
            report, status = verify_file(data, at=at)
        report = {"file": str(path), **report}
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        if status:
            raise CommandError(report["message"], returncode=status)
