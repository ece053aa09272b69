"""The pupil list of a school year as .xlsx, in the layout the pupil import reads (docs/excel-layouts.md)."""

from openpyxl import Workbook

from hocbaso.directory.models import Enrolment, SchoolClass
from hocbaso.exchange.excel import layouts
from hocbaso.exchange.excel.writing import (DATE_FORMAT, TEXT_FORMAT, Col, flag_text, sheet_title, sorted_enrolments,
                                            write_header, write_rows, write_title)
from hocbaso.tt27 import catalogue

PUPIL_SPECS = {c.key: c for c in layouts.PUPIL_COLUMNS}


def pupil_cols() -> list[Col]:
    cols = []
    for key in layouts.PUPIL_EXPORT_KEYS:
        spec = PUPIL_SPECS[key]
        fmt = TEXT_FORMAT if key in ("identity_number", "sector_code", "registry_number") else \
            DATE_FORMAT if spec.kind == "date" else None
        cols.append(Col(spec.header, width=spec.width, number_format=fmt))
    return cols


def _pupil_row(stt: int, enrolment: Enrolment) -> list:
    p = enrolment.pupil
    values = {
        "stt": stt, "class_name": enrolment.school_class.name, "sector_code": p.sector_code or None,
        "identity_number": p.identity_number, "full_name": p.full_name, "birth_date": p.birth_date,
        "gender": layouts.GENDER_NAMES.get(p.gender, p.gender), "ethnicity": p.ethnicity,
        "nationality": p.nationality, "birthplace": p.birthplace, "hometown": p.hometown or None,
        "address": p.address or None, "father_name": p.father_name or None, "mother_name": p.mother_name or None,
        "guardian_name": p.guardian_name or None, "registry_number": enrolment.registry_number,
        "joined_on": enrolment.joined_on, "transferred_in": flag_text(enrolment.transferred_in) or None,
        "disability": p.disability or None, "individual_plan": flag_text(enrolment.individual_plan) or None,
        "optional_subjects": "; ".join(catalogue.SUBJECTS[c] for c in catalogue.SUBJECTS
                                       if c in (enrolment.optional_subjects or [])) or None,
    }
    return [values[key] for key in layouts.PUPIL_EXPORT_KEYS]


def pupils_workbook(school_year, class_name: str | None = None) -> Workbook:
    """The school year's pupils, one sheet per class (named like the class, with a "Lớp" column too)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    classes = SchoolClass.objects.filter(school_year=school_year).order_by("grade", "name")
    if class_name:
        classes = classes.filter(name=class_name)
    school = school_year.school
    cols = pupil_cols()
    for school_class in classes:
        ws = workbook.create_sheet(sheet_title(school_class.name))
        top = write_title(ws, [f"DANH SÁCH HỌC SINH LỚP {school_class.name} — NĂM HỌC {school_year.name}",
                               f"{school.name} (mã trường {school.code})"], len(cols))
        first = write_header(ws, top, cols)
        enrolments = sorted_enrolments(Enrolment.objects.filter(school_class=school_class)
                                       .select_related("pupil", "school_class"))
        write_rows(ws, first, cols, [_pupil_row(i, e) for i, e in enumerate(enrolments, start=1)])
    if not workbook.worksheets:
        workbook.create_sheet("Danh sách")
    return workbook

