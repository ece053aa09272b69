"""Điều chỉnh: a teacher asks to change one field of a pupil-year's record, the principal approves (the change is
applied; after issuance a new version is rendered for signing) or rejects."""

import datetime as _dt

from django.db import transaction
from django.utils import timezone

from hocbaso.assessment.services import evaluations_save, year_result_set
from hocbaso.audit.services import Action, log_actions
from hocbaso.directory.models import Role, TeachingAssignment
from hocbaso.records.drafts import record_drafts_prepare
from hocbaso.records.guards import LifecycleRefused, correction_filers_only, require_principal, staff_of
from hocbaso.records.models import (OPEN_STATES, CorrectionRequest, CorrectionStatus, DraftState, IssuedRecord,
                                    RecordDraft)
from hocbaso.records.outcomes import year_results_assess
from hocbaso.records.selectors import current_issued, record_build
from hocbaso.signing.models import SubjectSignoff
from hocbaso.tt27 import catalogue

_YEAR_FIELDS = {"homeroom_comment": "homeroom_comment", "height_cm": "height_cm", "weight_kg": "weight_kg",
                "days_absent.excused": "days_absent_excused", "days_absent.unexcused": "days_absent_unexcused"}
_LIST_FIELDS = {"subjects": ("rating", "score", "comment"), "qualities": ("rating", "comment"),
                "competences": ("rating", "comment")}


def _field_value(record: dict, path: str):
    """The current value at ``path`` (``subjects.toan.score``, ``homeroom_comment``, …), or raise a clear
    error naming the field when the record has no such field."""
    if path in _YEAR_FIELDS:
        head, _, tail = path.partition(".")
        value = record.get(head)
        return (value or {}).get(tail) if tail else value
    parts = path.split(".")
    if len(parts) == 3 and parts[0] in _LIST_FIELDS and parts[2] in _LIST_FIELDS[parts[0]]:
        for item in record.get(parts[0]) or []:
            if item["code"] == parts[1]:
                return item.get(parts[2])
        names = {**catalogue.SUBJECTS, **catalogue.QUALITIES, **catalogue.COMPETENCES}
        raise LifecycleRefused(f"Học bạ này không có mục “{names.get(parts[1], parts[1])}” để điều chỉnh.")
    raise LifecycleRefused(f"Trường dữ liệu “{path}” không điều chỉnh được. Các trường được phép: "
                           "subjects.<môn>.rating|score|comment, qualities.<mã>.rating|comment, "
                           "competences.<mã>.rating|comment, " + ", ".join(_YEAR_FIELDS) + ".")


def correction_request(*, enrolment, field: str, new_value, reason: str, by) -> CorrectionRequest:
    """Đề nghị điều chỉnh: a teacher of the pupil's class asks to change one field of the year's record."""
    staff = staff_of(by)
    klass = enrolment.school_class
    teaches = staff is not None and (staff.pk == klass.homeroom_teacher_id or TeachingAssignment.objects.filter(
        teacher=staff, school_class=klass).exists() or (staff.school_id == klass.school_year.school_id
                                                        and Role.PRINCIPAL in staff.roles))
    if not teaches:
        raise LifecycleRefused(correction_filers_only(klass))
    if not (reason or "").strip():
        raise LifecycleRefused("Hãy ghi lý do điều chỉnh.")
    old_value = _field_value(record_build(enrolment), field)
    if old_value == new_value:
        raise LifecycleRefused(f"Giá trị mới của “{field}” trùng với giá trị hiện tại ({old_value!r}).")
    with transaction.atomic():
        correction = CorrectionRequest.objects.create(enrolment=enrolment, field=field, old_value=old_value,
                                                      new_value=new_value, reason=reason.strip(), requested_by=by)
        log_actions([Action("correction.request", "correctionrequest", str(correction.pk), {field: old_value},
                            {field: new_value, "reason": correction.reason},
                            school_code=klass.school_year.school.code)], actor=by)
    return correction


def _apply(correction: CorrectionRequest, by) -> None:
    enrolment, path, value = correction.enrolment, correction.field, correction.new_value
    if path in _YEAR_FIELDS:
        year_result_set(enrolment=enrolment, by=by, correction=correction, **{_YEAR_FIELDS[path]: value})
    else:
        kind, code, attribute = path.split(".")
        entry = {"enrolment": enrolment.pk, "period": catalogue.YEAR_END, attribute: value}
        entry.update({"subject": code} if kind == "subjects" else
                     {"kind": "quality" if kind == "qualities" else "competence", "code": code})
        evaluations_save(entries=[entry], by=by, correction=correction, action="evaluation.correct",
                         school_code=enrolment.school_class.school_year.school.code)
    year_results_assess(enrolments=[enrolment], by=by)


def correction_approve(*, correction: CorrectionRequest, by, note: str = "",
                       effective_date: _dt.date | None = None) -> RecordDraft | None:
    """The principal approves: the change is applied (through the same validated write path as any entry) and
    the outcome recomputed. Before issuance the pupil's unissued draft is discarded, so the record is
    rendered and signed again. After issuance a new version is rendered as a draft that supersedes the
    current issued one; it then goes through the homeroom teacher's and the principal's signatures and
    issuance like any record. A subject correction retires that subject's sign-off (signed again)."""
    klass = correction.enrolment.school_class
    require_principal(by, klass.school_year.school)
    with transaction.atomic():
        correction = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
        if correction.status != CorrectionStatus.PENDING:
            raise LifecycleRefused(f"Đề nghị điều chỉnh này đã được xử lý ({correction.get_status_display()}).")
        correction.status, correction.decided_by, correction.decided_at = CorrectionStatus.APPROVED, by, timezone.now()
        correction.decision_note = note
        correction.save()
        _apply(correction, by)
        discarded = list(RecordDraft.objects.filter(enrolment=correction.enrolment, state__in=OPEN_STATES)
                         .values_list("record_id", flat=True))
        RecordDraft.objects.filter(enrolment=correction.enrolment, state__in=OPEN_STATES) \
            .update(state=DraftState.DISCARDED)
        retired = []
        if correction.field.startswith("subjects."):
            subject = correction.field.split(".")[1]
            retired = list(SubjectSignoff.objects.filter(school_class=klass, subject=subject, current=True)
                           .values_list("pk", flat=True))
            SubjectSignoff.objects.filter(pk__in=retired).update(current=False)
        log_actions([Action("correction.approve", "correctionrequest", str(correction.pk), None,
                            {"field": correction.field, "new_value": correction.new_value,
                             "discarded_drafts": discarded, "retired_signoffs": retired},
                            school_code=klass.school_year.school.code)], actor=by)
        latest = current_issued(IssuedRecord.objects.filter(enrolment=correction.enrolment)).first()
        if latest is None:
            return None
        return record_drafts_prepare(enrolments=[correction.enrolment], by=by, effective_date=effective_date,
                                     supersedes=latest, correction=correction)[0]


def correction_reject(*, correction: CorrectionRequest, by, note: str) -> CorrectionRequest:
    """The principal rejects, saying why; nothing changes in the record."""
    klass = correction.enrolment.school_class
    require_principal(by, klass.school_year.school)
    if not (note or "").strip():
        raise LifecycleRefused("Hãy ghi lý do từ chối.")
    with transaction.atomic():
        correction = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
        if correction.status != CorrectionStatus.PENDING:
            raise LifecycleRefused(f"Đề nghị điều chỉnh này đã được xử lý ({correction.get_status_display()}).")
        correction.status, correction.decided_by, correction.decided_at = CorrectionStatus.REJECTED, by, timezone.now()
        correction.decision_note = note.strip()
        correction.save()
        log_actions([Action("correction.reject", "correctionrequest", str(correction.pk), None,
                            {"note": correction.decision_note}, school_code=klass.school_year.school.code)], actor=by)
    return correction
