"""Importing pupil lists and evaluations from .xlsx files (layouts in docs/excel-layouts.md).

Both imports read and check the whole file first; if anything is wrong nothing is written and
the report lists every problem with its sheet, row and column. Re-importing the same file changes
nothing. A blank cell never erases stored data. Every write is attributed to ``by`` in the audit log.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from hocbaso.assessment.models import SubjectEvaluation, TraitEvaluation, YearResult
from hocbaso.assessment.services import YEAR_RESULT_FIELDS, EvaluationInputError, evaluations_save, year_result_set
from hocbaso.audit.services import Action, log_actions
from hocbaso.directory.models import ClassKind, Enrolment, Pupil, SchoolClass
from hocbaso.exchange import layouts
from hocbaso.exchange.report import ImportReport, Problem
from hocbaso.exchange.sheets import (ParsedSheet, SheetColumn, UnreadableFile, is_blank, open_workbook, parse_sheet,
                                     read_date, read_decimal, read_flag, read_gender, read_identity, read_int,
                                     read_outcome, read_rating, read_score, read_subjects, read_text)
from hocbaso.tt27 import catalogue

PUPIL_FIELDS = ("identity_number", "sector_code", "full_name", "gender", "birth_date", "ethnicity", "nationality",
                "birthplace", "hometown", "address", "father_name", "mother_name", "guardian_name", "disability")
ENROLMENT_FIELDS = ("registry_number", "joined_on", "transferred_in", "individual_plan", "optional_subjects")
COLUMNS = {c.key: c for c in (*layouts.PUPIL_COLUMNS, *layouts.YEAR_COLUMNS)}


def name_key(name: str) -> str:
    """Names compared without case, diacritics or extra spaces would merge different people
    (Lan/Lân); only case and spacing are ignored."""
    return " ".join((name or "").split()).casefold()


def _fmt(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "?"


def _duplicate_columns(sheet: ParsedSheet) -> list[Problem]:
    problems, seen = [], {}
    for column in sheet.columns:
        if column.meaning is None or column.meaning.kind == "pupil" and column.meaning.key == "stt":
            continue
        first = seen.setdefault(column.meaning, column)
        if first is not column:
            problems.append(sheet.problem(f"Cột này trùng nội dung với cột {first.letter} ({first.header}).",
                                          sheet.header_row, column, "duplicate_column"))
    return problems


def _unknown_columns_note(sheet: ParsedSheet, report: ImportReport, used_kinds: set[str]) -> None:
    ignored = [f"{c.letter} ({c.header})" for c in sheet.columns
               if c.meaning is None or c.meaning.kind not in used_kinds]
    if ignored:
        report.notes.append(f"Trang tính «{sheet.title}»: bỏ qua các cột không dùng: {', '.join(ignored)}.")


def _sheet_or_problem(ws, report: ImportReport, prefer: str | None = None) -> ParsedSheet | None:
    sheet = parse_sheet(ws, prefer=prefer)
    if sheet is not None:
        return sheet
    empty = ws.max_row <= 1 and ws.max_column <= 1 and is_blank(ws.cell(1, 1).value)
    if not empty and layouts.norm(ws.title) not in layouts.SKIPPED_SHEETS:
        report.problems.append(Problem("Không tìm thấy dòng tiêu đề (cần ít nhất hai cột như STT, Họ và tên, "
                                       "Ngày sinh, Mã định danh) trong 30 dòng đầu.", sheet=ws.title,
                                       code="no_header"))
    return None


# ---------------------------------------------------------------------------------------------
# Pupil lists
# ---------------------------------------------------------------------------------------------

@dataclass
class PupilRow:
    sheet: ParsedSheet
    row: int
    values: dict = field(default_factory=dict)  # key -> parsed value, non-blank cells only
    cells: dict = field(default_factory=dict)  # key -> SheetColumn
    school_class: SchoolClass | None = None
    ok: bool = True  # every required value is there and readable
    pupil: Pupil | None = None  # existing pupil matched, or None for a new one
    enrolment: Enrolment | None = None

    def problem(self, message: str, key: str | None = None, code: str = "invalid") -> Problem:
        column = self.cells.get(key) if key else None
        return self.sheet.problem(message, self.row, column, code)

    def where(self) -> str:
        return f"dòng {self.row} (trang tính «{self.sheet.title}»)"


def _read_pupil_cell(column: layouts.Column, value):
    kind = column.kind
    if kind in ("text", "name"):
        return read_text(value, max_length=column.max_length, single_line=kind == "name")
    if kind == "identity":
        return read_identity(value)
    if kind == "date":
        return read_date(value)
    if kind == "gender":
        return (None, None) if is_blank(value) else read_gender(value)
    if kind == "flag":
        return (None, None) if is_blank(value) else read_flag(value)
    if kind == "subjects":
        if layouts.norm(value) in ("khong", "0"):
            return [], None
        return (None, None) if is_blank(value) else read_subjects(value)
    return None, None


def _read_pupil_sheet(sheet: ParsedSheet, classes: dict[str, SchoolClass], school_year,
                      report: ImportReport) -> list[PupilRow]:
    report.problems.extend(_duplicate_columns(sheet))
    cols = {c.meaning.key: c for c in sheet.columns if c.meaning is not None and c.meaning.kind == "pupil"}
    _unknown_columns_note(sheet, report, {"pupil"})
    sheet_class = classes.get(layouts.class_key(sheet.title))
    if "class_name" not in cols and sheet_class is None:
        report.problems.append(sheet.problem(
            f"Không biết trang tính này là của lớp nào: đặt tên trang tính theo tên lớp (ví dụ 4A) hoặc thêm cột "
            f"«Lớp». Các lớp của năm học {school_year.name}: {', '.join(c.name for c in classes.values())}.",
            code="unknown_class"))
    missing = []
    if "full_name" not in cols and not ("family_name" in cols and "given_name" in cols):
        missing.append("Họ và tên")
    if "birth_date" not in cols:
        missing.append("Ngày sinh")
    if "gender" not in cols and "female" not in cols:
        missing.append("Giới tính")
    for header in missing:
        report.problems.append(Problem(f"Thiếu cột bắt buộc «{header}».", sheet=sheet.title, row=sheet.header_row,
                                       header=header, code="missing_column"))
    rows = []
    for number, values in sheet.rows:
        row = PupilRow(sheet, number, cells=cols, ok=not missing)
        for key, column in cols.items():
            spec = COLUMNS[key]
            if spec.kind in ("ignore", "class"):
                continue
            raw = sheet.value(values, column)
            if key == "disability" and layouts.norm(raw) in ("khong", "khong co"):
                row.values[key] = ""  # "không": no disability (a blank cell keeps what is stored)
                continue
            parsed, error = _read_pupil_cell(spec, raw)
            if error:
                report.problems.append(row.problem(error, key))
                row.ok = False
            elif parsed is not None and parsed != "":
                row.values[key] = parsed
        _finish_pupil_row(row, sheet, values, cols, classes, sheet_class, school_year, report)
        rows.append(row)
    return rows


def _finish_pupil_row(row: PupilRow, sheet, values, cols, classes, sheet_class, school_year, report) -> None:
    v = row.values
    if "full_name" not in v and "family_name" in v and "given_name" in v and "full_name" not in cols:
        v["full_name"] = f"{v['family_name']} {v['given_name']}"
        row.cells = {**row.cells, "full_name": cols["given_name"]}
    if "gender" not in cols and "female" in cols:
        v["gender"] = "female" if v.get("female") else "male"
    if "class_name" in cols:
        raw = sheet.value(values, cols["class_name"])
        if is_blank(raw):
            report.problems.append(row.problem("Thiếu tên lớp.", "class_name", "unknown_class"))
            row.ok = False
        else:
            row.school_class = classes.get(layouts.class_key(raw))
            if row.school_class is None:
                report.problems.append(row.problem(
                    f"Lớp «{raw}» không có trong năm học {school_year.name} của trường "
                    f"(các lớp: {', '.join(c.name for c in classes.values())}).", "class_name", "unknown_class"))
                row.ok = False
    else:
        row.school_class = sheet_class
    if not row.ok:
        return
    for key, message in (("full_name", "Thiếu họ và tên."), ("birth_date", "Thiếu ngày sinh."),
                         ("gender", "Thiếu giới tính (ghi Nam hoặc Nữ).")):
        if key not in v:
            report.problems.append(row.problem(message, key if key in row.cells else None, "required"))
            row.ok = False
    birth = v.get("birth_date")
    if birth is not None:
        age = school_year.start_date.year - birth.year
        if birth >= school_year.start_date:
            report.problems.append(row.problem(f"Ngày sinh {_fmt(birth)} không trước ngày bắt đầu năm học "
                                               f"({_fmt(school_year.start_date)}).", "birth_date"))
            row.ok = False
        elif not 3 <= age <= 20:
            report.problems.append(row.problem(f"Ngày sinh {_fmt(birth)} không hợp lý cho học sinh tiểu học "
                                               f"(học sinh {age} tuổi).", "birth_date"))
            row.ok = False
    joined = v.get("joined_on")
    if joined is not None and (joined > school_year.end_date or (birth and joined <= birth)):
        report.problems.append(row.problem(f"Ngày nhập học {_fmt(joined)} không hợp lý (sau khi kết thúc năm học "
                                           "hoặc trước ngày sinh).", "joined_on"))
        row.ok = False
    if row.school_class is not None and v.get("optional_subjects"):
        allowed = catalogue.optional_subjects(row.school_class.grade)
        wrong = [code for code in v["optional_subjects"] if code not in allowed]
        if wrong:
            names = ", ".join(catalogue.SUBJECTS[code] for code in wrong)
            report.problems.append(row.problem(f"Lớp {row.school_class.grade} không có môn tự chọn: {names}.",
                                               "optional_subjects"))
            row.ok = False
        else:
            v["optional_subjects"] = [code for code in allowed if code in v["optional_subjects"]]


def _resolve_pupils(rows: list[PupilRow], school, school_year, report: ImportReport) -> None:
    """Match each row to an existing pupil (identity number, else name + birth date within the school)
    and its enrolment; find duplicates within the file."""
    pupils = list(Pupil.objects.filter(school=school))
    by_identity = {p.identity_number: p for p in pupils if p.identity_number}
    by_name_birth = defaultdict(list)
    for p in pupils:
        by_name_birth[(name_key(p.full_name), p.birth_date)].append(p)
    numbers = {r.values["identity_number"] for r in rows if r.values.get("identity_number")}
    elsewhere = set(Pupil.objects.filter(identity_number__in=numbers).exclude(school=school)
                    .values_list("identity_number", flat=True))
    enrolments = defaultdict(list)
    for e in Enrolment.objects.filter(school_class__school_year=school_year).select_related("school_class"):
        enrolments[e.pupil_id].append(e)

    occurrences = defaultdict(list)
    for row in rows:
        number = row.values.get("identity_number")
        if number:
            occurrences[number].append(row)
    for number, same in occurrences.items():
        if len(same) > 1:
            for row in same:
                others = ", ".join(o.where() for o in same if o is not row)
                report.problems.append(row.problem(f"Mã định danh {number} xuất hiện nhiều lần trong tệp: "
                                                   f"cũng ở {others}.", "identity_number", "duplicate_identity"))
                row.ok = False

    targets = defaultdict(list)
    for row in rows:
        if not row.ok:
            continue
        v = row.values
        number = v.get("identity_number")
        key = (name_key(v["full_name"]), v["birth_date"])
        candidates = by_name_birth.get(key, [])
        if number and number in by_identity:
            owner = by_identity[number]
            others = [p for p in candidates if p.pk != owner.pk]
            if others or (name_key(owner.full_name) != key[0] and owner.birth_date != key[1]):
                report.problems.append(row.problem(
                    f"Mã định danh {number} đã là của học sinh khác: {owner.full_name}, sinh {_fmt(owner.birth_date)}.",
                    "identity_number", "identity_taken"))
                row.ok = False
                continue
            row.pupil = owner
        elif number and number in elsewhere:
            report.problems.append(row.problem(
                f"Mã định danh {number} đã là của một học sinh trường khác. Học sinh chuyển đến được nhận qua "
                "thủ tục chuyển trường, không qua nhập danh sách.", "identity_number", "identity_taken"))
            row.ok = False
            continue
        elif len(candidates) > 1:
            report.problems.append(row.problem(
                f"Trường có {len(candidates)} học sinh cùng họ tên «{v['full_name']}» và ngày sinh "
                f"{_fmt(v['birth_date'])}; hãy ghi mã định danh để phân biệt.", "full_name", "ambiguous_pupil"))
            row.ok = False
            continue
        elif candidates:
            existing = candidates[0]
            if number and existing.identity_number and existing.identity_number != number:
                report.problems.append(row.problem(
                    f"Học sinh {existing.full_name} (sinh {_fmt(existing.birth_date)}) đã có mã định danh "
                    f"{existing.identity_number}, khác với mã {number} ở dòng này. Mã định danh đã lưu không sửa "
                    "qua nhập Excel.", "identity_number", "identity_mismatch"))
                row.ok = False
                continue
            row.pupil = existing
        targets[row.pupil.pk if row.pupil else ("new", number or key)].append(row)

    for target, same in targets.items():
        if len(same) > 1:
            for row in same:
                others = ", ".join(o.where() for o in same if o is not row)
                report.problems.append(row.problem(
                    f"Học sinh {row.values['full_name']} (sinh {_fmt(row.values['birth_date'])}) xuất hiện nhiều lần "
                    f"trong tệp: cũng ở {others}.", "full_name", "duplicate_pupil"))
                row.ok = False

    for row in rows:
        if not row.ok:
            continue
        if row.pupil is None and "birthplace" not in row.values:
            report.problems.append(row.problem("Thiếu nơi sinh (bắt buộc với học sinh mới).",
                                               "birthplace" if "birthplace" in row.cells else None, "required"))
            row.ok = False
        if row.school_class is None:
            continue
        current = enrolments.get(row.pupil.pk, []) if row.pupil else []
        here = [e for e in current if e.school_class_id == row.school_class.pk]
        if here:
            row.enrolment = here[0]
        elif current:
            other = current[0]
            if _has_results(other):
                report.problems.append(row.problem(
                    f"Học sinh đang học lớp {other.school_class.name} năm học {school_year.name} và đã có đánh giá; "
                    "chuyển lớp không làm qua nhập danh sách.", "class_name" if "class_name" in row.cells else None,
                    "class_change"))
                row.ok = False
            else:
                row.enrolment = other  # a pupil listed in the wrong class by a previous import: moved
        if row.enrolment is None and "registry_number" not in row.values and not (
                row.pupil and enrolments.get(row.pupil.pk)):
            report.problems.append(row.problem("Thiếu số đăng bộ (bắt buộc khi xếp học sinh vào lớp).",
                                               "registry_number" if "registry_number" in row.cells else None,
                                               "required"))
            row.ok = False


def _has_results(enrolment: Enrolment) -> bool:
    return (SubjectEvaluation.objects.filter(enrolment=enrolment).exists()
            or TraitEvaluation.objects.filter(enrolment=enrolment).exists()
            or YearResult.objects.filter(enrolment=enrolment).exists()
            or enrolment.issued_records.exists())


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
        sheet = _sheet_or_problem(ws, report)
        if sheet is not None:
            rows += _read_pupil_sheet(sheet, classes, school_year, report)
    report.rows = len(rows)
    if not rows and not report.problems:
        report.problems.append(Problem("Tệp không có dòng học sinh nào.", code="empty"))
    _resolve_pupils(rows, school, school_year, report)
    if report.problems:
        report.problems = _sorted(report.problems, workbook)
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
        _write_pupils(plans, school, by, _file_name(file))
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


def _file_name(file) -> str:
    from pathlib import Path

    if isinstance(file, (str, Path)):
        return Path(file).name
    return Path(getattr(file, "name", "") or "").name


def _sorted(problems: list[Problem], workbook) -> list[Problem]:
    order = {ws.title: i for i, ws in enumerate(workbook.worksheets)}
    unique = list(dict.fromkeys(problems))

    def key(p: Problem):
        column = p.column or ""
        return (order.get(p.sheet, -1), p.row or 0, len(column), column)

    return sorted(unique, key=key)


# ---------------------------------------------------------------------------------------------
# Evaluations
# ---------------------------------------------------------------------------------------------

@dataclass
class _Cell:
    sheet: ParsedSheet
    row: int
    column: SheetColumn | None

    def problem(self, message: str, code: str = "invalid") -> Problem:
        return self.sheet.problem(message, self.row, self.column, code)

    def where(self) -> str:
        return f"«{self.sheet.title}»!{self.column.letter if self.column else ''}{self.row}"


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


class _EvaluationReader:
    def __init__(self, school_class: SchoolClass, period: str, report: ImportReport):
        self.school_class, self.period, self.report = school_class, period, report
        self.grade = school_class.grade
        self.disability_class = school_class.kind == ClassKind.DISABILITY
        self.enrolments = list(Enrolment.objects.filter(school_class=school_class).select_related("pupil"))
        self.by_identity = {e.pupil.identity_number: e for e in self.enrolments if e.pupil.identity_number}
        self.by_sector = {e.pupil.sector_code: e for e in self.enrolments if e.pupil.sector_code}
        self.by_name = defaultdict(list)
        for e in self.enrolments:
            self.by_name[name_key(e.pupil.full_name)].append(e)
        self.entries: dict[tuple, dict] = {}  # (enrolment id, kind, code) -> entry
        self.sources: dict[tuple, _Cell] = {}  # (enrolment id, kind, code, field) -> cell
        self.year: dict[int, dict] = defaultdict(dict)
        self.year_sources: dict[tuple, _Cell] = {}
        self.rows_of: dict[int, _Cell] = {}
        self.seen_rows: dict[tuple, _Cell] = {}
        self.found_columns = False

    def problem(self, problem: Problem) -> None:
        self.report.problems.append(problem)

    def read(self, sheet: ParsedSheet) -> None:
        for problem in _duplicate_columns(sheet):
            self.problem(problem)
        _unknown_columns_note(sheet, self.report, {"pupil", "subject", "quality", "competence", "year", "computed"})
        ident = {c.meaning.key: c for c in sheet.columns
                 if c.meaning and c.meaning.kind == "pupil" and c.meaning.key in
                 ("identity_number", "sector_code", "full_name", "family_name", "given_name", "birth_date")}
        values_cols = [c for c in sheet.columns if c.meaning and c.meaning.kind in ("subject", "quality", "competence")]
        year_cols = [c for c in sheet.columns if c.meaning and c.meaning.kind == "year"]
        values_cols = [c for c in values_cols if self._column_usable(sheet, c)]
        if year_cols and self.period != catalogue.YEAR_END:
            for column in year_cols:
                if any(not is_blank(sheet.value(v, column)) for _, v in sheet.rows):
                    self.problem(sheet.problem("Thông tin cuối năm chỉ nhập cùng đánh giá cuối năm học; tệp này đang "
                                               f"được nhập cho thời điểm {catalogue.PERIODS[self.period].lower()}.",
                                               sheet.header_row, column, "wrong_period"))
            year_cols = []
        if not values_cols and not year_cols:
            return
        self.found_columns = True
        if not ident.keys() & {"identity_number", "sector_code", "full_name"} and not (
                "family_name" in ident and "given_name" in ident):
            self.problem(Problem("Thiếu cột «Họ và tên» (hoặc «Mã định danh») để nhận ra học sinh.", sheet=sheet.title,
                                 row=sheet.header_row, header="Họ và tên", code="missing_column"))
            return
        for number, values in sheet.rows:
            enrolment = self._pupil(sheet, number, values, ident)
            if enrolment is None:
                continue
            for column in values_cols:
                self._value(sheet, number, values, column, enrolment)
            for column in year_cols:
                self._year_value(sheet, number, values, column, enrolment)

    def _column_usable(self, sheet: ParsedSheet, column: SheetColumn) -> bool:
        meaning = column.meaning
        if meaning.kind != "subject" or meaning.key in catalogue.grade_subjects(self.grade):
            if meaning.kind == "subject" or meaning.field != "score":
                return True
            self.report.notes.append(f"Trang tính «{sheet.title}»: cột {column.letter} ({column.header}) bỏ qua: "
                                     "phẩm chất và năng lực không có điểm.")
            return False
        if any(not is_blank(sheet.value(v, column)) for _, v in sheet.rows):
            self.problem(sheet.problem(f"Lớp {self.grade} không có môn {catalogue.SUBJECTS[meaning.key]}.",
                                       sheet.header_row, column, "subject_not_in_grade"))
        return False

    def _pupil(self, sheet, number, values, ident) -> Enrolment | None:
        where = _Cell(sheet, number, ident.get("full_name") or ident.get("identity_number"))
        name = None
        if "full_name" in ident:
            name, _ = read_text(sheet.value(values, ident["full_name"]), single_line=True)
        elif "family_name" in ident and "given_name" in ident:
            family, _ = read_text(sheet.value(values, ident["family_name"]), single_line=True)
            given, _ = read_text(sheet.value(values, ident["given_name"]), single_line=True)
            name = f"{family} {given}".strip()
        birth = None
        if "birth_date" in ident:
            birth, error = read_date(sheet.value(values, ident["birth_date"]))
            if error:
                self.problem(sheet.problem(error, number, ident["birth_date"]))
                return None
        number_value = None
        if "identity_number" in ident:
            number_value, error = read_identity(sheet.value(values, ident["identity_number"]))
            if error:
                self.problem(sheet.problem(error, number, ident["identity_number"]))
                return None
        sector = None
        if "sector_code" in ident:
            sector, _ = read_text(sheet.value(values, ident["sector_code"]))
        label = f"«{name}»" if name else "ở dòng này"
        enrolment = None
        if number_value:
            enrolment = self.by_identity.get(number_value)
            if enrolment is None:
                self.problem(sheet.problem(f"Lớp {self.school_class.name} không có học sinh mang mã định danh "
                                           f"{number_value}.", number, ident["identity_number"], "unknown_pupil"))
                return None
        elif sector:
            enrolment = self.by_sector.get(sector)
            if enrolment is None:
                self.problem(sheet.problem(f"Lớp {self.school_class.name} không có học sinh mang mã học sinh {sector}.",
                                           number, ident["sector_code"], "unknown_pupil"))
                return None
        elif name:
            candidates = self.by_name.get(name_key(name), [])
            if birth is not None:
                candidates = [e for e in candidates if e.pupil.birth_date == birth]
            if len(candidates) > 1:
                self.problem(where.problem(f"Lớp {self.school_class.name} có {len(candidates)} học sinh tên {label}; "
                                           "hãy thêm cột Ngày sinh hoặc Mã định danh.", "ambiguous_pupil"))
                return None
            if not candidates:
                born = f" (sinh {_fmt(birth)})" if birth else ""
                self.problem(where.problem(f"Không tìm thấy học sinh {label}{born} trong lớp {self.school_class.name}.",
                                           "unknown_pupil"))
                return None
            enrolment = candidates[0]
        else:
            self.problem(where.problem("Thiếu họ và tên (hoặc mã định danh) của học sinh.", "required"))
            return None
        pupil = enrolment.pupil
        if name and name_key(name) != name_key(pupil.full_name):
            self.problem(where.problem(f"Họ tên {label} không khớp với học sinh mang mã này trong lớp "
                                       f"{self.school_class.name}: {pupil.full_name}.", "pupil_mismatch"))
            return None
        if birth is not None and birth != pupil.birth_date:
            self.problem(sheet.problem(f"Ngày sinh {_fmt(birth)} không khớp với học sinh {pupil.full_name} "
                                       f"(sinh {_fmt(pupil.birth_date)}).", number, ident["birth_date"],
                                       "pupil_mismatch"))
            return None
        key = (sheet.title, enrolment.pk)
        if key in self.seen_rows:
            self.problem(where.problem(f"Học sinh {pupil.full_name} đã có ở dòng {self.seen_rows[key].row} của "
                                       "trang tính này.", "duplicate_pupil"))
            return None
        self.seen_rows[key] = where
        self.rows_of.setdefault(enrolment.pk, where)
        return enrolment

    def _value(self, sheet, number, values, column: SheetColumn, enrolment: Enrolment) -> None:
        raw = sheet.value(values, column)
        if is_blank(raw):
            return  # a blank cell never erases
        meaning = column.meaning
        cell = _Cell(sheet, number, column)
        who = f"{enrolment.pupil.full_name}"
        if meaning.kind == "subject":
            name = catalogue.SUBJECTS[meaning.key]
            if meaning.field == "rating":
                value, error = read_rating(raw, trait=False, what=f"{who}, môn {name}")
            elif meaning.field == "score":
                value, error = read_score(raw, name)
            else:
                value, error = read_text(raw)
        else:
            table = catalogue.QUALITIES if meaning.kind == "quality" else catalogue.COMPETENCES
            if meaning.field == "rating":
                value, error = read_rating(raw, trait=True, what=f"{who}, {table[meaning.key]}")
            else:
                value, error = read_text(raw)
        if error:
            self.problem(cell.problem(error, "score_out_of_range" if meaning.field == "score" else "invalid"))
            return
        key = (enrolment.pk, meaning.kind, meaning.key)
        source_key = (*key, meaning.field)
        if source_key in self.sources:
            first = self.sources[source_key]
            if self.entries[key][meaning.field] != value:
                self.problem(cell.problem(f"Giá trị khác với ô {first.where()} cho cùng học sinh và cùng nội dung.",
                                          "conflicting_cells"))
            return
        entry = self.entries.get(key)
        if entry is None:
            entry = {"enrolment": enrolment.pk, "period": self.period}
            if meaning.kind == "subject":
                entry["subject"] = meaning.key
            else:
                entry.update(kind=meaning.kind, code=meaning.key)
            self.entries[key] = entry
        entry[meaning.field] = value
        self.sources[source_key] = cell

    def _year_value(self, sheet, number, values, column: SheetColumn, enrolment: Enrolment) -> None:
        raw = sheet.value(values, column)
        if is_blank(raw):
            return
        key = column.meaning.key
        cell = _Cell(sheet, number, column)
        if key == "homeroom_comment":
            value, error = read_text(raw)
        elif key == "height_cm":
            value, error = read_int(raw, low=50, high=220, what="Chiều cao (cm)")
        elif key == "weight_kg":
            value, error = read_decimal(raw, low=5, high=150, what="Cân nặng (kg)")
        elif key in ("days_absent_excused", "days_absent_unexcused"):
            value, error = read_int(raw, low=0, high=366, what="Số ngày nghỉ")
        elif key == "nominated_tieu_bieu":
            value, error = read_flag(raw)
        else:
            value, error = read_outcome(raw)
            if not error and not enrolment.individual_plan:
                error = ("Chỉ ghi kết quả theo kế hoạch giáo dục cá nhân cho học sinh được đánh giá theo kế hoạch "
                         "giáo dục cá nhân (TT27 Điều 8).")
        if error:
            self.problem(cell.problem(error))
            return
        if (enrolment.pk, key) in self.year_sources:
            first = self.year_sources[(enrolment.pk, key)]
            if self.year[enrolment.pk][key] != value:
                self.problem(cell.problem(f"Giá trị khác với ô {first.where()} cho cùng học sinh.",
                                          "conflicting_cells"))
            return
        self.year[enrolment.pk][key] = value
        self.year_sources[(enrolment.pk, key)] = cell


def _entry_problem_location(reader: _EvaluationReader, entry: dict, field_name: str) -> _Cell | None:
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
    reader = _EvaluationReader(school_class, period, report)
    class_keys = {layouts.class_key(name) for name in
                  SchoolClass.objects.filter(school_year=school_class.school_year_id).values_list("name", flat=True)}
    own = layouts.class_key(school_class.name)
    for ws in workbook.worksheets:
        owner = _sheet_class_key(ws.title, class_keys)
        if owner is not None and owner != own:
            report.notes.append(f"Bỏ qua trang tính «{ws.title}»: của lớp khác.")
            continue
        sheet = _sheet_or_problem(ws, report)
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
    report.problems = _sorted(report.problems, workbook)
    return report


def _refuse_sheets(reader: _EvaluationReader, report: ImportReport, may_edit) -> None:
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


def _save_evaluations(reader: _EvaluationReader, report: ImportReport, by) -> None:
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
            result = results.get(enrolment_id)
            current = {f: getattr(result, f) if result else YearResult._meta.get_field(f).get_default()
                       for f in YEAR_RESULT_FIELDS}
            changes = {k: v for k, v in values.items() if current[k] != v}
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
                from hocbaso.records.outcomes import year_results_assess

                year_results_assess(enrolments=touched, by=by)
                report.notes.append(f"Đã tính lại kết quả giáo dục cuối năm của {len(touched)} học sinh theo TT27.")
        if report.problems or report.dry_run:
            transaction.set_rollback(True)
            return
    report.applied = True
