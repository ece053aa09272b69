"""The blank templates (pupil list, evaluation sheets of a grade and period) with their help sheet, and the copies
shipped in ``hocbaso/exchange/templates/`` for the web app to serve."""

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment

from hocbaso.exchange.excel import layouts
from hocbaso.exchange.excel.evaluation_export import IDENT_COLS, scored, subject_cols, trait_cols, year_cols
from hocbaso.exchange.excel.pupil_export import pupil_cols
from hocbaso.exchange.excel.writing import TITLE_FONT, Col, put, write_header
from hocbaso.tt27 import catalogue


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
    cols = pupil_cols()
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
        f"Môn học: mức đạt được {layouts.scale_text(catalogue.SUBJECT_RATINGS, last=', ')}; điểm KTĐK là số nguyên "
        f"{catalogue.SCORE_MIN}–{catalogue.SCORE_MAX}, chỉ ở môn và thời điểm có bài kiểm tra định kì (TT27 Điều 7).",
        f"Phẩm chất, năng lực: {layouts.scale_text(catalogue.TRAIT_RATINGS, last=', ')}. Có thể ghi chữ đầy đủ.",
        "Trang Cuối năm chỉ dùng cho thời điểm cuối năm học. Ô để trống không xoá dữ liệu đã có.",
        "Nhập: hocbaso import evaluations TỆP --school MÃ --year 2024-2025 --class 4A --period cuoi_nam",
        "", "Các cột của trang Cuối năm:", *_column_help(layouts.YEAR_COLUMNS),
    ])
    return workbook


SHIPPED_TEMPLATES = {"mau-danh-sach-hoc-sinh.xlsx": pupils_template,
                     "mau-danh-gia-cuoi-nam.xlsx": evaluations_template}


def write_shipped_templates(folder) -> list:
    """(Re)write the blank templates kept in ``hocbaso/exchange/templates/`` for the web app to serve.
    ``from hocbaso.exchange.excel.template_files import write_shipped_templates; write_shipped_templates(FOLDER)``
    after changing a layout; a test checks they match the code."""
    written = []
    for name, build in SHIPPED_TEMPLATES.items():
        path = Path(folder) / name
        build().save(path)
        written.append(path)
    return written
