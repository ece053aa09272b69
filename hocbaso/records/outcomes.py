"""The year's outcome of each pupil: the TT27 engine run on the entered evaluations, stored as the year result."""

from django.db import transaction
from django.utils import timezone

from hocbaso.assessment.models import YearResult
from hocbaso.audit.services import Action, log_actions
from hocbaso.directory.models import Enrolment
from hocbaso.records.selectors import enrolments_for_records, record_build
from hocbaso.tt27 import Assessment, assess

RESULT_FIELDS = ("outcome", "award", "completed_grade", "completed_primary")
# The engine's codes that mean "something is not entered yet"; any other keeps the outcome from being computed
# for a reason the page must name (a stale Tiêu biểu nomination, an exemption, a plan's outcome...).
MISSING_CODES = frozenset({"rating_missing", "score_missing", "subject_missing", "quality_missing",
                           "competence_missing", "outcome_required", "comment_missing", "result_missing"})


def outcome_blockers(assessments: dict[int, Assessment]) -> dict[str, int]:
    """How many pupils' outcomes cannot be computed, by kind: ``missing`` (only data not entered yet) and
    ``problems`` (any other rule, whose own words the pages show). The summary and the class page say the same."""
    missing = problems = 0
    for assessment in assessments.values():
        if assessment.errors:
            if all(e.code in MISSING_CODES for e in assessment.errors):
                missing += 1
            else:
                problems += 1
    return {"missing": missing, "problems": problems}


@transaction.atomic
def year_results_assess(*, enrolments, by) -> dict[int, Assessment]:
    """Run the TT27 engine on each pupil-year and store the outcome, award and completion
    (or the errors, with the computed fields cleared). Changes are logged, attributed to ``by``."""
    enrolment_ids = [e.pk if isinstance(e, Enrolment) else int(e) for e in enrolments]
    results = {r.enrolment_id: r for r in YearResult.objects.select_for_update().filter(enrolment_id__in=enrolment_ids)}
    principals: dict = {}
    out, to_create, to_update, audit = {}, [], [], []
    now = timezone.now()
    for enrolment in enrolments_for_records().filter(pk__in=enrolment_ids):
        assessment = assess(record_build(enrolment, principals=principals, with_results=False))
        out[enrolment.pk] = assessment
        result = results.get(enrolment.pk)
        if result is None:
            result = YearResult(enrolment=enrolment)
            to_create.append(result)
        before = {f: getattr(result, f) for f in RESULT_FIELDS}
        after = {f: getattr(assessment, f) for f in RESULT_FIELDS}
        errors = [e.as_dict() for e in assessment.errors]
        if result.pk is None or before != after or result.errors != errors:
            for name, value in after.items():
                setattr(result, name, value)
            result.errors, result.assessed_at, result.updated_by = errors, now, by
            if result.pk is not None:
                result.revision += 1
                to_update.append(result)
            if before != after:
                audit.append(Action("year_result.assess", "yearresult", str(enrolment.pk), before, after,
                                    school_code=enrolment.school_class.school_year.school.code))
    YearResult.objects.bulk_create(to_create, batch_size=1000)
    YearResult.objects.bulk_update(to_update, [*RESULT_FIELDS, "errors", "assessed_at", "updated_by", "revision"],
                                   batch_size=1000)
    log_actions(audit, actor=by)
    return out


def year_results_preview(school_class) -> tuple[dict[int, Assessment], dict[str, int]]:
    """What the TT27 engine says now of each pupil of the class (by enrolment), without storing anything, and
    ``outcome_blockers`` of it: the class page's "why no outcome yet", in the summary's words."""
    assessments = {e.pk: assess(record_build(e, with_results=False))
                   for e in enrolments_for_records().filter(school_class=school_class)}
    return assessments, outcome_blockers(assessments)


def year_results_refresh(enrolments, *, by, may_store) -> tuple[dict[int, Assessment], bool]:
    """The TT27 engine's assessment of each of ``enrolments`` (as ``enrolments_for_records`` gives them, with
    their year results), by primary key, and whether they were stored now: when one differs from its stored
    year result and ``may_store()`` says so (asked only then), all are stored through ``year_results_assess``.
    What the class summary does on every year-end view and download, so that the file and the screen agree."""
    assessments = {e.pk: assess(record_build(e, with_results=False)) for e in enrolments}
    differs = any(getattr(getattr(e, "year_result", None), f, None) != getattr(assessments[e.pk], f)
                  for e in enrolments for f in RESULT_FIELDS)
    if differs and may_store():
        year_results_assess(enrolments=[e.pk for e in enrolments], by=by)
        return assessments, True
    return assessments, False
