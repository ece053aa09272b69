"""Writing .xlsx sheets in the layouts the importer reads (docs/excel-layouts.md): the styles, safe cells, headers
(with category rows and merges), rows, titles, and the order pupils are listed in.

Every export can be imported back unchanged: identity numbers are text (leading zeros kept),
dates are real Excel dates shown dd/mm/yyyy, ratings are the học bạ's letters.
"""

import datetime as dt
from copy import copy
from dataclasses import dataclass

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from hocbaso.directory.selectors import vietnamese_sort_key

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



def flag_text(value: bool) -> str:
    return "x" if value else ""

