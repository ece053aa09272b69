"""Writing .xlsx files in the layouts the importer reads (docs/excel-layouts.md), and the blank templates.

Every export can be imported back unchanged: identity numbers are text (leading zeros kept),
dates are real Excel dates shown dd/mm/yyyy, ratings are the học bạ's letters.
"""

import datetime as dt
from copy import copy
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from hocbaso.assessment.models import SubjectEvaluation, TraitEvaluation, YearResult
from hocbaso.directory.models import ClassKind, Enrolment, SchoolClass
from hocbaso.directory.selectors import vietnamese_sort_key
from hocbaso.exchange import layouts
from hocbaso.tt27 import catalogue

THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
COMPUTED_FILL = PatternFill("solid", fgColor="EDEDED")
HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=13)
WRAP_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
TEXT_FORMAT = "@"
DATE_FORMAT = "DD/MM/YYYY"


def clean(value):
    """A value openpyxl can write: control characters removed (Excel refuses them)."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def put(ws, row: int, column: int, value, *, number_format: str | None = None):
    """Write one cell. Text starting with "=" stays text, never a formula."""
    cell = ws.cell(row=row, column=column)
    value = clean(value)
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    if number_format:
        cell.number_format = number_format
    elif isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT
    return cell


@dataclass
class Col:
    """One written column: group header (row 1 of a two-row header, or None), header, width, format."""

    header: str
    group: str | None = None
    width: int = 12
    number_format: str | None = None
    computed: bool = False


def write_header(ws, top: int, cols: list[Col]) -> int:
    """Write a one- or two-row header starting at ``top``; returns the first data row."""
    two = any(c.group for c in cols)
    for index, col in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(index)].width = col.width
        fill = COMPUTED_FILL if col.computed else HEADER_FILL
        if two and col.group:
            cell = put(ws, top + 1, index, col.header)
            cell.font, cell.alignment, cell.border, cell.fill = HEADER_FONT, WRAP_CENTER, BORDER, fill
        else:
            cell = put(ws, top, index, col.header)
            cell.font, cell.alignment, cell.border, cell.fill = HEADER_FONT, WRAP_CENTER, BORDER, fill
            if two:
                ws.cell(top + 1, index).border = BORDER
                ws.merge_cells(start_row=top, start_column=index, end_row=top + 1, end_column=index)
    if two:
        index = 1
        while index <= len(cols):
            group = cols[index - 1].group
            end = index
            while group and end < len(cols) and cols[end].group == group:
                end += 1
            if group:
                cell = put(ws, top, index, group)
                cell.font, cell.alignment, cell.border = HEADER_FONT, WRAP_CENTER, BORDER
                cell.fill = COMPUTED_FILL if cols[index - 1].computed else HEADER_FILL
                for c in range(index, end + 1):
                    ws.cell(top, c).border = BORDER
                if end > index:
                    ws.merge_cells(start_row=top, start_column=index, end_row=top, end_column=end)
            index = end + 1
    first = top + (2 if two else 1)
    ws.freeze_panes = ws.cell(first, 4 if len(cols) > 4 else 1)
    return first


def write_rows(ws, first: int, cols: list[Col], rows: list[list]) -> None:
    """Write the data rows, bordered. Each column's style is built once and copied (openpyxl's
    per-cell style setters cost more than the rest of the export)."""
    styles = []
    for col in cols:
        proto = Cell(ws)
        proto.border = BORDER
        if col.number_format:
            proto.number_format = col.number_format
        styles.append(proto._style)
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, values in enumerate(rows, start=first):
        for c, (col, style, value) in enumerate(zip(cols, styles, values), start=1):
            cell = ws.cell(row=r, column=c)
            cell._style = copy(style)
            value = clean(value)
            cell.value = value
            if isinstance(value, str):
                if value.startswith("="):
                    cell.data_type = "s"
                if len(value) > 30:
                    cell.alignment = wrap
            elif isinstance(value, dt.date) and not col.number_format:
                cell.number_format = DATE_FORMAT


def write_title(ws, lines: list[str], width: int) -> int:
    """Title lines above the table (the importer skips them); returns the header's row."""
    for row, line in enumerate(lines, start=1):
        cell = put(ws, row, 1, line)
        cell.font = TITLE_FONT if row == 1 else Font(italic=True)
        if width > 1:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=min(width, 12))
    return len(lines) + 2 if lines else 1


def sheet_title(name: str) -> str:
    """A valid sheet name (31 characters, none of []:*?/\\)."""
    for ch in "[]:*?/\\":
        name = name.replace(ch, "-")
    return name[:31] or "Sheet"


def sorted_enrolments(queryset):
    return sorted(queryset, key=lambda e: (e.school_class.grade, e.school_class.name,
                                           vietnamese_sort_key(e.pupil.full_name), e.pupil.birth_date, e.pk))


# ---------------------------------------------------------------------------------------------
# Pupil lists
# ---------------------------------------------------------------------------------------------

PUPIL_SPECS = {c.key: c for c in layouts.PUPIL_COLUMNS}


def _pupil_cols() -> list[Col]:
    cols = []
    for key in layouts.PUPIL_EXPORT_KEYS:
        spec = PUPIL_SPECS[key]
        fmt = TEXT_FORMAT if key in ("identity_number", "sector_code", "registry_number") else \
            DATE_FORMAT if spec.kind == "date" else None
        cols.append(Col(spec.header, width=spec.width, number_format=fmt))
    return cols


def _flag(value: bool) -> str:
    return "x" if value else ""


def _pupil_row(stt: int, enrolment: Enrolment) -> list:
    p = enrolment.pupil
    values = {
        "stt": stt, "class_name": enrolment.school_class.name, "sector_code": p.sector_code or None,
        "identity_number": p.identity_number, "full_name": p.full_name, "birth_date": p.birth_date,
        "gender": layouts.GENDER_NAMES.get(p.gender, p.gender), "ethnicity": p.ethnicity,
        "nationality": p.nationality, "birthplace": p.birthplace, "hometown": p.hometown or None,
        "address": p.address or None, "father_name": p.father_name or None, "mother_name": p.mother_name or None,
        "guardian_name": p.guardian_name or None, "registry_number": enrolment.registry_number,
        "joined_on": enrolment.joined_on, "transferred_in": _flag(enrolment.transferred_in) or None,
        "disability": p.disability or None, "individual_plan": _flag(enrolment.individual_plan) or None,
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
    cols = _pupil_cols()
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


# ---------------------------------------------------------------------------------------------
# Evaluations of one class and period
# ---------------------------------------------------------------------------------------------

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
    if computed:
        for spec in layouts.COMPUTED_COLUMNS:
            if spec.key == "completed_primary" and grade not in (5, None):
                continue
            cols.append((Col(spec.header, width=spec.width, computed=True), spec.key))
    return cols


def _ident(stt: int, enrolment: Enrolment) -> list:
    p = enrolment.pupil
    return [stt, p.identity_number, p.full_name, p.birth_date]


def _evaluations_by_enrolment(enrolments, period):
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
    if key == "nominated_tieu_bieu":
        return _flag(value) or None
    if key == "weight_kg" and value is not None:
        return float(value)
    return value if value not in ("",) else None


def evaluations_workbook(school_class: SchoolClass, period: str) -> Workbook:
    """The full evaluation sheets of a class for a period, with comments: the round-trip layout."""
    grade = school_class.grade
    disability = school_class.kind == ClassKind.DISABILITY
    enrolments = sorted_enrolments(Enrolment.objects.filter(school_class=school_class)
                                   .select_related("pupil", "school_class"))
    subjects, traits = _evaluations_by_enrolment(enrolments, period)
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
        values = _ident(stt, e)
        for _, (code, name) in scols:
            row = subjects.get((e.pk, code))
            values.append(_cell_value(row, name))
        rows.append(values)
    write_rows(ws, write_header(ws, top, cols), cols, rows)

    ws = workbook.create_sheet(layouts.SHEET_TRAITS)
    tcols = trait_cols()
    cols = IDENT_COLS + [c for c, _ in tcols]
    top = write_title(ws, [f"ĐÁNH GIÁ PHẨM CHẤT, NĂNG LỰC — LỚP {school_class.name}", where], len(cols))
    rows = []
    for stt, e in enumerate(enrolments, start=1):
        values = _ident(stt, e)
        for _, (kind, code, name) in tcols:
            values.append(_cell_value(traits.get((e.pk, kind, code)), name))
        rows.append(values)
    write_rows(ws, write_header(ws, top, cols), cols, rows)

    if period == catalogue.YEAR_END:
        ws = workbook.create_sheet(layouts.SHEET_YEAR)
        ycols = year_cols(grade)
        cols = IDENT_COLS + [c for c, _ in ycols]
        top = write_title(ws, [f"CUỐI NĂM HỌC — LỚP {school_class.name}", where], len(cols))
        rows = []
        for stt, e in enumerate(enrolments, start=1):
            result = results.get(e.pk)
            values = _ident(stt, e)
            for col, key in ycols:
                values.append(computed_value(result, key) if col.computed else year_value(result, key))
            rows.append(values)
        write_rows(ws, write_header(ws, top, cols), cols, rows)
    return workbook


def _cell_value(row, name: str):
    if row is None:
        return None
    value = getattr(row, name)
    return None if value in ("", None) else value


# ---------------------------------------------------------------------------------------------
# Blank templates
# ---------------------------------------------------------------------------------------------

def _help_sheet(workbook: Workbook, lines: list[str]) -> None:
    ws = workbook.create_sheet(layouts.SHEET_HELP)
    ws.column_dimensions["A"].width = 110
    for row, line in enumerate(lines, start=1):
        cell = put(ws, row, 1, line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if row == 1:
            cell.font = TITLE_FONT


def _column_help(columns) -> list[str]:
    lines = []
    for spec in columns:
        variants = ", ".join(a for a in spec.aliases if a)
        line = f"• {spec.header}" + (" (bắt buộc)" if spec.required else "")
        if spec.note:
            line += f": {spec.note}"
        if variants:
            line += f". Cũng nhận: {variants}"
        lines.append(line + ".")
    return lines


def pupils_template() -> Workbook:
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Danh sách học sinh"
    cols = _pupil_cols()
    write_header(ws, 1, cols)
    for index, col in enumerate(cols, start=1):
        for row in range(2, 202):
            if col.number_format:
                ws.cell(row, index).number_format = col.number_format
    _help_sheet(workbook, [
        "Mẫu danh sách học sinh (hocbaso)",
        "Mỗi dòng một học sinh. Có thể để cả danh sách trong một trang tính (ghi cột Lớp) hoặc mỗi lớp một trang "
        "tính đặt tên theo lớp (ví dụ 4A). Thứ tự cột tùy ý; tiêu đề không phân biệt hoa thường, dấu, khoảng trắng.",
        "Ngày ghi dạng ngày của Excel hoặc dd/mm/yyyy. Mã định danh cá nhân 12 chữ số, ghi dạng văn bản.",
        "Ô để trống không xoá dữ liệu đã có. Nhập lại cùng một tệp không thay đổi gì. Nếu tệp có lỗi, không dòng "
        "nào được ghi và danh sách lỗi ghi rõ trang tính, dòng, cột.",
        "Học sinh đã có được nhận ra theo mã định danh, nếu không có thì theo họ tên và ngày sinh.",
        "", "Các cột:", *_column_help(layouts.PUPIL_COLUMNS),
    ])
    return workbook


def evaluations_template(grade: int | None = None, period: str | None = None) -> Workbook:
    """Blank evaluation sheets. With a grade, its subjects (and score columns for ``period``,
    default year end); without, every subject with a score column wherever some grade has a test."""
    period = period or catalogue.YEAR_END
    workbook = Workbook()
    workbook.remove(workbook.active)
    if grade:
        subjects = list(catalogue.grade_subjects(grade))
        scols = subject_cols(subjects, grade, period)
    else:
        scols = []
        for code, name in catalogue.SUBJECTS.items():
            scols.append((Col(layouts.FIELD_HEADERS["rating"], group=name, width=9), (code, "rating")))
            if any(scored(g, code, period) for g in catalogue.GRADES):
                scols.append((Col(layouts.FIELD_HEADERS["score"], group=name, width=8), (code, "score")))
            scols.append((Col(layouts.FIELD_HEADERS["comment"], group=name, width=30), (code, "comment")))
    for title, extra in ((layouts.SHEET_SUBJECTS, [c for c, _ in scols]),
                         (layouts.SHEET_TRAITS, [c for c, _ in trait_cols()])):
        ws = workbook.create_sheet(title)
        write_header(ws, 1, IDENT_COLS + extra)
    if period == catalogue.YEAR_END:
        ws = workbook.create_sheet(layouts.SHEET_YEAR)
        write_header(ws, 1, IDENT_COLS + [c for c, _ in year_cols(grade, computed=False)])
    _help_sheet(workbook, [
        "Mẫu nhập đánh giá một lớp cho một thời điểm (hocbaso)",
        "Mỗi dòng một học sinh của lớp, nhận ra theo Mã định danh, nếu không có thì theo Họ và tên (và Ngày sinh).",
        "Môn học: mức đạt được T (Hoàn thành tốt), H (Hoàn thành), C (Chưa hoàn thành); điểm KTĐK là số nguyên "
        "0–10, chỉ ở môn và thời điểm có bài kiểm tra định kì (TT27 Điều 7).",
        "Phẩm chất, năng lực: T (Tốt), Đ (Đạt), C (Cần cố gắng). Có thể ghi chữ đầy đủ.",
        "Trang Cuối năm chỉ dùng cho thời điểm cuối năm học. Ô để trống không xoá dữ liệu đã có.",
        "Nhập: hocbaso import evaluations TỆP --school MÃ --year 2024-2025 --class 4A --period cuoi_nam",
        "", "Các cột của trang Cuối năm:", *_column_help(layouts.YEAR_COLUMNS),
    ])
    return workbook


SHIPPED_TEMPLATES = {"mau-danh-sach-hoc-sinh.xlsx": pupils_template,
                     "mau-danh-gia-cuoi-nam.xlsx": evaluations_template}


def write_shipped_templates(folder) -> list:
    """(Re)write the blank templates kept in ``hocbaso/exchange/templates/`` for the web app to serve.
    ``from hocbaso.exchange.xlsx_export import write_shipped_templates; write_shipped_templates(FOLDER)``
    after changing a layout; a test checks they match the code."""
    from pathlib import Path

    written = []
    for name, build in SHIPPED_TEMPLATES.items():
        path = Path(folder) / name
        build().save(path)
        written.append(path)
    return written
