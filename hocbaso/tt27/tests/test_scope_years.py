"""Which school years TT27 governs: Điều 2 of Thông tư 27/2020/TT-BGDĐT phases it in grade by grade
(grade 1 from 2020-2021 … grade 5 from 2024-2025). Earlier grade-years were evaluated under
TT30/2014 and TT22/2016 and are refused, not judged by TT27."""

import pytest

from hocbaso.tt27 import assess, catalogue
from hocbaso.tt27.tests.factories import valid_record

FIRST = {1: "2020-2021", 2: "2021-2022", 3: "2022-2023", 4: "2023-2024", 5: "2024-2025"}
LAST_UNCOVERED = {1: "2019-2020", 2: "2020-2021", 3: "2021-2022", 4: "2022-2023", 5: "2023-2024"}


def test_first_years():
    assert catalogue.FIRST_TT27_YEAR == {1: 2020, 2: 2021, 3: 2022, 4: 2023, 5: 2024}


@pytest.mark.parametrize("grade", catalogue.GRADES)
def test_covers_from_the_first_year_on(grade):
    assert catalogue.covers(grade, FIRST[grade])
    assert catalogue.covers(grade, "2030-2031")
    assert not catalogue.covers(grade, LAST_UNCOVERED[grade])
    assert not catalogue.covers(grade, "2015-2016")


@pytest.mark.parametrize("year", ["2024-2026", "2024/2025", "24-25", "2025-2024", "2024-2025 ", "", None, 2024])
def test_covers_refuses_a_malformed_year(year):
    with pytest.raises(ValueError):
        catalogue.covers(4, year)


@pytest.mark.parametrize("grade", catalogue.GRADES)
def test_a_record_in_the_first_covered_year_is_assessed(grade):
    assessment = assess(valid_record(grade, school_year=FIRST[grade]))
    assert assessment.valid and assessment.outcome == "HTT"


@pytest.mark.parametrize("grade", catalogue.GRADES)
def test_a_record_before_tt27_is_refused_with_a_clear_message(grade):
    assessment = assess(valid_record(grade, school_year=LAST_UNCOVERED[grade]))
    assert [(e.code, e.field) for e in assessment.errors] == [("school_year_not_covered", "school_year")]
    message = assessment.errors[0].message
    assert LAST_UNCOVERED[grade] in message and FIRST[grade] in message
    assert "Thông tư 30/2014/TT-BGDĐT" in message and "Thông tư 22/2016/TT-BGDĐT" in message
    assert assessment.as_dict()["outcome"] is None and assessment.completed_grade is None


def test_an_old_rules_record_is_not_judged_by_tt27_lists():
    # Grade 4 in 2022-2023 had TT22's subjects (no Công nghệ, Tin học optional…): only the scope error.
    record = valid_record(4, school_year="2022-2023", outcome="HT")
    record["subjects"] = [{"code": "tieng_viet", "rating": "H", "score": 6, "comment": ""},
                          {"code": "tin_hoc_cu", "rating": "H", "score": None, "comment": ""}]
    record["qualities"] = [{"code": "cham_hoc_cham_lam", "rating": "Đ", "comment": ""}]
    assert [e.code for e in assess(record).errors] == ["school_year_not_covered"]


def test_format_errors_are_still_reported_for_an_uncovered_year():
    record = valid_record(3, school_year="2021-2022", class_name="4A")
    record["pupil"]["gender"] = "M"
    assert [e.code for e in assess(record).errors] == ["invalid_gender", "class_grade_mismatch",
                                                       "school_year_not_covered"]
