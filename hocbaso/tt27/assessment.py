"""``assess``: validate one ``hocbaso.record/N`` document under TT27 and compute its results.

A record is judged by the rules of its own format version: version 1 as it always was; from version 2
(``record_format.PUPIL_YEAR_V2``) also the supplementary evaluation and the principal's decision (Điều 11,
``completion``), exemptions and the outcome an individual plan allows (Điều 8, ``plans``), and what the template
requires of an issued record (``template``)."""

import json
from dataclasses import dataclass, field
from typing import Any

from hocbaso.tt27 import catalogue
from hocbaso.tt27.completion import check_completion
from hocbaso.tt27.errors import RuleError
from hocbaso.tt27.evaluations import Setting, check_evaluations
from hocbaso.tt27.plans import check_exemptions, check_plan_outcome, exempted_codes, plan_ceiling
from hocbaso.tt27.record_format import FORMAT, FORMATS, PUPIL_YEAR_V2, check_record, nfc, record_version
from hocbaso.tt27.results import check_results, missing_results
from hocbaso.tt27.template import check_issued
from hocbaso.tt27.values import is_int


class UnreadableRecord(Exception):
    """The input is not a ``hocbaso.record/1`` document at all: not JSON, not a JSON object, or a
    missing or different ``format``. Its message is in Vietnamese (``hocbaso assess`` exits 2)."""


@dataclass(frozen=True)
class Assessment:
    """The engine's verdict on one record.

    ``valid`` is True iff ``errors`` is empty; the computed fields (``outcome``, ``award``,
    ``completed_grade``, ``completed_primary``, ``promoted``) are None whenever the record is invalid.
    ``completed_grade`` counts the supplementary evaluation (Điều 11.2); ``promoted`` is True when the pupil
    completed the grade or the principal promoted them, False when kept back, None while undecided (11.3).
    """

    valid: bool
    errors: list[RuleError] = field(default_factory=list)
    outcome: str | None = None
    award: str | None = None
    completed_grade: bool | None = None
    completed_primary: bool | None = None
    promoted: bool | None = None

    def as_dict(self) -> dict:
        """Exactly the object ``hocbaso assess`` prints: valid, errors, outcome, award,
        completed_grade, completed_primary, promoted."""
        return {"valid": self.valid, "errors": [error.as_dict() for error in self.errors],
                "outcome": self.outcome, "award": self.award, "completed_grade": self.completed_grade,
                "completed_primary": self.completed_primary, "promoted": self.promoted}


# An error on one of these fields (or inside them) leaves no sound basis for the year's results.
_RESULT_INPUTS = ("grade", "individual_plan", "subjects", "qualities", "competences", "exempted_subjects",
                  "disability_class", "supplementary_evaluation", "principal_decision")


def _concerns_result_inputs(error: RuleError) -> bool:
    return any(error.field == key or error.field.startswith((f"{key}[", f"{key}.")) for key in _RESULT_INPUTS)


def assess(record: dict, *, normalized: bool = False) -> Assessment:
    """Validate a record and compute its results.

    Every error is collected (format, then TT27 scope, then the evaluations, then the results),
    never just the first. The results are computed, and compared with those the record carries,
    only when the grade and the year-end lists are error-free; results that must be present
    (``missing_results``) are reported in any case. Raises UnreadableRecord when ``record`` is not
    a dict or its ``format`` is not one of ``FORMATS`` (``hocbaso.record/1`` up to the current one). Text is compared in NFC; ``record`` itself
    is not modified. ``normalized``: the caller has checked that every string of ``record`` is in NFC
    already (``record_format.json_text_is_nfc`` on its JSON text), so it is not copied to normalise it.
    """
    if not isinstance(record, dict):
        raise UnreadableRecord(f"Học bạ phải là một đối tượng JSON ({{...}}) theo định dạng {FORMAT}.")
    if "format" not in record:
        raise UnreadableRecord(f'Thiếu trường "format": đây không phải học bạ theo định dạng {FORMAT}.')
    if not normalized:
        record = nfc(record)
    if not isinstance(record["format"], str) or record["format"] not in FORMATS:
        raise UnreadableRecord(f'Định dạng "{record["format"]}" không được hỗ trợ; chỉ đọc được '
                               f'{", ".join(FORMATS)}.')
    version = record_version(record)

    errors = check_record(record)
    grade = record.get("grade") if is_int(record.get("grade")) and record.get("grade") in catalogue.GRADES else None
    covered = True
    school_year = record.get("school_year")
    if grade is not None and isinstance(school_year, str):
        try:
            covered = catalogue.covers(grade, school_year)
        except ValueError:
            pass  # a malformed school year is reported by record_format
    if not covered:
        errors.append(_not_covered(grade, school_year))
        return Assessment(valid=False, errors=errors)

    individual_plan = record.get("individual_plan") is True
    setting = Setting(individual_plan=individual_plan, disability_class=record.get("disability_class") in catalogue.DISABILITY_SETTINGS,
                      exempted=frozenset(exempted_codes(record)) if individual_plan else frozenset())
    errors += check_evaluations(record, grade=grade, individual_plan=individual_plan, setting=setting)
    if version >= PUPIL_YEAR_V2:
        errors += check_exemptions(record, grade=grade, individual_plan=individual_plan)
        errors += check_issued(record)
    if grade is None or any(_concerns_result_inputs(error) for error in errors):
        errors += missing_results(record, grade=grade, individual_plan=individual_plan)
        return Assessment(valid=False, errors=errors)
    if version >= PUPIL_YEAR_V2:
        issued = isinstance(record.get("issuance"), dict)
        results, result_errors = check_results(
            record, grade=grade, individual_plan=individual_plan,
            outcome_problems=lambda outcome: check_plan_outcome(outcome, plan_ceiling(record)),
            after=lambda outcome: check_completion(record, grade=grade, outcome=outcome, issued=issued))
    else:
        results, result_errors = check_results(record, grade=grade, individual_plan=individual_plan)
    errors += result_errors
    if errors or results is None:
        return Assessment(valid=False, errors=errors)
    return Assessment(valid=True, errors=[], outcome=results.outcome, award=results.award,
                      completed_grade=results.completed_grade, completed_primary=results.completed_primary,
                      promoted=results.promoted)


def _not_covered(grade: int, school_year: str) -> RuleError:
    first = catalogue.FIRST_TT27_YEAR[grade]
    return RuleError(
        "school_year_not_covered", "school_year",
        f"Năm học {school_year} ở lớp {grade} chưa áp dụng Thông tư 27/2020/TT-BGDĐT (lớp {grade} áp dụng từ "
        f"năm học {first}-{first + 1}). Học sinh năm đó được đánh giá theo quy định cũ (Thông tư 30/2014/TT-BGDĐT, "
        f"sửa đổi bởi Thông tư 22/2016/TT-BGDĐT), nằm ngoài phạm vi kiểm tra này.")


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    result = {}
    for key, value in pairs:
        if key in result:
            raise UnreadableRecord(f'JSON có khoá "{key}" xuất hiện hai lần trong cùng một đối tượng.')
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise UnreadableRecord(f"JSON không hợp lệ: {name} không phải là một số JSON.")


def parse_json(text: str) -> Any:
    """The JSON value of ``text``; raises UnreadableRecord for invalid JSON, duplicate keys in an
    object, NaN / Infinity, or nesting too deep to read."""
    try:
        return json.loads(text, object_pairs_hook=_reject_duplicate_keys, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise UnreadableRecord(
            f"Không phải JSON hợp lệ (dòng {error.lineno}, cột {error.colno}): {error.msg}.") from None
    except RecursionError:
        raise UnreadableRecord("JSON lồng nhau quá sâu, không đọc được.") from None


def assess_json(text: str) -> Assessment:
    """``assess`` on a JSON text. Raises UnreadableRecord for invalid JSON (see ``parse_json``),
    a JSON value that is not an object, or a missing or wrong ``format``."""
    return assess(parse_json(text))
