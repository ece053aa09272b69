"""Pupils with disabilities (Điều 8): subjects exempted on an individual education plan, and the outcome a plan
allows. Format version 2 and later only (``record_format.PUPIL_YEAR_V2``); a version 1 record is judged as it
always was (the teacher's outcome on a plan accepted unchecked, no exemptions).

The choices, each documented in docs/tt27-rules.md:

- Điều 8.2–8.3 let a pupil with a disability be evaluated against an individual education plan, whose content
  and requirements the teacher (with the school) sets. A subject the plan exempts the pupil from is not rated;
  an exemption exists only through a plan (``exemption_without_plan``).
- The ratings recorded for such a pupil are the teacher's judgement against the plan, and are accepted as
  given; so is a periodic test not taken (no score). The outcome is the teacher's too, but it cannot exceed
  what those ratings and scores reach by the table of Điều 9.2 (Điều 8 adjusts the requirements, not the
  meaning of the levels): a C anywhere allows only CHT, an H or Đ at most HT, a score below 9 at most HTT
  (``outcome_not_allowed_by_plan``). A lower outcome is the teacher's to give. An award then needs that
  outcome, as for every pupil (Điều 13).
"""

from hocbaso.tt27 import catalogue
from hocbaso.tt27.errors import RuleError
from hocbaso.tt27.results import compute_outcome, outcome_words
from hocbaso.tt27.wording import capitalised, subject_name


def exempted_codes(record: dict) -> set[str]:
    """The subject codes of a record's well-formed ``exempted_subjects`` entries."""
    entries = record.get("exempted_subjects")
    if not isinstance(entries, list):
        return set()
    return {item["code"] for item in entries if isinstance(item, dict) and isinstance(item.get("code"), str)}


def check_exemptions(record: dict, *, grade: int | None, individual_plan: bool) -> list[RuleError]:
    """Điều 8: exempted subjects only with an individual plan, each a compulsory subject of the grade listed
    once, and never also rated in the year-end ``subjects``."""
    entries = record.get("exempted_subjects")
    if not isinstance(entries, list) or not entries:
        return []
    if not individual_plan:
        return [RuleError("exemption_without_plan", "exempted_subjects",
                          "Chỉ học sinh được đánh giá theo kế hoạch giáo dục cá nhân (Thông tư 27, Điều 8) mới được "
                          "miễn môn học; học bạ này không có individual_plan: true.")]
    errors = []
    rated = {item.get("code") for item in record.get("subjects") or () if isinstance(item, dict)}
    seen: set[str] = set()
    for index, item in enumerate(entries):
        code = item.get("code") if isinstance(item, dict) else None
        if not isinstance(code, str) or not code.strip():
            continue  # reported by record_format
        where = f"exempted_subjects[{index}].code"
        if grade is not None and code not in catalogue.compulsory_subjects(grade):
            errors.append(RuleError("exemption_invalid", where,
                                    f'"{code}" không phải môn học bắt buộc của lớp {grade}: chỉ miễn được môn bắt '
                                    f"buộc (Thông tư 27, Điều 8; Chương trình GDPT 2018); môn tự chọn thì không "
                                    f"ghi vào học bạ."))
        elif code in seen:
            errors.append(RuleError("exemption_invalid", where,
                                    f"{capitalised(subject_name(code))} được ghi miễn nhiều lần."))
        elif code in rated:
            errors.append(RuleError("exempted_subject_evaluated", where,
                                    f"{capitalised(subject_name(code))} được miễn theo kế hoạch giáo dục cá nhân "
                                    f"(Thông tư 27, Điều 8) nên không đánh giá: bỏ môn này khỏi danh sách "
                                    f"subjects hoặc bỏ việc miễn."))
        seen.add(code)
    return errors


def plan_ceiling(record: dict) -> str:
    """The highest outcome the year-end ratings and the scores given against the plan reach (Điều 9.2)."""
    subjects = record["subjects"]
    return compute_outcome(
        subject_ratings=[entry["rating"] for entry in subjects],
        trait_ratings=[entry["rating"] for entry in record["qualities"] + record["competences"]],
        scores=[entry["score"] for entry in subjects if entry["score"] is not None])


def check_plan_outcome(outcome: str, ceiling: str) -> list[RuleError]:
    """``outcome_not_allowed_by_plan`` when the teacher's outcome is above ``ceiling``."""
    order = list(catalogue.OUTCOMES)
    if order.index(outcome) >= order.index(ceiling):
        return []
    return [RuleError("outcome_not_allowed_by_plan", "outcome",
                      f"Kết quả giáo dục ghi là {outcome_words(outcome)} nhưng với các mức đạt được và điểm đã ghi "
                      f"theo kế hoạch giáo dục cá nhân, kết quả cao nhất là {outcome_words(ceiling)} (Thông tư 27, "
                      f"Điều 8 và Điều 9).")]
