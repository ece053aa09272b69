"""Reads of the pupil-year: the record as a ``hocbaso.record/2`` document (see docs/record-format.md) and who
answers for each subject of a class."""

import datetime as dt

from django.db.models import Prefetch

from hocbaso.assessment.models import SubjectEvaluation, TraitEvaluation, YearResult
from hocbaso.directory.models import Enrolment, Pupil, Role, School, SchoolClass, Staff, TeachingAssignment
from hocbaso.directory.selectors import SchoolPlace, school_places
from hocbaso.records.models import IssuedRecord, RecordWithdrawal
from hocbaso.tt27 import FORMAT, catalogue
from hocbaso.tt27.catalogue import YEAR_END
from hocbaso.tt27.record_format import TERM_PERIODS


# What record_build reads through an enrolment besides its evaluations.
RECORD_RELATIONS = ("pupil", "school_class__homeroom_teacher", "school_class__school_year__school",
                    "year_result")


def enrolments_for_records():
    """Enrolments with everything ``record_build`` reads, fetched in a handful of queries."""
    return (Enrolment.objects.select_related(*RECORD_RELATIONS)
            .prefetch_related(
                Prefetch("subject_evaluations", queryset=SubjectEvaluation.objects.all()),
                Prefetch("trait_evaluations", queryset=TraitEvaluation.objects.all())))


class _Row:
    """An evaluation row as ``record_build`` reads it, without a model instance's cost."""

    __slots__ = ("period", "subject", "kind", "code", "rating", "score", "comment")

    def __init__(self, period, subject="", kind="", code="", rating=None, score=None, comment=""):
        self.period, self.subject, self.kind, self.code = period, subject, kind, code
        self.rating, self.score, self.comment = rating, score, comment


def enrolments_for_records_bulk(ids) -> list[Enrolment]:
    """``enrolments_for_records()`` for many enrolments at once, in the order of ``ids``: the evaluations come
    as plain rows from two queries (a school's ~100 000 rows as model instances cost seconds)."""
    ids = list(ids)
    enrolments = {e.pk: e for e in Enrolment.objects.filter(pk__in=ids).select_related(*RECORD_RELATIONS)}
    subjects: dict[int, list] = {pk: [] for pk in enrolments}
    traits: dict[int, list] = {pk: [] for pk in enrolments}
    for enrolment_id, period, subject, rating, score, comment in SubjectEvaluation.objects.filter(
            enrolment_id__in=ids).values_list("enrolment_id", "period", "subject", "rating", "score", "comment"):
        subjects[enrolment_id].append(_Row(period, subject=subject, rating=rating, score=score, comment=comment))
    for enrolment_id, period, kind, code, rating, comment in TraitEvaluation.objects.filter(
            enrolment_id__in=ids).values_list("enrolment_id", "period", "kind", "code", "rating", "comment"):
        traits[enrolment_id].append(_Row(period, kind=kind, code=code, rating=rating, comment=comment))
    for pk, enrolment in enrolments.items():
        # What prefetch_related would have put there: record_build iterates ``.all()`` of each relation.
        enrolment._prefetched_objects_cache = {"subject_evaluations": subjects[pk], "trait_evaluations": traits[pk]}
    return [enrolments[pk] for pk in ids if pk in enrolments]


def enrolment_for_pupil_year(pupil_ref: str, school_year: str) -> Enrolment:
    """The pupil's enrolment in that school year (by pupil id or identity number); the latest if several."""
    pupils = Pupil.objects.filter(identity_number=pupil_ref)
    if not pupils.exists() and str(pupil_ref).isdigit() and len(str(pupil_ref)) < 12:
        pupils = Pupil.objects.filter(pk=int(pupil_ref))
    enrolment = (enrolments_for_records().filter(pupil__in=pupils, school_class__school_year__name=school_year)
                 .order_by("-joined_on", "-pk").first())
    if enrolment is None:
        raise Enrolment.DoesNotExist(f"Không tìm thấy học sinh {pupil_ref} trong năm học {school_year}.")
    return enrolment


def principal_name(school_id: int, cache: dict | None = None) -> str:
    if cache is not None and school_id in cache:
        return cache[school_id]
    principal = Staff.objects.filter(school_id=school_id, role_set__role=Role.PRINCIPAL).order_by("pk").first()
    name = principal.full_name if principal else ""
    if cache is not None:
        cache[school_id] = name
    return name


def _subject_list(rows: list[SubjectEvaluation], subjects: tuple[str, ...]) -> list[dict]:
    by_code = {row.subject: row for row in rows}
    return [{"code": code, "rating": by_code[code].rating, "score": by_code[code].score,
             "comment": by_code[code].comment}
            for code in subjects if code in by_code]


def _trait_list(rows: list[TraitEvaluation], table: dict) -> list[dict]:
    by_code = {row.code: row for row in rows}
    return [{"code": code, "rating": by_code[code].rating, "comment": by_code[code].comment}
            for code in table if code in by_code]


def _absences(result: YearResult | None):
    if result is None or (result.days_absent_excused is None and result.days_absent_unexcused is None):
        return None
    return {"excused": result.days_absent_excused or 0, "unexcused": result.days_absent_unexcused or 0}


def school_block(school: School, place: SchoolPlace) -> dict:
    """The record's ``school``: names as of the place's date (its managing authority, the commune, the district
    only before 1/7/2025, the province)."""
    block = {"code": school.code, "name": school.name, "authority": place.authority_name}
    if place.commune_name:
        block["commune"] = place.commune_name
    if place.district_name:
        block["district"] = place.district_name
    block["province"] = place.province_name
    return block


def record_school(school: School, cache: dict | None = None, on: dt.date | None = None) -> dict:
    """The record's ``school`` block as of ``on`` (today by default), kept in ``cache`` (the ``principals``
    cache) per school and date."""
    key = ("school", school.pk, on)
    if cache is not None and key in cache:
        return cache[key]
    block = school_block(school, school_places([school], on)[school.pk])
    if cache is not None:
        cache[key] = block
    return block


def record_build(enrolment: Enrolment, *, principals: dict | None = None, with_results: bool = True,
                 on: dt.date | None = None) -> dict:
    """The pupil-year as a ``hocbaso.record/2`` dict, keys in the spec's order; the school named as placed on
    ``on``, the record's effective date (today by default: a record is built to be signed and issued now).

    ``principals``: a cache shared by calls over many pupils (principals' names, schools' blocks).
    With ``with_results`` the stored computed fields (outcome, award, completion) are included;
    without, they are null (what ``hocbaso assess`` takes as input).
    """
    klass = enrolment.school_class
    year = klass.school_year
    school = year.school
    pupil = enrolment.pupil
    subjects = enrolment.subjects()
    by_period_subject: dict[str, list] = {}
    for row in enrolment.subject_evaluations.all():
        by_period_subject.setdefault(row.period, []).append(row)
    by_period_trait: dict[tuple, list] = {}
    for row in enrolment.trait_evaluations.all():
        by_period_trait.setdefault((row.period, row.kind), []).append(row)

    def lists(period):
        return {"subjects": _subject_list(by_period_subject.get(period, []), subjects),
                "qualities": _trait_list(by_period_trait.get((period, "quality"), []), catalogue.QUALITIES),
                "competences": _trait_list(by_period_trait.get((period, "competence"), []), catalogue.COMPETENCES)}

    periods = {p: lists(p) for p in TERM_PERIODS
               if by_period_subject.get(p) or by_period_trait.get((p, "quality")) or by_period_trait.get((p, "competence"))}
    result = getattr(enrolment, "year_result", None)
    year_end = lists(YEAR_END)
    record = {
        "format": FORMAT,
        "school_year": year.name,
        "grade": klass.grade,
        "class_name": klass.name,
        "school": record_school(school, principals, on),
        "pupil": {
            "identity_number": pupil.identity_number,
            "full_name": pupil.full_name,
            "gender": pupil.gender,
            "birth_date": pupil.birth_date.isoformat(),
            "ethnicity": pupil.ethnicity,
            "nationality": pupil.nationality,
            "birthplace": pupil.birthplace,
            "hometown": pupil.hometown or None,
            "address": pupil.address or None,
            "father_name": pupil.father_name or None,
            "mother_name": pupil.mother_name or None,
            "guardian_name": pupil.guardian_name or None,
            "registry_number": enrolment.registry_number,
        },
        "subjects": year_end["subjects"],
        "qualities": year_end["qualities"],
        "competences": year_end["competences"],
        "periods": periods or None,
        "individual_plan": enrolment.individual_plan,
        "height_cm": result.height_cm if result else None,
        "weight_kg": float(result.weight_kg) if result and result.weight_kg is not None else None,
        "days_absent": _absences(result),
        "outcome": None,
        "award": None,
        "completed_grade": None,
        "completed_primary": None,
        "homeroom_comment": result.homeroom_comment if result else "",
        "homeroom_teacher": klass.homeroom_teacher.full_name if klass.homeroom_teacher else "",
        "principal": principal_name(school.pk, principals),
    }
    if result is not None:
        if enrolment.individual_plan:
            record["outcome"] = result.plan_outcome
        elif result.nominated_tieu_bieu:
            record["award"] = "hoc_sinh_tieu_bieu"
        if with_results and result.outcome:
            record.update(outcome=result.outcome, award=result.award, completed_grade=result.completed_grade,
                          completed_primary=result.completed_primary)
    return record


def issued_status(issued) -> dict:
    """Where an issued record stands: ``current``, ``superseded`` (by which version) or ``withdrawn``."""
    if RecordWithdrawal.objects.filter(issued_record=issued).exists():
        return {"status": "withdrawn", "superseded_by_version": None, "current_record_id": None}
    newer = IssuedRecord.objects.filter(supersedes=issued).first()
    if newer is None:
        return {"status": "current", "superseded_by_version": None, "current_record_id": issued.record_id}
    latest = newer
    while (nxt := IssuedRecord.objects.filter(supersedes=latest).first()) is not None:
        latest = nxt
    return {"status": "superseded", "superseded_by_version": newer.version, "current_record_id": latest.record_id}


def class_teachers(school_class: SchoolClass) -> dict[str, Staff]:
    """Who answers for each subject of the class: the assigned teacher, else the homeroom teacher."""
    assigned = {a.subject: a.teacher for a in TeachingAssignment.objects.filter(school_class=school_class)
                .select_related("teacher")}
    subjects = {s for e in school_class.enrolments.all() for s in e.subjects()}
    return {s: assigned.get(s, school_class.homeroom_teacher) for s in sorted(subjects)}


def subjects_needing_signoff(school_class: SchoolClass) -> dict[str, Staff]:
    """Subjects of the class taught by someone other than the homeroom teacher, by subject code: each needs its
    teacher's sign-off before the homeroom teacher signs the records. (Subjects the homeroom teacher teaches
    are covered by the homeroom teacher's own signature on every record.)"""
    return {s: t for s, t in class_teachers(school_class).items()
            if t is not None and t.pk != school_class.homeroom_teacher_id}


def current_issued(queryset=None):
    """Issued records that no later version supersedes and that are not withdrawn."""
    queryset = queryset if queryset is not None else IssuedRecord.objects.all()
    return queryset.filter(superseded_by__isnull=True, withdrawal__isnull=True)
