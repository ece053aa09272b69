"""TT27 Điều 9.2: the year's outcome from the year-end results.

HTXS: all subjects T, all qualities and competences T, all year-end scores >= 9.
HTT: not HTXS; all subjects T, all traits T, all scores >= 7.
HT: neither; all subjects T or H, all traits T or Đ, all scores >= 5.
CHT: everyone else.
"""

import pytest

from hocbaso.tt27 import assess, catalogue, compute_outcome
from hocbaso.tt27.tests.factories import entry, index_of, subject_entries, valid_record

TRAITS = [("qualities", code) for code in catalogue.QUALITIES] + [("competences", code) for code in catalogue.COMPETENCES]


def record_with(grade=4, *, rating="T", trait="T", score=10, optional=()):
    record = valid_record(grade)
    record["subjects"] = subject_entries(grade, rating=rating, score=score, optional=optional)
    for kind, code in TRAITS:
        entry(record, code, kind)["rating"] = trait
    return record


def outcome_of(record):
    assessment = assess(record)
    assert assessment.valid, assessment.errors
    return assessment.outcome


# --- compute_outcome on its own --------------------------------------------------------------

@pytest.mark.parametrize("scores, expected", [
    ([10, 10], "HTXS"), ([9, 10], "HTXS"), ([9, 9], "HTXS"),
    ([8, 10], "HTT"), ([7, 9], "HTT"), ([7, 7], "HTT"),
    ([6, 10], "HT"), ([5, 9], "HT"), ([5, 5], "HT"),
    ([4, 10], "CHT"), ([0, 10], "CHT"), ([0, 0], "CHT"),
])
def test_score_boundaries_with_every_rating_top(scores, expected):
    assert compute_outcome(subject_ratings=["T"] * 8, trait_ratings=["T"] * 15, scores=scores) == expected


@pytest.mark.parametrize("subjects, traits, scores, expected", [
    (["T", "H"], ["T"], [10], "HT"),          # one H: not HTXS nor HTT, whatever the scores
    (["T", "T"], ["T", "Đ"], [10], "HT"),     # one Đ
    (["H", "H"], ["Đ", "Đ"], [5], "HT"),
    (["H"], ["Đ"], [4], "CHT"),
    (["T", "C"], ["T"], [10], "CHT"),         # one C in a subject
    (["T"], ["T", "C"], [10], "CHT"),         # one C in a quality or competence
    (["C"], ["C"], [0], "CHT"),
    (["T"], ["T"], [], "HTXS"),               # no score to fall short
])
def test_rating_combinations(subjects, traits, scores, expected):
    assert compute_outcome(subject_ratings=subjects, trait_ratings=traits, scores=scores) == expected


@pytest.mark.parametrize("kwargs", [
    {"subject_ratings": ["Đ"], "trait_ratings": ["T"], "scores": [9]},
    {"subject_ratings": ["T"], "trait_ratings": ["H"], "scores": [9]},
    {"subject_ratings": ["T"], "trait_ratings": ["T"], "scores": [11]},
    {"subject_ratings": ["T"], "trait_ratings": ["T"], "scores": [8.5]},
    {"subject_ratings": ["T"], "trait_ratings": ["T"], "scores": [True]},
    {"subject_ratings": ["T"], "trait_ratings": ["T"], "scores": [None]},
])
def test_compute_outcome_refuses_values_outside_the_scales(kwargs):
    with pytest.raises(ValueError):
        compute_outcome(**kwargs)


# --- on a record, every grade ----------------------------------------------------------------

@pytest.mark.parametrize("score, expected", [(10, "HTXS"), (9, "HTXS"), (8, "HTT"), (7, "HTT"), (6, "HT"), (5, "HT"),
                                             (4, "CHT"), (0, "CHT")])
def test_uniform_scores_in_every_grade(score, expected):
    for grade in catalogue.GRADES:
        assert (grade, outcome_of(record_with(grade, score=score))) == (grade, expected)


@pytest.mark.parametrize("grade", catalogue.GRADES)
@pytest.mark.parametrize("score, expected", [(9, "HTXS"), (8, "HTT"), (7, "HTT"), (6, "HT"), (5, "HT"), (4, "CHT"),
                                             (0, "CHT")])
def test_one_score_in_any_scored_subject_decides(grade, score, expected):
    for subject in catalogue.scored_subjects(grade):
        record = record_with(grade, score=10)
        entry(record, subject)["score"] = score
        assert (subject, outcome_of(record)) == (subject, expected)


@pytest.mark.parametrize("grade", catalogue.GRADES)
@pytest.mark.parametrize("rating, expected", [("T", "HTXS"), ("H", "HT"), ("C", "CHT")])
def test_one_subject_rating_decides(grade, rating, expected):
    for subject in catalogue.compulsory_subjects(grade):
        record = record_with(grade, score=10)
        entry(record, subject)["rating"] = rating
        assert (subject, outcome_of(record)) == (subject, expected)


@pytest.mark.parametrize("rating, expected", [("T", "HTXS"), ("Đ", "HT"), ("C", "CHT")])
def test_one_quality_or_competence_rating_decides(rating, expected):
    for kind, code in TRAITS:
        record = record_with(4, score=10)
        entry(record, code, kind)["rating"] = rating
        assert (code, outcome_of(record)) == (code, expected)


@pytest.mark.parametrize("rating, trait, score, expected", [
    ("T", "T", 9, "HTXS"), ("T", "T", 7, "HTT"), ("T", "Đ", 10, "HT"), ("H", "T", 10, "HT"), ("H", "Đ", 5, "HT"),
    ("H", "Đ", 4, "CHT"), ("C", "T", 10, "CHT"), ("T", "C", 10, "CHT"),
])
def test_trait_and_subject_combinations(rating, trait, score, expected):
    assert outcome_of(record_with(5, rating=rating, trait=trait, score=score)) == expected


def test_htt_needs_every_trait_t_even_with_top_scores():
    record = record_with(4, score=10)
    entry(record, "trung_thuc", "qualities")["rating"] = "Đ"
    assert outcome_of(record) == "HT"


def test_a_zero_score_is_a_valid_cht():
    record = record_with(1, score=10)
    entry(record, "toan")["score"] = 0
    assert outcome_of(record) == "CHT"


@pytest.mark.parametrize("grade, optional", [(1, "ngoai_ngu_1"), (2, "tieng_dan_toc"), (5, "tieng_dan_toc")])
@pytest.mark.parametrize("rating, expected", [("T", "HTXS"), ("H", "HT"), ("C", "CHT")])
def test_optional_subjects_count_like_any_other(grade, optional, rating, expected):
    record = record_with(grade, score=10, optional=(optional,))
    entry(record, optional)["rating"] = rating
    assert outcome_of(record) == expected


# --- a given outcome must agree ---------------------------------------------------------------

@pytest.mark.parametrize("score, computed", [(10, "HTXS"), (8, "HTT"), (5, "HT"), (3, "CHT")])
def test_the_right_outcome_may_be_given(score, computed):
    record = record_with(4, score=score)
    record["outcome"] = computed
    assessment = assess(record)
    assert assessment.valid and assessment.outcome == computed


@pytest.mark.parametrize("given", ["HTXS", "HTT", "HT", "CHT"])
def test_a_different_outcome_is_an_error(given):
    record = record_with(4, score=6)  # HT
    record["outcome"] = given
    assessment = assess(record)
    if given == "HT":
        assert assessment.valid
        return
    assert [(e.code, e.field) for e in assessment.errors] == [("outcome_mismatch", "outcome")]
    assert assessment.outcome is None
    message = assessment.errors[0].message
    assert catalogue.OUTCOMES[given] in message and "Hoàn thành (HT)" in message and "Điều 9" in message


@pytest.mark.parametrize("given", ["XS", "htt", "Hoàn thành tốt", 1, True])
def test_an_outcome_outside_the_four_is_refused(given):
    record = record_with(4)
    record["outcome"] = given
    errors = assess(record).errors
    assert [(e.code, e.field) for e in errors] == [
        ("invalid_value" if isinstance(given, str) else "invalid_type", "outcome")]


def test_outcome_null_or_absent_is_computed():
    record = record_with(4, score=8)
    assert outcome_of(record) == "HTT"
    del record["outcome"]
    assert outcome_of(record) == "HTT"


def test_no_outcome_when_an_input_of_the_outcome_is_wrong():
    record = record_with(4)
    entry(record, "toan")["score"] = None
    record["outcome"] = "CHT"  # not compared: the outcome cannot be computed
    assessment = assess(record)
    assert [(e.code, e.field) for e in assessment.errors] == [("score_missing", f"subjects[{index_of(record, 'toan')}].score")]
    assert assessment.as_dict() == {"valid": False, "errors": [e.as_dict() for e in assessment.errors],
                                    "outcome": None, "award": None, "completed_grade": None,
                                    "completed_primary": None, "promoted": None}


def test_mismatch_is_found_even_when_another_part_of_the_record_is_wrong():
    record = record_with(4, score=10)
    record["pupil"]["gender"] = "nam"
    record["outcome"] = "HT"
    assert [(e.code, e.field) for e in assess(record).errors] == [("invalid_gender", "pupil.gender"),
                                                                 ("outcome_mismatch", "outcome")]
