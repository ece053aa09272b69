"""TT27 Điều 8: pupils with disabilities.

8.2/8.3: in a class for pupils with disabilities only Tiếng Việt and Toán have periodic tests
(at the end of term I and of the year; grades 4–5 also at mid-terms). A pupil on an individual
education plan (``individual_plan``) is judged against the plan: the scales are still checked,
scores are not required, and the outcome is the teacher's and must be given.
"""

import pytest

from hocbaso.tt27 import assess, catalogue
from hocbaso.tt27.tests.factories import OLD_FORMAT, entry, index_of, subject_entries, valid_record

CORE = ("tieng_viet", "toan")


@pytest.mark.parametrize("grade", catalogue.GRADES)
def test_class_for_pupils_with_disabilities_tests_only_tieng_viet_and_toan(grade):
    for period in ("cuoi_hk1", "cuoi_nam"):
        assert catalogue.scored_subjects(grade, period, disability_class=True) == CORE
    for period in ("giua_hk1", "giua_hk2"):
        assert catalogue.scored_subjects(grade, period, disability_class=True) == (CORE if grade >= 4 else ())
    for subject in catalogue.SUBJECTS:
        if subject not in CORE:
            assert not any(catalogue.has_periodic_test(grade, subject, period, disability_class=True)
                           for period in catalogue.PERIODS)


def iep_record(grade=4, outcome="HT", **fields):
    return valid_record(grade, individual_plan=True, outcome=outcome, **fields)


@pytest.mark.parametrize("grade", catalogue.GRADES)
@pytest.mark.parametrize("outcome, completed", [("HTXS", True), ("HTT", True), ("HT", True), ("CHT", False)])
def test_a_version_1_record_takes_the_teachers_outcome_as_given(grade, outcome, completed):
    record = iep_record(grade, outcome, format=OLD_FORMAT)
    record["subjects"] = subject_entries(grade, rating="C", score=None)  # the Điều 9 table would say CHT
    assessment = assess(record)
    assert assessment.valid, assessment.errors
    assert assessment.outcome == outcome
    assert assessment.completed_grade is completed
    assert assessment.completed_primary is (completed if grade == 5 else None)
    assert assessment.award == ("hoc_sinh_xuat_sac" if outcome == "HTXS" else None)


@pytest.mark.parametrize("fields", [{"outcome": None}, {}])
def test_the_outcome_is_required(fields):
    record = valid_record(4, individual_plan=True, **fields)
    if not fields:
        del record["outcome"]
    assessment = assess(record)
    assert [(e.code, e.field) for e in assessment.errors] == [("outcome_required", "outcome")]
    assert "kế hoạch giáo dục cá nhân" in assessment.errors[0].message
    assert assessment.outcome is None


def test_scores_are_not_required_but_still_checked():
    record = iep_record()
    for item in record["subjects"]:
        item["score"] = None
    assert assess(record).valid
    entry(record, "toan")["score"] = 11
    entry(record, "dao_duc")["score"] = 5
    assert [(e.code, e.field) for e in assess(record).errors] == [
        ("score_out_of_range", f"subjects[{index_of(record, 'toan')}].score"),
        ("score_not_applicable", f"subjects[{index_of(record, 'dao_duc')}].score")]


def test_period_scores_are_not_required_either():
    periods = {"giua_hk1": {"subjects": [{"code": "toan", "rating": "H", "score": None, "comment": ""}],
                            "qualities": [], "competences": []}}
    assert assess(iep_record(periods=periods)).valid
    assert [e.code for e in assess(valid_record(4, periods=periods)).errors] == ["score_missing"]


def test_scales_and_lists_are_still_checked():
    record = iep_record()
    entry(record, "am_nhac")["rating"] = "Đ"
    entry(record, "nhan_ai", "qualities")["rating"] = "D"
    record["competences"].pop(0)
    assert [(e.code, e.field) for e in assess(record).errors] == [
        ("invalid_rating", f"subjects[{index_of(record, 'am_nhac')}].rating"),
        ("invalid_rating", "qualities[1].rating"),
        ("competence_missing", "competences")]


def test_a_nomination_goes_with_an_htt_judgement():
    assert assess(iep_record(outcome="HTT", award="hoc_sinh_tieu_bieu")).award == "hoc_sinh_tieu_bieu"
    assert [e.code for e in assess(iep_record(outcome="HT", award="hoc_sinh_tieu_bieu")).errors] == ["award_not_allowed"]


def test_completion_must_agree_with_the_teachers_outcome():
    errors = assess(iep_record(5, "CHT", completed_grade=True, completed_primary=True)).errors
    assert [e.code for e in errors] == ["completed_grade_mismatch", "completed_primary_mismatch"]


@pytest.mark.parametrize("value", [False, None])
def test_individual_plan_false_or_null_is_the_ordinary_evaluation(value):
    record = valid_record(4, individual_plan=value, outcome="HTXS")  # computed: HTT
    assert [e.code for e in assess(record).errors] == ["outcome_mismatch"]


@pytest.mark.parametrize("value", ["true", 1, "có"])
def test_individual_plan_is_a_boolean(value):
    errors = assess(valid_record(4, individual_plan=value)).errors
    assert [(e.code, e.field) for e in errors] == [("invalid_type", "individual_plan")]


def test_a_missing_outcome_is_reported_even_when_the_lists_are_wrong():
    record = valid_record(4, individual_plan=True)
    record["subjects"].pop()
    assert [(e.code, e.field) for e in assess(record).errors] == [("subject_missing", "subjects"),
                                                                 ("outcome_required", "outcome")]


# --- format version 2: the outcome a plan allows, exemptions, the class or school for pupils with disabilities ---

def _exempt(*codes):
    return [{"code": code, "basis": "Kế hoạch giáo dục cá nhân ngày 10/9/2024"} for code in codes]


@pytest.mark.parametrize("outcome", ["HTXS", "HTT", "HT"])
def test_a_plan_rated_c_everywhere_is_cht_whatever_the_teacher_writes(outcome):
    """The gap of issue 19: C everywhere with HTXS was valid and earned Học sinh Xuất sắc."""
    record = iep_record(4, outcome)
    record["subjects"] = subject_entries(4, rating="C", score=None)
    errors = assess(record).errors
    assert [(e.code, e.field) for e in errors] == [("outcome_not_allowed_by_plan", "outcome")]
    assert "Điều 8" in errors[0].message and "Chưa hoàn thành (CHT)" in errors[0].message


def test_a_plan_without_tests_leaves_htxs_or_htt_to_the_teacher():
    record = iep_record(4, "HTXS")
    for item in record["subjects"]:
        item["score"] = None
    for outcome in ("HTXS", "HTT", "HT"):
        record["outcome"] = outcome
        assessment = assess(record)
        assert assessment.valid and assessment.outcome == outcome
    assert assess(record | {"outcome": "HTXS"}).award == "hoc_sinh_xuat_sac"


def test_a_score_given_on_a_plan_bounds_the_outcome():
    record = iep_record(4, "HTXS")  # scores 8: at most HTT
    assert [e.code for e in assess(record).errors] == ["outcome_not_allowed_by_plan"]
    record["outcome"] = "HTT"
    assert assess(record).valid


def test_an_award_needs_the_outcome_on_a_plan_too():
    record = iep_record(4, "HT")
    entry(record, "am_nhac")["rating"] = "H"
    record["award"] = "hoc_sinh_xuat_sac"
    assert [e.code for e in assess(record).errors] == ["award_not_allowed"]


@pytest.mark.parametrize("grade, exempted", [(1, "giao_duc_the_chat"), (4, "am_nhac"), (5, "ngoai_ngu_1")])
def test_an_exempted_subject_on_a_plan(grade, exempted):
    record = iep_record(grade, "HTT", exempted_subjects=_exempt(exempted))
    record["subjects"] = [item for item in record["subjects"] if item["code"] != exempted]
    assessment = assess(record)
    assert assessment.valid, assessment.errors
    assert assessment.outcome == "HTT" and assessment.completed_grade is True


def test_an_exemption_needs_a_plan():
    record = valid_record(4, exempted_subjects=_exempt("am_nhac"))
    record["subjects"] = [item for item in record["subjects"] if item["code"] != "am_nhac"]
    errors = assess(record).errors
    assert [(e.code, e.field) for e in errors] == [("subject_missing", "subjects"),
                                                   ("exemption_without_plan", "exempted_subjects")]
    assert "Điều 8" in errors[1].message


def test_exemptions_are_of_compulsory_subjects_once_and_not_rated():
    record = iep_record(4, "HTT", exempted_subjects=_exempt("am_nhac", "am_nhac", "tieng_dan_toc", "toan"))
    record["subjects"] = [item for item in record["subjects"] if item["code"] != "am_nhac"]
    assert [(e.code, e.field) for e in assess(record).errors] == [
        ("exemption_invalid", "exempted_subjects[1].code"),
        ("exemption_invalid", "exempted_subjects[2].code"),
        ("exempted_subject_evaluated", "exempted_subjects[3].code")]


def test_an_exemption_needs_its_basis():
    record = iep_record(4, "HTT", exempted_subjects=[{"code": "am_nhac", "basis": " "}])
    record["subjects"] = [item for item in record["subjects"] if item["code"] != "am_nhac"]
    assert [(e.code, e.field) for e in assess(record).errors] == [("empty_field", "exempted_subjects[0].basis")]


@pytest.mark.parametrize("setting", ["class", "school"])
def test_in_a_class_or_school_for_pupils_with_disabilities_only_tieng_viet_and_toan_are_tested(setting):
    record = valid_record(4, disability_class=setting)
    for item in record["subjects"]:
        if item["code"] not in CORE:
            item["score"] = None
    assessment = assess(record)
    assert assessment.valid, assessment.errors
    assert assessment.outcome == "HTT"
    entry(record, "khoa_hoc")["score"] = 8
    assert [e.code for e in assess(record).errors] == ["score_not_applicable"]
    assert [e.code for e in assess(valid_record(4, disability_class="lop")).errors] == ["invalid_value"]
    assert [e.code for e in assess(valid_record(4, disability_class=True)).errors] == ["invalid_type"]
