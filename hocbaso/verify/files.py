"""Checking an uploaded PDF: registry match first (instant), full signature validation otherwise."""

import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hocbaso.core.limits import TooLarge, pdf_attachment_read, pdf_attachments
from hocbaso.records.known_files import known_file_find
from hocbaso.records.models import IssuedRecord
from hocbaso.records.renewal import issued_by_hash
from hocbaso.records.selectors import issued_status
from hocbaso.signing.validate import validate_pdf
from hocbaso.tt27.record_xml import XmlRecordError, record_from_xml
from hocbaso.tt27.wording import subject_name
from hocbaso.verify.ltv_status import file_ltv, level_text
from hocbaso.verify.pdfspeed import install
from hocbaso.verify.services import _public_view
from hocbaso.verify.xml_check import looks_like_xml, pdf_xml_signatures, xml_signatures

# Module-level texts are lazy: each is read in the language of the request that uses it (Vietnamese unless the
# visitor chose English on the public pages).
VERDICTS = {
    "authentic_current": gettext_lazy("Tệp đúng là học bạ do hệ thống phát hành và đang có hiệu lực."),
    "authentic_superseded": gettext_lazy("Tệp đúng là học bạ do hệ thống phát hành, nhưng đã được thay thế bởi "
                                         "phiên bản {version}."),
    "authentic_withdrawn": gettext_lazy("Tệp đúng là học bạ do hệ thống phát hành, nhưng học bạ này đã bị thu "
                                        "hồi."),
    "valid_not_issued": gettext_lazy("Chữ ký số trong tệp hợp lệ, nhưng tệp này không do hệ thống phát hành "
                                     "(không có trong sổ đăng ký)."),
    "altered": gettext_lazy("Tệp đã bị thay đổi sau khi ký hoặc chữ ký số không hợp lệ. Không sử dụng tệp này."),
    "not_signed": gettext_lazy("Tệp PDF không có chữ ký số."),
    "not_pdf": gettext_lazy("Tệp tải lên không phải là tệp PDF."),
    "not_record": gettext_lazy("Tệp XML tải lên không phải học bạ số theo lược đồ của hệ thống."),
    "xml_not_signed": gettext_lazy("Tệp XML học bạ không có chữ ký số."),
}
UNTRUSTED_NOTE = gettext_lazy("Chứng thư số của người ký không thuộc tổ chức cung cấp dịch vụ chứng thực được hệ "
                              "thống tin cậy, nên không xác nhận được danh tính người ký.")
RENEWED = gettext_lazy("Bản đã gia hạn dấu thời gian lưu trữ của học bạ đã phát hành (nội dung và chữ ký không "
                       "đổi; bản phát hành ban đầu vẫn được công nhận).")
ORIGINAL_STATUS = {"current": gettext_lazy("đang có hiệu lực"),
                   "superseded": gettext_lazy("đã được thay thế bởi phiên bản %(version)s"),
                   "withdrawn": gettext_lazy("đã bị thu hồi"),
                   "imported": gettext_lazy("do trường cũ phát hành, nhận khi chuyển trường"),
                   "unknown": gettext_lazy("không có trong sổ đăng ký")}
COPY_UNLOGGED = gettext_lazy("Tệp là bản sao học bạ (lần cấp %(number)s) của %(school)s, ghi nguồn gốc trong tệp có chữ "
                             "ký số, nhưng không có trong sổ cấp bản sao của hệ thống này.")
PROVENANCE = {"signed": gettext_lazy("Ghi trong tệp, có chữ ký số, khớp sổ cấp bản sao"),
              "unlogged": gettext_lazy("Ghi trong tệp, có chữ ký số; không có trong sổ cấp bản sao"),
              "register": gettext_lazy("Theo sổ cấp bản sao (bản sao cấp trước khi tệp ghi nguồn gốc)"),
              "mismatch": gettext_lazy("Thông tin trong tệp khác sổ cấp bản sao")}
BROKEN_SIGNED_PDF = gettext_lazy("Tệp có chữ ký số nhưng cấu trúc tệp bị hỏng nên không đọc được các chữ ký.")
# What the person holding the file should do next, under the verdict.
ADVICE = {
    "authentic_current": gettext_lazy("Có thể sử dụng tệp này."),
    "authentic_superseded": gettext_lazy("Nội dung đã được nhà trường đính chính. Hãy dùng phiên bản mới nhất: "
                                         "tra cứu bằng mã tra cứu để xem, hoặc đề nghị phụ huynh, nhà trường cung "
                                         "cấp bản mới."),
    "authentic_withdrawn": gettext_lazy("Không sử dụng tệp này. Hãy liên hệ nhà trường đã cấp học bạ."),
    "authentic_copy": gettext_lazy("Có thể sử dụng bản sao này; tra cứu bằng mã tra cứu để biết học bạ gốc còn "
                                   "hiệu lực không."),
    "valid_not_issued": gettext_lazy("Không coi đây là học bạ số đã phát hành. Hãy đề nghị cung cấp bản học bạ "
                                     "có mã tra cứu hoặc liên hệ nhà trường."),
    "altered": gettext_lazy("Nội dung tệp không còn như lúc ký. Hãy đề nghị cung cấp lại bản gốc hoặc tra cứu "
                            "bằng mã tra cứu in trên học bạ."),
    "not_signed": gettext_lazy("Không xác nhận được đây là học bạ số. Hãy đề nghị cung cấp tệp PDF gốc có chữ ký "
                               "số."),
    "not_pdf": gettext_lazy("Hãy chọn tệp PDF học bạ (đuôi .pdf)."),
    "not_record": gettext_lazy("Hãy chọn tệp PDF học bạ hoặc tệp XML học bạ có chữ ký số."),
    "xml_not_signed": gettext_lazy("Không xác nhận được đây là học bạ số. Hãy đề nghị cung cấp tệp XML hoặc PDF "
                                   "gốc có chữ ký số."),
}
YES, NO = gettext_lazy("Có"), gettext_lazy("Không")
MODIFICATIONS = {"NONE": gettext_lazy("Không có"), "LTA_UPDATES": gettext_lazy("Chỉ thêm dữ liệu kiểm tra chữ ký"),
                 "FORM_FILLING": gettext_lazy("Chỉ thêm chữ ký, ô ký"), "ANNOTATIONS": gettext_lazy("Thêm ghi chú"),
                 "OTHER": gettext_lazy("Thay đổi nội dung"), "UNREADABLE": gettext_lazy("Không đọc được")}


def _original_row(original: dict) -> str:
    """One original of a certified copy, as the technical details show it."""
    status = str(ORIGINAL_STATUS.get(original.get("status"), "")) % {"version": original.get("superseded_by_version")}
    return _("%(record_id)s — năm học %(year)s, phiên bản %(version)s, %(status)s") % {
        "record_id": original.get("record_id"), "year": original.get("school_year"),
        "version": original.get("version"), "status": status}


def _verdict_text(verdict: str, **values) -> str:
    return str(VERDICTS[verdict]).format(**values)


def _when(text) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text) if text else None
    except (TypeError, ValueError):
        return None


def _shown(text) -> str:
    """An ISO time as people read it in Vietnam: dd/mm/yyyy hh:mm:ss."""
    when = _when(text)
    if when is None:
        return ""
    if when.tzinfo is not None:
        when = timezone.localtime(when)
    return when.strftime("%d/%m/%Y %H:%M:%S")


@dataclass
class FileVerdict:
    verdict: str
    message: str
    sha256: str
    record: dict | None = None
    signatures: list = field(default_factory=list)
    details: dict = field(default_factory=dict)
    xml_signatures: list = field(default_factory=list)  # the XAdES signatures of the record XML (signing.xades)
    issued: IssuedRecord | None = None  # the registry's row, when the file matches it

    @property
    def signers(self) -> list[dict]:
        """Who signed, for people: name, role, organisation and when, from the registry or from the file."""
        return [{"name": s.get("name") or s.get("signer_name") or "", "role": s.get("role") or "",
                 "organisation": s.get("organisation") or "",
                 "signed_at": _when(s.get("signed_at") or s.get("signing_time"))}
                for s in self.signatures]

    @property
    def advice(self) -> str:
        return str(ADVICE.get(self.verdict, ""))

    def technical(self) -> dict:
        """The technical details, folded below the verdict: rows of (label, value) for the file, and one
        list of rows per signature."""
        rows = [(_("Mã băm SHA-256 của tệp"), self.sha256),
                (_("Trùng khớp bản đã phát hành (sổ đăng ký)"), YES if self.verdict.startswith("authentic") else NO)]
        ltv = self.details.get("ltv") or {}
        if self.details.get("ltv") is not None:
            rows.append((_("Kiểm tra dài hạn (LTV)"), level_text(ltv.get("level"))))
        if ltv.get("archive_timestamp"):
            rows.append((_("Dấu thời gian lưu trữ gần nhất"), _shown(ltv["archive_timestamp"])))
            rows.append((_("Chứng thư máy chủ dấu thời gian hết hạn"), _shown(ltv["tsa_expires"])))
        if self.details.get("copy_number") is not None:  # a certified copy: its number and what it copies
            rows.append((_("Bản sao lần cấp"), self.details["copy_number"]))
            for original in self.details.get("copy_of") or []:
                rows.append((_("Bản sao của"), _original_row(original)))
            if self.details.get("provenance"):
                rows.append((_("Nguồn gốc bản sao"), str(PROVENANCE.get(self.details["provenance"], ""))))
        for key, label in (("revisions", _("Số lần lưu (phiên bản nội dung) trong tệp")),
                           ("lookup_code", _("Mã tra cứu ghi trong tệp")), ("reason", _("Lý do")),
                           ("error", _("Lỗi đọc tệp"))):
            if self.details.get(key) not in (None, ""):
                rows.append((label, self.details[key]))
        signatures = []
        for s in self.signatures:
            if "signer_name" in s:  # checked now, from the file
                rows_s = [(_("Người ký"), s.get("signer_name")), (_("Chức danh"), s.get("role") or "—"),
                          (_("Tổ chức"), s.get("organisation") or "—"), (_("Chứng thư số"), s.get("subject")),
                          (_("Đơn vị cấp chứng thư"), s.get("issuer")), (_("Số sê-ri chứng thư"), s.get("serial")),
                          (_("Thời điểm ký (theo người ký)"), _shown(s.get("signing_time"))),
                          (_("Dấu thời gian"), _shown(s.get("timestamp")) or _("Không có")),
                          (_("Kiểm tra dài hạn (LTV)"), level_text(s.get("ltv"))),
                          (_("Nội dung được ký còn nguyên vẹn"), YES if s.get("intact") else NO),
                          (_("Chữ ký hợp lệ về mật mã"), YES if s.get("valid") else NO),
                          (_("Chứng thư được tin cậy"), YES if s.get("trusted") else
                           str(NO) + (f" ({s['trust_problem']})" if s.get("trust_problem") else "")),
                          (_("Chữ ký bao trùm toàn bộ tệp"), YES if s.get("covers_whole_file") else NO),
                          (_("Thay đổi sau khi ký"), MODIFICATIONS.get(s.get("modification_level"),
                                                                       s.get("modification_level") or "—"))]
            else:  # from the registry, written when the record was signed and issued; LTV read from the file
                rows_s = [(_("Người ký"), s.get("name")), (_("Chức danh"), s.get("role") or "—"),
                          (_("Chứng thư số"), s.get("subject") if s.get("field") else None),
                          (_("Thời điểm ký"), _shown(s.get("signed_at")))]
                in_file = (ltv.get("signatures") or {}).get(s.get("field")) if s.get("field") else None
                if in_file is not None:
                    rows_s += [(_("Dấu thời gian"), _shown(in_file.get("timestamp")) or _("Không có")),
                               (_("Kiểm tra dài hạn (LTV)"), level_text(in_file.get("ltv")))]
            if "signer_name" in s or s.get("field"):
                number = sum(1 for t in signatures if t["signature"]) + 1
                title, is_signature = _("Chữ ký số %(number)s") % {"number": number}, True
            else:  # a subject teacher's sign-off of the class's marks, kept with the record
                subject = f" ({_(subject_name(s['subject']))})" if s.get("subject") else ""
                title = _("Xác nhận của giáo viên bộ môn") + subject
                is_signature = False
            signatures.append({"title": title, "signature": is_signature,
                               "rows": [(label, value) for label, value in rows_s if value]})
        for number, s in enumerate(self.xml_signatures, 1):
            rows_x = [(_("Người ký"), s.get("name")), (_("Chức danh"), s.get("role") or "—"),
                      (_("Tổ chức"), s.get("organisation") or "—"),
                      (_("Thời điểm ký (theo người ký)"), _shown(s.get("signing_time"))),
                      (_("Dấu thời gian"), YES if s.get("timestamped") else _("Không có")),
                      (_("Nội dung được ký còn nguyên vẹn"), YES if s.get("intact") else NO),
                      (_("Chứng thư được tin cậy"), YES if s.get("trusted") else NO)]
            signatures.append({"title": _("Chữ ký số trên dữ liệu XML %(number)s") % {"number": number},
                               "signature": True, "rows": [(label, value) for label, value in rows_x if value]})
        return {"rows": rows, "signatures": signatures}

    def as_dict(self) -> dict:
        return {"verdict": self.verdict, "message": self.message, "sha256": self.sha256, "record": self.record,
                "signatures": self.signatures, "xml_signatures": self.xml_signatures, "details": self.details}


def _registry_answer(issued: IssuedRecord, digest: str, data: bytes | None, renewed: bool = False) -> FileVerdict:
    # ``data``: the PDF whose long-term validation data is summed up; None for a bare record XML
    state = issued_status(issued)
    verdict = {"current": "authentic_current", "superseded": "authentic_superseded",
               "withdrawn": "authentic_withdrawn"}[state["status"]]
    details = {"ltv": file_ltv(data)} if data is not None else {}
    if renewed:
        details["reason"] = str(RENEWED)
    return FileVerdict(verdict, _verdict_text(verdict, version=state["superseded_by_version"]), digest,
                       record=_public_view(issued, state), signatures=issued.signers, details=details,
                       issued=issued)


def file_check(data: bytes) -> FileVerdict:
    """The verdict on an uploaded file, in plain Vietnamese, with technical details; ``TooLarge`` (from
    ``hocbaso.core.limits``) for a file whose streams or attachments decode past the caps."""
    digest = hashlib.sha256(data).hexdigest()
    issued, renewal = issued_by_hash(digest)  # the issued file, or one with its archive time stamp renewed
    if issued is not None:
        return _registry_answer(issued, digest, data, renewed=renewal is not None)
    known = known_file_find(sha256=digest)  # e.g. a certified copy (bản sao) the school logged when it issued it
    if known is not None:
        return FileVerdict(known.verdict, known.message, digest, signatures=known.signatures, details=known.details)
    if not data.lstrip()[:5] == b"%PDF-":
        if looks_like_xml(data):
            return _xml_file_check(data, digest)
        return FileVerdict("not_pdf", _verdict_text("not_pdf"), digest)
    install()  # pyHanko's byte-at-a-time token readers are most of a full validation's time
    try:
        report = validate_pdf(data)
    except TooLarge:
        raise  # a compression bomb: the page refuses the file, naming what was too big
    except Exception as error:  # an unreadable PDF is an answer, not a server error
        details = {"error": str(error)[:300]}
        if b"/ByteRange" in data:  # it was signed: damage to a signed file is an alteration, not "not a PDF"
            details["reason"] = str(BROKEN_SIGNED_PDF)
            return FileVerdict("altered", _verdict_text("altered"), digest, details=details)
        return FileVerdict("not_pdf", _verdict_text("not_pdf"), digest, details=details)
    signatures = report.get("signatures", [])
    if not signatures:
        return FileVerdict("not_signed", _verdict_text("not_signed"), digest)
    xml = pdf_xml_signatures(data)
    if xml and not all(s["intact"] for s in xml):
        report["altered"] = True
    intact = all(s.get("intact") and s.get("valid") for s in signatures) and not report.get("altered")
    details = {k: v for k, v in report.items() if k != "signatures"}
    if not intact:
        return FileVerdict("altered", _verdict_text("altered"), digest, signatures=signatures, details=details,
                           xml_signatures=xml)
    carried = _copy_provenance(data)
    if carried is not None:  # a certified copy this installation has not logged (made before a restore, elsewhere)
        details.update(copy_number=carried.get("copy_number"), copy_of=_originals_now(carried), provenance="unlogged")
        details["reason"] = str(COPY_UNLOGGED) % {"number": carried.get("copy_number"),
                                                  "school": (carried.get("school") or {}).get("name", "")}
        message = _verdict_text("valid_not_issued")
        if not report.get("trusted"):
            message += " " + str(UNTRUSTED_NOTE)
        return FileVerdict("valid_not_issued", message, digest, signatures=signatures, details=details,
                           xml_signatures=xml)
    embedded_code = report.get("lookup_code")
    if embedded_code and IssuedRecord.objects.filter(lookup_code=embedded_code).exists():
        details["reason"] = _("Tệp mang mã tra cứu của một học bạ đã phát hành nhưng khác với bản đã phát hành.")
        return FileVerdict("altered", _verdict_text("altered"), digest, signatures=signatures, details=details)
    message = _verdict_text("valid_not_issued")
    if not report.get("trusted"):
        message += " " + str(UNTRUSTED_NOTE)
    return FileVerdict("valid_not_issued", message, digest, signatures=signatures, details=details,
                       xml_signatures=xml)


# A certified copy names its originals in ``hocbaso-copy.json``, signed with it (exchange.copies.services
# ``provenance_attach``); read here too, so that a copy missing from this installation's register still names them.
COPY_ATTACHMENT, COPY_FORMAT = "hocbaso-copy.json", "hocbaso.certified-copy/1"


def _copy_provenance(pdf: bytes) -> dict | None:
    import pikepdf  # deferred: loaded by the validation already

    try:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            spec = pdf_attachments(doc).get(COPY_ATTACHMENT)
            found = json.loads(pdf_attachment_read(spec, what="Nguồn gốc bản sao")) if spec is not None else None
    except Exception:
        return None
    if not isinstance(found, dict) or found.get("format") != COPY_FORMAT or not isinstance(found.get("originals"),
                                                                                            list):
        return None
    return found


def _originals_now(carried: dict) -> list[dict]:
    """The originals a copy's provenance names, each with where it stands in this registry (``unknown`` when the
    registry does not hold that record with that file's hash: the issued file's or one of its renewals', as a
    transfer package carries the latest renewal)."""
    out = []
    for original in carried["originals"]:
        if not isinstance(original, dict):
            continue
        row, _renewal = issued_by_hash(str(original.get("sha256")))
        if row is not None and row.record_id != str(original.get("record_id")):
            row = None
        state = issued_status(row) if row is not None else {"status": "unknown", "superseded_by_version": None}
        out.append({**{k: original.get(k) for k in ("record_id", "version", "school_year", "sha256")},
                    "status": state["status"], "superseded_by_version": state["superseded_by_version"]})
    return out


def _xml_file_check(data: bytes, digest: str) -> FileVerdict:
    """The verdict on a bare record XML: its XAdES signatures, then the registry (the record of its
    ``issuance.record_id``, which must be exactly the XML's record)."""
    try:
        record = record_from_xml(data)
        xml = xml_signatures(data)
    except XmlRecordError as error:
        return FileVerdict("not_record", _verdict_text("not_record"), digest, details={"error": str(error)[:300]})
    if not xml:
        return FileVerdict("xml_not_signed", _verdict_text("xml_not_signed"), digest)
    issuance = record.get("issuance") or {}
    details = {"form": "xml", "lookup_code": issuance.get("lookup_code")}
    if not all(s["intact"] for s in xml):
        return FileVerdict("altered", _verdict_text("altered"), digest, details=details, xml_signatures=xml)
    issued = IssuedRecord.objects.filter(record_id=issuance["record_id"]).first() if issuance.get("record_id") \
        else None
    if issued is not None and issued.record == record:
        answer = _registry_answer(issued, digest, None)
        answer.xml_signatures, answer.details = xml, details
        return answer
    if issued is not None:
        details["reason"] = _("Dữ liệu trong tệp XML khác với học bạ đã phát hành cùng mã số định danh học bạ.")
        return FileVerdict("altered", _verdict_text("altered"), digest, details=details, xml_signatures=xml)
    message = _verdict_text("valid_not_issued")
    if not all(s["trusted"] for s in xml):
        message += " " + str(UNTRUSTED_NOTE)
    return FileVerdict("valid_not_issued", message, digest, details=details, xml_signatures=xml)
