"""The evaluations of a record judged against TT27 and Chương trình GDPT 2018.

Which subjects a grade has (GDPT 2018), the rating scales (Điều 7.1.a for subjects and
activities, Điều 7.2 for qualities and competences), which subjects carry a periodic test score
at which period and what a score may be (Điều 7.1.b, 7.1.d), and what changes for a pupil on an
individual education plan (Điều 8). Runs on a record whose shapes ``record_format`` has checked:
an entry or value of the wrong shape is skipped here, its error already reported there.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hocbaso.tt27 import catalogue
from hocbaso.tt27.errors import RuleError
from hocbaso.tt27.record_format import TERM_PERIODS
from hocbaso.tt27.values import is_int, join
from hocbaso.tt27.wording import (capitalised, competence_name, period_name, quality_name, scale_words,
                                  subject_name)


@dataclass(frozen=True)
class ListKind:
    """One of the three evaluation lists: its key, catalogue, rating scale and error codes."""

    key: str
    table: dict[str, str]
    scale: dict[str, str]
    name: Callable[[str], str]
    what: str
    unknown: str
    duplicate: str
    missing: str


SUBJECTS = ListKind("subjects", catalogue.SUBJECTS, catalogue.SUBJECT_RATINGS, subject_name, "môn học",
                    "unknown_subject", "duplicate_subject", "subject_missing")
QUALITIES = ListKind("qualities", catalogue.QUALITIES, catalogue.TRAIT_RATINGS, quality_name, "phẩm chất",
                     "unknown_quality", "duplicate_quality", "quality_missing")
COMPETENCES = ListKind("competences", catalogue.COMPETENCES, catalogue.TRAIT_RATINGS, competence_name, "năng lực",
                       "unknown_competence", "duplicate_competence", "competence_missing")
KINDS = (SUBJECTS, QUALITIES, COMPETENCES)


@dataclass(frozen=True)
class Setting:
    """What changes the rules for one pupil (Điều 8): an individual education plan, a class or school for
    pupils with disabilities (only Tiếng Việt and Toán tested), subjects exempted on the plan."""

    individual_plan: bool = False
    disability_class: bool = False
    exempted: frozenset[str] = frozenset()


def check_evaluations(record: dict, *, grade: int | None, individual_plan: bool,
                      setting: Setting | None = None) -> list[RuleError]:
    """Every TT27 error in the year-end lists, in ``periods`` and in the supplementary evaluation.

    The year-end lists (the top level, *cuối năm học*) must be complete: every compulsory subject
    of the grade (but those exempted on an individual plan), the five qualities, the ten competences. A
    period's lists, and the supplementary evaluation's, may be partial, but each entry there is checked like a
    year-end one, including its score; a supplementary entry must be one of the year-end ones. ``grade`` is
    None when the record's grade is unusable: the checks that depend on it are then skipped.
    """
    setting = setting or Setting(individual_plan=individual_plan)
    errors = []
    for kind in KINDS:
        errors += _check_list(record.get(kind.key), kind.key, kind, grade=grade, period=catalogue.YEAR_END,
                              complete=True, setting=setting)
    periods = record.get("periods")
    if isinstance(periods, dict):
        for period in TERM_PERIODS:
            content = periods.get(period)
            if isinstance(content, dict):
                for kind in KINDS:
                    errors += _check_list(content.get(kind.key), join(join("periods", period), kind.key), kind,
                                          grade=grade, period=period, complete=False, setting=setting)
    again = record.get("supplementary_evaluation")
    if isinstance(again, dict):
        for kind in KINDS:
            path = join("supplementary_evaluation", kind.key)
            errors += _check_list(again.get(kind.key), path, kind, grade=grade, period=catalogue.YEAR_END,
                                  complete=False, setting=setting)
            errors += _check_again(again.get(kind.key), record.get(kind.key), path, kind)
    return errors


def _check_again(entries, year_end, path: str, kind: ListKind) -> list[RuleError]:
    """Điều 11.2: the supplementary evaluation evaluates again what the year-end results hold."""
    if not isinstance(entries, list) or not isinstance(year_end, list):
        return []
    known = {item.get("code") for item in year_end if isinstance(item, dict)}
    return [RuleError("supplementary_not_in_year", f"{path}[{index}].code",
                      f"{capitalised(kind.name(item['code']))} không có trong kết quả cuối năm học nên không đánh giá "
                      f"bổ sung (Thông tư 27, Điều 11).")
            for index, item in enumerate(entries)
            if isinstance(item, dict) and item.get("code") in kind.table and item.get("code") not in known]


def _check_list(entries: Any, path: str, kind: ListKind, *, grade: int | None, period: str, complete: bool,
                setting: Setting) -> list[RuleError]:
    if not isinstance(entries, list):
        return []
    errors: list[RuleError] = []
    when = "" if period == catalogue.YEAR_END else f" ({period_name(period)})"
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        where = f"{path}[{index}]"  # join(path, index), inline: called for every entry of every record
        code = entry.get("code")
        applicable = None  # whether the score rules of the grade apply to this entry
        if isinstance(code, str) and code.strip():
            applicable = _check_code(code, where + ".code", kind, grade, when, seen, errors)
        label = kind.name(code) if isinstance(code, str) else kind.what
        if "rating" in entry:
            errors += _check_rating(entry["rating"], where + ".rating", kind, label, when)
        if kind is SUBJECTS and "score" in entry:
            errors += _check_score(entry["score"], where + ".score", code if applicable else None, label,
                                   grade=grade, period=period, when=when, setting=setting)
    if complete:
        required = [code for code in _required(kind, grade) if kind is not SUBJECTS or code not in setting.exempted]
        for code in required:
            if code not in seen:
                errors.append(RuleError(kind.missing, path, _missing_message(kind, code, grade)))
    return errors


def _required(kind: ListKind, grade: int | None) -> tuple[str, ...]:
    if kind is SUBJECTS:
        return catalogue.compulsory_subjects(grade) if grade is not None else ()
    return tuple(kind.table)


def _missing_message(kind: ListKind, code: str, grade: int | None) -> str:
    if kind is SUBJECTS:
        return f"Thiếu {kind.name(code)} (bắt buộc ở lớp {grade}, Chương trình GDPT 2018)."
    return f"Thiếu {kind.name(code)}: học bạ ghi đủ {len(kind.table)} {kind.what}."


def _check_code(code: str, where: str, kind: ListKind, grade: int | None, when: str, seen: set[str],
                errors: list[RuleError]) -> bool:
    """Appends the code's errors; True when the code is a known one of the grade (its scores can be judged)."""
    if code not in kind.table:
        errors.append(RuleError(kind.unknown, where, _unknown_message(code, kind)))
        return False
    in_grade = True
    if kind is SUBJECTS and grade is not None and code not in catalogue.grade_subjects(grade):
        errors.append(RuleError("subject_not_in_grade", where,
                                f"Lớp {grade} không có {kind.name(code)} (Chương trình GDPT 2018)."))
        in_grade = False
    if code in seen:
        errors.append(RuleError(kind.duplicate, where,
                                f"{capitalised(kind.name(code))}{when} được ghi nhiều lần; "
                                f"mỗi {kind.what} chỉ ghi một lần."))
    seen.add(code)
    return in_grade and grade is not None


def _unknown_message(code: str, kind: ListKind) -> str:
    message = f'Mã {kind.what} "{code}" không có trong danh mục: {", ".join(kind.table)}.'
    for other in KINDS:
        if other is not kind and code in other.table:
            return f'"{code}" là mã {other.what} ({other.table[code]}), không phải mã {kind.what}. ' + message
    return message


def _check_rating(rating: Any, where: str, kind: ListKind, label: str, when: str) -> list[RuleError]:
    """Điều 7.1.a (subjects: T, H, C) and Điều 7.2 (qualities and competences: T, Đ, C)."""
    if rating is None:
        return [RuleError("rating_missing", where, f"Chưa ghi mức đạt được {label}{when}.")]
    if isinstance(rating, str) and rating in kind.scale:
        return []
    shown = f'"{rating}"' if isinstance(rating, str) else repr(rating)
    return [RuleError("invalid_rating", where,
                      f"Mức đạt được {label}{when} phải là một trong: {scale_words(kind.scale)}; "
                      f"nhận được {shown}.{_rating_hint(rating, kind)}")]


def _rating_hint(rating: Any, kind: ListKind) -> str:
    if not isinstance(rating, str):
        return ""
    value = rating.strip()
    if kind is SUBJECTS:
        if value.upper() in ("Đ", "D"):
            return ' "Đ" (Đạt) là mức của phẩm chất, năng lực; môn học dùng T, H, C.'
    else:
        if value in ("D", "d", "đ"):
            return ' Mức Đạt viết bằng chữ "Đ" hoa có gạch (U+0110), không phải "D".'
        if value.upper() == "H":
            return ' "H" (Hoàn thành) là mức của môn học; phẩm chất, năng lực dùng T, Đ, C.'
    for letter, words in kind.scale.items():
        if value.upper() == letter or value.casefold() == words.casefold():
            return f' Ghi bằng chữ cái in hoa "{letter}" ({words}).'
    return ""


def _check_score(score: Any, where: str, code: str | None, label: str, *, grade: int | None, period: str,
                 when: str, setting: Setting) -> list[RuleError]:
    """Điều 7.1.b: a score exactly where the subject has a periodic test at that period (not required
    on an individual education plan, Điều 8; in a class for pupils with disabilities only Tiếng Việt and Toán
    are tested, Điều 8.3); Điều 7.1.d: a whole number from 0 to 10, no decimals.

    ``code`` is None when the subject is unknown or not of the grade: only the range is judged then.
    """
    individual_plan = setting.individual_plan
    tested = (catalogue.has_periodic_test(grade, code, period, disability_class=setting.disability_class)
              if code is not None and grade is not None else None)
    at = period_name(period)
    if score is None:
        if tested and not individual_plan:
            return [RuleError("score_missing", where,
                              f"Thiếu điểm kiểm tra định kì {label} ({at}): môn này có bài kiểm tra định kì "
                              f"{at} ở lớp {grade}.")]
        return []
    if tested is False:
        return [RuleError("score_not_applicable", where,
                          f"{capitalised(label)} không có bài kiểm tra định kì {at} ở lớp {grade} nên không ghi "
                          f"điểm (để null).")]
    if not (is_int(score) and catalogue.SCORE_MIN <= score <= catalogue.SCORE_MAX):
        return [RuleError("score_out_of_range", where,
                          f"Điểm kiểm tra định kì {label}{when} phải là số nguyên từ 0 đến 10.")]
    return []
