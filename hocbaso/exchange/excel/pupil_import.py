"""Importing a pupil list with its enrolments from an .xlsx file (layouts in docs/excel-layouts.md).

The import reads and checks the whole file first; if anything is wrong nothing is written and the report lists
every problem with its sheet, row and column. Re-importing the same file changes nothing. A blank cell never
erases stored data. Every write is attributed to ``by`` in the audit log.
"""

import datetime as dt

from django.db import IntegrityError, transaction

from hocbaso.audit.services import Action, log_actions
from hocbaso.directory.models import Enrolment, Pupil, SchoolClass
from hocbaso.exchange.excel import layouts
from hocbaso.exchange.excel.import_checks import file_name, name_key, problems_sorted, sheet_or_problem
from hocbaso.exchange.excel.pupil_rows import PupilRow, pupil_sheet_read, pupils_resolve
from hocbaso.exchange.excel.report import ImportReport, Problem
from hocbaso.exchange.excel.sheets import UnreadableFile, open_workbook

PUPIL_FIELDS = ("identity_number", "sector_code", "full_name", "gender", "birth_date", "ethnicity", "nationality",
                "birthplace", "hometown", "address", "father_name", "mother_name", "guardian_name", "disability")
ENROLMENT_FIELDS = ("registry_number", "joined_on", "transferred_in", "individual_plan", "optional_subjects")


def _pupil_changes(row: PupilRow) -> dict:
    v, pupil = row.values, row.pupil
    wanted = {key: v[key] for key in PUPIL_FIELDS if key in v}
    if pupil is None:
        return wanted
    names = {c.key for c in layouts.PUPIL_COLUMNS if c.kind == "name"}
    # A name written in capitals or with other spacing (as some exports do) is the same name: kept as stored.
    return {key: value for key, value in wanted.items() if getattr(pupil, key) != value
            and not (key in names and name_key(getattr(pupil, key)) == name_key(value))}


def _enrolment_changes(row: PupilRow, school_year) -> dict:
    v, enrolment = row.values, row.enrolment
    wanted = {key: v[key] for key in ENROLMENT_FIELDS if key in v}
    if enrolment is None:
        wanted.setdefault("joined_on", school_year.start_date)
        return wanted
    changes = {}
    for key, value in wanted.items():
        current = getattr(enrolment, key)
        if key == "optional_subjects" and set(current or []) == set(value):
            continue
        if current != value:
            changes[key] = value
    if enrolment.school_class_id != row.school_class.pk:
        changes["school_class"] = row.school_class
    return changes


def _jsonable(values: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v.name if isinstance(v, SchoolClass) else v)
            for k, v in values.items()}


def pupils_import(*, school_year, file, by, dry_run: bool = False) -> ImportReport:
    """Import a pupil list with enrolments into ``school_year``'s classes.

    One sheet per class (named like the class) or sheets with a "Lớp" column. Pupils are matched by
    identity number, else by full name and birth date within the school; a matched pupil is updated
    with the non-blank cells, a new one created; each is enrolled in the row's class. Nothing is
    written when the file has any problem or with ``dry_run`` (the preview)."""
    report = ImportReport("pupils", dry_run=dry_run)
    try:
        workbook = open_workbook(file)
    except UnreadableFile as error:
        report.problems.append(error.problem)
        return report
    school = school_year.school
    classes = {layouts.class_key(c.name): c for c in SchoolClass.objects.filter(school_year=school_year)}
    rows = []
    for ws in workbook.worksheets:
        sheet = sheet_or_problem(ws, report)
        if sheet is not None:
            rows += pupil_sheet_read(sheet, classes, school_year, report)
    report.rows = len(rows)
    if not rows and not report.problems:
        report.problems.append(Problem("Tệp không có dòng học sinh nào.", code="empty"))
    pupils_resolve(rows, school, school_year, report)
    if report.problems:
        report.problems = problems_sorted(report.problems, workbook)
        return report

    plans = []
    for row in rows:
        pupil_changes = _pupil_changes(row)
        enrolment_changes = _enrolment_changes(row, school_year)
        plans.append((row, pupil_changes, enrolment_changes))
        if row.pupil is None:
            report.created += 1
        elif pupil_changes or enrolment_changes or row.enrolment is None:
            report.updated += 1
        else:
            report.unchanged += 1
        report.count("pupils", "created" if row.pupil is None else "updated" if pupil_changes else "unchanged")
        report.count("enrolments", "created" if row.enrolment is None else
                     "updated" if enrolment_changes else "unchanged")
    if dry_run:
        return report
    try:
        _write_pupils(plans, school, by, file_name(file))
    except IntegrityError:
        report.problems.append(Problem("Dữ liệu học sinh vừa bị thay đổi trong lúc nhập (ví dụ một mã định danh "
                                       "vừa được dùng cho học sinh khác); chưa ghi gì. Hãy nhập lại.",
                                       code="conflict"))
        return report
    report.applied = True
    return report


@transaction.atomic
def _write_pupils(plans, school, by, file_name: str) -> None:
    audit = []
    data = {"source": "excel", "file": file_name} if file_name else {"source": "excel"}
    for row, pupil_changes, enrolment_changes in plans:
        if row.pupil is None:
            pupil = Pupil(school=school, **pupil_changes)
            pupil.save()
            audit.append(Action("pupil.create", "pupil", str(pupil.pk), None, _jsonable(pupil_changes), data,
                                school.code))
        else:
            pupil = row.pupil
            if pupil_changes:
                before = {k: getattr(pupil, k) for k in pupil_changes}
                for key, value in pupil_changes.items():
                    setattr(pupil, key, value)
                pupil.save(update_fields=[*pupil_changes, "updated_at"])
                audit.append(Action("pupil.change", "pupil", str(pupil.pk), _jsonable(before),
                                    _jsonable(pupil_changes), data, school.code))
        if row.enrolment is None:
            enrolment = Enrolment(pupil=pupil, school_class=row.school_class, **enrolment_changes)
            enrolment.save()
            audit.append(Action("enrolment.create", "enrolment", str(enrolment.pk), None,
                                _jsonable({"class": row.school_class.name, **enrolment_changes}), data, school.code))
        elif enrolment_changes:
            enrolment = row.enrolment
            before = {k: getattr(enrolment, k) for k in enrolment_changes}
            for key, value in enrolment_changes.items():
                setattr(enrolment, key, value)
            enrolment.save(update_fields=list(enrolment_changes))
            audit.append(Action("enrolment.change", "enrolment", str(enrolment.pk), _jsonable(before),
                                _jsonable(enrolment_changes), data, school.code))
    log_actions(audit, actor=by)

