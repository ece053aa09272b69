"""Checks of single JSON values of a record (text, dates, numbers, codes, identity number, grade, school year),
each giving ``RuleError``s whose Vietnamese messages name the value; and the small helpers they share.

A check is called ``check(value, path, label)``: ``path`` is where the value sits (``pupil.birth_date``),
``label`` how the message names it. ``record_format`` assembles them into the record's shape.
"""

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

from hocbaso.tt27 import catalogue
from hocbaso.tt27.errors import RuleError

# (value, path, label) -> errors; ``label`` is how the message names the value.
Check = Callable[[Any, str, str], list[RuleError]]

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?",
    re.ASCII)
_IDENTITY_NUMBER = re.compile(r"[0-9]{12}", re.ASCII)


def join(path: str, key: str | int) -> str:
    """``pupil`` + ``birth_date`` -> ``pupil.birth_date``; ``subjects`` + 1 -> ``subjects[1]``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def is_int(value: Any) -> bool:
    """True for a JSON integer (a Python int that is not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool)


def type_name(value: Any) -> str:
    """The JSON type of a value, in Vietnamese, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "số nguyên"
    if isinstance(value, float):
        return "số thập phân"
    if isinstance(value, str):
        return "chuỗi văn bản"
    if isinstance(value, list):
        return "danh sách"
    if isinstance(value, dict):
        return "đối tượng"
    return type(value).__name__


def invalid_type(path: str, label: str, expected: str, value: Any) -> list[RuleError]:
    """An ``invalid_type`` error: ``label`` must be ``expected`` (in Vietnamese), not the JSON type of ``value``."""
    return [RuleError("invalid_type", path, f"{label} phải là {expected}, không phải {type_name(value)}.")]


def text(*, empty: bool = False) -> Check:
    """A string; non-blank unless ``empty``."""
    def check(value, path, label):
        if not isinstance(value, str):
            return invalid_type(path, label, "chuỗi văn bản", value)
        if not empty and not value.strip():
            return [RuleError("empty_field", path, f"{label} không được để trống.")]
        return []
    return check


def nullable(check: Check) -> Check:
    """``null``, or a value that passes ``check``."""
    def wrapped(value, path, label):
        return [] if value is None else check(value, path, label)
    return wrapped


def boolean(value, path, label):
    """``true`` or ``false``."""
    return [] if isinstance(value, bool) else invalid_type(path, label, "true hoặc false", value)


def iso_date(value, path, label):
    """A real calendar date written exactly ``YYYY-MM-DD``."""
    if not isinstance(value, str):
        return invalid_type(path, label, "chuỗi ngày dạng YYYY-MM-DD", value)
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        dt.date.fromisoformat(value)
    except ValueError:
        return [RuleError("invalid_date", path,
                          f'{label} phải là một ngày có thật dạng YYYY-MM-DD (ISO 8601), ví dụ 2024-05-31; '
                          f'nhận được "{value}".')]
    return []


def iso_datetime(value, path, label):
    """A real instant written ``YYYY-MM-DDTHH:MM[:SS[.ffffff]]``, optionally ending ``Z`` or ``±HH:MM``."""
    if not isinstance(value, str):
        return invalid_type(path, label, "chuỗi thời điểm ISO 8601", value)
    try:
        if not _DATETIME.fullmatch(value):
            raise ValueError
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return [RuleError("invalid_date", path,
                          f"{label} phải là một thời điểm có thật theo ISO 8601, ví dụ 2025-06-01T08:30:00+07:00; "
                          f'nhận được "{value}".')]
    return []


def positive_number(value, path, label):
    """A finite JSON number (integer or decimal) greater than 0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return invalid_type(path, label, "một số", value)
    if not (value > 0 and math.isfinite(value)):
        return [RuleError("invalid_value", path, f"{label} phải là một số lớn hơn 0; nhận được {value}.")]
    return []


def count(value, path, label):
    """A JSON integer, 0 or more."""
    if not is_int(value):
        return invalid_type(path, label, "số nguyên", value)
    if value < 0:
        return [RuleError("invalid_value", path, f"{label} không được âm; nhận được {value}.")]
    return []


def one_of(table: dict[str, str], code: str) -> Check:
    """One of ``table``'s keys, reported as ``code`` otherwise."""
    allowed = ", ".join(f'"{key}" ({words})' for key, words in table.items())

    def check(value, path, label):
        if not isinstance(value, str):
            return invalid_type(path, label, "chuỗi văn bản", value)
        if value not in table:
            return [RuleError(code, path, f'{label} phải là một trong: {allowed}; nhận được "{value}".')]
        return []
    return check


def identity_number(value, path, label):
    """Exactly 12 ASCII digits (mã định danh cá nhân); ``nullable`` adds the pupil who has none yet."""
    if not isinstance(value, str):
        return invalid_type(path, label, "chuỗi 12 chữ số hoặc null", value)
    if not _IDENTITY_NUMBER.fullmatch(value):
        return [RuleError("invalid_identity_number", path,
                          f'{label} phải gồm đúng 12 chữ số (hoặc null nếu học sinh chưa có); nhận được "{value}".')]
    return []


def grade(value, path, label):
    """A JSON integer from 1 to 5."""
    if not is_int(value):
        return invalid_type(path, label, "số nguyên từ 1 đến 5", value)
    if value not in catalogue.GRADES:
        return [RuleError("invalid_grade", path, f"{label} phải là số nguyên từ 1 đến 5; nhận được {value}.")]
    return []


def school_year(value, path, label):
    """``YYYY-YYYY`` with consecutive years."""
    if not isinstance(value, str):
        return invalid_type(path, label, 'chuỗi dạng "YYYY-YYYY"', value)
    try:
        catalogue.school_year_start(value)
    except ValueError:
        return [RuleError("invalid_school_year", path,
                          f'{label} phải có dạng YYYY-YYYY với hai năm liên tiếp, ví dụ 2024-2025; '
                          f'nhận được "{value}".')]
    return []
