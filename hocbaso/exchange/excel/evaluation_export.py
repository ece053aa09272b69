"""A class's evaluations for a period as .xlsx, in the layout the evaluation import reads (docs/excel-layouts.md):
the columns of a grade and period, and the values written into them."""

import json

from openpyxl import Workbook

from hocbaso.assessment.models import SubjectEvaluation, TraitEvaluation, YearResult
from hocbaso.directory.models import ClassKind, Enrolment, SchoolClass
from hocbaso.exchange.excel import layouts
from hocbaso.records.completion import pupil_year_cases
from hocbaso.exchange.excel.writing import (DATE_FORMAT, TEXT_FORMAT, Col, flag_text, sorted_enrolments, write_header,
                                            write_rows, write_title)
from hocbaso.tt27 import catalogue

IDENT_COLS = [Col("STT", width=5), Col("Mã định danh", width=15, number_format=TEXT_FORMAT),
              Col("Họ và tên", width=26), Col("Ngày sinh", width=12, number_format=DATE_FORMAT)]


def class_subjects(school_class: SchoolClass, enrolments=None) -> list[str]:
    """The class's compulsory subjects, and the optional ones some pupil of the class follows."""
    chosen = set()
    for enrolment in enrolments if enrolments is not None else school_class.enrolments.all():
        chosen.update(enrolment.optional_subjects or [])
    compulsory = catalogue.compulsory_subjects(school_class.grade)
    return [code for code in catalogue.grade_subjects(school_class.grade) if code in compulsory or code in chosen]


def scored(grade: int, subject: str, period: str, disability_class: bool = False) -> bool:
    return catalogue.has_periodic_test(grade, subject, period, disability_class=disability_class)


def subject_cols(subjects, grade, period, disability_class=False, *, comments=True) -> list[tuple[Col, tuple]]:
    cols = []
    for code in subjects:
        name = catalogue.SUBJECTS[code]
        cols.append((Col(layouts.FIELD_HEADERS["rating"], group=name, width=9), (code, "rating")))
        if scored(grade, code, period, disability_class):
            cols.append((Col(layouts.FIELD_HEADERS["score"], group=name, width=8), (code, "score")))
        if comments:
            cols.append((Col(layouts.FIELD_HEADERS["comment"], group=name, width=30), (code, "comment")))
    return cols


def trait_cols(*, comments=True) -> list[tuple[Col, tuple]]:
    cols = []
    for kind, table in (("quality", catalogue.QUALITIES), ("competence", catalogue.COMPETENCES)):
        for code, name in table.items():
            cols.append((Col(layouts.FIELD_HEADERS["rating"], group=name, width=9), (kind, code, "rating")))
            if comments:
                cols.append((Col(layouts.FIELD_HEADERS["comment"], group=name, width=30), (kind, code, "comment")))
    return cols


YEAR_SPECS = {c.key: c for c in layouts.YEAR_COLUMNS}
COMPUTED_SPECS = {c.key: c for c in layouts.COMPUTED_COLUMNS}


def year_cols(grade: int | None, *, computed=True) -> list[tuple[Col, str]]:
    cols = [(Col(spec.header, width=spec.width), spec.key) for spec in layouts.YEAR_COLUMNS]
    if computed:  # an export, not a blank template: the pupil-year's cases too, for the round trip
        cols += [(Col(spec.header, width=spec.width), spec.key) for spec in layouts.CASE_COLUMNS]
        for spec in layouts.COMPUTED_COLUMNS:
            if spec.key == "completed_primary" and grade not in (5, None):
                continue
            cols.append((Col(spec.header, width=spec.width, computed=True), spec.key))
    return cols


def ident_values(stt: int, enrolment: Enrolment) -> list:
    p = enrolment.pupil
    return [stt, p.identity_number, p.full_name, p.birth_date]


def evaluations_by_enrolment(enrolments, period):
    ids = [e.pk for e in enrolments]
    subjects, traits = {}, {}
    for row in SubjectEvaluation.objects.filter(enrolment_id__in=ids, period=period):
        subjects[(row.enrolment_id, row.subject)] = row
    for row in TraitEvaluation.objects.filter(enrolment_id__in=ids, period=period):
        traits[(row.enrolment_id, row.kind, row.code)] = row
    return subjects, traits


def _yes_no(value):
    return {True: "x", False: "Chưa", None: None}[value]


def computed_value(result: YearResult | None, key: str):
    if result is None:
        return None
    if key == "outcome":
        return catalogue.OUTCOMES.get(result.outcome) if result.outcome else None
    if key == "award":
        return catalogue.AWARDS.get(result.award) if result.award else None
    return _yes_no(getattr(result, key))


def year_value(result: YearResult | None, key: str):
    if result is None:
        return None
    value = getattr(result, key)
    if key == "disability_setting":  # the school's kind; a class's comes from the class (Điều 8.3)
        return flag_text(value == "school") or None
    if key == "nominated_tieu_bieu":
        return flag_text(value) or None
    if key == "weight_kg" and value is not None:
        return float(value)
    return value if value not in ("",) else None


def evaluations_workbook(school_class: SchoolClass, period: str) -> Workbook:
    """The full evaluation sheets of a class for a period, with comments: the round-trip layout."""
    grade = school_class.grade
    disability = school_class.kind == ClassKind.DISABILITY
    enrolments = sorted_enrolments(Enrolment.objects.filter(school_class=school_class)
                                   .select_related("pupil", "school_class"))
    subjects, traits = evaluations_by_enrolment(enrolments, period)
    results = {r.enrolment_id: r for r in YearResult.objects.filter(enrolment__in=enrolments)}
    school = school_class.school_year.school
    where = f"{school.name} — năm học {school_class.school_year.name} — {catalogue.PERIODS[period]}"
    workbook = Workbook()
    workbook.remove(workbook.active)

    ws = workbook.create_sheet(layouts.SHEET_SUBJECTS)
    scols = subject_cols(class_subjects(school_class, enrolments), grade, period, disability)
    cols = IDENT_COLS + [c for c, _ in scols]
    top = write_title(ws, [f"ĐÁNH GIÁ MÔN HỌC VÀ HOẠT ĐỘNG GIÁO DỤC — LỚP {school_class.name}", where], len(cols))
    rows = []
    for stt, e in enumerate(enrolments, start=1):
        values = ident_values(stt, e)
        for _, (code, name) in scols:
            row = subjects.get((e.pk, code))
            values.append(cell_value(row, name))
        rows.append(values)
    write_rows(ws, write_header(ws, top, cols), cols, rows)

    ws = workbook.create_sheet(layouts.SHEET_TRAITS)
    tcols = trait_cols()
    cols = IDENT_COLS + [c for c, _ in tcols]
    top = write_title(ws, [f"ĐÁNH GIÁ PHẨM CHẤT, NĂNG LỰC — LỚP {school_class.name}", where], len(cols))
    rows = []
    for stt, e in enumerate(enrolments, start=1):
        values = ident_values(stt, e)
        for _, (kind, code, name) in tcols:
            values.append(cell_value(traits.get((e.pk, kind, code)), name))
        rows.append(values)
    write_rows(ws, write_header(ws, top, cols), cols, rows)

    if period == catalogue.YEAR_END:
        ws = workbook.create_sheet(layouts.SHEET_YEAR)
        ycols = year_cols(grade)
        cols = IDENT_COLS + [c for c, _ in ycols]
        top = write_title(ws, [f"CUỐI NĂM HỌC — LỚP {school_class.name}", where], len(cols))
        rows = []
        cases = pupil_year_cases([e.pk for e in enrolments])
        for stt, e in enumerate(enrolments, start=1):
            result = results.get(e.pk)
            values = ident_values(stt, e)
            for col, key in ycols:
                if key in layouts.CASE_KEYS:
                    values.append(None if cases[e.pk][key] is None
                                  else json.dumps(cases[e.pk][key], ensure_ascii=False))
                else:
                    values.append(computed_value(result, key) if col.computed else year_value(result, key))
            rows.append(values)
        write_rows(ws, write_header(ws, top, cols), cols, rows)
    return workbook


def cell_value(row, name: str):
    if row is None:
        return None
    value = getattr(row, name)
    return None if value in ("", None) else value

