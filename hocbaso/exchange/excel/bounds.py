"""An .xlsx file's size checked before openpyxl reads it: openpyxl holds every cell of a workbook as an object
(about 230 bytes each) and creates the cells of every merged range and of the whole rectangle a sheet's
rows are read over, so a 200 KB file can ask for gigabytes. ``workbook_check`` reads the ZIP's directory
(declared sizes), then streams each worksheet's XML in chunks (actual sizes, a time limit) counting its
cells, the largest row and column referenced and the area of its merged ranges; ``sheet_area_check``
checks the rectangle a loaded sheet would be read over. Over a cap: ``TooLarge`` in Vietnamese."""

import io
import re
import zipfile

from openpyxl.utils import column_index_from_string

from hocbaso.core.limits import CHUNK, MB, Deadline, TooLarge, zip_check

TOTAL_MAX = 32 * MB  # the workbook's XML, decompressed
MEMBERS_MAX = 1000
# Cells openpyxl may hold for one workbook (given, merged, or read over): a school's pupil list of 3 000
# pupils × 30 columns is 90 000; 300 000 cells cost about 70 MB.
CELLS_MAX = 300_000
ROWS_MAX = 20_000
COLUMNS_MAX = 500

_SHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
_CELL = re.compile(rb"<(?:\w+:)?c[\s/>]")
# Only references that may pass a cap are looked at (a row of five digits or more, a column of two letters or
# more): a plain regular expression over every reference costs more than the rest of the check. A reference
# written oddly escapes this early look, not ``sheet_area_check`` after loading.
_LONG_ROW = re.compile(rb' r="[A-Z]{0,3}([0-9]{5,})"')
_WIDE_COLUMN = re.compile(rb' r="([A-Z]{2,})[0-9]')
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*ref="([A-Z]{1,3})([0-9]{1,9}):([A-Z]{1,3})([0-9]{1,9})"')


def _too_many(label: str, what: str, limit: int) -> TooLarge:
    return TooLarge(f"{label} quá lớn: {what} vượt quá {limit:,} (giới hạn để đọc tệp an toàn).".replace(",", "."))


def workbook_check(data: bytes, *, label: str = "Tệp") -> None:
    """Refuse (``TooLarge``) a workbook whose XML, cells, rows, columns or merged ranges pass the caps;
    anything that is not a readable ZIP passes, for openpyxl's own refusal."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    with archive:
        zip_check(archive, what=label, members=MEMBERS_MAX, member=TOTAL_MAX, total=TOTAL_MAX)
        deadline = Deadline(label)
        cells = 0
        for info in archive.infolist():
            if _SHEET.match(info.filename):
                cells += _sheet_cells(archive, info, label=label, deadline=deadline)
                if cells > CELLS_MAX:
                    raise _too_many(label, "số ô", CELLS_MAX)


def _sheet_cells(archive, info, *, label: str, deadline: Deadline) -> int:
    """The cells openpyxl would create for one worksheet: the given ones and those of its merged ranges."""
    cells = rows = columns = merged = 0
    read = 0
    carry = b""
    try:
        handle = archive.open(info)
    except Exception:
        return 0  # damaged: openpyxl refuses it
    with handle:
        while True:
            try:
                chunk = handle.read(CHUNK)
            except Exception:
                return cells  # damaged: openpyxl refuses it
            read += len(chunk)
            if read > TOTAL_MAX:
                raise TooLarge(f"{label} quá lớn khi giải nén (tối đa {TOTAL_MAX // MB} MB).")
            text = carry + chunk
            cut = text.rfind(b"<") if chunk else len(text)
            if cut <= 0 and chunk and len(text) < 4 * MB:
                carry = text
                continue
            if cut <= 0:
                cut = len(text)
            body, carry = text[:cut], text[cut:]
            cells += len(_CELL.findall(body))
            for number in _LONG_ROW.findall(body):
                rows = max(rows, int(number))
            for letters in _WIDE_COLUMN.findall(body):
                columns = max(columns, _column(letters))
            for c1, r1, c2, r2 in _MERGE.findall(body) if b"mergeCell" in body else ():
                width = abs(_column(c2) - _column(c1)) + 1
                merged += width * (abs(int(r2) - int(r1)) + 1)
            sheet = info.filename.rsplit("/", 1)[-1]
            if rows > ROWS_MAX:
                raise _too_many(label, f"số dòng của một trang tính ({sheet})", ROWS_MAX)
            if columns > COLUMNS_MAX:
                raise _too_many(label, f"số cột của một trang tính ({sheet})", COLUMNS_MAX)
            if cells + merged > CELLS_MAX:
                raise _too_many(label, "số ô", CELLS_MAX)
            deadline.check()
            if not chunk:
                break
    return cells + merged


def _column(letters: bytes) -> int:
    """A column's number from its letters (``A`` 1, ``XFD`` 16384; longer ones, which Excel has not, beyond)."""
    return column_index_from_string(letters.decode()) if len(letters) <= 3 else 10**9


def sheet_area_check(ws, *, label: str = "Tệp") -> None:
    """Refuse a loaded sheet whose rectangle of rows × columns (what reading it row by row creates) passes
    the cell cap."""
    if ws.max_row * ws.max_column > CELLS_MAX:
        raise _too_many(label, f"vùng dữ liệu của trang «{ws.title}»", CELLS_MAX)
