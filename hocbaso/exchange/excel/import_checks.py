"""What both Excel imports check of a whole file: a sheet's header row found (or its absence reported), duplicated
and unused columns, the problems in the workbook's order, the file's name, and names and dates as people read them."""

import datetime as dt
from pathlib import Path

from hocbaso.exchange.excel import layouts
from hocbaso.exchange.excel.report import ImportReport, Problem
from hocbaso.exchange.excel.sheets import ParsedSheet, is_blank, parse_sheet


def name_key(name: str) -> str:
    """Names compared without case, diacritics or extra spaces would merge different people
    (Lan/Lân); only case and spacing are ignored."""
    return " ".join((name or "").split()).casefold()


def day_text(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "?"


def duplicate_columns(sheet: ParsedSheet) -> list[Problem]:
    problems, seen = [], {}
    for column in sheet.columns:
        if column.meaning is None or column.meaning.kind == "pupil" and column.meaning.key == "stt":
            continue
        first = seen.setdefault(column.meaning, column)
        if first is not column:
            problems.append(sheet.problem(f"Cột này trùng nội dung với cột {first.letter} ({first.header}).",
                                          sheet.header_row, column, "duplicate_column"))
    return problems


def unknown_columns_note(sheet: ParsedSheet, report: ImportReport, used_kinds: set[str]) -> None:
    ignored = [f"{c.letter} ({c.header})" for c in sheet.columns
               if c.meaning is None or c.meaning.kind not in used_kinds]
    if ignored:
        report.notes.append(f"Trang tính «{sheet.title}»: bỏ qua các cột không dùng: {', '.join(ignored)}.")


def sheet_or_problem(ws, report: ImportReport, prefer: str | None = None) -> ParsedSheet | None:
    sheet = parse_sheet(ws, prefer=prefer)
    if sheet is not None:
        return sheet
    empty = ws.max_row <= 1 and ws.max_column <= 1 and is_blank(ws.cell(1, 1).value)
    if not empty and layouts.norm(ws.title) not in layouts.SKIPPED_SHEETS:
        report.problems.append(Problem("Không tìm thấy dòng tiêu đề (cần ít nhất hai cột như STT, Họ và tên, "
                                       "Ngày sinh, Mã định danh) trong 30 dòng đầu.", sheet=ws.title,
                                       code="no_header"))
    return None


def file_name(file) -> str:
    if isinstance(file, (str, Path)):
        return Path(file).name
    return Path(getattr(file, "name", "") or "").name


def problems_sorted(problems: list[Problem], workbook) -> list[Problem]:
    order = {ws.title: i for i, ws in enumerate(workbook.worksheets)}
    unique = list(dict.fromkeys(problems))

    def key(p: Problem):
        column = p.column or ""
        return (order.get(p.sheet, -1), p.row or 0, len(column), column)

    return sorted(unique, key=key)
