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
