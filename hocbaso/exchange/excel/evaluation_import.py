"""Importing a class's evaluations for a period from .xlsx files (layouts in docs/excel-layouts.md).

The import reads and checks the whole file first; if anything is wrong nothing is written and
the report lists every problem with its sheet, row and column. Re-importing the same file changes
nothing. A blank cell never erases stored data. Every write is attributed to ``by`` in the audit log.
"""

from django.db import transaction

from hocbaso.assessment.models import YearResult
from hocbaso.assessment.services import YEAR_RESULT_FIELDS, EvaluationInputError, evaluations_save, year_result_set
from hocbaso.directory.models import SchoolClass
from hocbaso.exchange.excel import layouts
from hocbaso.exchange.excel.evaluation_rows import EvaluationReader, SheetCell
from hocbaso.exchange.excel.import_checks import problems_sorted, sheet_or_problem
from hocbaso.exchange.excel.report import ImportReport, Problem
from hocbaso.exchange.excel.sheets import UnreadableFile, open_workbook
from hocbaso.records.completion import pupil_year_restore
from hocbaso.records.guards import LifecycleRefused
from hocbaso.records.outcomes import year_results_assess
from hocbaso.tt27 import catalogue


def _sheet_class_key(title: str, class_keys: set[str]) -> str | None:
    """The class a sheet is named after ("4A", "Lớp 4A", "4A - Môn học"), if any."""
    words = layouts.norm(title).split()
    if words[:1] == ["lop"]:
        words = words[1:]
    for size in (len(words), 2, 1):
        candidate = "".join(words[:size])
        if candidate in class_keys:
            return candidate
    return None



def _entry_problem_location(reader: EvaluationReader, entry: dict, field_name: str) -> SheetCell | None:
    kind = "subject" if "subject" in entry else entry.get("kind")
    code = entry.get("subject") or entry.get("code")
    key = (entry["enrolment"], kind, code)
    if field_name in FIELD_NAMES:
        cell = reader.sources.get((*key, field_name))
        if cell:
            return cell
    for name in FIELD_NAMES:
        cell = reader.sources.get((*key, name))
        if cell:
            return cell
    return reader.rows_of.get(entry["enrolment"])


FIELD_NAMES = ("rating", "score", "comment")


def evaluations_import(*, school_class, period, file, by, dry_run: bool = False, may_edit=None) -> ImportReport:
    """Import one class's evaluations for one period (subjects, qualities and competences, and at
    the end of the year the year page's other fields) through ``evaluations_save``.

    Pupils are found in the class by identity number, pupil code, or name (and birth date). After
    a year-end import that changed anything, the TT27 engine recomputes the touched pupils' outcomes.
    Nothing is written when the file has any problem, or with ``dry_run`` (the preview). ``may_edit(sheet)``
    (the web app passes the user's ``ClassAccess.can_edit_sheet``) makes every cell of a subject, of the
    qualities and competences (``pham_chat_nang_luc``) or of the year page (``nhan_xet_cuoi_nam``) that the
    user may not enter a problem naming the cell."""
    report = ImportReport("evaluations", dry_run=dry_run)
    if period not in catalogue.PERIODS:
        report.problems.append(Problem(f"Thời điểm đánh giá không hợp lệ: «{period}» (dùng một trong: "
                                       f"{', '.join(catalogue.PERIODS)}).", code="invalid_period"))
        return report
    try:
        workbook = open_workbook(file)
    except UnreadableFile as error:
        report.problems.append(error.problem)
        return report
    reader = EvaluationReader(school_class, period, report)
    class_keys = {layouts.class_key(name) for name in
                  SchoolClass.objects.filter(school_year=school_class.school_year_id).values_list("name", flat=True)}
    own = layouts.class_key(school_class.name)
    for ws in workbook.worksheets:
        owner = _sheet_class_key(ws.title, class_keys)
        if owner is not None and owner != own:
            report.notes.append(f"Bỏ qua trang tính «{ws.title}»: của lớp khác.")
            continue
        sheet = sheet_or_problem(ws, report)
        if sheet is not None:
            reader.read(sheet)
            report.rows += len(sheet.rows)
    if not reader.found_columns and not report.problems:
        report.problems.append(Problem("Không tìm thấy cột đánh giá nào (ví dụ «Tiếng Việt» với «Mức đạt được», "
                                       "«Điểm KTĐK», «Nhận xét»). Xem mẫu: hocbaso export --template evaluations.",
                                       code="missing_column"))
    missing = [e.pupil.full_name for e in reader.enrolments if e.pk not in reader.rows_of]
    if missing and reader.rows_of:
        report.notes.append(f"{len(missing)} học sinh của lớp {school_class.name} không có trong tệp (giữ nguyên): "
                            f"{', '.join(missing[:10])}{'…' if len(missing) > 10 else ''}.")
    if may_edit is not None:
        _refuse_sheets(reader, report, may_edit)
    _save_evaluations(reader, report, by)
    report.problems = problems_sorted(report.problems, workbook)
    return report


def _refuse_sheets(reader: EvaluationReader, report: ImportReport, may_edit) -> None:
    """One problem per cell the user may not enter (see ``evaluations_import``'s ``may_edit``)."""
    names = {"pham_chat_nang_luc": "phẩm chất, năng lực", "nhan_xet_cuoi_nam": "trang cuối năm"}
    for entry in reader.entries.values():
        sheet = entry.get("subject") or "pham_chat_nang_luc"
        if may_edit(sheet):
            continue
        name = catalogue.SUBJECTS.get(sheet) or names[sheet]
        message = f"Bạn không được nhập «{name}» của lớp {reader.school_class.name}."
        cell = _entry_problem_location(reader, entry, "rating")
        report.problems.append(cell.problem(message, "forbidden") if cell is not None
                               else Problem(message, code="forbidden"))
    if reader.year and not may_edit("nhan_xet_cuoi_nam"):
        for cell in reader.year_sources.values():
            report.problems.append(cell.problem(f"Bạn không được nhập trang cuối năm của lớp "
                                                f"{reader.school_class.name}.", "forbidden"))


def _save_evaluations(reader: EvaluationReader, report: ImportReport, by) -> None:
    """Write through ``evaluations_save`` and ``year_result_set`` inside one transaction, rolled back
    when anything is wrong or for a preview: the services' own checks are part of the preview."""
    entries = list(reader.entries.values())
    enrolments = {e.pk: e for e in reader.enrolments}
    school_code = reader.school_class.school_year.school.code
    with transaction.atomic():
        if entries:
            try:
                saved = evaluations_save(entries=entries, by=by, school_code=school_code, action="evaluation.import")
            except EvaluationInputError as error:
                for problem in error.problems:
                    cell = _entry_problem_location(reader, entries[problem.index], problem.field)
                    if problem.code == "locked":
                        report.problems.append(Problem(problem.message, code="locked"))
                    elif cell is not None:
                        report.problems.append(cell.problem(problem.message, problem.code))
                    else:
                        report.problems.append(Problem(problem.message, code=problem.code))
            else:
                report.created, report.updated, report.unchanged = saved.created, saved.updated, saved.unchanged
                report.count("evaluations", "created", saved.created)
                report.count("evaluations", "updated", saved.updated)
                report.count("evaluations", "unchanged", saved.unchanged)
        results = {r.enrolment_id: r for r in YearResult.objects.filter(enrolment_id__in=list(reader.year))}
        for enrolment_id, values in reader.year.items():
            cases = {key: values.pop(key) for key in list(values) if key in layouts.CASE_KEYS}
            if cases:
                try:
                    if pupil_year_restore(enrolment=enrolments[enrolment_id], cases=cases, by=by):
                        report.count("year_results", "updated")
                except LifecycleRefused as error:
                    where = reader.rows_of.get(enrolment_id)
                    report.problems.append(where.problem(str(error)) if where else Problem(str(error)))
                    continue
            result = results.get(enrolment_id)
            current = {f: getattr(result, f) if result else YearResult._meta.get_field(f).get_default()
                       for f in YEAR_RESULT_FIELDS}
            changes = {k: v for k, v in values.items() if current[k] != v}
            if not changes and cases:
                continue
            if not changes:
                report.count("year_results", "unchanged")
                continue
            try:
                year_result_set(enrolment=enrolments[enrolment_id], by=by, **changes)
            except EvaluationInputError as error:
                where = reader.rows_of.get(enrolment_id)
                for problem in error.problems:
                    cell = reader.year_sources.get((enrolment_id, problem.field)) or where
                    if problem.code == "locked" or cell is None:
                        report.problems.append(Problem(problem.message, code=problem.code))
                    else:
                        report.problems.append(cell.problem(problem.message, problem.code))
                continue
            report.count("year_results", "created" if result is None else "updated")
        year_counts = report.details.get("year_results", {})
        report.created += year_counts.get("created", 0)
        report.updated += year_counts.get("updated", 0)
        report.unchanged += year_counts.get("unchanged", 0)
        changed = report.created + report.updated > 0
        if not report.problems and changed and reader.period == catalogue.YEAR_END:
            touched = sorted(reader.rows_of)
            if report.dry_run:
                report.notes.append(f"Khi ghi, kết quả giáo dục cuối năm của {len(touched)} học sinh sẽ được tính "
                                    "lại theo TT27.")
            else:
                year_results_assess(enrolments=touched, by=by)
                report.notes.append(f"Đã tính lại kết quả giáo dục cuối năm của {len(touched)} học sinh theo TT27.")
        if report.problems or report.dry_run:
            transaction.set_rollback(True)
            return
    report.applied = True
