"""Reads for the portal's pages: the sheets of a class, and one sheet as the entry grid shows it."""

from collections import Counter

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from hocbaso.assessment.models import SubjectEvaluation, TraitEvaluation, YearResult
from hocbaso.directory.models import ClassKind, EnrolmentStatus, SchoolClass
from hocbaso.directory.selectors import class_pupils
from hocbaso.portal.models import TeacherPhrase
from hocbaso.tt27 import catalogue
from hocbaso.web.permissions import SHEET_TRAITS, SHEET_YEAR, ClassAccess

try:  # the comment phrase bank (a colleague's module); the grid works without it
    from hocbaso.assessment import phrases as phrase_bank
except ImportError:  # pragma: no cover
    phrase_bank = None

YEAR_FIELDS = ("homeroom_comment", "days_absent_excused", "days_absent_unexcused", "height_cm", "weight_kg",
               "nominated_tieu_bieu")
TRAIT_KINDS = (("quality", catalogue.QUALITIES), ("competence", catalogue.COMPETENCES))


def sheet_name(sheet: str) -> str:
    if sheet == SHEET_TRAITS:
        return _("Phẩm chất và năng lực")
    if sheet == SHEET_YEAR:
        return _("Nhận xét cuối năm, sức khỏe, chuyên cần")
    return _(catalogue.SUBJECTS[sheet]) if sheet in catalogue.SUBJECTS else sheet


def class_sheet_codes(school_class: SchoolClass, period: str, enrolments=None) -> list[str]:
    """The sheets of a class at a period, in the học bạ's order: the subjects any pupil follows,
    the qualities/competences sheet, and at the year's end the year page's other fields."""
    enrolments = enrolments if enrolments is not None else list(school_class.enrolments.all())
    followed = set(catalogue.compulsory_subjects(school_class.grade))
    for enrolment in enrolments:
        followed.update(enrolment.optional_subjects or [])
    sheets = [code for code in catalogue.grade_subjects(school_class.grade) if code in followed]
    sheets.append(SHEET_TRAITS)
    if period == catalogue.YEAR_END:
        sheets.append(SHEET_YEAR)
    return sheets


def class_progress(school_class: SchoolClass, access: ClassAccess) -> list[dict]:
    """For the class page: each visible sheet × period with how many pupils have a rating so far."""
    enrolments = [e for e in school_class.enrolments.all() if e.status == EnrolmentStatus.STUDYING]
    pupils = len(enrolments)
    followers = Counter(code for e in enrolments for code in e.subjects())
    studying = Q(enrolment__school_class=school_class, enrolment__status=EnrolmentStatus.STUDYING)
    subject_counts = {(r["period"], r["subject"]): r["n"] for r in SubjectEvaluation.objects.filter(
        studying, rating__isnull=False).values("period", "subject").annotate(n=Count("id"))}
    trait_counts = {r["period"]: r["n"] for r in TraitEvaluation.objects.filter(
        studying, rating__isnull=False).values("period").annotate(n=Count("id"))}
    year_count = YearResult.objects.filter(studying).exclude(homeroom_comment="").count()
    traits_total = len(catalogue.QUALITIES) + len(catalogue.COMPETENCES)
    rows = []
    for sheet in class_sheet_codes(school_class, catalogue.YEAR_END, enrolments):
        if not access.can_view_sheet(sheet):
            continue
        cells = []
        for period in catalogue.PERIODS:
            if sheet == SHEET_YEAR and period != catalogue.YEAR_END:
                cells.append(None)
                continue
            if sheet == SHEET_TRAITS:
                done, total = trait_counts.get(period, 0), pupils * traits_total
            elif sheet == SHEET_YEAR:
                done, total = year_count, pupils
            else:
                done, total = subject_counts.get((period, sheet), 0), followers.get(sheet, 0)
            cells.append({"period": period, "done": done, "total": total, "complete": total and done >= total})
        rows.append({"sheet": sheet, "name": sheet_name(sheet), "editable": access.can_edit_sheet(sheet),
                     "cells": cells})
    return rows


def _column(cid: str, entry: str, field: str, kind: str, label: str, **extra) -> dict:
    return {"id": cid, "entry": entry, "field": field, "type": kind, "label": label, **extra}


def grid_columns(school_class: SchoolClass, period: str, sheet: str) -> list[dict]:
    """The grid's columns. A subject sheet always has Mức | Điểm KTĐK | Nhận xét (the layout of the
    class summary and of the Excel files, so a pasted block lands the same way); where the subject has
    no periodic test at that period (TT27 Điều 7.1.b) the score column is shaded and refuses a score."""
    if sheet == SHEET_TRAITS:
        columns = []
        for kind, table in TRAIT_KINDS:
            group = _("Phẩm chất") if kind == "quality" else _("Năng lực")
            for code, name in table.items():
                entry = f"{kind}:{code}"
                columns.append(_column(f"{entry}:rating", entry, "rating", "trait_rating", _(name), group=group))
                columns.append(_column(f"{entry}:comment", entry, "comment", "comment",
                                       _("Nhận xét: %(name)s") % {"name": _(name)}, group=group, optional=True))
        return columns
    if sheet == SHEET_YEAR:
        return [
            _column("y:homeroom_comment", "y", "homeroom_comment", "comment", _("Nhận xét của GVCN"),
                    phrases="outcome"),
            _column("y:days_absent_excused", "y", "days_absent_excused", "int", _("Nghỉ có phép")),
            _column("y:days_absent_unexcused", "y", "days_absent_unexcused", "int", _("Nghỉ không phép")),
            _column("y:height_cm", "y", "height_cm", "int", _("Chiều cao (cm)")),
            _column("y:weight_kg", "y", "weight_kg", "decimal", _("Cân nặng (kg)")),
            _column("y:nominated_tieu_bieu", "y", "nominated_tieu_bieu", "bool", _("Đề nghị khen Tiêu biểu")),
        ]
    tested = catalogue.has_periodic_test(school_class.grade, sheet, period,
                                         disability_class=school_class.kind == ClassKind.DISABILITY)
    return [_column("s:rating", "s", "rating", "subject_rating", _("Mức đạt được")),
            _column("s:score", "s", "score", "score", _("Điểm KTĐK"), no_test=not tested),
            _column("s:comment", "s", "comment", "comment", _("Nhận xét"))]


def year_value(result, name):
    value = getattr(result, name) if result is not None else None
    if name == "weight_kg" and value is not None:
        return format(value.normalize(), "f")
    if name == "homeroom_comment":
        return value or ""
    if name == "nominated_tieu_bieu":
        return bool(value)
    return value


def grid_rows(school_class: SchoolClass, period: str, sheet: str) -> list[dict]:
    """One row per pupil in Vietnamese name order, with each entry's values and revision
    (revision 0: no row stored yet)."""
    enrolments = class_pupils(school_class)
    ids = [e.pk for e in enrolments]
    by_enrolment: dict[int, dict] = {pk: {} for pk in ids}
    if sheet == SHEET_TRAITS:
        for row in TraitEvaluation.objects.filter(enrolment_id__in=ids, period=period):
            by_enrolment[row.enrolment_id][f"{row.kind}:{row.code}"] = {
                "revision": row.revision, "values": {"rating": row.rating, "comment": row.comment}}
    elif sheet == SHEET_YEAR:
        for enrolment in enrolments:
            result = getattr(enrolment, "year_result", None)
            by_enrolment[enrolment.pk]["y"] = {"revision": result.revision if result else 0,
                                               "values": {f: year_value(result, f) for f in YEAR_FIELDS}}
    else:
        for row in SubjectEvaluation.objects.filter(enrolment_id__in=ids, period=period, subject=sheet):
            by_enrolment[row.enrolment_id]["s"] = {
                "revision": row.revision, "values": {"rating": row.rating, "score": row.score, "comment": row.comment}}
    rows = []
    for enrolment in enrolments:
        follows = sheet in (SHEET_TRAITS, SHEET_YEAR) or sheet in enrolment.subjects()
        row = {"enrolment": enrolment.pk, "name": enrolment.pupil.full_name, "follows": follows,
               "status": enrolment.status if enrolment.status != EnrolmentStatus.STUDYING else "",
               "status_label": enrolment.get_status_display() if enrolment.status != EnrolmentStatus.STUDYING else "",
               "individual_plan": enrolment.individual_plan, "entries": by_enrolment[enrolment.pk]}
        if sheet == SHEET_YEAR:  # the overall outcome belongs to the year page only: a subject's sheet (all a
            # subject teacher may open) does not carry every pupil's result of the year
            result = getattr(enrolment, "year_result", None)
            row["outcome"] = result.outcome if result else None
        rows.append(row)
    return rows


def grid_phrases(sheet: str) -> dict:
    """Comment phrases by rating (or, on the year page, by outcome) for the picker; empty without a bank."""
    if phrase_bank is None:
        return {}
    if sheet == SHEET_YEAR:
        return {"y": {outcome: phrase_bank.homeroom_phrases(outcome) for outcome in catalogue.OUTCOMES}}
    if sheet == SHEET_TRAITS:
        return {f"{kind}:{code}": {r: phrase_bank.trait_phrases(kind, code, r) for r in catalogue.TRAIT_RATINGS}
                for kind, table in TRAIT_KINDS for code in table}
    return {"s": {r: phrase_bank.subject_phrases(sheet, r) for r in catalogue.SUBJECT_RATINGS}}


def own_phrases(user, sheet: str) -> list[dict]:
    """The teacher's own phrases for ``sheet`` (``TeacherPhrase``), oldest first, for the grid's picker."""
    return [{"id": p.pk, "text": p.text} for p in TeacherPhrase.objects.filter(user=user, sheet=sheet)]
