"""TT27 Điều 13.1.a: Học sinh Xuất sắc for every HTXS pupil; Học sinh Tiêu biểu hoàn thành tốt trong
học tập và rèn luyện for an HTT pupil the class recognises (a nomination: never automatic)."""

import pytest

from hocbaso.tt27 import assess, award_for
from hocbaso.tt27.tests.factories import subject_entries, valid_record

SCORE_FOR = {"HTXS": 10, "HTT": 8, "HT": 5, "CHT": 4}


def record_for(outcome, award, grade=4):
    record = valid_record(grade, award=award)
    record["subjects"] = subject_entries(grade, score=SCORE_FOR[outcome])
    return record


@pytest.mark.parametrize("outcome, nominated, expected", [
    ("HTXS", False, "hoc_sinh_xuat_sac"), ("HTXS", True, "hoc_sinh_xuat_sac"),
    ("HTT", False, None), ("HTT", True, "hoc_sinh_tieu_bieu"),
    ("HT", False, None), ("HT", True, None), ("CHT", False, None), ("CHT", True, None),
])
def test_award_for(outcome, nominated, expected):
    assert award_for(outcome, nominated=nominated) == expected


def test_award_for_refuses_an_unknown_outcome():
    with pytest.raises(ValueError):
        award_for("XS")


# (outcome, given award) -> the computed award, or None for award_not_allowed
CASES = {
    ("HTXS", None): "hoc_sinh_xuat_sac",            # null means "not given": filled in
    ("HTXS", "hoc_sinh_xuat_sac"): "hoc_sinh_xuat_sac",
    ("HTXS", "hoc_sinh_tieu_bieu"): None,           # an HTXS pupil gets Xuất sắc
    ("HTT", None): "",                              # never automatic
    ("HTT", "hoc_sinh_tieu_bieu"): "hoc_sinh_tieu_bieu",
    ("HTT", "hoc_sinh_xuat_sac"): None,
    ("HT", None): "", ("HT", "hoc_sinh_tieu_bieu"): None, ("HT", "hoc_sinh_xuat_sac"): None,
    ("CHT", None): "", ("CHT", "hoc_sinh_tieu_bieu"): None, ("CHT", "hoc_sinh_xuat_sac"): None,
}


@pytest.mark.parametrize("grade", [1, 5])
@pytest.mark.parametrize("outcome, given", list(CASES))
def test_awards_on_a_record(grade, outcome, given):
    expected = CASES[outcome, given]
    assessment = assess(record_for(outcome, given, grade))
    if expected is None:
        assert [(e.code, e.field) for e in assessment.errors] == [("award_not_allowed", "award")]
        assert "Điều 13" in assessment.errors[0].message
        assert assessment.award is None and assessment.outcome is None
    else:
        assert assessment.valid and assessment.outcome == outcome
        assert assessment.award == (expected or None)


@pytest.mark.parametrize("given", ["hoc_sinh_gioi", "Học sinh Xuất sắc", "", 1])
def test_an_unknown_award_is_refused(given):
    errors = assess(record_for("HTXS", given)).errors
    assert [(e.code, e.field) for e in errors] == [
        ("invalid_value" if isinstance(given, str) else "invalid_type", "award")]


# --- format version 2: every kind of award (13.1.b exceptional achievement, 13.2 a higher level) ---

EXCEPTIONAL = {"kind": "dot_xuat", "title": "Giấy khen của Hiệu trưởng", "level": "Trường Tiểu học Trung Vương",
               "date": "2025-03-26", "reason": "Dũng cảm cứu bạn bị đuối nước ở suối Đắk Rung."}
HIGHER = {"kind": "cap_tren", "title": "Giấy khen", "level": "Sở Giáo dục và Đào tạo",
          "date": "2025-04-15", "reason": "Giải Nhất Hội thi Viết chữ đẹp cấp tỉnh."}


@pytest.mark.parametrize("outcome_fields", [{}, {"individual_plan": True, "outcome": "CHT"}])
def test_awards_of_every_kind_whatever_the_outcome(outcome_fields):
    """13.1.b and 13.2 awards are given for an achievement, not for the year's outcome."""
    record = valid_record(4, awards=[EXCEPTIONAL, HIGHER], **outcome_fields)
    assessment = assess(record)
    assert assessment.valid, assessment.errors
    assert assessment.award is None  # the year-end title (13.1.a) is separate and still computed


@pytest.mark.parametrize("change, expected", [
    ({"kind": "khen"}, ("invalid_value", "awards[0].kind")),
    ({"title": ""}, ("empty_field", "awards[0].title")),
    ({"level": None}, ("invalid_type", "awards[0].level")),
    ({"date": "26/03/2025"}, ("invalid_date", "awards[0].date")),
    ({"reason": " "}, ("empty_field", "awards[0].reason")),
])
def test_an_award_names_its_title_level_date_and_reason(change, expected):
    errors = assess(valid_record(4, awards=[EXCEPTIONAL | change])).errors
    assert [(e.code, e.field) for e in errors] == [expected]


def test_an_award_entry_has_every_key():
    entry_ = dict(EXCEPTIONAL)
    del entry_["reason"]
    assert [(e.code, e.field) for e in assess(valid_record(4, awards=[entry_])).errors] == [
        ("missing_field", "awards[0].reason")]
