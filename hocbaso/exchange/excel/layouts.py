"""The column layouts of the Excel files: canonical Vietnamese headers and the variants accepted.

One definition serves the importer (which header means what), the exporter and the blank
templates (what to write), and docs/excel-layouts.md (tests check the doc lists every column).
Headers are compared after ``norm``: case, diacritics, punctuation and extra spaces do not matter,
so "HỌ VÀ TÊN", "Họ  và tên (*)" and "ho va ten" are the same header.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from hocbaso.tt27 import catalogue

_NON_WORD = re.compile(r"[^0-9a-z]+")


def norm(text) -> str:
    """``"  Họ và Tên (*)"`` → ``"ho va ten"``: lower case, no diacritics, punctuation as spaces."""
    if text is None:
        return ""
    decomposed = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _NON_WORD.sub(" ", plain).strip()


def listed(items, *, last: str = " hoặc ") -> str:
    """``a, b hoặc c``: choices as the help and the problems write them."""
    items = list(items)
    return ", ".join(items[:-1]) + last + items[-1] if len(items) > 1 else "".join(items)


def scale_text(scale: dict[str, str], *, last: str = " hoặc ") -> str:
    """A rating scale of ``tt27.catalogue`` in words: ``T (Tốt), Đ (Đạt) hoặc C (Cần cố gắng)``."""
    return listed((f"{code} ({name})" for code, name in scale.items()), last=last)


def class_key(name) -> str:
    """A class name compared loosely: ``"Lớp 4A"``, ``"4 a"`` and ``"4A"`` are the same class."""
    key = norm(name)
    if key.startswith("lop "):
        key = key[4:]
    return key.replace(" ", "")


@dataclass(frozen=True)
class Column:
    """One column: the key it fills, the header written in exports and templates, the variants read."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    kind: str = "text"  # text | name | date | gender | flag | int | decimal | subjects | outcome | identity | class
    required: bool = False
    max_length: int | None = None
    width: int = 14
    note: str = ""

    @property
    def accepted(self) -> frozenset[str]:
        return frozenset({norm(self.header), *(norm(a) for a in self.aliases)})


# Danh sách học sinh (pupil list with enrolment): one row per pupil, one sheet per class or a "Lớp" column.
PUPIL_COLUMNS: tuple[Column, ...] = (
    Column("stt", "STT", ("Số thứ tự", "TT"), kind="ignore", width=5),
    Column("class_name", "Lớp", ("Tên lớp", "Lớp học"), kind="class", width=7,
           note="bắt buộc khi cả danh sách ở một trang tính; không cần khi mỗi lớp một trang tính mang tên lớp"),
    Column("sector_code", "Mã học sinh", ("Mã HS", "Mã số học sinh", "Mã học sinh (CSDL ngành)", "mahocsinh"),
           max_length=20, width=14, note="mã học sinh trên CSDL ngành"),
    Column("identity_number", "Mã định danh",
           ("Mã định danh cá nhân", "Số định danh cá nhân", "Số định danh", "Mã số định danh",
            "Mã số định danh cá nhân",
            "Mã ĐDCN", "Số CCCD", "CCCD", "Căn cước công dân", "Số căn cước", "madinhdanh"),
           kind="identity", width=15, note="12 chữ số; ghi dạng văn bản để giữ số 0 đầu"),
    Column("full_name", "Họ và tên", ("Họ tên", "Họ và tên học sinh", "Họ tên học sinh", "Tên học sinh", "hovaten"),
           kind="name", required=True, max_length=120, width=26),
    Column("family_name", "Họ và tên đệm", ("Họ đệm", "Họ và đệm", "Họ và chữ lót", "Họ"), kind="name", width=18,
           note="chỉ dùng khi không có cột Họ và tên (ghép với cột Tên)"),
    Column("given_name", "Tên", ("Tên gọi",), kind="name", width=10,
           note="chỉ dùng khi không có cột Họ và tên"),
    Column("birth_date", "Ngày sinh", ("Ngày tháng năm sinh", "Sinh ngày", "ngaysinh"), kind="date", required=True,
           width=12, note="ngày Excel hoặc dd/mm/yyyy"),
    Column("gender", "Giới tính", ("gioitinh", "Nam/Nữ", "GT"), kind="gender", required=True, width=9,
           note="Nam hoặc Nữ"),
    Column("female", "Nữ", (), kind="flag", width=5,
           note="cách ghi khác của giới tính: x cho học sinh nữ, để trống cho học sinh nam"),
    Column("ethnicity", "Dân tộc", ("dantoc",), max_length=40, width=10,
           note="để trống: giữ giá trị đã có (học sinh mới: Kinh)"),
    Column("nationality", "Quốc tịch", ("quoctich",), max_length=60, width=10,
           note="để trống: giữ giá trị đã có (học sinh mới: Việt Nam)"),
    Column("birthplace", "Nơi sinh", ("noisinh",), max_length=300, width=30, note="bắt buộc với học sinh mới"),
    Column("hometown", "Quê quán", (), max_length=300, width=30),
    Column("address", "Nơi ở hiện nay",
           ("Địa chỉ", "Chỗ ở hiện nay", "Nơi ở", "Địa chỉ nơi ở", "Địa chỉ thường trú", "Nơi thường trú",
            "Địa chỉ liên hệ"), max_length=300, width=30),
    Column("father_name", "Họ tên cha", ("Họ và tên cha", "Tên cha", "Cha", "Họ tên bố", "Họ và tên bố", "hotencha"),
           kind="name", max_length=120, width=22),
    Column("mother_name", "Họ tên mẹ", ("Họ và tên mẹ", "Tên mẹ", "Mẹ", "hotenme"), kind="name", max_length=120,
           width=22),
    Column("guardian_name", "Người giám hộ",
           ("Họ tên người giám hộ", "Họ và tên người giám hộ", "Giám hộ", "Người đỡ đầu"), kind="name",
           max_length=120, width=22),
    Column("registry_number", "Số đăng bộ", ("SĐB", "Số ĐB"), max_length=20, width=10,
           note="bắt buộc với học sinh mới vào lớp"),
    Column("joined_on", "Ngày nhập học", ("Ngày vào trường", "Ngày nhập học / chuyển đến", "Ngày chuyển đến",
                                         "Ngày nhập trường"), kind="date", width=12,
           note="để trống: ngày bắt đầu năm học"),
    Column("transferred_in", "Chuyển đến", ("Học sinh chuyển đến",), kind="flag", width=9,
           note="x nếu chuyển đến; «không» để bỏ"),
    Column("disability", "Khuyết tật", ("Loại khuyết tật", "Dạng khuyết tật"), max_length=200, width=14,
           note="ghi «không» để xoá"),
    Column("individual_plan", "Đánh giá theo KHGD cá nhân",
           ("Kế hoạch giáo dục cá nhân", "KHGD cá nhân", "Đánh giá theo kế hoạch giáo dục cá nhân"), kind="flag",
           width=12, note="x nếu đánh giá theo kế hoạch giáo dục cá nhân (TT27 Điều 8)"),
    Column("optional_subjects", "Môn tự chọn", ("Các môn tự chọn",), kind="subjects", width=20,
           note="tên môn, cách nhau bằng dấu chấm phẩy; «không» để bỏ hết"),
)
PUPIL_REQUIRED = tuple(c.key for c in PUPIL_COLUMNS if c.required)
# Written by the export and the template (the name parts and the "Nữ" flag are read only).
PUPIL_EXPORT_KEYS = ("stt", "class_name", "sector_code", "identity_number", "full_name", "birth_date", "gender",
                     "ethnicity", "nationality", "birthplace", "hometown", "address", "father_name", "mother_name",
                     "guardian_name", "registry_number", "joined_on", "transferred_in", "disability",
                     "individual_plan", "optional_subjects")

# How a row of an evaluation sheet names its pupil.
PUPIL_KEY_COLUMNS: tuple[Column, ...] = tuple(c for c in PUPIL_COLUMNS if c.key in (
    "stt", "sector_code", "identity_number", "full_name", "family_name", "given_name", "birth_date"))
EVALUATION_IDENT_KEYS = ("stt", "identity_number", "full_name", "birth_date")

# The three values of a subject, quality or competence: sub-headers under the subject's group header,
# or written after (or before) its name in a one-row header ("Tiếng Việt - Mức đạt được").
FIELD_HEADERS: dict[str, str] = {"rating": "Mức đạt được", "score": "Điểm KTĐK", "comment": "Nhận xét"}
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "rating": ("Mức đạt được", "Mức đạt", "Mức", "Mức độ đạt được", "Đánh giá", "Kết quả", "Xếp loại", "MĐĐ"),
    "score": ("Điểm KTĐK", "Điểm", "Điểm KTĐK cuối kì", "Điểm kiểm tra định kì", "Điểm kiểm tra định kỳ",
              "Điểm kiểm tra", "KTĐK", "Điểm KT", "Điểm KTĐK cuối kỳ"),
    "comment": ("Nhận xét", "NX", "Lời nhận xét"),
}

SUBJECT_ALIASES: dict[str, tuple[str, ...]] = {
    "tieng_viet": ("TV",),
    "toan": (),
    "ngoai_ngu_1": ("Ngoại ngữ", "Tiếng Anh", "NN1"),
    "dao_duc": (),
    "tu_nhien_xa_hoi": ("Tự nhiên - Xã hội", "TNXH", "Tự nhiên xã hội"),
    "lich_su_dia_li": ("Lịch sử và Địa lý", "Lịch sử - Địa lí", "Lịch sử - Địa lý", "LS&ĐL", "LSĐL", "Sử - Địa"),
    "khoa_hoc": (),
    "tin_hoc": ("Tin học", "TH&CN (Tin học)"),
    "cong_nghe": ("Công nghệ", "TH&CN (Công nghệ)"),
    "giao_duc_the_chat": ("Thể dục", "GDTC"),
    "am_nhac": ("Âm nhạc",),
    "mi_thuat": ("Mĩ thuật", "Mỹ thuật", "Nghệ thuật (Mỹ thuật)"),
    "hoat_dong_trai_nghiem": ("HĐTN", "HĐ trải nghiệm"),
    "tieng_dan_toc": ("Tiếng dân tộc",),
}
QUALITY_ALIASES: dict[str, tuple[str, ...]] = {code: () for code in catalogue.QUALITIES}
COMPETENCE_ALIASES: dict[str, tuple[str, ...]] = {
    "tu_chu_tu_hoc": ("Tự chủ, tự học", "Tự chủ - tự học"),
    "giao_tiep_hop_tac": ("Giao tiếp, hợp tác", "Giao tiếp - hợp tác"),
    "giai_quyet_van_de": ("Giải quyết vấn đề, sáng tạo", "Giải quyết vấn đề"),
    "ngon_ngu": (), "tinh_toan": (), "khoa_hoc": (), "cong_nghe": (), "tin_hoc": (),
    "tham_mi": ("Thẩm mỹ",), "the_chat": (),
}
# Group headers over several trait columns ("Phẩm chất chủ yếu" over Yêu nước … Trách nhiệm).
TRAIT_CATEGORY_HEADERS = {
    "quality": ("Phẩm chất chủ yếu", "Phẩm chất", "Các phẩm chất chủ yếu", "PC"),
    "competence": ("Năng lực cốt lõi", "Năng lực", "Các năng lực cốt lõi", "Năng lực chung", "Năng lực đặc thù",
                   "NL"),
}
SUBJECT_CATEGORY_HEADERS = ("Môn học và hoạt động giáo dục", "Môn học và HĐGD", "Môn học",
                            "Các môn học và hoạt động giáo dục")
# A word before a name that says which kind it is ("Năng lực Khoa học", "NL Tin học", "Môn Khoa học").
KIND_PREFIXES = {"quality": ("pham chat", "pc"), "competence": ("nang luc", "nl", "nang luc chung",
                                                                 "nang luc dac thu"),
                 "subject": ("mon", "mon hoc")}

# The year-end page's other fields (Cuối năm sheet), written through ``year_result_set``.
YEAR_COLUMNS: tuple[Column, ...] = (
    Column("homeroom_comment", "Nhận xét của giáo viên chủ nhiệm",
           ("Nhận xét của GVCN", "Nhận xét GVCN", "Nhận xét chung", "Nhận xét của giáo viên"), width=40),
    Column("height_cm", "Chiều cao (cm)", ("Chiều cao",), kind="int", width=10),
    Column("weight_kg", "Cân nặng (kg)", ("Cân nặng",), kind="decimal", width=10),
    Column("days_absent_excused", "Nghỉ có phép", ("Số ngày nghỉ có phép", "Nghỉ học có phép", "Có phép"), kind="int",
           width=9),
    Column("days_absent_unexcused", "Nghỉ không phép", ("Số ngày nghỉ không phép", "Nghỉ học không phép",
                                                        "Không phép"), kind="int", width=9),
    Column("nominated_tieu_bieu", "Đề nghị khen Học sinh Tiêu biểu",
           ("Đề nghị khen thưởng", "Học sinh tiêu biểu", "Đề nghị tiêu biểu", "Tiêu biểu",
            "Đề nghị khen HS tiêu biểu"), kind="flag", width=14, note="x nếu lớp đề nghị (TT27 Điều 13)"),
    Column("plan_outcome", "Kết quả theo KHGD cá nhân", ("Kết quả theo kế hoạch giáo dục cá nhân",), kind="outcome",
           width=12, note=f"chỉ cho học sinh đánh giá theo KHGD cá nhân: {listed(catalogue.OUTCOMES)}"),
    Column("disability_setting", "Trường dành cho HS khuyết tật", ("Học tại trường dành cho người khuyết tật",),
           kind="flag", width=12, note="x nếu học sinh học tại trường dành cho người khuyết tật (TT27 Điều 8.3)"),
)
# The pupil-year's cases of record format 2 (TT27 Điều 8, 11, 13), each cell the record's JSON for it: written by
# the export (not the blank templates) so that an import brings them back unchanged
# (records.completion.pupil_year_restore); read on the Cuối năm sheet like the columns above.
CASE_COLUMNS: tuple[Column, ...] = (
    Column("exempted_subjects", "Miễn môn học (JSON)", (), kind="json", width=24,
           note='TT27 Điều 8: [{"code": mã môn, "basis": căn cứ}]'),
    Column("supplementary", "Đánh giá bổ sung (JSON)", (), kind="json", width=30,
           note="TT27 Điều 11: ngày, các mục đánh giá lại, xác nhận và quyết định của hiệu trưởng"),
    Column("awards", "Khen thưởng khác (JSON)", (), kind="json", width=30,
           note='TT27 Điều 13: [{"kind", "title", "level", "date", "reason"}]'),
)
CASE_KEYS = frozenset(column.key for column in CASE_COLUMNS)
# Computed by the TT27 engine: written by the export, recognised and left alone by the import.
COMPUTED_COLUMNS: tuple[Column, ...] = (
    Column("outcome", "Đánh giá kết quả giáo dục", ("Kết quả giáo dục", "Kết quả đánh giá giáo dục",
                                                     "Đánh giá kết quả"), width=14),
    Column("award", "Khen thưởng", (), width=22),
    Column("completed_grade", "Hoàn thành chương trình lớp học", ("Hoàn thành CT lớp học",), width=12),
    Column("completed_primary", "Hoàn thành chương trình tiểu học", ("Hoàn thành CT tiểu học",), width=12),
)

SHEET_SUBJECTS = "Môn học"
SHEET_TRAITS = "Phẩm chất, năng lực"
SHEET_YEAR = "Cuối năm"
SHEET_HELP = "Hướng dẫn"
SKIPPED_SHEETS = frozenset({norm(SHEET_HELP), "huong dan su dung", "ghi chu", "danh muc"})


@dataclass(frozen=True)
class Meaning:
    """What a column holds. ``kind``: pupil | subject | quality | competence | year | computed."""

    kind: str
    key: str  # the pupil/year/computed column key, or the subject/trait code
    field: str = ""  # rating | score | comment for subjects and traits

    def describe(self) -> str:
        if self.kind in ("subject", "quality", "competence"):
            table = {"subject": catalogue.SUBJECTS, "quality": catalogue.QUALITIES,
                     "competence": catalogue.COMPETENCES}[self.kind]
            return f"{table[self.key]} — {FIELD_HEADERS[self.field]}"
        return {c.key: c.header for c in (*PUPIL_COLUMNS, *YEAR_COLUMNS, *CASE_COLUMNS, *COMPUTED_COLUMNS)}[self.key]


@dataclass
class HeaderIndex:
    """The lookup tables built once from the definitions above."""

    pupil: dict[str, str] = field(default_factory=dict)
    year: dict[str, str] = field(default_factory=dict)
    computed: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    entities: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # name -> [(kind, code)]
    categories: dict[str, str] = field(default_factory=dict)  # group header -> kind


def _build_index() -> HeaderIndex:
    index = HeaderIndex()
    for column in PUPIL_COLUMNS:
        for alias in column.accepted:
            index.pupil[alias] = column.key
    for column in (*YEAR_COLUMNS, *CASE_COLUMNS):
        for alias in column.accepted:
            index.year[alias] = column.key
    for column in COMPUTED_COLUMNS:
        for alias in column.accepted:
            index.computed[alias] = column.key
    for name, aliases in FIELD_ALIASES.items():
        for alias in aliases:
            index.fields[norm(alias)] = name
    for kind, names, aliases in (("subject", catalogue.SUBJECTS, SUBJECT_ALIASES),
                                 ("quality", catalogue.QUALITIES, QUALITY_ALIASES),
                                 ("competence", catalogue.COMPETENCES, COMPETENCE_ALIASES)):
        for code, name in names.items():
            for alias in (name, *aliases[code]):
                entry = (kind, code)
                bucket = index.entities.setdefault(norm(alias), [])
                if entry not in bucket:
                    bucket.append(entry)
    for kind, headers in TRAIT_CATEGORY_HEADERS.items():
        for header in headers:
            index.categories[norm(header)] = kind
    for header in SUBJECT_CATEGORY_HEADERS:
        index.categories[norm(header)] = "subject"
    return index


INDEX = _build_index()
_FIELD_ALIASES_LONGEST = sorted(INDEX.fields, key=len, reverse=True)


def entity(text: str, *, prefer: str = "subject", only: str | None = None) -> tuple[str, str] | None:
    """(kind, code) for a subject, quality or competence name; ``prefer`` settles the names
    shared by a subject and a competence (Khoa học, Tin học, Công nghệ)."""
    key = norm(text)
    for kind, prefixes in KIND_PREFIXES.items():
        for prefix in sorted(prefixes, key=len, reverse=True):
            if key.startswith(prefix + " ") and key[len(prefix) + 1:] in INDEX.entities:
                found = entity(key[len(prefix) + 1:], only=kind)
                if found:
                    return found
    candidates = INDEX.entities.get(key, [])
    if only:
        candidates = [c for c in candidates if c[0] == only]
    if not candidates:
        return None
    if len(candidates) > 1:
        preferred = [c for c in candidates if (c[0] == "subject") == (prefer == "subject")]
        return (preferred or candidates)[0]
    return candidates[0]


def is_sub_label(text) -> bool:
    """Whether a cell of the row under a header row reads like a sub-header (so the header has two rows)."""
    key = norm(text)
    return key in INDEX.fields or key in INDEX.entities


def classify(upper, lower=None, *, prefer: str = "subject") -> Meaning | None:
    """The meaning of a column from its header (``upper``) and, for a two-row header, its sub-header."""
    up, low = norm(upper), norm(lower)
    if low:
        category = INDEX.categories.get(up)
        if category is not None:
            found = entity(low, only=category, prefer=prefer)
            if found:
                return Meaning(found[0], found[1], "rating")
        if low in INDEX.fields:
            found = entity(up, prefer=prefer)
            if found:
                return Meaning(found[0], found[1], INDEX.fields[low])
            return None
        # A sub-header that is a whole header of its own ("Tiếng Việt - Điểm" under "Cuối năm học").
        return classify(lower, prefer=prefer)
    if not up:
        return None
    if up in INDEX.pupil:
        return Meaning("pupil", INDEX.pupil[up])
    if up in INDEX.year:
        return Meaning("year", INDEX.year[up])
    if up in INDEX.computed:
        return Meaning("computed", INDEX.computed[up])
    found = entity(up, prefer=prefer)
    if found:
        return Meaning(found[0], found[1], "rating")
    for alias in _FIELD_ALIASES_LONGEST:
        if up.endswith(" " + alias):
            found = entity(up[: -len(alias) - 1], prefer=prefer)
        elif up.startswith(alias + " "):
            found = entity(up[len(alias) + 1:], prefer=prefer)
        else:
            continue
        if found:
            return Meaning(found[0], found[1], INDEX.fields[alias])
    return None


def header_score(values) -> int:
    """How many cells of a row read as known headers: a header row has at least two."""
    return sum(1 for v in values if isinstance(v, str) and classify(v) is not None)


def sheet_prefers_traits(title: str) -> bool:
    key = norm(title)
    return "pham chat" in key or "nang luc" in key


# Cell values: ratings, outcomes, flags and genders as schools write them.
def _rating_words(scale: dict[str, str]) -> dict[str, str]:
    """A rating as schools write it, after ``norm``: its code, its name or the name's initials (``htt``, ``ccg``)."""
    words = {}
    for code, name in scale.items():
        words.update({norm(code): code, norm(name): code, "".join(w[0] for w in norm(name).split()): code})
    return words


SUBJECT_RATING_WORDS = _rating_words(catalogue.SUBJECT_RATINGS)
TRAIT_RATING_WORDS = _rating_words(catalogue.TRAIT_RATINGS)
OUTCOME_WORDS = {**{norm(code): code for code in catalogue.OUTCOMES},
                 **{norm(name): code for code, name in catalogue.OUTCOMES.items()}}
FLAG_TRUE = frozenset({"x", "co", "1", "true", "yes", "v", "dung"})
FLAG_FALSE = frozenset({"", "khong", "0", "false", "no"})
GENDER_WORDS = {"nam": "male", "nu": "female", "male": "male", "female": "female", "trai": "male", "gai": "female",
                "1": "male", "2": "female"}
SUBJECT_WORDS = {**{norm(name): code for code, name in catalogue.SUBJECTS.items()},
                 **{norm(alias): code for code, aliases in SUBJECT_ALIASES.items() for alias in aliases},
                 **{code: code for code in catalogue.SUBJECTS}}
GENDER_NAMES = {"male": "Nam", "female": "Nữ"}
