"""Cấp bản sao: a certified copy of a pupil's whole issued history, marked "BẢN SAO — Lần cấp: N" on every
page, signed by the principal in the cover's signature box, logged with its number and SHA-256."""

from __future__ import annotations

import datetime as dt
import io
import json

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from hocbaso.audit.services import Action, log_actions
from hocbaso.core.files import file_read
from hocbaso.core.limits import pdf_attachment_read, pdf_attachments
from hocbaso.directory.models import Pupil, Staff
from hocbaso.exchange.models import CertifiedCopy, CopyRequest
from hocbaso.exchange.roles import OFFICE_ROLES, office_only
from hocbaso.records.drafts import verify_url_template
from hocbaso.records.extracts import extract_record, extracts_record
from hocbaso.records.guards import LifecycleRefused, require_own_certificate, require_principal
from hocbaso.records.history import cover_commune, pupil_history
from hocbaso.records.known_files import KnownFile, known_file_finder
from hocbaso.records.models import ExtractForm, ImportedRecord, IssuedRecord
from hocbaso.records.selectors import issued_status
from hocbaso.signing.packages import sha256

VIETNAM = dt.timezone(dt.timedelta(hours=7))
COPY_VERDICT = "authentic_copy"
PROVENANCE_ATTACHMENT = "hocbaso-copy.json"
PROVENANCE_FORMAT = "hocbaso.certified-copy/1"
COPY_MESSAGE = ("Tệp đúng là bản sao học bạ (lần cấp {number}) của học sinh {pupil} do {school} cấp ngày {day}, "
                "có chữ ký số của hiệu trưởng. Bản sao của: {originals}.")
PROVENANCE_MISMATCH = ("Cảnh báo: thông tin nguồn gốc ghi trong tệp (có chữ ký số) khác với sổ cấp bản sao; hãy "
                       "liên hệ nhà trường.")


def copy_issue(*, pupil: Pupil, by, signer) -> CertifiedCopy:
    """Render the pupil's whole history from its issued (and transferred-in) records with the next copy
    number, have the principal of the pupil's current school sign it (PAdES, visible in the cover's
    principal box) with their own registered certificate, store and log it.

    Refused (``records.guards.LifecycleRefused``) when ``by`` is not that principal, when the certificate
    is not theirs, or when the pupil has no issued record yet."""
    # This module loads at start-up (ExchangeConfig.ready registers the copy job); the heavy libraries wait.
    from hocbaso.documents.render import Renderer  # deferred: typst and pikepdf load only when a copy renders
    from hocbaso.signing.pades import SignJob  # deferred: pikepdf loads only when a copy is signed

    school = pupil.school
    staff = require_principal(by, school)
    require_own_certificate(staff, signer)
    records, history = pupil_history(pupil, issued_only=True)
    if not records:
        raise LifecycleRefused(f"Học sinh {pupil.full_name} chưa có học bạ nào đã phát hành để cấp bản sao.")
    with transaction.atomic():
        Pupil.objects.select_for_update().filter(pk=pupil.pk).first()  # one copy number at a time per pupil
        number = CertifiedCopy.objects.filter(pupil=pupil).count() + 1
        pdf, boxes = Renderer().history_with_boxes(records, history=history, verify_url=verify_url_template(),
                                                   copy_number=number, commune=cover_commune(school, records))
        now = timezone.now()
        originals = copy_originals(pupil, records)
        # the copy's provenance, signed with it: the principal's signature covers the attachment
        pdf = provenance_attach(pdf, provenance(number=number, school=school, pupil=pupil, issued_at=now,
                                                originals=originals))
        signed = signer.sign_batch([SignJob(pdf, "HT", box=boxes.get("cover-principal"),
                                            reason=f"Cấp bản sao học bạ (lần cấp {number})",
                                            location=school.name)])[0]
        name = default_storage.save(f"copies/{school.code}/{pupil.identity_number or pupil.pk}-ban-sao-{number}.pdf",
                                    ContentFile(signed))
        try:
            copy = CertifiedCopy.objects.create(
                pupil=pupil, school=school, number=number, sha256=sha256(signed), file=name,
                records=[{k: o[k] for k in ("record_id", "version", "school_year", "sha256")} for o in originals],
                signers=[{**signer.describe(), "role": "Hiệu trưởng", "field": "HT", "signed_at": now.isoformat()}],
                issued_at=now, issued_by=by)
            for issued in IssuedRecord.objects.filter(record_id__in=[r["record_id"] for r in copy.records]):
                extract_record(issued=issued, form=ExtractForm.COPY, channel=f"copies.copy_issue:{number}",
                               data=signed, by=by)
            log_actions([Action("record.copy", "pupil", str(pupil.pk), None,
                                {"number": number, "sha256": copy.sha256, "records": [r["record_id"] for r in copy.records]},
                                school_code=school.code)], actor=by)
        except Exception:
            default_storage.delete(name)
            raise
    return copy


def copy_originals(pupil: Pupil, records: list[dict]) -> list[dict]:
    """The issued records a copy is made of, each with the SHA-256 of its issued file in the registry (or of the
    file received with the pupil, for a record another school issued) and where it comes from."""
    ids = [(r.get("issuance") or {}).get("record_id") for r in records]
    issued = dict(IssuedRecord.objects.filter(record_id__in=ids).values_list("record_id", "sha256"))
    imported = dict(ImportedRecord.objects.filter(pupil=pupil, record_id__in=ids).values_list("record_id", "sha256"))
    out = []
    for record, record_id in zip(records, ids):
        issuance = record.get("issuance") or {}
        out.append({"record_id": record_id, "version": issuance.get("version"), "school_year": record["school_year"],
                    "lookup_code": issuance.get("lookup_code"), "school_code": (record.get("school") or {}).get("code"),
                    "sha256": issued.get(record_id) or imported.get(record_id),
                    "origin": "issued" if record_id in issued else "imported"})
    return out


def provenance(*, number: int, school, pupil: Pupil, issued_at, originals: list[dict]) -> dict:
    """What a copy says of itself (``hocbaso-copy.json``, docs/exchange.md "Certified copies")."""
    return {"format": PROVENANCE_FORMAT, "copy_number": number, "school": {"code": school.code, "name": school.name},
            "pupil": {"identity_number": pupil.identity_number or None, "full_name": pupil.full_name},
            "issued_at": issued_at.astimezone(VIETNAM).isoformat(timespec="seconds"), "originals": originals}


def provenance_attach(pdf: bytes, data: dict) -> bytes:
    """``pdf`` (not signed yet) with the copy's provenance attached as a PDF/A-3 associated file
    (``hocbaso-copy.json``, ``/AFRelationship /Data``) beside the records; the signature then covers it."""
    import pikepdf  # deferred: pikepdf loads only when a copy is made

    body = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        spec = pikepdf.AttachedFileSpec(doc, body, filename=PROVENANCE_ATTACHMENT, mime_type="application/json",
                                        description="Nguồn gốc bản sao học bạ", relationship=pikepdf.Name.Data)
        doc.attachments[PROVENANCE_ATTACHMENT] = spec
        if "/AF" not in doc.Root:
            doc.Root.AF = pikepdf.Array()
        doc.Root.AF.append(spec.obj)
        out = io.BytesIO()
        doc.save(out)
    return out.getvalue()


def provenance_read(pdf: bytes) -> dict | None:
    """The provenance a copy carries (``hocbaso-copy.json``), or None (not a copy, unreadable)."""
    import pikepdf  # deferred: only a copy's check and its signing read PDFs

    try:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            spec = pdf_attachments(doc).get(PROVENANCE_ATTACHMENT)
            if spec is None:
                return None
            data = json.loads(pdf_attachment_read(spec, what="Nguồn gốc bản sao"))
    except Exception:
        return None
    return data if isinstance(data, dict) and data.get("format") == PROVENANCE_FORMAT else None


def copy_download_record(*, copy: CertifiedCopy, by) -> None:
    """A certified copy downloaded from the school's page: an extract of each record it copies."""
    extracts_record(issued=IssuedRecord.objects.filter(record_id__in=[r["record_id"] for r in copy.records]),
                    form=ExtractForm.COPY, channel=f"copies.download:{copy.number}", sha256=copy.sha256, by=by)


def copy_for(data_or_sha256) -> CertifiedCopy | None:
    """The certified copy a file is (by SHA-256 of its bytes, or a hex digest given directly)."""
    digest = data_or_sha256 if isinstance(data_or_sha256, str) else sha256(data_or_sha256)
    return CertifiedCopy.objects.filter(sha256=digest).select_related("pupil", "school").first()


ORIGINAL_STATUS = {"current": "đang có hiệu lực", "superseded": "đã được thay thế bởi phiên bản {version}",
                   "withdrawn": "đã bị thu hồi", "imported": "do trường cũ phát hành, nhận khi chuyển trường",
                   "unknown": "không có trong sổ đăng ký"}


def copy_originals_status(copy: CertifiedCopy) -> list[dict]:
    """The records ``copy`` is a copy of, each with where it stands now (``status``: current, superseded, withdrawn;
    ``imported`` for a record another school issued; ``unknown``)."""
    rows = {r.record_id: r for r in IssuedRecord.objects.filter(record_id__in=[o["record_id"] for o in copy.records])}
    imported = set(ImportedRecord.objects.filter(pupil=copy.pupil, record_id__in=[o["record_id"] for o in copy.records])
                   .values_list("record_id", flat=True))
    out = []
    for original in copy.records:
        row = rows.get(original["record_id"])
        state = issued_status(row) if row is not None else {
            "status": "imported" if original["record_id"] in imported else "unknown", "superseded_by_version": None}
        out.append({**original, "status": state["status"], "superseded_by_version": state["superseded_by_version"]})
    return out


def _original_text(original: dict) -> str:
    status = ORIGINAL_STATUS[original["status"]].format(version=original.get("superseded_by_version"))
    return (f"học bạ {original['record_id']} (năm học {original['school_year']}, phiên bản {original['version']}, "
            f"{status})")


def copy_message(copy: CertifiedCopy, originals: list[dict] | None = None) -> str:
    originals = copy_originals_status(copy) if originals is None else originals
    return COPY_MESSAGE.format(number=copy.number, pupil=copy.pupil.full_name, school=copy.school.name,
                               day=f"{copy.issued_at.astimezone(VIETNAM):%d/%m/%Y}",
                               originals="; ".join(_original_text(o) for o in originals))


def _provenance_check(copy: CertifiedCopy) -> str:
    """Whether the copy's signed provenance (``hocbaso-copy.json``, covered by the principal's signature) says what
    the copy register says: ``signed`` (it does), ``register`` (a copy made before copies carried it: the register
    alone says it), ``mismatch``."""
    try:
        carried = provenance_read(file_read(copy.file))
    except Exception:
        carried = None
    if carried is None:
        return "register"
    said = [{k: o.get(k) for k in ("record_id", "version", "school_year", "sha256")} for o in carried["originals"]]
    return "signed" if carried["copy_number"] == copy.number and said == copy.records else "mismatch"


@known_file_finder
def copy_known_file(digest: str) -> KnownFile | None:
    """For ``verify.files.file_check`` (through ``records.known_files``): the verdict on a file that is a logged
    certified copy, by its SHA-256, else None.

    A copy carries the issued records' lookup codes but is not byte-identical to any issued record, so
    ``file_check`` alone would call it altered; asking this first (before the signature check) recognises
    it. The verdict is ``authentic_copy``, its message names the originals (bản sao của …: identifier, school
    year, version and where each stands now); ``details`` carries the copy's number, the originals and whether
    the file's own signed provenance agrees (``provenance``)."""
    copy = copy_for(digest)
    if copy is None:
        return None
    originals = copy_originals_status(copy)
    checked = _provenance_check(copy)
    message = copy_message(copy, originals)
    if checked == "mismatch":
        message += " " + PROVENANCE_MISMATCH
    return KnownFile(COPY_VERDICT, message, digest, signatures=copy.signers,
                     details={"copy_number": copy.number, "school_code": copy.school.code,
                              "issued_at": copy.issued_at.isoformat(), "records": copy.records,
                              "copy_of": originals, "provenance": checked})


def copy_file_verdict(data: bytes) -> KnownFile | None:
    """``copy_known_file`` of a file's bytes."""
    return copy_known_file(sha256(data))


def copy_request_file(*, pupil: Pupil, requester: str, reason: str, by) -> CopyRequest:
    """Đề nghị cấp bản sao, recorded by the principal, vice principal or clerk of the pupil's school; logged."""
    school = pupil.school
    staff = Staff.objects.filter(user=by, school=school).first() if by is not None else None
    if staff is None or not (staff.roles & OFFICE_ROLES):
        raise LifecycleRefused(office_only(school))
    requester = " ".join((requester or "").split())
    if not requester:
        raise LifecycleRefused("Hãy ghi họ tên người đề nghị cấp bản sao.")
    with transaction.atomic():
        request = CopyRequest.objects.create(pupil=pupil, school=school, requester=requester[:200],
                                             reason=(reason or "").strip(), requested_by=by)
        log_actions([Action("record.copy_request", "pupil", str(pupil.pk), None,
                            {"request": request.pk, "requester": request.requester, "reason": request.reason},
                            school_code=school.code)], actor=by)
    return request


def copy_request_fulfil(*, request, by, signer) -> CertifiedCopy:
    """Sign the copy a request asks for (``copy_issue``) and close the request with it; a request already
    fulfilled is refused (``LifecycleRefused``) so a repeated job never issues a second copy."""
    with transaction.atomic():
        locked = CopyRequest.objects.select_for_update().get(pk=request.pk)
        if locked.copy_id is not None:
            raise LifecycleRefused(f"Đề nghị này đã được cấp bản sao (lần cấp {locked.copy.number}).")
        copy = copy_issue(pupil=locked.pupil, by=by, signer=signer)
        CopyRequest.objects.filter(pk=locked.pk).update(copy=copy)
    return copy
