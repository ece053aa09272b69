"""TT27 Điều 11: completion of the grade (11.1.a: HTXS, HTT or HT) and of primary school (11.2: grade 5)."""

import pytest

from hocbaso.tt27 import assess, catalogue, completion
from hocbaso.tt27.tests.factories import subject_entries, valid_record

SCORE_FOR = {"HTXS": 10, "HTT": 8, "HT": 5, "CHT": 4}


def record_for(grade, outcome, **fields):
    record = valid_record(grade, **fields)
    record["subjects"] = subject_entries(grade, score=SCORE_FOR[outcome])
    return record


def test_completion_function():
    for grade in catalogue.GRADES:
        for outcome, completed in [("HTXS", True), ("HTT", True), ("HT", True), ("CHT", False)]:
            assert completion(grade, outcome) == (completed, completed if grade == 5 else None)


def test_completion_refuses_unknown_values():
    with pytest.raises(ValueError):
        completion(4, "XS")
    with pytest.raises(ValueError):
        completion(6, "HT")


@pytest.mark.parametrize("grade", catalogue.GRADES)
def test_assess_computes_completion(grade):
    for outcome, completed in [("HTXS", True), ("HTT", True), ("HT", True), ("CHT", False)]:
        assessment = assess(record_for(grade, outcome))
        assert assessment.valid and assessment.outcome == outcome
        assert assessment.completed_grade is completed
        assert assessment.completed_primary is (completed if grade == 5 else None)


@pytest.mark.parametrize("outcome", ["HTXS", "HTT", "HT", "CHT"])
def test_the_right_completion_may_be_given(outcome):
    completed = outcome != "CHT"
    assert assess(record_for(4, outcome, completed_grade=completed)).valid
    assert assess(record_for(5, outcome, completed_grade=completed, completed_primary=completed)).valid


@pytest.mark.parametrize("grade", catalogue.GRADES)
@pytest.mark.parametrize("outcome", ["HT", "CHT"])
def test_a_wrong_completed_grade_is_an_error(grade, outcome):
    assessment = assess(record_for(grade, outcome, completed_grade=outcome == "CHT"))
    assert [(e.code, e.field) for e in assessment.errors] == [("completed_grade_mismatch", "completed_grade")]
    assert "Điều 11" in assessment.errors[0].message and assessment.completed_grade is None


@pytest.mark.parametrize("outcome", ["HTT", "CHT"])
def test_a_wrong_completed_primary_in_grade_5_is_an_error(outcome):
    assessment = assess(record_for(5, outcome, completed_primary=outcome == "CHT"))
    assert [(e.code, e.field) for e in assessment.errors] == [("completed_primary_mismatch", "completed_primary")]


@pytest.mark.parametrize("grade", [1, 2, 3, 4])
@pytest.mark.parametrize("given", [True, False])
def test_completed_primary_below_grade_5_must_stay_null(grade, given):
    assessment = assess(record_for(grade, "HT", completed_primary=given))
    assert [(e.code, e.field) for e in assessment.errors] == [("completed_primary_mismatch", "completed_primary")]
    assert "lớp 5" in assessment.errors[0].message


@pytest.mark.parametrize("field", ["completed_grade", "completed_primary"])
@pytest.mark.parametrize("given", ["true", 1, "có"])
def test_completion_fields_are_booleans(field, given):
    errors = assess(record_for(5, "HT", **{field: given})).errors
    assert [(e.code, e.field) for e in errors] == [("invalid_type", field)]
