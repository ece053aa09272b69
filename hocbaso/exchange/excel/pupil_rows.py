"""Reading a pupil list (layouts in docs/excel-layouts.md): each row's cells read and checked, and each row
matched to a stored pupil (by identity number, else full name and birth date) with every clash reported."""

from collections import defaultdict
from dataclasses import dataclass, field

from hocbaso.assessment.models import SubjectEvaluation, TraitEvaluation, YearResult
from hocbaso.directory.models import Enrolment, Pupil, SchoolClass, name_problem
from hocbaso.exchange.excel import layouts
from hocbaso.exchange.excel.import_checks import day_text, duplicate_columns, name_key, unknown_columns_note
from hocbaso.exchange.excel.report import ImportReport, Problem
from hocbaso.exchange.excel.sheets import (ParsedSheet, is_blank, read_date, read_flag, read_gender, read_identity,
                                           read_subjects, read_text)
from hocbaso.tt27 import catalogue

COLUMNS = {c.key: c for c in (*layouts.PUPIL_COLUMNS, *layouts.YEAR_COLUMNS)}


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
    if kind == "name":
        text, error = read_text(value, max_length=column.max_length, single_line=True)
        return (None, name_problem(text)) if text and name_problem(text) else (text, error)
    if kind == "text":
        return read_text(value, max_length=column.max_length)
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


def pupil_sheet_read(sheet: ParsedSheet, classes: dict[str, SchoolClass], school_year,
                     report: ImportReport) -> list[PupilRow]:
    report.problems.extend(duplicate_columns(sheet))
    cols = {c.meaning.key: c for c in sheet.columns if c.meaning is not None and c.meaning.kind == "pupil"}
    unknown_columns_note(sheet, report, {"pupil"})
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
            report.problems.append(row.problem(f"Ngày sinh {day_text(birth)} không trước ngày bắt đầu năm học "
                                               f"({day_text(school_year.start_date)}).", "birth_date"))
            row.ok = False
        elif not 3 <= age <= 20:
            report.problems.append(row.problem(f"Ngày sinh {day_text(birth)} không hợp lý cho học sinh tiểu học "
                                               f"(học sinh {age} tuổi).", "birth_date"))
            row.ok = False
    joined = v.get("joined_on")
    if joined is not None and (joined > school_year.end_date or (birth and joined <= birth)):
        report.problems.append(row.problem(f"Ngày nhập học {day_text(joined)} không hợp lý (sau khi kết thúc năm học "
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


def pupils_resolve(rows: list[PupilRow], school, school_year, report: ImportReport) -> None:
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
                    f"Mã định danh {number} đã là của học sinh khác: {owner.full_name}, sinh {day_text(owner.birth_date)}.",
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
                f"{day_text(v['birth_date'])}; hãy ghi mã định danh để phân biệt.", "full_name", "ambiguous_pupil"))
            row.ok = False
            continue
        elif candidates:
            existing = candidates[0]
            if number and existing.identity_number and existing.identity_number != number:
                report.problems.append(row.problem(
                    f"Học sinh {existing.full_name} (sinh {day_text(existing.birth_date)}) đã có mã định danh "
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
                    f"Học sinh {row.values['full_name']} (sinh {day_text(row.values['birth_date'])}) xuất hiện nhiều lần "
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
            if has_results(other):
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


def has_results(enrolment: Enrolment) -> bool:
    return (SubjectEvaluation.objects.filter(enrolment=enrolment).exists()
            or TraitEvaluation.objects.filter(enrolment=enrolment).exists()
            or YearResult.objects.filter(enrolment=enrolment).exists()
            or enrolment.issued_records.exists())
