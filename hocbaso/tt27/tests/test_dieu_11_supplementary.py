"""TT27 Điều 11.2–11.3 (format version 2): a pupil who has not completed the grade is helped and evaluated again
(``supplementary_evaluation``); one who still has not completed it is promoted or kept back by the principal
(``principal_decision``)."""

import pytest

from hocbaso.tt27 import assess
from hocbaso.tt27.tests.factories import OLD_FORMAT, entry, issuance, valid_record

AUGUST = "2025-08-12"


def cht_record(grade=4, **fields):
    """Toán rated C with 4 at the year end: Chưa hoàn thành."""
    record = valid_record(grade, **fields)
    entry(record, "toan").update(rating="C", score=4)
    return record


def again(*, rating="H", score=6, completed=None, traits=()):
    return {"date": AUGUST, "subjects": [{"code": "toan", "rating": rating, "score": score,
                                          "comment": "Sau ôn tập hè em đã làm được phép chia."}],
            "qualities": list(traits), "competences": [], "completed": completed}


def errors_of(record):
    return [(e.code, e.field) for e in assess(record).errors]


@pytest.mark.parametrize("grade", [1, 3, 4, 5])
def test_completed_after_the_supplementary_evaluation(grade):
    assessment = assess(cht_record(grade, supplementary_evaluation=again(completed=True), completed_grade=True))
    assert assessment.valid, assessment.errors
    assert assessment.outcome == "CHT"  # the year's outcome stays what the year-end results gave
    assert assessment.completed_grade is True and assessment.promoted is True
    assert assessment.completed_primary is (True if grade == 5 else None)


def test_the_supplementary_result_is_computed_when_not_given():
    assessment = assess(cht_record(supplementary_evaluation=again()))
    assert assessment.valid and assessment.completed_grade is True


def test_still_not_completed_after_the_supplementary_evaluation_and_kept_back():
    record = cht_record(supplementary_evaluation=again(rating="C", score=4, completed=False),
                        principal_decision={"decision": "repeat", "date": "2025-08-20"}, completed_grade=False)
    assessment = assess(record)
    assert assessment.valid, assessment.errors
    assert (assessment.outcome, assessment.completed_grade, assessment.promoted) == ("CHT", False, False)


def test_promoted_by_the_principal():
    record = cht_record(supplementary_evaluation=again(rating="C", score=4),
                        principal_decision={"decision": "promote", "date": "2025-08-20"})
    assessment = assess(record)
    assert assessment.valid and assessment.completed_grade is False and assessment.promoted is True


def test_undecided_is_none():
    assessment = assess(cht_record(supplementary_evaluation=again(rating="C", score=4)))
    assert assessment.valid and assessment.completed_grade is False and assessment.promoted is None


def test_a_wrong_supplementary_result_is_an_error():
    assert errors_of(cht_record(supplementary_evaluation=again(rating="C", score=4, completed=True))) == [
        ("supplementary_result_mismatch", "supplementary_evaluation.completed")]


def test_completed_grade_must_count_the_supplementary_evaluation():
    errors = assess(cht_record(supplementary_evaluation=again(), completed_grade=False)).errors
    assert [e.code for e in errors] == ["completed_grade_mismatch"]
    assert "sau đánh giá bổ sung" in errors[0].message and "Điều 11" in errors[0].message


def test_a_quality_below_the_level_is_evaluated_again():
    record = valid_record(4)
    entry(record, "cham_chi", "qualities")["rating"] = "C"
    record["supplementary_evaluation"] = {"date": AUGUST, "subjects": [], "competences": [], "completed": None,
                                          "qualities": [{"code": "cham_chi", "rating": "Đ", "comment": "Tiến bộ."}]}
    assessment = assess(record)
    assert assessment.valid and assessment.outcome == "CHT" and assessment.completed_grade is True


def test_the_supplementary_entries_are_judged_like_year_end_ones():
    bad = again(rating="Đ", score=11)
    assert errors_of(cht_record(supplementary_evaluation=bad)) == [
        ("invalid_rating", "supplementary_evaluation.subjects[0].rating"),
        ("score_out_of_range", "supplementary_evaluation.subjects[0].score")]
    missing = again(score=None)
    assert errors_of(cht_record(supplementary_evaluation=missing)) == [
        ("score_missing", "supplementary_evaluation.subjects[0].score")]


def test_no_supplementary_evaluation_for_a_pupil_who_completed():
    assert errors_of(valid_record(supplementary_evaluation=again())) == [
        ("supplementary_not_allowed", "supplementary_evaluation")]


@pytest.mark.parametrize("decision, record_fields, message", [
    ("repeat", {}, "đã hoàn thành"),
    ("repeat", {"supplementary_evaluation": again()}, "đã hoàn thành"),
])
def test_no_decision_for_a_pupil_who_completed(decision, record_fields, message):
    record = cht_record(**record_fields) if record_fields else valid_record()
    record["principal_decision"] = {"decision": decision, "date": "2025-08-20"}
    errors = assess(record).errors
    assert [(e.code, e.field) for e in errors] == [("decision_not_allowed", "principal_decision")]
    assert message in errors[0].message


def test_no_decision_before_the_supplementary_evaluation():
    errors = assess(cht_record(principal_decision={"decision": "repeat", "date": "2025-06-01"})).errors
    assert [e.code for e in errors] == ["decision_not_allowed"] and "đánh giá bổ sung" in errors[0].message


def test_no_promotion_out_of_grade_5():
    record = cht_record(5, supplementary_evaluation=again(rating="C", score=4),
                        principal_decision={"decision": "promote", "date": "2025-08-20"})
    errors = assess(record).errors
    assert [e.code for e in errors] == ["decision_not_allowed"] and "lớp 5" in errors[0].message


def test_an_issued_record_not_completing_needs_the_decision():
    issued = {"issuance": issuance(), "outcome": "CHT", "completed_grade": False}
    assert errors_of(cht_record(**issued)) == [("decision_missing", "principal_decision")]
    done = cht_record(**issued, supplementary_evaluation=again(rating="C", score=4),
                      principal_decision={"decision": "repeat", "date": "2025-08-20"})
    assert assess(done).valid


@pytest.mark.parametrize("field, value, code", [
    ("principal_decision", {"decision": "stay", "date": AUGUST}, "invalid_value"),
    ("principal_decision", {"decision": "repeat"}, "missing_field"),
    ("supplementary_evaluation", {"date": "2025-02-30", "subjects": [], "qualities": [], "competences": [],
                                  "completed": None}, "invalid_date"),
    ("supplementary_evaluation", {"date": AUGUST, "subjects": [], "qualities": [], "competences": [],
                                  "completed": "yes"}, "invalid_type"),
])
def test_the_new_fields_shapes(field, value, code):
    assert [e.code for e in assess(cht_record(**{field: value})).errors] == [code]


@pytest.mark.parametrize("field", ["supplementary_evaluation", "principal_decision", "awards", "exempted_subjects",
                                   "disability_class"])
def test_a_version_1_record_does_not_have_the_new_fields(field):
    errors = assess(valid_record(format=OLD_FORMAT, **{field: None})).errors
    assert [(e.code, e.field) for e in errors] == [("unknown_field", field)]
    assert "hocbaso.record/1" in errors[0].message


def test_a_version_1_record_is_judged_as_before():
    """No decision is required of an issued version 1 record, nor comments on the qualities."""
    record = cht_record(format=OLD_FORMAT, issuance=issuance(), outcome="CHT", completed_grade=False)
    for item in record["qualities"]:
        item["comment"] = ""
    assessment = assess(record)
    assert assessment.valid, assessment.errors
    assert (assessment.completed_grade, assessment.promoted) == (False, None)


def test_hocbaso_assess_on_the_cases_of_issue_19(tmp_path, capsys):
    """The command line: completed after the supplementary evaluation, kept back, an individual plan with an
    exempted subject (exit 0); an award the outcome does not allow, an exemption without a plan, an issued record
    without its comments (exit 1, each with its code)."""
    import json  # noqa: PLC0415 (this test only)

    from hocbaso.tt27.cli import main  # noqa: PLC0415

    plan = valid_record(4, individual_plan=True, outcome="HT",
                        exempted_subjects=[{"code": "am_nhac", "basis": "Kế hoạch giáo dục cá nhân 10/9/2024"}])
    plan["subjects"] = [s for s in plan["subjects"] if s["code"] != "am_nhac"]
    no_plan = valid_record(4, exempted_subjects=plan["exempted_subjects"])
    no_comment = valid_record(4, issuance=issuance(), outcome="HTT", completed_grade=True)
    entry(no_comment, "toan")["comment"] = ""
    cases = [
        (cht_record(supplementary_evaluation=again()), 0, {"completed_grade": True, "promoted": True}),
        (cht_record(supplementary_evaluation=again(rating="C", score=4),
                    principal_decision={"decision": "repeat", "date": "2025-08-20"}), 0,
         {"completed_grade": False, "promoted": False}),
        (plan, 0, {"outcome": "HT", "completed_grade": True}),
        (valid_record(4, award="hoc_sinh_xuat_sac"), 1, {"codes": ["award_not_allowed"]}),
        (no_plan, 1, {"codes": ["exemption_without_plan"]}),
        (no_comment, 1, {"codes": ["comment_missing"]}),
    ]
    for index, (record, status, expected) in enumerate(cases):
        path = tmp_path / f"{index}.json"
        path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        assert main([str(path)]) == status, index
        printed = json.loads(capsys.readouterr().out)
        if "codes" in expected:
            assert [e["code"] for e in printed["errors"]] == expected["codes"], index
        else:
            assert printed["valid"] and {k: printed[k] for k in expected} == expected, index
