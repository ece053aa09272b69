"""Reading .xlsx files: opening them safely, finding the header row(s), and reading cells.

A sheet's header is the first row (among the first 30) with at least two pupil-column headers
("STT", "Họ và tên", "Ngày sinh" …); any title rows above it are skipped. When the row below it
reads like sub-headers ("Mức đạt được", "Điểm KTĐK", "Nhận xét", or trait names under
"Phẩm chất chủ yếu"), the header has two rows and merged group headers are spread over their columns.
"""

import datetime as dt
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException

from django.conf import settings

from hocbaso.core.limits import TooLarge, size_text
from hocbaso.exchange.excel import layouts
from hocbaso.exchange.excel.bounds import sheet_area_check, workbook_check
from hocbaso.exchange.excel.layouts import Meaning
from hocbaso.exchange.excel.report import Problem
from hocbaso.tt27 import catalogue

HEADER_SCAN_ROWS = 30
_DMY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


class UnreadableFile(Exception):
    """The upload is not an .xlsx workbook; ``problem`` says why in Vietnamese."""

    def __init__(self, message: str):
        self.problem = Problem(message, code="not_xlsx")
        super().__init__(message)


def _too_big(name: str) -> UnreadableFile:
    limit = settings.EXCEL_MAX_UPLOAD
    return UnreadableFile(f"Tệp {name} quá lớn (tối đa {size_text(limit)}).")


def _read_bytes(file) -> tuple[bytes, str]:
    max_bytes = settings.EXCEL_MAX_UPLOAD
    if isinstance(file, (bytes, bytearray)):
        return bytes(file), ""
    if isinstance(file, (str, Path)):
        path = Path(file)
        try:
            if path.stat().st_size > max_bytes:
                raise _too_big(path.name)
            return path.read_bytes(), path.name
        except OSError as error:
            raise UnreadableFile(f"Không mở được tệp {path}: {error.strerror or error}.") from None
    name = Path(getattr(file, "name", "") or "").name
    if hasattr(file, "seek"):
        try:
            file.seek(0)
        except (OSError, ValueError):
            pass
    data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_big(name)
    return data, name


def open_workbook(file):
    """The workbook (values of formulas as last computed); raises ``UnreadableFile`` for anything
    that is not an .xlsx file: an old .xls, a CSV, a PDF, a password-protected or damaged file."""
    data, name = _read_bytes(file)
    label = f"Tệp «{name}»" if name else "Tệp"
    if not data:
        raise UnreadableFile(f"{label} rỗng.")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableFile(f"{label} là định dạng Excel cũ (.xls) hoặc được đặt mật khẩu. Hãy mở bằng Excel, "
                             "bỏ mật khẩu nếu có và lưu lại dưới dạng Sổ làm việc Excel (.xlsx).")
    if data[:4] != b"PK\x03\x04":
        raise UnreadableFile(f"{label} không phải tệp Excel .xlsx. Hãy lưu bảng tính dưới dạng "
                             "Sổ làm việc Excel (.xlsx) rồi nhập lại.")
    try:
        workbook_check(data, label=label)  # cells, rows, merged ranges and XML size capped before openpyxl
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), data_only=True)
        for ws in workbook.worksheets:
            sheet_area_check(ws, label=label)
        return workbook
    except TooLarge as refused:
        raise UnreadableFile(f"{refused} Hãy chỉ giữ lại các trang và dòng cần nhập rồi lưu lại.") from None
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, OSError, EOFError):
        raise UnreadableFile(f"{label} không đọc được như một bảng tính .xlsx (tệp hỏng hoặc không phải Excel). "
                             "Hãy mở bằng Excel và lưu lại dưới dạng .xlsx.") from None


@dataclass
class SheetColumn:
    index: int  # 1-based
    header: str  # as written (group and sub-header joined by " / ")
    meaning: Meaning | None

    @property
    def letter(self) -> str:
        return get_column_letter(self.index)


@dataclass
class ParsedSheet:
    title: str
    header_row: int
    data_start: int
    columns: list[SheetColumn]
    rows: list[tuple[int, tuple]] = field(default_factory=list)  # (row number, values by column index - 1)

    def by_key(self, kind: str, key: str) -> SheetColumn | None:
        for column in self.columns:
            if column.meaning is not None and column.meaning.kind == kind and column.meaning.key == key:
                return column
        return None

    def value(self, values: tuple, column: SheetColumn | None):
        if column is None or column.index - 1 >= len(values):
            return None
        return values[column.index - 1]

    def problem(self, message: str, row: int | None = None, column: SheetColumn | None = None,
                code: str = "invalid") -> Problem:
        return Problem(message, sheet=self.title, row=row, column=column.letter if column else None,
                       header=column.header if column else None, code=code)


def _text(value) -> str:
    if value is None:
        return ""
    return " ".join(str(value).split())


def parse_sheet(ws, *, prefer: str | None = None) -> ParsedSheet | None:
    """The sheet's columns and data rows, or None when no header row is found."""
    head = list(ws.iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS, values_only=True))
    header_row = next((i + 1 for i, values in enumerate(head) if layouts.header_score(values) >= 2), None)
    if header_row is None:
        return None
    width = ws.max_column
    upper_values = list(head[header_row - 1]) + [None] * width
    lower_values = list(head[header_row]) + [None] * width if header_row < len(head) else [None] * (2 * width)
    two_rows = (any(v not in (None, "") for v in lower_values)
                and all(layouts.is_sub_label(v) for v in lower_values if v not in (None, "")))
    merged_from = {}
    for rng in ws.merged_cells.ranges:
        if rng.min_row == header_row:
            for col in range(rng.min_col, rng.max_col + 1):
                merged_from[col] = rng.min_col
    prefer = prefer or ("competence" if layouts.sheet_prefers_traits(ws.title) else "subject")
    columns = []
    previous_upper = ""
    for col in range(1, width + 1):
        upper = _text(upper_values[col - 1])
        lower = _text(lower_values[col - 1]) if two_rows else ""
        if not upper and col in merged_from:
            upper = _text(upper_values[merged_from[col] - 1])
        if not upper and lower and previous_upper:
            upper = previous_upper  # a group header whose cells were unmerged
        previous_upper = upper if lower else ""
        if not upper and not lower:
            continue
        meaning = layouts.classify(upper, lower, prefer=prefer) if lower else layouts.classify(upper, prefer=prefer)
        columns.append(SheetColumn(col, f"{upper} / {lower}" if upper and lower else (upper or lower), meaning))
    data_start = header_row + (2 if two_rows else 1)
    sheet = ParsedSheet(ws.title, header_row, data_start, columns)
    for number, values in enumerate(ws.iter_rows(min_row=data_start, values_only=True), start=data_start):
        if any(v is not None and (not isinstance(v, str) or v.strip()) for v in values):
            sheet.rows.append((number, values))
    return sheet


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# Cell readers: each returns (value, error message or None).

def read_text(value, *, max_length: int | None = None, single_line: bool = False):
    if is_blank(value):
        return "", None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.datetime, dt.date)):
        value = value.strftime("%d/%m/%Y")
    text = str(value).strip()
    if single_line:
        text = " ".join(text.split())
    if max_length is not None and len(text) > max_length:
        return None, f"Quá dài ({len(text)} ký tự; tối đa {max_length})."
    return text, None


def read_date(value):
    if is_blank(value):
        return None, None
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            converted = from_excel(value)
            return (converted.date() if isinstance(converted, dt.datetime) else converted), None
        return None, f"Ngày không hợp lệ: «{value}»."
    text = str(value).strip()
    match = _DMY.match(text)
    try:
        if match:
            return dt.date(int(match[3]), int(match[2]), int(match[1])), None
        match = _YMD.match(text)
        if match:
            return dt.date(int(match[1]), int(match[2]), int(match[3])), None
    except ValueError:
        return None, f"Ngày không tồn tại: «{text}»."
    return None, f"Ngày không hợp lệ: «{text}»; hãy ghi ngày theo dạng dd/mm/yyyy (ví dụ 02/09/2014)."


def read_identity(value):
    """A 12-digit identity number. A number cell loses its leading zero in Excel; it is put back."""
    if is_blank(value):
        return None, None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
        if len(text) <= 12:
            text = text.zfill(12)
    else:
        text = "".join(str(value).split()).replace(".", "")
    if not re.fullmatch(r"\d{12}", text):
        return None, f"Mã định danh cá nhân phải gồm đúng 12 chữ số (đang ghi «{value}»)."
    return text, None


def read_flag(value):
    key = layouts.norm(value)
    if key in layouts.FLAG_TRUE:
        return True, None
    if key in layouts.FLAG_FALSE:
        return False, None
    return None, f"Giá trị «{value}» không hợp lệ: ghi x (có) hoặc để trống (không)."


def read_gender(value):
    key = layouts.norm(value)
    if isinstance(value, float) and value.is_integer():
        key = str(int(value))
    if key in layouts.GENDER_WORDS:
        return layouts.GENDER_WORDS[key], None
    if not key:
        return None, "Thiếu giới tính (ghi Nam hoặc Nữ)."
    return None, f"Giới tính «{value}» không hợp lệ: ghi Nam hoặc Nữ."


def read_int(value, *, low: int, high: int, what: str):
    if is_blank(value):
        return None, None
    number = _number(value)
    if number is None or number != number.to_integral_value():
        return None, f"{what} phải là số nguyên (đang ghi «{value}»)."
    if not low <= number <= high:
        return None, f"{what} phải từ {low} đến {high} (đang ghi «{value}»)."
    return int(number), None


def read_decimal(value, *, low, high, what: str, places: int = 1):
    if is_blank(value):
        return None, None
    number = _number(value)
    if number is None:
        return None, f"{what} phải là một số (đang ghi «{value}»)."
    if not low < number < high:
        return None, f"{what} phải lớn hơn {low} và nhỏ hơn {high} (đang ghi «{value}»)."
    rounded = round(number, places)
    if rounded != number and abs(rounded - number) > Decimal("1e-9"):
        return None, f"{what} chỉ được có {places} chữ số thập phân (đang ghi «{value}»)."
    return rounded, None


def _number(value) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = str(value).strip().replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def read_score(value, subject_name: str):
    """A periodic test score: a whole number from 0 to 10 (TT27 Điều 7.1.d)."""
    if is_blank(value):
        return None, None
    number = _number(value)
    low, high = catalogue.SCORE_MIN, catalogue.SCORE_MAX
    if number is None or number != number.to_integral_value() or not low <= number <= high:
        return None, (f"Điểm kiểm tra định kì môn {subject_name} phải là số nguyên từ {low} đến {high} "
                      f"(đang ghi «{value}»).")
    return int(number), None


def read_rating(value, *, trait: bool, what: str):
    if is_blank(value):
        return None, None
    words = layouts.TRAIT_RATING_WORDS if trait else layouts.SUBJECT_RATING_WORDS
    key = layouts.norm(value)
    if key in words:
        return words[key], None
    scale = layouts.scale_text(catalogue.TRAIT_RATINGS if trait else catalogue.SUBJECT_RATINGS)
    return None, f"{what}: mức đạt được «{value}» không hợp lệ; ghi {scale}."


def read_outcome(value):
    if is_blank(value):
        return None, None
    key = layouts.norm(value)
    if key in layouts.OUTCOME_WORDS:
        return layouts.OUTCOME_WORDS[key], None
    return None, f"Kết quả «{value}» không hợp lệ; ghi {layouts.listed(catalogue.OUTCOMES)}."


def read_subjects(value):
    """Optional subjects: names separated by ";" or ","."""
    if is_blank(value):
        return [], None
    codes, unknown = [], []
    for part in re.split(r"[;,\n]", str(value)):
        if not part.strip():
            continue
        code = layouts.SUBJECT_WORDS.get(layouts.norm(part))
        if code is None:
            unknown.append(part.strip())
        elif code not in codes:
            codes.append(code)
    if unknown:
        return None, f"Không biết môn: {', '.join('«' + u + '»' for u in unknown)}."
    return codes, None
