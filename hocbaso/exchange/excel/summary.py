"""Bảng tổng hợp kết quả đánh giá giáo dục của lớp (TT27 Điều 9.1): the class summary per period.

One sheet per class, named like the class: STT, identity, name, birth date; each subject's rating
and periodic test score; each quality's and competence's rating; at the end of the year the
outcome, award and completion. It is also importable (the import fills ratings and scores and
leaves comments alone; the computed columns are read-only), so importing it back changes nothing.
"""

from openpyxl import Workbook

from hocbaso.assessment.models import YearResult
from hocbaso.directory.models import ClassKind, Enrolment, SchoolClass
from hocbaso.exchange.excel import layouts
from hocbaso.exchange.excel.evaluation_export import (IDENT_COLS, cell_value, class_subjects, computed_value,
                                                      evaluations_by_enrolment, ident_values, subject_cols)
from hocbaso.exchange.excel.writing import Col, sheet_title, sorted_enrolments, write_header, write_rows, write_title
from hocbaso.tt27 import catalogue

QUALITY_GROUP = layouts.TRAIT_CATEGORY_HEADERS["quality"][0]
COMPETENCE_GROUP = layouts.TRAIT_CATEGORY_HEADERS["competence"][0]


def _summary_sheet(workbook: Workbook, school_class: SchoolClass, period: str) -> None:
    grade = school_class.grade
    disability = school_class.kind == ClassKind.DISABILITY
    enrolments = sorted_enrolments(Enrolment.objects.filter(school_class=school_class)
                                   .select_related("pupil", "school_class"))
    subjects, traits = evaluations_by_enrolment(enrolments, period)
    scols = subject_cols(class_subjects(school_class, enrolments), grade, period, disability, comments=False)
    tcols = [(Col(name, group=QUALITY_GROUP, width=8), ("quality", code)) for code, name in catalogue.QUALITIES.items()]
    tcols += [(Col(name, group=COMPETENCE_GROUP, width=8), ("competence", code))
              for code, name in catalogue.COMPETENCES.items()]
    ycols = []
    if period == catalogue.YEAR_END:
        for spec in layouts.COMPUTED_COLUMNS:
            if spec.key == "completed_primary" and grade != 5:
                continue
            ycols.append((Col(spec.header, width=spec.width, computed=True), spec.key))
    cols = IDENT_COLS + [c for c, _ in scols] + [c for c, _ in tcols] + [c for c, _ in ycols]
    results = {r.enrolment_id: r for r in YearResult.objects.filter(enrolment__in=enrolments)}
    year = school_class.school_year
    ws = workbook.create_sheet(sheet_title(school_class.name))
    top = write_title(ws, [
        f"BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ GIÁO DỤC CỦA LỚP {school_class.name}",
        f"{year.school.name} — năm học {year.name} — {catalogue.PERIODS[period]}"
        + (f" — giáo viên chủ nhiệm: {school_class.homeroom_teacher.full_name}"
           if school_class.homeroom_teacher else ""),
    ], len(cols))
    rows = []
    for stt, e in enumerate(enrolments, start=1):
        values = ident_values(stt, e)
        for _, (code, name) in scols:
            values.append(cell_value(subjects.get((e.pk, code)), name))
        for _, (kind, code) in tcols:
            values.append(cell_value(traits.get((e.pk, kind, code)), "rating"))
        for _, key in ycols:
            values.append(computed_value(results.get(e.pk), key))
        rows.append(values)
    write_rows(ws, write_header(ws, top, cols), cols, rows)


def class_summary_workbook(school_class: SchoolClass, period: str) -> Workbook:
    """The class summary (Bảng tổng hợp) of one class at one period, as a workbook of one sheet."""
    if period not in catalogue.PERIODS:
        raise ValueError(f"unknown period {period!r}")
    workbook = Workbook()
    workbook.remove(workbook.active)
    _summary_sheet(workbook, school_class, period)
    return workbook


def school_summary_workbook(school_year, period: str, class_name: str | None = None) -> Workbook:
    """Every class's summary at ``period``, one sheet per class."""
    if period not in catalogue.PERIODS:
        raise ValueError(f"unknown period {period!r}")
    workbook = Workbook()
    workbook.remove(workbook.active)
    classes = SchoolClass.objects.filter(school_year=school_year).select_related(
        "homeroom_teacher", "school_year__school").order_by("grade", "name")
    if class_name:
        classes = classes.filter(name=class_name)
    for school_class in classes:
        _summary_sheet(workbook, school_class, period)
    if not workbook.worksheets:
        workbook.create_sheet("Tổng hợp")
    return workbook
