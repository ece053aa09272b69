"""Moving an installation to today's hierarchy: a conversion table (bảng chuyển đổi đơn vị hành chính) read,
every school matched to its new commune, and placed there from 1/7/2025.

The table has the shape of the published ones (Nghị quyết 202/2025/QH15, the Standing Committee's resolutions
on each province's communes, Quyết định 19/2025/QĐ-TTg for the codes): one row per former commune, with its
former province, district and commune (codes and names) and the new province and commune it became part of.
A CSV file, UTF-8, with a header row; the columns (Vietnamese with or without accents, "Mã tỉnh cũ" being
``ma_tinh_cu``, or English):

| column | also accepted | required |
|---|---|---|
| ``ma_tinh_cu`` / ``ten_tinh_cu`` | ``old_province_code`` / ``old_province_name`` | a code or a name |
| ``ma_huyen_cu`` / ``ten_huyen_cu`` | ``old_district_code`` / ``old_district_name`` | a code or a name |
| ``ma_xa_cu`` / ``ten_xa_cu`` | ``old_commune_code`` / ``old_commune_name`` | the name (but on a pinned row) |
| ``ma_tinh_moi`` / ``ten_tinh_moi`` | ``new_province_code`` / ``new_province_name`` | both |
| ``ma_xa_moi`` / ``ten_xa_moi`` | ``new_commune_code`` / ``new_commune_name`` | both |
| ``ma_truong`` | ``school_code`` | no: pins one school (a former commune split among several new ones) |

A school is matched by where it stood the day before the move (its province, district and commune as then
written): codes compare exactly, names without their kind ("Xã", "Huyện", "Tỉnh" …), case and Unicode form.
Nothing issued changes: records carry the names they were issued under; only placements (and the new
provinces and communes) are written, each logged.
"""

import csv
import datetime as dt
import io
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from hocbaso.directory.models import (TWO_LEVEL_GOVERNMENT_FROM, Commune, Province, School, SchoolPlacement,
                                      commune_code_validator, province_code_validator)
from hocbaso.directory.services import commune_ensure, province_ensure, school_place

COLUMNS = {
    "old_province_code": ("ma_tinh_cu", "old_province_code"),
    "old_province_name": ("ten_tinh_cu", "old_province_name"),
    "old_district_code": ("ma_huyen_cu", "old_district_code"),
    "old_district_name": ("ten_huyen_cu", "old_district_name"),
    "old_commune_code": ("ma_xa_cu", "old_commune_code"),
    "old_commune_name": ("ten_xa_cu", "old_commune_name"),
    "new_province_code": ("ma_tinh_moi", "new_province_code"),
    "new_province_name": ("ten_tinh_moi", "new_province_name"),
    "new_commune_code": ("ma_xa_moi", "new_commune_code"),
    "new_commune_name": ("ten_xa_moi", "new_commune_name"),
    "school_code": ("ma_truong", "school_code"),
}
_KINDS = ("thành phố ", "thị xã ", "thị trấn ", "huyện ", "quận ", "phường ", "xã ", "tỉnh ", "đặc khu ")


class ConversionRefused(ValueError):
    """The table cannot be read: every problem, each naming its row and column, in Vietnamese."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def name_key(name: str) -> str:
    """A unit's name as compared: NFC, lower case, single spaces, without its kind ("Xã Trường Xuân" →
    "trường xuân")."""
    name = " ".join(unicodedata.normalize("NFC", name or "").lower().split())
    for kind in _KINDS:
        if name.startswith(kind):
            return name[len(kind):]
    return name


def header_key(text: str) -> str:
    """A column's name as matched: without accents, lower case, words joined by "_" ("Mã tỉnh cũ" → "ma_tinh_cu")."""
    bare = "".join(c for c in unicodedata.normalize("NFD", text.strip().lower()) if not unicodedata.combining(c))
    return "_".join(bare.replace("đ", "d").split())


@dataclass(frozen=True)
class Row:
    number: int
    old_province_code: str
    old_province_name: str
    old_district_code: str
    old_district_name: str
    old_commune_code: str
    old_commune_name: str
    new_province_code: str
    new_province_name: str
    new_commune_code: str
    new_commune_name: str
    school_code: str

    @property
    def new(self) -> tuple[str, str]:
        return self.new_province_code, self.new_commune_code


def table_read(data: bytes) -> list[Row]:
    """The rows of a conversion table (CSV, UTF-8 with or without BOM, comma or semicolon), each checked; refused
    whole (``ConversionRefused``) on any problem."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConversionRefused(["Tệp bảng chuyển đổi phải là CSV mã hóa UTF-8."]) from None
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text.strip() else ",", delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = [header_key(h) for h in next(reader, [])]
    where = {}
    for key, names in COLUMNS.items():
        found = [i for i, h in enumerate(header) if h in names]
        if found:
            where[key] = found[0]
    missing = [COLUMNS[k][0] for k in ("new_province_code", "new_province_name", "new_commune_code",
                                       "new_commune_name", "old_commune_name") if k not in where]
    if "old_district_code" not in where and "old_district_name" not in where:
        missing.append("ma_huyen_cu hoặc ten_huyen_cu")
    if "old_province_code" not in where and "old_province_name" not in where:
        missing.append("ma_tinh_cu hoặc ten_tinh_cu")
    if missing:
        raise ConversionRefused([f"Bảng chuyển đổi thiếu cột: {', '.join(missing)} (dòng tiêu đề: "
                                 f"{', '.join(header) or 'trống'})."])
    rows, problems = [], []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        values = {key: unicodedata.normalize("NFC", cells[i].strip()) if i < len(cells) else ""
                  for key, i in where.items()}
        row = Row(number=number, **{key: values.get(key, "") for key in COLUMNS})
        problems += _row_problems(row)
        rows.append(row)
    if not rows and not problems:
        problems.append("Bảng chuyển đổi không có dòng dữ liệu nào.")
    if problems:
        raise ConversionRefused(problems)
    return rows


def _row_problems(row: Row) -> list[str]:
    problems = []
    for key, validator in (("new_province_code", province_code_validator),
                           ("new_commune_code", commune_code_validator)):
        try:
            validator(getattr(row, key))
        except ValidationError as error:
            problems.append(f"Dòng {row.number}, cột {COLUMNS[key][0]}: {error.messages[0]} "
                            f"(nhận được {getattr(row, key)!r}).")
    for key in ("new_province_name", "new_commune_name"):
        if not getattr(row, key):
            problems.append(f"Dòng {row.number}, cột {COLUMNS[key][0]}: không được để trống.")
    if row.school_code:  # a pinned row names its school: where it stood is not needed
        return problems
    if not row.old_commune_name:
        problems.append(f"Dòng {row.number}, cột ten_xa_cu: không được để trống (trừ dòng có mã trường).")
    if not (row.old_district_code or row.old_district_name):
        problems.append(f"Dòng {row.number}: cần mã hoặc tên huyện cũ.")
    if not (row.old_province_code or row.old_province_name):
        problems.append(f"Dòng {row.number}: cần mã hoặc tên tỉnh cũ.")
    return problems


# ---------------------------------------------------------------------- matching the schools

@dataclass
class Plan:
    """What ``placements_plan`` found: each school's new (province code, commune code) and row, the schools
    already placed from the date on, and each school it could not place with the reason."""

    since: dt.date
    moves: dict = field(default_factory=dict)  # school code -> Row
    already: list = field(default_factory=list)  # school codes
    unplaced: dict = field(default_factory=dict)  # school code -> reason (Vietnamese)
    schools: dict = field(default_factory=dict)  # school code -> School


def _matches(row: Row, placement: SchoolPlacement) -> bool:
    province, district = placement.province, placement.district
    if district is None:
        return False
    same_province = (row.old_province_code == province.code if row.old_province_code
                     else name_key(row.old_province_name) == name_key(province.name))
    same_district = (row.old_district_code == district.code or
                     (row.old_district_name and name_key(row.old_district_name) == name_key(district.name)))
    return same_province and bool(same_district)


def placements_plan(rows: list[Row], *, since: dt.date = TWO_LEVEL_GOVERNMENT_FROM) -> Plan:
    """Match every school to a row of the table by where it stood the day before ``since``."""
    plan = Plan(since=since)
    pinned = {row.school_code: row for row in rows if row.school_code}
    general = [row for row in rows if not row.school_code]
    placements = {}
    for placement in (SchoolPlacement.objects.filter(since__lt=since)
                      .select_related("school", "province", "district").order_by("school_id", "since")):
        placements[placement.school_id] = placement  # the latest before ``since``
    placed_since = set(SchoolPlacement.objects.filter(since__gte=since).values_list("school_id", flat=True))
    for school in School.objects.order_by("code"):
        plan.schools[school.code] = school
        placement = placements.get(school.pk)
        if school.pk in placed_since:
            plan.already.append(school.code)
        elif school.code in pinned:
            plan.moves[school.code] = pinned[school.code]
        elif placement is None:
            plan.unplaced[school.code] = "trường chưa có nơi trực thuộc trước ngày chuyển (huyện, tỉnh cũ)."
        elif placement.district is None:
            plan.unplaced[school.code] = (f"trước ngày chuyển trường đã thuộc {placement.commune_name or 'một xã'} "
                                          "chứ không thuộc huyện nào; thêm dòng có cột ma_truong để chỉ định.")
        else:
            reason, row = _match(general, placement)
            if row is None:
                plan.unplaced[school.code] = reason
            else:
                plan.moves[school.code] = row
    unknown = sorted(set(pinned) - set(plan.schools))
    for code in unknown:
        plan.unplaced[code] = f"dòng {pinned[code].number}: không có trường mã {code} trong hệ thống."
    return plan


def _match(rows: list[Row], placement: SchoolPlacement) -> tuple[str, Row | None]:
    district = placement.district
    where = f"{placement.commune_name or '(chưa ghi xã)'}, {district.name}, {placement.province.name}"
    in_district = [row for row in rows if _matches(row, placement)]
    if not in_district:
        return f"bảng chuyển đổi không có dòng nào của {district.name}, {placement.province.name}.", None
    if placement.commune_name:
        candidates = [row for row in in_district if name_key(row.old_commune_name) == name_key(placement.commune_name)]
        if not candidates:
            return f"bảng chuyển đổi không có dòng nào khớp với {where}.", None
    else:
        candidates = in_district
    targets = {row.new for row in candidates}
    if len(targets) > 1:
        names = ", ".join(sorted({row.new_commune_name for row in candidates}))
        return (f"{where} thuộc về nhiều xã/phường mới ({names}); thêm dòng có cột ma_truong để chỉ định.",
                None)
    return "", candidates[0]


def placements_apply(plan: Plan, *, by) -> list[SchoolPlacement]:
    """Write the plan in one transaction: the new provinces and communes (if new), then each move as a placement
    from ``plan.since``; each write logged."""
    made = []
    with transaction.atomic():
        provinces: dict[str, Province] = {}
        communes: dict[str, Commune] = {}
        for code, row in sorted(plan.moves.items()):
            if row.new_province_code not in provinces:
                provinces[row.new_province_code] = province_ensure(code=row.new_province_code,
                                                                   name=row.new_province_name, by=by)
            if row.new_commune_code not in communes:
                communes[row.new_commune_code] = commune_ensure(province=provinces[row.new_province_code],
                                                                code=row.new_commune_code,
                                                                name=row.new_commune_name, by=by)
            made.append(school_place(school=plan.schools[code], commune=communes[row.new_commune_code],
                                     since=plan.since, by=by))
    return made
