"""Cấp bản sao: a certified copy of a pupil's whole issued history, marked "BẢN SAO — Lần cấp: N" on every
page, signed by the principal in the cover's signature box, logged with its number and SHA-256."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from hocbaso.audit.services import Action, log_actions
from hocbaso.directory.models import Pupil, Staff
from hocbaso.exchange.models import CertifiedCopy, CopyRequest
from hocbaso.exchange.roles import OFFICE_ROLES, office_only
from hocbaso.records.drafts import verify_url_template
from hocbaso.records.extracts import extract_record
from hocbaso.records.guards import LifecycleRefused, require_own_certificate, require_principal
from hocbaso.records.history import cover_commune, pupil_history
from hocbaso.records.known_files import KnownFile, known_file_finder
from hocbaso.records.models import ExtractForm, IssuedRecord
from hocbaso.signing.packages import sha256

VIETNAM = dt.timezone(dt.timedelta(hours=7))
COPY_VERDICT = "authentic_copy"
COPY_MESSAGE = ("Tệp đúng là bản sao học bạ (lần cấp {number}) của học sinh {pupil} do {school} cấp ngày {day}, "
                "có chữ ký số của hiệu trưởng.")


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
        signed = signer.sign_batch([SignJob(pdf, "HT", box=boxes.get("cover-principal"),
                                            reason=f"Cấp bản sao học bạ (lần cấp {number})",
                                            location=school.name)])[0]
        name = default_storage.save(f"copies/{school.code}/{pupil.identity_number or pupil.pk}-ban-sao-{number}.pdf",
                                    ContentFile(signed))
        try:
            copy = CertifiedCopy.objects.create(
                pupil=pupil, school=school, number=number, sha256=sha256(signed), file=name,
                records=[{"record_id": (r.get("issuance") or {}).get("record_id"),
                          "version": (r.get("issuance") or {}).get("version"), "school_year": r["school_year"]}
                         for r in records],
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


def copy_for(data_or_sha256) -> CertifiedCopy | None:
    """The certified copy a file is (by SHA-256 of its bytes, or a hex digest given directly)."""
    digest = data_or_sha256 if isinstance(data_or_sha256, str) else sha256(data_or_sha256)
    return CertifiedCopy.objects.filter(sha256=digest).select_related("pupil", "school").first()


def copy_message(copy: CertifiedCopy) -> str:
    return COPY_MESSAGE.format(number=copy.number, pupil=copy.pupil.full_name, school=copy.school.name,
                               day=f"{copy.issued_at.astimezone(VIETNAM):%d/%m/%Y}")


@known_file_finder
def copy_known_file(digest: str) -> KnownFile | None:
    """For ``verify.files.file_check`` (through ``records.known_files``): the verdict on a file that is a logged
    certified copy, by its SHA-256, else None.

    A copy carries the issued records' lookup codes but is not byte-identical to any issued record, so
    ``file_check`` alone would call it altered; asking this first (before the signature check) recognises
    it. The verdict is ``authentic_copy``; ``details`` carries the copy's number and the copied records."""
    copy = copy_for(digest)
    if copy is None:
        return None
    return KnownFile(COPY_VERDICT, copy_message(copy), digest, signatures=copy.signers,
                     details={"copy_number": copy.number, "school_code": copy.school.code,
                              "issued_at": copy.issued_at.isoformat(), "records": copy.records})


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
