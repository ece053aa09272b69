"""The year's results: outcome (Điều 9.2), completion (Điều 11) and award (Điều 13).

``compute_outcome``, ``completion`` and ``award_for`` are the rules themselves, usable on their
own; ``check_results`` applies them to a record and compares them with the results the record
already carries, so that a record never holds an inconsistent result.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from hocbaso.tt27 import catalogue
from hocbaso.tt27.errors import RuleError
from hocbaso.tt27.values import is_int

HTXS, HTT, HT, CHT = "HTXS", "HTT", "HT", "CHT"
XUAT_SAC, TIEU_BIEU = "hoc_sinh_xuat_sac", "hoc_sinh_tieu_bieu"


def compute_outcome(*, subject_ratings: Iterable[str], trait_ratings: Iterable[str], scores: Iterable[int]) -> str:
    """The year's outcome under TT27 Điều 9.2, from the year-end results.

    ``subject_ratings``: every subject and activity (optional ones included), T / H / C;
    ``trait_ratings``: every quality and competence, T / Đ / C; ``scores``: every year-end periodic
    test score, whole numbers 0–10. Returns:

    - ``HTXS`` (Hoàn thành xuất sắc, 9.2.a): all subjects T, all qualities and competences T, all scores ≥ 9;
    - ``HTT`` (Hoàn thành tốt, 9.2.b): not HTXS; all subjects T, all traits T, all scores ≥ 7;
    - ``HT`` (Hoàn thành, 9.2.c): neither; all subjects T or H, all traits T or Đ, all scores ≥ 5;
    - ``CHT`` (Chưa hoàn thành, 9.2.d): every other pupil.

    Raises ValueError for a rating outside its scale or a score that is not a whole number 0–10.
    """
    subjects, traits, marks = list(subject_ratings), list(trait_ratings), list(scores)
    for rating in subjects:
        if rating not in catalogue.SUBJECT_RATINGS:
            raise ValueError(f"subject rating must be one of {', '.join(catalogue.SUBJECT_RATINGS)}, not {rating!r}")
    for rating in traits:
        if rating not in catalogue.TRAIT_RATINGS:
            raise ValueError(f"quality/competence rating must be one of {', '.join(catalogue.TRAIT_RATINGS)}, "
                             f"not {rating!r}")
    for score in marks:
        if not (is_int(score) and catalogue.SCORE_MIN <= score <= catalogue.SCORE_MAX):
            raise ValueError(f"score must be a whole number from 0 to 10, not {score!r}")
    if all(r == "T" for r in subjects) and all(r == "T" for r in traits):
        if all(s >= 9 for s in marks):
            return HTXS
        if all(s >= 7 for s in marks):
            return HTT
    if all(r in ("T", "H") for r in subjects) and all(r in ("T", "Đ") for r in traits) and all(s >= 5 for s in marks):
        return HT
    return CHT


def completion(grade: int, outcome: str) -> tuple[bool, bool | None]:
    """``(completed_grade, completed_primary)`` for an outcome (Điều 11).

    11.1.a: the pupil completes the grade's programme iff the outcome is HTXS, HTT or HT.
    11.2: a grade-5 pupil who completes it completes primary school; below grade 5 the second
    value is None (the học bạ has nothing to write there). Raises ValueError for an unknown outcome
    or a grade outside 1–5.
    """
    if outcome not in catalogue.OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(catalogue.OUTCOMES)}, not {outcome!r}")
    catalogue.compulsory_subjects(grade)  # validates the grade
    completed = outcome in (HTXS, HTT, HT)
    return completed, (completed if grade == 5 else None)


def award_for(outcome: str, *, nominated: bool = False) -> str | None:
    """The year-end award (khen thưởng cuối năm học, Điều 13.1.a) that goes with an outcome.

    ``hoc_sinh_xuat_sac`` for every HTXS pupil; ``hoc_sinh_tieu_bieu`` for an HTT pupil who was
    nominated (outstanding in a subject or clear progress in a quality or competence, recognised
    by the class: never automatic); otherwise None. A nomination of a pupil who is not HTT gives
    None. Raises ValueError for an unknown outcome.
    """
    if outcome not in catalogue.OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(catalogue.OUTCOMES)}, not {outcome!r}")
    if outcome == HTXS:
        return XUAT_SAC
    if outcome == HTT and nominated:
        return TIEU_BIEU
    return None


@dataclass(frozen=True)
class Results:
    """The computed fields of a record. ``promoted``: True when the pupil completed the grade or the principal
    promoted them, False when kept back, None while undecided (Điều 11)."""

    outcome: str
    award: str | None
    completed_grade: bool
    completed_primary: bool | None
    promoted: bool | None = None


def outcome_words(outcome: str) -> str:
    return f"{catalogue.OUTCOMES[outcome]} ({outcome})"


def _yes_no(value: bool | None) -> str:
    return "null" if value is None else ("true (có)" if value else "false (không)")


def check_results(record: dict, *, grade: int, individual_plan: bool,
                  outcome_problems: Callable[[str], list[RuleError]] | None = None,
                  after: Callable[[str], tuple[Any, list[RuleError]]] | None = None,
                  ) -> tuple[Results | None, list[RuleError]]:
    """The record's results and every disagreement with the results it already carries.

    Runs only on a record whose grade and year-end lists are error-free. The outcome is computed
    (Điều 9.2), except on an individual education plan (Điều 8) where it is the teacher's and must
    be given; ``outcome_problems(outcome)`` then judges it (format version 2: ``plans``). A given ``outcome``,
    ``completed_grade`` or ``completed_primary`` that differs from the computed one is an error; a given
    ``award`` must be one the outcome allows (Điều 13.1.a: ``hoc_sinh_xuat_sac`` iff HTXS,
    ``hoc_sinh_tieu_bieu`` only for HTT, as a nomination); a null award is filled in. An issued record
    (``issuance`` present) must carry its results. ``after(outcome)`` (format version 2: ``completion``) gives
    the completion after the supplementary evaluation and the principal's decision (Điều 11.2–11.3), with its
    errors. Returns (None, errors) when no outcome can be had.
    """
    errors: list[RuleError] = []
    given_outcome = record.get("outcome")
    if individual_plan:
        if given_outcome not in catalogue.OUTCOMES:  # null, or a bad value reported by record_format
            return None, missing_results(record, grade=grade, individual_plan=True)
        outcome = given_outcome
        if outcome_problems is not None:
            errors += outcome_problems(outcome)
    else:
        outcome = compute_outcome(
            subject_ratings=[entry["rating"] for entry in record["subjects"]],
            trait_ratings=[entry["rating"] for entry in record["qualities"] + record["competences"]],
            scores=[entry["score"] for entry in record["subjects"] if entry["score"] is not None])
        if given_outcome in catalogue.OUTCOMES and given_outcome != outcome:
            errors.append(RuleError("outcome_mismatch", "outcome",
                                    f"Kết quả giáo dục ghi là {outcome_words(given_outcome)} nhưng theo Thông tư 27, "
                                    f"Điều 9 (từ mức đạt được và điểm kiểm tra cuối năm) phải là "
                                    f"{outcome_words(outcome)}."))

    completed_grade, completed_primary = completion(grade, outcome)
    promoted = True if completed_grade else None
    supplementary = ""
    if after is not None:
        later, later_errors = after(outcome)
        errors += later_errors
        if later.completed_grade != completed_grade:
            supplementary = " sau đánh giá bổ sung"
        completed_grade, promoted = later.completed_grade, later.promoted
        completed_primary = completed_grade if grade == 5 else None
    given = record.get("completed_grade")
    if isinstance(given, bool) and given != completed_grade:
        errors.append(RuleError("completed_grade_mismatch", "completed_grade",
                                f"Hoàn thành chương trình lớp học ghi là {_yes_no(given)} nhưng với kết quả "
                                f"{outcome_words(outcome)}{supplementary} thì phải là {_yes_no(completed_grade)} "
                                f"theo Thông tư 27, Điều 11."))
    given = record.get("completed_primary")
    if isinstance(given, bool) and given != completed_primary:
        if completed_primary is None:
            message = (f"Chỉ học bạ lớp 5 mới ghi hoàn thành chương trình tiểu học; ở lớp {grade} "
                       f"trường completed_primary phải là null.")
        else:
            message = (f"Hoàn thành chương trình tiểu học ghi là {_yes_no(given)} nhưng với kết quả "
                       f"{outcome_words(outcome)} thì phải là {_yes_no(completed_primary)} theo Thông tư 27, Điều 11.")
        errors.append(RuleError("completed_primary_mismatch", "completed_primary", message))

    given_award = record.get("award")
    award = award_for(outcome, nominated=given_award == TIEU_BIEU)
    if given_award in catalogue.AWARDS and given_award != award:
        if given_award == XUAT_SAC:
            message = (f'Khen thưởng "{catalogue.AWARDS[XUAT_SAC]}" chỉ dành cho học sinh '
                       f"{outcome_words(HTXS)} (Thông tư 27, Điều 13); kết quả của học sinh là "
                       f"{outcome_words(outcome)}.")
        elif given_outcome is None and not isinstance(record.get("issuance"), dict):
            message = nomination_not_applicable(outcome)
        elif outcome == HTXS:
            message = (f'Học sinh {outcome_words(HTXS)} được khen thưởng "{catalogue.AWARDS[XUAT_SAC]}" '
                       f'(hoc_sinh_xuat_sac), không phải "{catalogue.AWARDS[TIEU_BIEU]}" (Thông tư 27, Điều 13).')
        else:
            message = (f'Khen thưởng "{catalogue.AWARDS[TIEU_BIEU]}" chỉ dành cho học sinh '
                       f"{outcome_words(HTT)} được tập thể lớp công nhận (Thông tư 27, Điều 13); kết quả của "
                       f"học sinh là {outcome_words(outcome)}.")
        errors.append(RuleError("award_not_allowed", "award", message))

    errors += missing_results(record, grade=grade, individual_plan=individual_plan, award=award)
    return Results(outcome, award, completed_grade, completed_primary, promoted), errors


def nomination_not_applicable(outcome: str) -> str:
    """The words for a nomination (đề nghị khen) as Học sinh Tiêu biểu of a pupil whose outcome, computed from the
    ratings as they now stand, is not HTT: a record still being entered (no outcome given, not issued) whose
    nomination went stale when its ratings changed. It names the outcome and what to do."""
    better = (f' Học sinh {outcome_words(HTXS)} được khen "{catalogue.AWARDS[XUAT_SAC]}".' if outcome == HTXS
              else "")
    return (f'Học sinh được đề nghị khen "{catalogue.AWARDS[TIEU_BIEU]}" nhưng kết quả giáo dục tính từ các mức đã '
            f"nhập là {outcome_words(outcome)}: danh hiệu này chỉ dành cho học sinh {outcome_words(HTT)} "
            f"(Thông tư 27, Điều 13).{better} Bỏ đánh dấu ở cột \"Đề nghị khen Tiêu biểu\" của bảng nhập cuối năm "
            f"thì kết quả được tính.")


_RESULT_NAMES = {"outcome": "kết quả giáo dục", "completed_grade": "hoàn thành chương trình lớp học",
                 "completed_primary": "hoàn thành chương trình tiểu học", "award": "khen thưởng"}


def missing_results(record: dict, *, grade: int | None, individual_plan: bool,
                    award: str | None = None) -> list[RuleError]:
    """The results a record must carry whatever else it says, so they can be reported even when the
    outcome cannot be computed: the teacher's outcome on an individual education plan (Điều 8,
    ``outcome_required``), and every result of an issued record (spec: "in an issued record they are
    always filled in", ``result_missing``): outcome, completed_grade, completed_primary in grade 5,
    and the award when ``award`` (the computed one, if known) is not None."""
    errors = []
    if individual_plan and record.get("outcome") is None:
        errors.append(RuleError("outcome_required", "outcome",
                                "Học sinh được đánh giá theo kế hoạch giáo dục cá nhân (Thông tư 27, Điều 8): "
                                "giáo viên phải ghi kết quả giáo dục (HTXS, HTT, HT hoặc CHT); "
                                "hệ thống không tự tính kết quả này."))
    if not isinstance(record.get("issuance"), dict):
        return errors
    missing = []
    if record.get("outcome") is None and not individual_plan:
        missing.append("outcome")
    if record.get("completed_grade") is None:
        missing.append("completed_grade")
    if grade == 5 and record.get("completed_primary") is None:
        missing.append("completed_primary")
    if record.get("award") is None and award is not None:
        missing.append("award")
    return errors + [RuleError("result_missing", key, f"Học bạ đã phát hành (có issuance) phải ghi "
                                                      f'{_RESULT_NAMES[key]} (trường "{key}").')
                     for key in missing]
