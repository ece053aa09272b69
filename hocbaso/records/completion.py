"""After the year's outcome (TT27 Điều 11, format version 2): the summer's supplementary evaluation of a pupil who
has not completed the grade, entered by the homeroom teacher (or the principal) and confirmed by the principal,
with the principal's decision (promote or repeat the grade) when the pupil still has not completed it; and the
awards besides the year-end title (Điều 13.1.b, 13.2), entered by the principal.

A pupil-year whose record is signed by the homeroom teacher or issued is not changed here: after issuance only
a correction changes it (records.corrections). Every change is re-assessed by the TT27 engine and logged.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from hocbaso.assessment.models import Award, Exemption, SupplementaryEvaluation
from hocbaso.audit.services import Action, log_actions
from hocbaso.directory.models import Enrolment, Role
from hocbaso.records.guards import LifecycleRefused, require_principal, staff_of
from hocbaso.records.models import IssuedRecord, RecordDraft
from hocbaso.records.outcomes import year_results_assess
from hocbaso.records.selectors import enrolments_for_records, record_build, supplementary_lists
from hocbaso.tt27 import assess, catalogue, record_format

_LISTS = ("subjects", "qualities", "competences")


def _school_code(enrolment: Enrolment) -> str:
    return enrolment.school_class.school_year.school.code


def _name(enrolment: Enrolment) -> str:
    return f"{enrolment.pupil.full_name} (lớp {enrolment.school_class.name})"


def pupil_year_frozen_problem(enrolment: Enrolment) -> str:
    """Why the pupil-year can no longer change outside a correction ("" when it can)."""
    if IssuedRecord.objects.filter(enrolment=enrolment).exists():
        return (f"Học bạ của {_name(enrolment)} đã phát hành: mọi thay đổi phải qua đề nghị điều chỉnh được hiệu "
                f"trưởng duyệt.")
    if RecordDraft.objects.filter(enrolment=enrolment, teacher_signed_at__isnull=False).exists():
        return (f"Học bạ của {_name(enrolment)} đã được giáo viên chủ nhiệm ký; không thay đổi được nữa trước khi "
                f"phát hành.")
    return ""


def _refuse_if_frozen(enrolment: Enrolment) -> None:
    problem = pupil_year_frozen_problem(enrolment)
    if problem:
        raise LifecycleRefused(problem)


def _engine_errors(enrolment: Enrolment, prefixes: tuple[str, ...]) -> list[str]:
    """The engine's messages about the fields under ``prefixes`` in the pupil-year's record as built now."""
    fresh = enrolments_for_records().get(pk=enrolment.pk)
    assessment = assess(record_build(fresh, with_results=False))
    return [error.message for error in assessment.errors if error.field.startswith(prefixes)]


def _require_homeroom_or_principal(by, enrolment: Enrolment) -> None:
    staff = staff_of(by)
    klass = enrolment.school_class
    school = klass.school_year.school
    if staff is not None and staff.school_id == school.pk and (
            Role.PRINCIPAL in staff.roles or staff.pk == klass.homeroom_teacher_id):
        return
    raise LifecycleRefused(f"Chỉ giáo viên chủ nhiệm lớp {klass.name} hoặc hiệu trưởng mới nhập được đánh giá bổ sung.")


@transaction.atomic
def supplementary_save(*, enrolment: Enrolment, evaluated_on: dt.date, entries: dict, by) -> SupplementaryEvaluation:
    """Store the supplementary evaluation of a CHT pupil (Điều 11.2): ``entries`` holds ``subjects``,
    ``qualities``, ``competences`` lists of the entries evaluated again, as the record holds them. Judged by the
    TT27 engine before anything stays written; the principal's confirmation and decision are cleared when the
    evaluation changes. Refused for a pupil who completed the grade, or whose record is signed or issued."""
    _require_homeroom_or_principal(by, enrolment)
    _refuse_if_frozen(enrolment)
    result = getattr(enrolment, "year_result", None)
    if result is None or result.outcome != "CHT":
        raise LifecycleRefused(f"{_name(enrolment)} không ở mức Chưa hoàn thành nên không đánh giá bổ sung "
                               f"(Thông tư 27, Điều 11).")
    clean = {key: list(entries.get(key) or []) for key in _LISTS}
    row = SupplementaryEvaluation.objects.select_for_update().filter(enrolment=enrolment).first()
    before = None if row is None else {"evaluated_on": row.evaluated_on.isoformat(), "entries": row.entries,
                                       "decision": row.decision}
    if row is None:
        row = SupplementaryEvaluation(enrolment=enrolment)
    row.evaluated_on, row.entries, row.updated_by = evaluated_on, clean, by
    row.confirmed_at = row.confirmed_by = row.decision = row.decided_on = None
    if row.pk is not None:
        row.revision += 1
    row.save()
    problems = _engine_errors(enrolment, ("supplementary_evaluation",))
    if problems:
        raise LifecycleRefused(f"Đánh giá bổ sung của {_name(enrolment)} chưa hợp lệ: " + " ".join(problems))
    log_actions([Action("supplementary.save", "supplementaryevaluation", str(enrolment.pk), before,
                        {"evaluated_on": evaluated_on.isoformat(), "entries": clean},
                        school_code=_school_code(enrolment))], actor=by)
    year_results_assess(enrolments=[enrolment.pk], by=by)
    return row


@transaction.atomic
def supplementary_confirm(*, enrolment: Enrolment, by, decision: str | None = None,
                          decided_on: dt.date | None = None) -> SupplementaryEvaluation:
    """The principal confirms the supplementary evaluation (Điều 11.2) and, for a pupil who still has not
    completed the grade, decides promotion or repeating it (Điều 11.3, ``decision`` ``promote`` / ``repeat``
    with its date). A decision for a pupil who completed, a missing one for a pupil who did not, and promotion
    from grade 5 are refused."""
    school = enrolment.school_class.school_year.school
    require_principal(by, school)
    _refuse_if_frozen(enrolment)
    row = SupplementaryEvaluation.objects.select_for_update().filter(enrolment=enrolment).first()
    if row is None:
        raise LifecycleRefused(f"{_name(enrolment)} chưa có đánh giá bổ sung để xác nhận.")
    if decision is not None and decision not in catalogue.DECISIONS:
        raise LifecycleRefused(f'Quyết định "{decision}" không hợp lệ; chọn: '
                               f"{', '.join(catalogue.DECISIONS.values())}.")
    assessed = year_results_assess(enrolments=[enrolment.pk], by=by)[enrolment.pk]
    if assessed.completed_grade is False and decision is None:
        raise LifecycleRefused(f"{_name(enrolment)} vẫn chưa hoàn thành chương trình lớp học sau đánh giá bổ sung: "
                               f"hiệu trưởng quyết định cho lên lớp hoặc ở lại lớp (Thông tư 27, Điều 11).")
    if decision is not None and decided_on is None:
        raise LifecycleRefused("Ghi ngày của quyết định lên lớp hoặc ở lại lớp.")
    before = {"confirmed": row.confirmed_at is not None, "decision": row.decision,
              "decided_on": row.decided_on.isoformat() if row.decided_on else None}
    row.decision, row.decided_on = decision, decided_on if decision else None
    row.confirmed_at, row.confirmed_by, row.updated_by = timezone.now(), by, by
    row.revision += 1
    row.save()
    problems = _engine_errors(enrolment, ("principal_decision", "supplementary_evaluation"))
    if problems:
        raise LifecycleRefused(" ".join(problems))
    log_actions([Action("supplementary.confirm", "supplementaryevaluation", str(enrolment.pk), before,
                        {"confirmed": True, "decision": decision,
                         "decided_on": decided_on.isoformat() if decision else None},
                        school_code=_school_code(enrolment))], actor=by)
    year_results_assess(enrolments=[enrolment.pk], by=by)
    return row


@transaction.atomic
def award_add(*, enrolment: Enrolment, kind: str, title: str, level: str, awarded_on: dt.date, reason: str,
              by) -> Award:
    """The principal records an award of Điều 13.1.b (``dot_xuat``) or 13.2 (``cap_tren``) for a pupil-year,
    every field required."""
    require_principal(by, enrolment.school_class.school_year.school)
    _refuse_if_frozen(enrolment)
    values = {"title": (title or "").strip(), "level": (level or "").strip(), "reason": (reason or "").strip()}
    labels = {"title": "hình thức khen thưởng", "level": "cấp khen thưởng", "reason": "lí do khen thưởng"}
    problems = [f"Chưa ghi {labels[key]}." for key, value in values.items() if not value]
    if kind not in catalogue.AWARD_KINDS:
        problems.insert(0, f"Loại khen thưởng phải là: {', '.join(catalogue.AWARD_KINDS.values())}.")
    if not isinstance(awarded_on, dt.date):
        problems.append("Chưa ghi ngày khen thưởng.")
    if problems:
        raise LifecycleRefused(f"Khen thưởng của {_name(enrolment)}: " + " ".join(problems))
    award = Award.objects.create(enrolment=enrolment, kind=kind, awarded_on=awarded_on, created_by=by, **values)
    log_actions([Action("award.add", "award", str(award.pk), None,
                        {"kind": kind, **values, "awarded_on": awarded_on.isoformat(), "enrolment": enrolment.pk},
                        school_code=_school_code(enrolment))], actor=by)
    return award


@transaction.atomic
def award_remove(*, award: Award, by) -> None:
    """The principal removes an award entered by mistake, before the record is signed."""
    enrolment = award.enrolment
    require_principal(by, enrolment.school_class.school_year.school)
    _refuse_if_frozen(enrolment)
    before = {"kind": award.kind, "title": award.title, "level": award.level,
              "awarded_on": award.awarded_on.isoformat(), "reason": award.reason, "enrolment": enrolment.pk}
    pk = award.pk
    award.delete()
    log_actions([Action("award.remove", "award", str(pk), before, None, school_code=_school_code(enrolment))],
                actor=by)


# ---------------------------------------------------------------------- the cases as data (Excel exchange)

def pupil_year_cases(enrolment_ids) -> dict[int, dict]:
    """Each pupil-year's cases as the exchange writes them: ``exempted_subjects`` and ``awards`` as the record
    holds them, ``supplementary`` the supplementary evaluation with ``confirmed``, ``decision`` and
    ``decision_date``; a case the pupil-year does not have is None."""
    ids = list(enrolment_ids)
    out: dict[int, dict] = {pk: {"exempted_subjects": None, "supplementary": None, "awards": None} for pk in ids}
    for row in Exemption.objects.filter(enrolment_id__in=ids).order_by("subject"):
        out[row.enrolment_id]["exempted_subjects"] = [*(out[row.enrolment_id]["exempted_subjects"] or []),
                                                      {"code": row.subject, "basis": row.basis}]
    for row in Award.objects.filter(enrolment_id__in=ids).order_by("awarded_on", "pk"):
        out[row.enrolment_id]["awards"] = [*(out[row.enrolment_id]["awards"] or []), {
            "kind": row.kind, "title": row.title, "level": row.level, "date": row.awarded_on.isoformat(),
            "reason": row.reason}]
    for row in SupplementaryEvaluation.objects.filter(enrolment_id__in=ids):
        out[row.enrolment_id]["supplementary"] = {
            "date": row.evaluated_on.isoformat(), **supplementary_lists(row.entries),
            "confirmed": row.confirmed_at is not None, "decision": row.decision,
            "decision_date": row.decided_on.isoformat() if row.decided_on else None}
    return out


def _case_problems(cases: dict, grade: int) -> list[str]:
    """The shape of exchanged cases, judged by the record format's own checks."""
    problems = []
    fragment = {"exempted_subjects": cases.get("exempted_subjects"), "awards": cases.get("awards")}
    for key, value in fragment.items():
        problems += [error.message for error in record_format.RECORD[key].check(value, key, record_format.RECORD[key].label)]
    again = cases.get("supplementary")
    if again is not None:
        if not isinstance(again, dict):
            return [*problems, "Đánh giá bổ sung phải là một đối tượng JSON."]
        shape = {k: again.get(k) for k in ("date", *_LISTS)} | {"completed": None}
        problems += [e.message for e in record_format.RECORD["supplementary_evaluation"].check(
            shape, "supplementary_evaluation", "Đánh giá bổ sung")]
        if again.get("decision") is not None:
            problems += [e.message for e in record_format.RECORD["principal_decision"].check(
                {"decision": again.get("decision"), "date": again.get("decision_date")}, "principal_decision",
                "Quyết định của hiệu trưởng")]
    for item in cases.get("exempted_subjects") or []:
        if isinstance(item, dict) and item.get("code") not in catalogue.compulsory_subjects(grade):
            problems.append(f'"{item.get("code")}" không phải môn học bắt buộc của lớp {grade}.')
    return problems


@transaction.atomic
def pupil_year_restore(*, enrolment: Enrolment, cases: dict, by) -> bool:
    """Bring a pupil-year's cases back as exchanged (``pupil_year_cases``; the import of an evaluations workbook):
    each of ``exempted_subjects``, ``supplementary``, ``awards`` present in ``cases`` replaces what the pupil-year
    has. The importer answers for the data (logged as theirs); a confirmation keeps its time, not a principal's
    name. Refused (``LifecycleRefused``) for a malformed case or a pupil-year signed or issued; returns whether
    anything changed."""
    problems = _case_problems(cases, enrolment.school_class.grade)
    if problems:
        raise LifecycleRefused(f"{_name(enrolment)}: " + " ".join(problems))
    before = pupil_year_cases([enrolment.pk])[enrolment.pk]
    wanted = {key: cases[key] for key in ("exempted_subjects", "supplementary", "awards") if key in cases}
    if all(before[key] == value for key, value in wanted.items()):
        return False
    _refuse_if_frozen(enrolment)
    if "exempted_subjects" in wanted:
        Exemption.objects.filter(enrolment=enrolment).delete()
        Exemption.objects.bulk_create([Exemption(enrolment=enrolment, subject=item["code"], basis=item["basis"],
                                                 created_by=by) for item in wanted["exempted_subjects"] or []])
    if "awards" in wanted:
        Award.objects.filter(enrolment=enrolment).delete()
        Award.objects.bulk_create([Award(enrolment=enrolment, kind=item["kind"], title=item["title"],
                                         level=item["level"], awarded_on=dt.date.fromisoformat(item["date"]),
                                         reason=item["reason"], created_by=by) for item in wanted["awards"] or []])
    if "supplementary" in wanted:
        SupplementaryEvaluation.objects.filter(enrolment=enrolment).delete()
        again = wanted["supplementary"]
        if again is not None:
            SupplementaryEvaluation.objects.create(
                enrolment=enrolment, evaluated_on=dt.date.fromisoformat(again["date"]),
                entries={key: list(again.get(key) or []) for key in _LISTS},
                confirmed_at=timezone.now() if again.get("confirmed") else None, decision=again.get("decision"),
                decided_on=dt.date.fromisoformat(again["decision_date"]) if again.get("decision_date") else None,
                updated_by=by)
    log_actions([Action("pupil_year.restore", "enrolment", str(enrolment.pk), before,
                        {**before, **wanted}, school_code=_school_code(enrolment))], actor=by)
    return True
