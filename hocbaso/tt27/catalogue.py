"""The static catalogue of the học bạ: subjects, qualities, competences, periods and scales.

Sources: Chương trình giáo dục phổ thông 2018 (the subjects of each primary grade) and
Thông tư 27/2020/TT-BGDĐT ("TT27": the rating scales, the periodic tests, the outcomes and
awards, and the school years it covers). Every mapping is in the học bạ's display order and
maps a stable code (the ``hocbaso.record/1`` code) to the name printed in the học bạ.

Subjects and competences are two namespaces: ``khoa_hoc``, ``cong_nghe`` and ``tin_hoc`` are
codes of both a subject and a specific competence (năng lực đặc thù).
"""

import re

# Môn học và hoạt động giáo dục, in the order of the spec's table.
SUBJECTS: dict[str, str] = {
    "tieng_viet": "Tiếng Việt",
    "toan": "Toán",
    "ngoai_ngu_1": "Ngoại ngữ 1",
    "dao_duc": "Đạo đức",
    "tu_nhien_xa_hoi": "Tự nhiên và Xã hội",
    "lich_su_dia_li": "Lịch sử và Địa lí",
    "khoa_hoc": "Khoa học",
    "tin_hoc": "Tin học và Công nghệ (Tin học)",
    "cong_nghe": "Tin học và Công nghệ (Công nghệ)",
    "giao_duc_the_chat": "Giáo dục thể chất",
    "am_nhac": "Nghệ thuật (Âm nhạc)",
    "mi_thuat": "Nghệ thuật (Mĩ thuật)",
    "hoat_dong_trai_nghiem": "Hoạt động trải nghiệm",
    "tieng_dan_toc": "Tiếng dân tộc thiểu số",
}

# Phẩm chất chủ yếu (Chương trình GDPT 2018; evaluated under TT27 Điều 7.2).
QUALITIES: dict[str, str] = {
    "yeu_nuoc": "Yêu nước",
    "nhan_ai": "Nhân ái",
    "cham_chi": "Chăm chỉ",
    "trung_thuc": "Trung thực",
    "trach_nhiem": "Trách nhiệm",
}

# Năng lực cốt lõi: năng lực chung, then năng lực đặc thù.
COMPETENCES_GENERAL: dict[str, str] = {
    "tu_chu_tu_hoc": "Tự chủ và tự học",
    "giao_tiep_hop_tac": "Giao tiếp và hợp tác",
    "giai_quyet_van_de": "Giải quyết vấn đề và sáng tạo",
}
COMPETENCES_SPECIFIC: dict[str, str] = {
    "ngon_ngu": "Ngôn ngữ",
    "tinh_toan": "Tính toán",
    "khoa_hoc": "Khoa học",
    "cong_nghe": "Công nghệ",
    "tin_hoc": "Tin học",
    "tham_mi": "Thẩm mĩ",
    "the_chat": "Thể chất",
}
COMPETENCES: dict[str, str] = {**COMPETENCES_GENERAL, **COMPETENCES_SPECIFIC}

# The four evaluation points of the year (TT27 Điều 7; Điều 9.1 class summary).
PERIODS: dict[str, str] = {
    "giua_hk1": "Giữa học kì I",
    "cuoi_hk1": "Cuối học kì I",
    "giua_hk2": "Giữa học kì II",
    "cuoi_nam": "Cuối năm học",
}
YEAR_END = "cuoi_nam"
END_OF_TERM_I = "cuoi_hk1"

# Mức đạt được: subjects and activities (Điều 7.1.a); qualities and competences (Điều 7.2).
SUBJECT_RATINGS: dict[str, str] = {"T": "Hoàn thành tốt", "H": "Hoàn thành", "C": "Chưa hoàn thành"}
TRAIT_RATINGS: dict[str, str] = {"T": "Tốt", "\u0110": "Đạt", "C": "Cần cố gắng"}

# Đánh giá kết quả giáo dục (Điều 9.2) and khen thưởng (Điều 13.1.a).
OUTCOMES: dict[str, str] = {
    "HTXS": "Hoàn thành xuất sắc",
    "HTT": "Hoàn thành tốt",
    "HT": "Hoàn thành",
    "CHT": "Chưa hoàn thành",
}
AWARDS: dict[str, str] = {
    "hoc_sinh_xuat_sac": "Học sinh Xuất sắc",
    "hoc_sinh_tieu_bieu": "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện",
}

# Điều 13: the awards besides the year-end titles of 13.1.a (``AWARDS``), by the article that allows them.
AWARD_KINDS: dict[str, str] = {
    "dot_xuat": "Khen thưởng đột xuất",  # 13.1.b: by the principal, for an exceptional achievement in the year
    "cap_tren": "Khen thưởng của cấp trên",  # 13.2: by a higher level, on the school's proposal
}
# Điều 11.3: the principal's decision on a pupil who has not completed the grade after supplementary help.
DECISIONS: dict[str, str] = {"promote": "Được lên lớp", "repeat": "Ở lại lớp"}
# Điều 8.3: a pupil taught in a class, or a school, for pupils with disabilities (giáo dục chuyên biệt).
DISABILITY_SETTINGS: dict[str, str] = {
    "class": "Học lớp dành cho học sinh khuyết tật",
    "school": "Học tại trường dành cho người khuyết tật",
}

# Periodic test scores: whole numbers on a 10-point scale, 0 allowed (Điều 7.1.d).
SCORE_MIN, SCORE_MAX = 0, 10

GRADES = (1, 2, 3, 4, 5)

_GRADES_1_2 = ("tieng_viet", "toan", "dao_duc", "tu_nhien_xa_hoi", "giao_duc_the_chat", "am_nhac",
               "mi_thuat", "hoat_dong_trai_nghiem")
_GRADE_3 = _GRADES_1_2 + ("ngoai_ngu_1", "tin_hoc", "cong_nghe")
_GRADES_4_5 = ("tieng_viet", "toan", "ngoai_ngu_1", "dao_duc", "lich_su_dia_li", "khoa_hoc", "tin_hoc",
               "cong_nghe", "giao_duc_the_chat", "am_nhac", "mi_thuat", "hoat_dong_trai_nghiem")


def _in_display_order(codes) -> tuple[str, ...]:
    chosen = set(codes)
    return tuple(code for code in SUBJECTS if code in chosen)


_COMPULSORY: dict[int, tuple[str, ...]] = {
    1: _in_display_order(_GRADES_1_2),
    2: _in_display_order(_GRADES_1_2),
    3: _in_display_order(_GRADE_3),
    4: _in_display_order(_GRADES_4_5),
    5: _in_display_order(_GRADES_4_5),
}
_OPTIONAL: dict[int, tuple[str, ...]] = {
    1: ("ngoai_ngu_1", "tieng_dan_toc"),
    2: ("ngoai_ngu_1", "tieng_dan_toc"),
    3: ("tieng_dan_toc",),
    4: ("tieng_dan_toc",),
    5: ("tieng_dan_toc",),
}

_ALL: dict[int, tuple[str, ...]] = {grade: _in_display_order(_COMPULSORY[grade] + _OPTIONAL[grade])
                                    for grade in _COMPULSORY}

# Điều 7.1.b: the compulsory subjects with a periodic test at the end of term I and of the year.
_TESTED = ("tieng_viet", "toan", "ngoai_ngu_1", "lich_su_dia_li", "khoa_hoc", "tin_hoc", "cong_nghe")
# Điều 7.1.b (grades 4–5, mid-terms) and Điều 8 (classes for pupils with disabilities).
_TESTED_CORE = ("tieng_viet", "toan")
_MID_TERM_GRADES = (4, 5)
_END_OF_TERM_PERIODS = (END_OF_TERM_I, YEAR_END)
_MID_TERM_PERIODS = ("giua_hk1", "giua_hk2")

# Điều 2 of the Thông tư itself (its phase-in): the first school year each grade is evaluated under TT27.
FIRST_TT27_YEAR: dict[int, int] = {1: 2020, 2: 2021, 3: 2022, 4: 2023, 5: 2024}

_SCHOOL_YEAR = re.compile(r"([0-9]{4})-([0-9]{4})", re.ASCII)


def _check_grade(grade) -> int:
    if isinstance(grade, bool) or not isinstance(grade, int) or grade not in GRADES:
        raise ValueError(f"grade must be an int from 1 to 5, not {grade!r}")
    return grade


def compulsory_subjects(grade: int) -> tuple[str, ...]:
    """The compulsory subjects and activities of ``grade`` (Chương trình GDPT 2018), in display order.

    Raises ValueError unless ``grade`` is an int from 1 to 5.
    """
    return _COMPULSORY[_check_grade(grade)]


def optional_subjects(grade: int) -> tuple[str, ...]:
    """The optional subjects (môn tự chọn) ``grade`` may have, in display order.

    Raises ValueError unless ``grade`` is an int from 1 to 5.
    """
    return _OPTIONAL[_check_grade(grade)]


def grade_subjects(grade: int) -> tuple[str, ...]:
    """Every subject a pupil of ``grade`` may be rated in (compulsory and optional), in display order.

    Raises ValueError unless ``grade`` is an int from 1 to 5.
    """
    return _ALL[_check_grade(grade)]


def has_periodic_test(grade: int, subject: str, period: str, *, disability_class: bool = False) -> bool:
    """Whether ``subject`` has a periodic test (bài kiểm tra định kì) in ``grade`` at ``period``.

    TT27 Điều 7.1.b: at the end of term I and at the end of the year, the compulsory subjects
    Tiếng Việt, Toán, Ngoại ngữ 1, Lịch sử và Địa lí, Khoa học, Tin học và Công nghệ that the grade
    has; in grades 4 and 5 also Tiếng Việt and Toán at mid-term I and mid-term II. In a class for
    pupils with disabilities (Điều 8.3) only Tiếng Việt and Toán, at the same points. An optional
    subject (Ngoại ngữ 1 in grades 1–2, Tiếng dân tộc thiểu số) never has one; an unknown subject
    code gives False. Raises ValueError for a grade outside 1–5 or an unknown period.
    """
    _check_grade(grade)
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}; expected one of {', '.join(PERIODS)}")
    if subject not in compulsory_subjects(grade):
        return False
    tested = _TESTED_CORE if disability_class else _TESTED
    if period in _END_OF_TERM_PERIODS:
        return subject in tested
    return grade in _MID_TERM_GRADES and subject in _TESTED_CORE


def scored_subjects(grade: int, period: str = YEAR_END, *, disability_class: bool = False) -> tuple[str, ...]:
    """The subjects of ``grade`` that carry a periodic test score at ``period``, in display order.

    Exactly the subjects for which ``has_periodic_test`` is true. Raises ValueError for a grade
    outside 1–5 or an unknown period.
    """
    return tuple(code for code in grade_subjects(grade)
                 if has_periodic_test(grade, code, period, disability_class=disability_class))


def grade_completion(grade: int, completed: bool) -> str:
    """The học bạ's statement on completing the grade's programme (Điều 11): ``Hoàn thành chương trình lớp 4``
    or ``Chưa hoàn thành chương trình lớp 4``. Raises ValueError for a grade outside 1–5."""
    return f"{'Hoàn thành' if completed else 'Chưa hoàn thành'} chương trình lớp {_check_grade(grade)}"


def primary_completion(completed: bool) -> str:
    """The grade 5 statement on completing primary school (Điều 11): ``Hoàn thành chương trình tiểu học`` or
    ``Chưa hoàn thành chương trình tiểu học``."""
    return f"{'Hoàn thành' if completed else 'Chưa hoàn thành'} chương trình tiểu học"


def school_year_start(school_year: str) -> int:
    """The first calendar year of a school year written ``YYYY-YYYY`` with consecutive years.

    Raises ValueError for anything else (``2024-2026``, ``2024/2025``, ``24-25`` …).
    """
    match = _SCHOOL_YEAR.fullmatch(school_year) if isinstance(school_year, str) else None
    if match is None or int(match[2]) != int(match[1]) + 1:
        raise ValueError(f"school year must be YYYY-YYYY with consecutive years, not {school_year!r}")
    return int(match[1])


def covers(grade: int, school_year: str) -> bool:
    """Whether TT27 governs ``grade`` in ``school_year`` (its phase-in, Điều 2 of the Thông tư).

    Grade 1 from 2020-2021, grade 2 from 2021-2022, grade 3 from 2022-2023, grade 4 from
    2023-2024, grade 5 from 2024-2025; earlier grade-years were evaluated under TT30/2014 and
    TT22/2016. Raises ValueError for a grade outside 1–5 or a malformed school year.
    """
    return school_year_start(school_year) >= FIRST_TT27_YEAR[_check_grade(grade)]
