"""Completing the grade after the year's outcome (Điều 11): the supplementary evaluation and the principal's
decision. Format version 2 and later (``record_format.PUPIL_YEAR_V2``).

- 11.1: a pupil rated HTXS, HTT or HT completes the grade's programme (``results.completion``).
- 11.2: a pupil not yet completing it gets the teacher's help and a supplementary evaluation
  (``supplementary_evaluation``: the subjects, qualities or competences evaluated again, with their new ratings
  and scores). The pupil completes the grade when the year-end results, with those entries replaced, reach
  Hoàn thành by the table of Điều 9.2 (``completed``, computed; a given value that differs is an error).
- 11.3: a pupil who still has not completed it after that help is reported to the principal, who decides
  promotion (*lên lớp*) or repeating the grade (*ở lại lớp*): ``principal_decision``. Grade 5 has no next
  grade in primary school, so the only decision there is to repeat it.
"""

from dataclasses import dataclass

from hocbaso.tt27 import catalogue
from hocbaso.tt27.errors import RuleError
from hocbaso.tt27.results import CHT, compute_outcome


@dataclass(frozen=True)
class Completion:
    """``completed_grade`` after Điều 11.2, whether the supplementary evaluation completed it (None: none
    recorded), and ``promoted`` (True completed or promoted by the principal, False kept back, None undecided)."""

    completed_grade: bool
    supplementary_completed: bool | None
    promoted: bool | None


def _merged(year_end: list[dict], again: list[dict]) -> list[dict]:
    replaced = {entry["code"]: entry for entry in again}
    return [replaced.get(entry["code"], entry) for entry in year_end]


def supplementary_outcome(record: dict) -> str:
    """The Điều 9.2 outcome of the year-end results with the supplementary evaluation's entries in place."""
    again = record["supplementary_evaluation"]
    subjects = _merged(record["subjects"], again["subjects"])
    traits = _merged(record["qualities"], again["qualities"]) + _merged(record["competences"], again["competences"])
    return compute_outcome(subject_ratings=[entry["rating"] for entry in subjects],
                           trait_ratings=[entry["rating"] for entry in traits],
                           scores=[entry["score"] for entry in subjects if entry["score"] is not None])


def _yes_no(value: bool) -> str:
    return "true (hoàn thành)" if value else "false (chưa hoàn thành)"


def check_completion(record: dict, *, grade: int, outcome: str, issued: bool) -> tuple[Completion, list[RuleError]]:
    """Điều 11.2–11.3 on a record whose year-end lists and supplementary entries are error-free."""
    errors = []
    again = record.get("supplementary_evaluation")
    decision = record.get("principal_decision")
    supplementary_completed = None
    if isinstance(again, dict):
        if outcome != CHT:
            errors.append(RuleError("supplementary_not_allowed", "supplementary_evaluation",
                                    "Chỉ học sinh chưa hoàn thành chương trình lớp học (kết quả Chưa hoàn thành) mới "
                                    "được đánh giá bổ sung (Thông tư 27, Điều 11)."))
        else:
            supplementary_completed = supplementary_outcome(record) != CHT
            given = again.get("completed")
            if isinstance(given, bool) and given != supplementary_completed:
                errors.append(RuleError(
                    "supplementary_result_mismatch", "supplementary_evaluation.completed",
                    f"Kết quả đánh giá bổ sung ghi là {_yes_no(given)} nhưng với các mức đạt được và điểm sau đánh "
                    f"giá bổ sung thì phải là {_yes_no(supplementary_completed)} (Thông tư 27, Điều 11 và Điều 9)."))
    completed = outcome != CHT or supplementary_completed is True
    promoted = True if completed else None
    if isinstance(decision, dict):
        problem = None
        if completed:
            problem = ("học sinh đã hoàn thành chương trình lớp học nên không có quyết định lên lớp hay ở lại lớp "
                       "của hiệu trưởng")
        elif supplementary_completed is None:
            problem = ("hiệu trưởng chỉ quyết định sau khi học sinh đã được giúp đỡ và đánh giá bổ sung mà vẫn chưa "
                       "hoàn thành; học bạ chưa ghi đánh giá bổ sung")
        elif decision.get("decision") == "promote" and grade == 5:
            problem = "lớp 5 là lớp cuối cấp tiểu học: học sinh chưa hoàn thành chương trình lớp 5 thì ở lại lớp"
        if problem:
            errors.append(RuleError("decision_not_allowed", "principal_decision",
                                    f"Quyết định của hiệu trưởng không hợp lệ: {problem} (Thông tư 27, Điều 11)."))
        elif decision.get("decision") in catalogue.DECISIONS:
            promoted = decision["decision"] == "promote"
    elif issued and not completed:
        errors.append(RuleError("decision_missing", "principal_decision",
                                "Học bạ đã phát hành của học sinh chưa hoàn thành chương trình lớp học phải ghi đánh "
                                "giá bổ sung và quyết định lên lớp hoặc ở lại lớp của hiệu trưởng (Thông tư 27, "
                                "Điều 11)."))
    return Completion(completed, supplementary_completed, promoted), errors
