"""Writing evaluations. Every write is validated whole, attributed to a user, and logged.

``evaluations_save`` is the one write path: the grid, the Excel import, the demo and the
single-cell setters all go through it, so the rules and the audit trail cannot be skipped.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from hocbaso.assessment.models import (DataLock, Exemption, ScoreField, SubjectEvaluation, TraitEvaluation,
                                      YearResult)
from hocbaso.assessment.selectors import locks_for_classes
from hocbaso.audit.services import Action, log_actions
from hocbaso.core.db import rows_insert, rows_update
from hocbaso.directory.models import ClassKind, Enrolment
from hocbaso.tt27 import catalogue

SUBJECT_FIELDS = ("rating", "score", "comment")
TRAIT_FIELDS = ("rating", "comment")
YEAR_RESULT_FIELDS = ("homeroom_comment", "height_cm", "weight_kg", "days_absent_excused",
                      "days_absent_unexcused", "nominated_tieu_bieu", "plan_outcome", "disability_setting")


@dataclass
class EntryProblem:
    """One refused entry: which entry (index in the input), which field, and why, in Vietnamese."""

    index: int
    field: str
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict:
        return {"index": self.index, "field": self.field, "message": self.message, "code": self.code}


class EvaluationInputError(Exception):
    """Raised when any entry is refused; nothing was written."""

    def __init__(self, problems: list[EntryProblem]):
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))


@dataclass
class SaveReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    revisions: dict = field(default_factory=dict)  # (enrolment_id, period, key) -> new revision


def _pupil_label(enrolment: Enrolment) -> str:
    return f"{enrolment.pupil.full_name} (lớp {enrolment.school_class.name})"


_SCORE = ScoreField()  # one instance: building a model field costs more than checking a score


def _clean_score(value, subject_name: str):
    try:
        score = _SCORE.to_python(value)
    except (ValidationError, TypeError, ValueError):
        score = Decimal("NaN")
    if score is None:
        return None, None
    if not isinstance(score, int) or not 0 <= score <= 10:
        return None, f"Điểm kiểm tra định kì môn {subject_name} phải là số nguyên từ 0 đến 10."
    return score, None


def _locked_problem(index: int, enrolment: Enrolment, lock: DataLock) -> EntryProblem:
    when = timezone.localtime(lock.locked_at).strftime("%d/%m/%Y")
    return EntryProblem(index, "enrolment", f"Dữ liệu lớp {enrolment.school_class.name} đã được chốt ngày {when}; "
                        "chỉ có thể sửa qua yêu cầu điều chỉnh được hiệu trưởng phê duyệt.", "locked")


def _validate_entry(index: int, entry: dict, enrolment: Enrolment | None,
                    followed: tuple[str, ...] = ()) -> tuple[str, tuple, dict, list]:
    """Return (kind, key, values, problems) for one input entry; ``followed`` is ``enrolment.subjects()``."""
    problems: list[EntryProblem] = []
    if enrolment is None:
        return "", (), {}, [EntryProblem(index, "enrolment", "Không tìm thấy học sinh trong lớp.", "unknown_enrolment")]
    period = entry.get("period")
    if period not in catalogue.PERIODS:
        problems.append(EntryProblem(index, "period", f"Thời điểm đánh giá không hợp lệ: {period!r}.", "invalid_period"))
    who = _pupil_label(enrolment)
    grade = enrolment.school_class.grade
    values = {}
    if "subject" in entry:
        subject = entry["subject"]
        name = catalogue.SUBJECTS.get(subject)
        if name is None:
            problems.append(EntryProblem(index, "subject", f"Mã môn học không tồn tại: {subject!r}.", "unknown_subject"))
            return "subject", (), {}, problems
        if subject not in catalogue.grade_subjects(grade):
            problems.append(EntryProblem(index, "subject", f"Lớp {grade} không có môn {name}.", "subject_not_in_grade"))
            return "subject", (), {}, problems
        if subject not in followed:
            problems.append(EntryProblem(index, "subject", f"{who} không học môn tự chọn {name}.", "subject_not_followed"))
            return "subject", (), {}, problems
        if "rating" in entry:
            rating = entry["rating"] or None
            if rating is not None and rating not in catalogue.SUBJECT_RATINGS:
                problems.append(EntryProblem(index, "rating", f"{who}, môn {name}: mức đạt được phải là T, H hoặc C.",
                                             "invalid_rating"))
            values["rating"] = rating
        if "score" in entry:
            score, message = _clean_score(entry["score"], name)
            if message:
                problems.append(EntryProblem(index, "score", f"{who}: {message}", "score_out_of_range"))
            elif score is not None and period in catalogue.PERIODS and not catalogue.has_periodic_test(
                    grade, subject, period, disability_class=enrolment.school_class.kind == ClassKind.DISABILITY):
                problems.append(EntryProblem(
                    index, "score", f"{who}: môn {name} không có bài kiểm tra định kì vào thời điểm "
                                    f"{catalogue.PERIODS[period].lower()} ở lớp {grade}.", "score_not_applicable"))
            values["score"] = score
        if "comment" in entry:
            values["comment"] = (entry["comment"] or "").strip()
        return "subject", (enrolment.pk, period, subject), values, problems
    kind, code = entry.get("kind"), entry.get("code")
    table = {"quality": catalogue.QUALITIES, "competence": catalogue.COMPETENCES}.get(kind)
    if table is None or code not in table:
        problems.append(EntryProblem(index, "code", f"Phẩm chất/năng lực không tồn tại: {kind!r}/{code!r}.",
                                     "unknown_trait"))
        return "trait", (), {}, problems
    if "rating" in entry:
        rating = entry["rating"] or None
        if rating == "D":
            rating = "Đ"  # the letter typed without the bar on a phone keyboard
        if rating is not None and rating not in catalogue.TRAIT_RATINGS:
            problems.append(EntryProblem(index, "rating", f"{who}, {table[code]}: mức đạt được phải là T, Đ hoặc C.",
                                         "invalid_rating"))
        values["rating"] = rating
    if "comment" in entry:
        values["comment"] = (entry["comment"] or "").strip()
    return "trait", (enrolment.pk, period, kind, code), values, problems


@transaction.atomic
def evaluations_save(*, entries: list[dict], by, school_code: str = "", action: str = "evaluation.change",
                     correction=None) -> SaveReport:
    """Validate every entry, then write all of them or none.

    An entry is ``{"enrolment": id, "period": …, "subject": code, "rating"?, "score"?, "comment"?,
    "revision"?}`` or ``{"enrolment": id, "period": …, "kind": "quality"|"competence", "code": …, …}``.
    Fields left out are left unchanged. A given ``revision`` that is not the row's current one
    means someone else changed the cell meanwhile: the save is refused with a conflict problem.
    The save is logged as one audit entry per class (target ``schoolclass:<id>``, attributed to ``by``) whose
    ``before``/``after`` map every changed cell ``"<enrolment>:<period>:<subject>"`` or
    ``"<enrolment>:<period>:<kind>:<code>"`` to its values (``before`` None for a new row).
    A locked class (chốt dữ liệu) is refused unless ``correction`` is an approved correction request.
    """
    enrolment_ids = {entry.get("enrolment") for entry in entries}
    enrolments = {e.pk: e for e in Enrolment.objects.filter(pk__in=[i for i in enrolment_ids if isinstance(i, int)])
                  .select_related("pupil", "school_class__school_year__school")}
    parsed, problems = [], []
    locks = {} if correction is not None else locks_for_classes({e.school_class_id for e in enrolments.values()})
    followed = {pk: enrolment.subjects() for pk, enrolment in enrolments.items()}
    for index, entry in enumerate(entries):
        enrolment = enrolments.get(entry.get("enrolment"))
        if enrolment is not None and enrolment.school_class_id in locks:
            problems.append(_locked_problem(index, enrolment, locks[enrolment.school_class_id]))
            continue
        kind, key, values, entry_problems = _validate_entry(index, entry, enrolment,
                                                            followed.get(entry.get("enrolment"), ()))
        problems.extend(entry_problems)
        parsed.append((index, kind, key, values, entry.get("revision")))
    if problems:
        raise EvaluationInputError(problems)

    periods = {entry.get("period") for entry in entries}
    subject_rows = {(r.enrolment_id, r.period, r.subject): r for r in SubjectEvaluation.objects.select_for_update()
                    .filter(enrolment_id__in=list(enrolments), period__in=periods)}
    trait_rows = {(r.enrolment_id, r.period, r.kind, r.code): r for r in TraitEvaluation.objects.select_for_update()
                  .filter(enrolment_id__in=list(enrolments), period__in=periods)}
    report = SaveReport()
    creates = {SubjectEvaluation: [], TraitEvaluation: []}
    updates = {SubjectEvaluation: [], TraitEvaluation: []}
    updated_ids = {SubjectEvaluation: set(), TraitEvaluation: set()}
    audit: dict[int, tuple] = {}  # class id -> (class, {cell: before}, {cell: after}): one log entry per class
    now, by_id = timezone.now(), getattr(by, "pk", None)
    for index, kind, key, values, revision in parsed:
        rows, model, fields = ((subject_rows, SubjectEvaluation, SUBJECT_FIELDS) if kind == "subject"
                               else (trait_rows, TraitEvaluation, TRAIT_FIELDS))
        row = rows.get(key)
        enrolment = enrolments[key[0]]
        if row is not None and revision is not None and int(revision) != row.revision:
            problems.append(EntryProblem(index, "revision", f"{_pupil_label(enrolment)}: ô này vừa được "
                                         f"{row.updated_by.get_username() if row.updated_by else 'người khác'} sửa; "
                                         "hãy tải lại để xem giá trị mới.", "conflict"))
            continue
        if row is None:
            if kind == "subject":
                row = SubjectEvaluation(enrolment=enrolment, grade=enrolment.school_class.grade, period=key[1],
                                        subject=key[2], comment="")
            else:
                row = TraitEvaluation(enrolment=enrolment, period=key[1], kind=key[2], code=key[3], comment="")
            before = None
            row.revision = 1
            creates[model].append(row)
            rows[key] = row
            report.created += 1
        else:
            before = {f: getattr(row, f) for f in fields}
            if all(getattr(row, f) == v for f, v in values.items()):
                report.unchanged += 1
                report.revisions[key] = row.revision
                continue
            if row.pk is not None and row.pk not in updated_ids[model]:
                row.revision += 1
                updated_ids[model].add(row.pk)
                updates[model].append(row)
            report.updated += 1
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_by_id, row.updated_at = by_id, now  # the id: the relation's descriptor costs ~20 µs a row
        report.revisions[key] = row.revision
        cells = audit.get(enrolment.school_class_id)
        if cells is None:
            cells = audit[enrolment.school_class_id] = (enrolment.school_class, {}, {})
        cell = ":".join(str(k) for k in key)
        cells[1][cell] = before
        cells[2][cell] = {f: getattr(row, f) for f in fields}
    if problems:
        raise EvaluationInputError(problems)
    for model, rows in creates.items():
        rows_insert(model, rows)
    for model, rows in updates.items():
        rows_update(model, rows, [*(SUBJECT_FIELDS if model is SubjectEvaluation else TRAIT_FIELDS), "revision",
                                   "updated_by", "updated_at"])
    log_actions([Action(action, "schoolclass", str(class_id), before, after,
                        {"class": school_class.name, "cells": len(after)},
                        school_code=school_code or school_class.school_year.school.code)
                 for class_id, (school_class, before, after) in audit.items()], actor=by)
    return report


def subject_evaluation_set(*, enrolment: Enrolment, period: str, subject: str, by, **values) -> SubjectEvaluation:
    """Set one subject cell (any of rating, score, comment, revision)."""
    evaluations_save(entries=[{"enrolment": enrolment.pk, "period": period, "subject": subject, **values}], by=by)
    return SubjectEvaluation.objects.get(enrolment=enrolment, period=period, subject=subject)


def trait_evaluation_set(*, enrolment: Enrolment, period: str, kind: str, code: str, by, **values) -> TraitEvaluation:
    """Set one quality or competence cell (rating, comment, revision)."""
    evaluations_save(entries=[{"enrolment": enrolment.pk, "period": period, "kind": kind, "code": code, **values}],
                     by=by)
    return TraitEvaluation.objects.get(enrolment=enrolment, period=period, kind=kind, code=code)


@transaction.atomic
def year_result_set(*, enrolment: Enrolment, by, correction=None, **values) -> YearResult:
    """Set the year page's other fields (homeroom comment, height, weight, absences, nomination, plan outcome).
    Refused on a locked class unless ``correction`` is an approved correction request."""
    unknown = set(values) - set(YEAR_RESULT_FIELDS)
    if unknown:
        raise TypeError(f"unknown year result fields: {sorted(unknown)}")
    if correction is None:
        lock = locks_for_classes([enrolment.school_class_id]).get(enrolment.school_class_id)
        if lock is not None:
            raise EvaluationInputError([_locked_problem(0, enrolment, lock)])
    result, _ = YearResult.objects.select_for_update().get_or_create(enrolment=enrolment)
    before = {f: getattr(result, f) for f in values}
    for name, value in values.items():
        setattr(result, name, value.strip() if isinstance(value, str) else value)
    try:
        result.full_clean(exclude=["enrolment"])
    except ValidationError as error:
        raise EvaluationInputError([EntryProblem(0, name, f"{_pupil_label(enrolment)}: {'; '.join(msgs)}")
                                    for name, msgs in error.message_dict.items()]) from None
    if before != {f: getattr(result, f) for f in values}:
        result.revision += 1
        result.updated_by = by
        result.save()
        log_actions([Action("year_result.change", "yearresult", str(enrolment.pk), before,
                            {f: getattr(result, f) for f in values},
                            school_code=enrolment.school_class.school_year.school.code)], actor=by)
    return result


@transaction.atomic
def exemption_set(*, enrolment: Enrolment, subject: str, basis: str, by) -> Exemption:
    """Exempt a pupil on an individual education plan from a compulsory subject of the grade, with the basis
    (TT27 Điều 8); an existing exemption's basis is replaced. Refused without a plan, for a subject that is not
    compulsory in the grade, without a basis, and on a locked class."""
    grade = enrolment.school_class.grade
    problems = []
    if not enrolment.individual_plan:
        problems.append("chỉ học sinh được đánh giá theo kế hoạch giáo dục cá nhân mới được miễn môn học "
                        "(Thông tư 27, Điều 8)")
    if subject not in catalogue.compulsory_subjects(grade):
        problems.append(f'"{catalogue.SUBJECTS.get(subject, subject)}" không phải môn bắt buộc của lớp {grade}')
    if not (basis or "").strip():
        problems.append("chưa ghi căn cứ miễn (kế hoạch giáo dục cá nhân)")
    if problems:
        raise EvaluationInputError([EntryProblem(0, "subject", f"{_pupil_label(enrolment)}: {'; '.join(problems)}.")])
    lock = locks_for_classes([enrolment.school_class_id]).get(enrolment.school_class_id)
    if lock is not None:
        raise EvaluationInputError([_locked_problem(0, enrolment, lock)])
    exemption = Exemption.objects.select_for_update().filter(enrolment=enrolment, subject=subject).first()
    before = None if exemption is None else {"subject": subject, "basis": exemption.basis}
    if exemption is None:
        exemption = Exemption(enrolment=enrolment, subject=subject, created_by=by)
    exemption.basis = basis.strip()
    exemption.save()
    log_actions([Action("exemption.set", "exemption", str(enrolment.pk), before,
                        {"subject": subject, "basis": exemption.basis},
                        school_code=enrolment.school_class.school_year.school.code)], actor=by)
    return exemption


@transaction.atomic
def exemption_remove(*, enrolment: Enrolment, subject: str, by) -> None:
    """Withdraw an exemption (Điều 8); the subject is then evaluated again. Refused on a locked class."""
    lock = locks_for_classes([enrolment.school_class_id]).get(enrolment.school_class_id)
    if lock is not None:
        raise EvaluationInputError([_locked_problem(0, enrolment, lock)])
    exemption = Exemption.objects.filter(enrolment=enrolment, subject=subject).first()
    if exemption is None:
        return
    before = {"subject": subject, "basis": exemption.basis}
    exemption.delete()
    log_actions([Action("exemption.remove", "exemption", str(enrolment.pk), before, None,
                        school_code=enrolment.school_class.school_year.school.code)], actor=by)
