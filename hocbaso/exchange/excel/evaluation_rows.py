"""Reading a class's evaluation sheets (layouts in docs/excel-layouts.md): each row matched to a pupil of the class,
each cell read into the entries ``assessment.services.evaluations_save`` takes, and every problem located."""

import json
from collections import defaultdict
from dataclasses import dataclass

from hocbaso.directory.models import ClassKind, Enrolment, SchoolClass
from hocbaso.exchange.excel import layouts
from hocbaso.exchange.excel.import_checks import day_text, duplicate_columns, name_key, unknown_columns_note
from hocbaso.exchange.excel.report import ImportReport, Problem
from hocbaso.exchange.excel.sheets import (ParsedSheet, SheetColumn, is_blank, read_date, read_decimal, read_flag,
                                           read_identity, read_int, read_outcome, read_rating, read_score, read_text)
from hocbaso.tt27 import catalogue


@dataclass
class SheetCell:
    sheet: ParsedSheet
    row: int
    column: SheetColumn | None

    def problem(self, message: str, code: str = "invalid") -> Problem:
        return self.sheet.problem(message, self.row, self.column, code)

    def where(self) -> str:
        return f"«{self.sheet.title}»!{self.column.letter if self.column else ''}{self.row}"


class EvaluationReader:
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
        self.sources: dict[tuple, SheetCell] = {}  # (enrolment id, kind, code, field) -> cell
        self.year: dict[int, dict] = defaultdict(dict)
        self.year_sources: dict[tuple, SheetCell] = {}
        self.rows_of: dict[int, SheetCell] = {}
        self.seen_rows: dict[tuple, SheetCell] = {}
        self.found_columns = False

    def problem(self, problem: Problem) -> None:
        self.report.problems.append(problem)

    def read(self, sheet: ParsedSheet) -> None:
        for problem in duplicate_columns(sheet):
            self.problem(problem)
        unknown_columns_note(sheet, self.report, {"pupil", "subject", "quality", "competence", "year", "computed"})
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
        where = SheetCell(sheet, number, ident.get("full_name") or ident.get("identity_number"))
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
                born = f" (sinh {day_text(birth)})" if birth else ""
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
            self.problem(sheet.problem(f"Ngày sinh {day_text(birth)} không khớp với học sinh {pupil.full_name} "
                                       f"(sinh {day_text(pupil.birth_date)}).", number, ident["birth_date"],
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
        cell = SheetCell(sheet, number, column)
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
        cell = SheetCell(sheet, number, column)
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
        elif key == "disability_setting":
            value, error = read_flag(raw)
            value = "school" if value else None
        elif key in layouts.CASE_KEYS:
            try:
                value, error = json.loads(str(raw)), None
            except ValueError:
                value, error = None, "Ô này phải là JSON như tệp xuất ghi (hoặc để trống)."
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

