"""TT27 Điều 7 (đánh giá định kì) with the subjects of Chương trình GDPT 2018.

7.1.a: subjects and activities are rated T / H / C; 7.2: qualities and competences T / Đ / C;
7.1.b: which subjects have a periodic test at which period; 7.1.d: scores are whole numbers on a
10-point scale, 0 allowed, no decimals.
"""

import pytest

from hocbaso.tt27 import assess, catalogue
from hocbaso.tt27.tests.factories import entry, index_of, period_lists, subject_entries, valid_record

TV, TOAN, NN1, LSDL, KH, TIN, CN = "tieng_viet", "toan", "ngoai_ngu_1", "lich_su_dia_li", "khoa_hoc", "tin_hoc", "cong_nghe"

# Điều 7.1.b, written out by hand (not derived from the catalogue).
EXPECTED_TESTS = {
    (1, "giua_hk1"): (), (1, "cuoi_hk1"): (TV, TOAN), (1, "giua_hk2"): (), (1, "cuoi_nam"): (TV, TOAN),
    (2, "giua_hk1"): (), (2, "cuoi_hk1"): (TV, TOAN), (2, "giua_hk2"): (), (2, "cuoi_nam"): (TV, TOAN),
    (3, "giua_hk1"): (), (3, "cuoi_hk1"): (TV, TOAN, NN1, TIN, CN), (3, "giua_hk2"): (),
    (3, "cuoi_nam"): (TV, TOAN, NN1, TIN, CN),
    (4, "giua_hk1"): (TV, TOAN), (4, "cuoi_hk1"): (TV, TOAN, NN1, LSDL, KH, TIN, CN), (4, "giua_hk2"): (TV, TOAN),
    (4, "cuoi_nam"): (TV, TOAN, NN1, LSDL, KH, TIN, CN),
    (5, "giua_hk1"): (TV, TOAN), (5, "cuoi_hk1"): (TV, TOAN, NN1, LSDL, KH, TIN, CN), (5, "giua_hk2"): (TV, TOAN),
    (5, "cuoi_nam"): (TV, TOAN, NN1, LSDL, KH, TIN, CN),
}
ALL_CASES = [(grade, period, subject) for (grade, period) in EXPECTED_TESTS for subject in catalogue.SUBJECTS]


def codes(assessment):
    return [(error.code, error.field) for error in assessment.errors]


def only_error(record):
    assessment = assess(record)
    assert not assessment.valid
    assert len(assessment.errors) == 1, assessment.errors
    assert assessment.outcome is None and assessment.award is None
    assert assessment.completed_grade is None and assessment.completed_primary is None
    return assessment.errors[0]


# --- 7.1.b: which subjects have a periodic test, per grade and period -----------------------

@pytest.mark.parametrize("grade", catalogue.GRADES)
def test_has_periodic_test_for_every_period_and_subject(grade):
    wrong = [(period, subject) for (g, period, subject) in ALL_CASES if g == grade
             if catalogue.has_periodic_test(grade, subject, period) is not (subject in EXPECTED_TESTS[grade, period])]
    assert wrong == []


@pytest.mark.parametrize("grade, period", list(EXPECTED_TESTS))
def test_scored_subjects_per_grade_and_period(grade, period):
    assert catalogue.scored_subjects(grade, period) == EXPECTED_TESTS[grade, period]


def test_scored_subjects_default_to_the_year_end():
    for grade in catalogue.GRADES:
        assert catalogue.scored_subjects(grade) == EXPECTED_TESTS[grade, "cuoi_nam"]


@pytest.mark.parametrize("grade", [1, 2])
def test_optional_foreign_language_of_grades_1_2_has_no_periodic_test(grade):
    # Điều 7.1.b names compulsory subjects; Ngoại ngữ 1 is optional in grades 1-2.
    for period in catalogue.PERIODS:
        assert not catalogue.has_periodic_test(grade, NN1, period)


def test_unknown_period_or_subject():
    with pytest.raises(ValueError):
        catalogue.has_periodic_test(4, TOAN, "cuoi_hk2")
    with pytest.raises(ValueError):
        catalogue.scored_subjects(4, "ca_nam")
    assert catalogue.has_periodic_test(4, "toan_hoc", "cuoi_nam") is False


# --- year-end scores on a record -------------------------------------------------------------

@pytest.mark.parametrize("grade, subject", [(g, s) for g in catalogue.GRADES for s in EXPECTED_TESTS[g, "cuoi_nam"]])
def test_year_end_score_is_required_for_every_scored_subject(grade, subject):
    record = valid_record(grade)
    entry(record, subject)["score"] = None
    error = only_error(record)
    assert (error.code, error.field) == ("score_missing", f"subjects[{index_of(record, subject)}].score")
    assert catalogue.SUBJECTS[subject] in error.message


@pytest.mark.parametrize("grade, subject", [(g, s) for g in catalogue.GRADES for s in catalogue.grade_subjects(g)
                                            if s not in EXPECTED_TESTS[g, "cuoi_nam"]])
def test_year_end_score_is_refused_on_every_unscored_subject(grade, subject):
    record = valid_record(grade, subjects=subject_entries(grade, optional=catalogue.optional_subjects(grade)))
    assert assess(record).valid
    entry(record, subject)["score"] = 9
    error = only_error(record)
    assert (error.code, error.field) == ("score_not_applicable", f"subjects[{index_of(record, subject)}].score")
    assert catalogue.SUBJECTS[subject] in error.message


def test_the_spec_example_message_for_a_bad_score():
    record = valid_record(4)
    record["subjects"][1]["score"] = 11
    error = only_error(record)
    assert error.as_dict() == {"code": "score_out_of_range", "field": "subjects[1].score",
                               "message": "Điểm kiểm tra định kì môn Toán phải là số nguyên từ 0 đến 10."}


@pytest.mark.parametrize("score", list(range(0, 11)))
def test_every_whole_score_from_0_to_10_is_accepted(score):
    # 7.1.d: TT27 no longer forbids 0.
    record = valid_record(4)
    entry(record, TOAN)["score"] = score
    assert assess(record).valid


@pytest.mark.parametrize("score", [-1, 11, 100, 7.5, 7.0, 0.0, 10.0, "8", "", True, False, [8], {"value": 8}])
def test_a_score_outside_0_10_or_not_a_json_integer_is_out_of_range(score):
    record = valid_record(4)
    entry(record, KH)["score"] = score
    error = only_error(record)
    assert (error.code, error.field) == ("score_out_of_range", f"subjects[{index_of(record, KH)}].score")
    assert error.message == "Điểm kiểm tra định kì môn Khoa học phải là số nguyên từ 0 đến 10."


def test_score_not_applicable_wins_over_a_bad_value_on_an_unscored_subject():
    record = valid_record(4)
    entry(record, "dao_duc")["score"] = 7.5
    assert codes(assess(record)) == [("score_not_applicable", f"subjects[{index_of(record, 'dao_duc')}].score")]


# --- scores in periods (Điều 7.1.b, Điều 9.1 class summary) ---------------------------------

PERIOD_WORDS = {"giua_hk1": "giữa học kì I", "cuoi_hk1": "cuối học kì I", "giua_hk2": "giữa học kì II"}


@pytest.mark.parametrize("grade", catalogue.GRADES)
@pytest.mark.parametrize("period", list(PERIOD_WORDS))
def test_period_scores_for_every_grade_period_and_subject(grade, period):
    """A period's subject entry carries a score exactly when the subject has a test then."""
    for subject in catalogue.grade_subjects(grade):
        scored = subject in EXPECTED_TESTS[grade, period]
        item = {"code": subject, "rating": "H", "score": 6 if scored else None, "comment": ""}
        lists = {"subjects": [item], "qualities": [], "competences": []}
        assert assess(valid_record(grade, periods={period: lists})).valid, subject
        item["score"] = None if scored else 6
        error = only_error(valid_record(grade, periods={period: lists}))
        assert error.field == f"periods.{period}.subjects[0].score"
        assert error.code == ("score_missing" if scored else "score_not_applicable"), subject
        assert f"{PERIOD_WORDS[period]} ở lớp {grade}" in error.message


@pytest.mark.parametrize("period", ["giua_hk1", "cuoi_hk1", "giua_hk2"])
def test_full_period_lists_are_valid(period):
    for grade in catalogue.GRADES:
        assert assess(valid_record(grade, periods={period: period_lists(grade, period)})).valid


def test_period_score_out_of_range_names_the_period():
    lists = period_lists(4, "giua_hk1")
    lists["subjects"][1]["score"] = 9.5
    error = only_error(valid_record(4, periods={"giua_hk1": lists}))
    assert error.as_dict() == {
        "code": "score_out_of_range", "field": "periods.giua_hk1.subjects[1].score",
        "message": "Điểm kiểm tra định kì môn Toán (giữa học kì I) phải là số nguyên từ 0 đến 10."}


def test_period_lists_may_be_partial_or_empty():
    periods = {"giua_hk1": {"subjects": [], "qualities": [], "competences": []},
               "cuoi_hk1": {"subjects": [{"code": TOAN, "rating": "T", "score": 0, "comment": ""}],
                            "qualities": [{"code": "nhan_ai", "rating": "Đ", "comment": ""}], "competences": []}}
    assert assess(valid_record(4, periods=periods)).valid


def test_every_period_entry_is_checked_like_a_year_end_one():
    periods = {"cuoi_hk1": {
        "subjects": [{"code": "tu_nhien_xa_hoi", "rating": "T", "score": None, "comment": ""},
                     {"code": "toan_hoc", "rating": "T", "score": None, "comment": ""},
                     {"code": TOAN, "rating": "A", "score": 5, "comment": ""},
                     {"code": TOAN, "rating": None, "score": 5, "comment": ""}],
        "qualities": [{"code": "yeu_nuoc", "rating": "H", "comment": ""}],
        "competences": [{"code": "tinh_toan", "rating": None, "comment": ""},
                        {"code": "ngoai_ngu", "rating": "T", "comment": ""}]}}
    assert codes(assess(valid_record(4, periods=periods))) == [
        ("subject_not_in_grade", "periods.cuoi_hk1.subjects[0].code"),
        ("unknown_subject", "periods.cuoi_hk1.subjects[1].code"),
        ("invalid_rating", "periods.cuoi_hk1.subjects[2].rating"),
        ("duplicate_subject", "periods.cuoi_hk1.subjects[3].code"),
        ("rating_missing", "periods.cuoi_hk1.subjects[3].rating"),
        ("invalid_rating", "periods.cuoi_hk1.qualities[0].rating"),
        ("rating_missing", "periods.cuoi_hk1.competences[0].rating"),
        ("unknown_competence", "periods.cuoi_hk1.competences[1].code"),
    ]


def test_period_errors_do_not_hide_a_year_end_error():
    periods = {"giua_hk2": {"subjects": [{"code": TOAN, "rating": "T", "score": None, "comment": ""}],
                            "qualities": [], "competences": []}}
    record = valid_record(5, periods=periods)
    entry(record, TIN)["score"] = None
    assert codes(assess(record)) == [("score_missing", f"subjects[{index_of(record, TIN)}].score"),
                                     ("score_missing", "periods.giua_hk2.subjects[0].score")]


# --- subjects of each grade (Chương trình GDPT 2018) -----------------------------------------

@pytest.mark.parametrize("grade", catalogue.GRADES)
def test_every_compulsory_subject_of_every_grade_is_required(grade):
    for subject in catalogue.compulsory_subjects(grade):
        record = valid_record(grade)
        record["subjects"] = [item for item in record["subjects"] if item["code"] != subject]
        error = only_error(record)
        assert (error.code, error.field) == ("subject_missing", "subjects")
        assert catalogue.SUBJECTS[subject] in error.message and f"lớp {grade}" in error.message


@pytest.mark.parametrize("grade, subject", [(g, s) for g in catalogue.GRADES for s in catalogue.SUBJECTS
                                            if s not in catalogue.grade_subjects(g)])
def test_a_subject_the_grade_does_not_have_is_refused(grade, subject):
    record = valid_record(grade)
    record["subjects"].append({"code": subject, "rating": "T", "score": None, "comment": ""})
    error = only_error(record)
    assert (error.code, error.field) == ("subject_not_in_grade", f"subjects[{len(record['subjects']) - 1}].code")
    assert catalogue.SUBJECTS[subject] in error.message and f"Lớp {grade}" in error.message


def test_subjects_not_in_grade_examples():
    # tu_nhien_xa_hoi stops after grade 3; lich_su_dia_li and khoa_hoc start in grade 4; tin_hoc in grade 3.
    for grade, subject in [(4, "tu_nhien_xa_hoi"), (5, "tu_nhien_xa_hoi"), (3, LSDL), (3, KH), (2, TIN), (1, CN)]:
        record = valid_record(grade)
        record["subjects"].append({"code": subject, "rating": "T", "score": None, "comment": ""})
        assert [e.code for e in assess(record).errors] == ["subject_not_in_grade"]


@pytest.mark.parametrize("grade, subject", [(g, s) for g in catalogue.GRADES for s in catalogue.optional_subjects(g)])
def test_optional_subjects_are_accepted_without_a_score(grade, subject):
    record = valid_record(grade)
    record["subjects"].append({"code": subject, "rating": "H", "score": None, "comment": ""})
    assessment = assess(record)
    assert assessment.valid and assessment.outcome == "HT"  # an optional subject counts (Điều 9.2)


def test_unknown_subject_code():
    record = valid_record(4)
    record["subjects"].append({"code": "toan_hoc", "rating": "T", "score": None, "comment": ""})
    error = only_error(record)
    assert (error.code, error.field) == ("unknown_subject", "subjects[12].code")
    assert '"toan_hoc"' in error.message


def test_a_competence_code_in_subjects_gets_a_hint():
    record = valid_record(4)
    record["subjects"].append({"code": "tinh_toan", "rating": "T", "score": None, "comment": ""})
    error = only_error(record)
    assert error.code == "unknown_subject" and "mã năng lực" in error.message


def test_code_matching_is_exact():
    for code in ("Toan", " toan", "toan ", "TOAN"):
        record = valid_record(4)
        entry(record, TOAN)["code"] = code
        assert {e.code for e in assess(record).errors} == {"unknown_subject", "subject_missing"}


def test_duplicate_subject_is_reported_on_the_second_entry():
    record = valid_record(4)
    record["subjects"].append(dict(entry(record, TOAN)))
    error = only_error(record)
    assert (error.code, error.field) == ("duplicate_subject", "subjects[12].code")
    assert "Toán" in error.message


def test_subject_order_is_free():
    record = valid_record(4)
    record["subjects"].reverse()
    record["qualities"].reverse()
    record["competences"].reverse()
    assert assess(record).valid


# --- qualities and competences (Điều 7.2) ----------------------------------------------------

@pytest.mark.parametrize("kind, table, missing_code", [("qualities", catalogue.QUALITIES, "quality_missing"),
                                                       ("competences", catalogue.COMPETENCES, "competence_missing")])
def test_every_quality_and_competence_is_required(kind, table, missing_code):
    for code, name in table.items():
        record = valid_record(3)
        record[kind] = [item for item in record[kind] if item["code"] != code]
        error = only_error(record)
        assert (error.code, error.field) == (missing_code, kind)
        assert name in error.message


@pytest.mark.parametrize("kind, code, expected", [
    ("qualities", "cham_hoc", "unknown_quality"),
    ("qualities", "tu_chu_tu_hoc", "unknown_quality"),
    ("competences", "yeu_nuoc", "unknown_competence"),
    ("competences", "toan", "unknown_competence"),
    ("competences", "ngoai_ngu_1", "unknown_competence"),
])
def test_unknown_quality_or_competence(kind, code, expected):
    record = valid_record(4)
    record[kind].append({"code": code, "rating": "T", "comment": ""})
    error = only_error(record)
    assert (error.code, error.field) == (expected, f"{kind}[{len(record[kind]) - 1}].code")


def test_subject_codes_that_are_also_competences_are_accepted_as_competences():
    record = valid_record(4)
    assert {"khoa_hoc", "cong_nghe", "tin_hoc"} <= {item["code"] for item in record["competences"]}
    assert assess(record).valid


@pytest.mark.parametrize("kind, code, expected", [("qualities", "trung_thuc", "duplicate_quality"),
                                                  ("competences", "the_chat", "duplicate_competence")])
def test_duplicate_quality_or_competence(kind, code, expected):
    record = valid_record(4)
    record[kind].append({"code": code, "rating": "T", "comment": ""})
    error = only_error(record)
    assert (error.code, error.field) == (expected, f"{kind}[{len(record[kind]) - 1}].code")


# --- rating scales (7.1.a, 7.2) -------------------------------------------------------------

@pytest.mark.parametrize("rating", ["T", "H", "C"])
def test_subject_scale(rating):
    record = valid_record(4)
    entry(record, "am_nhac")["rating"] = rating
    assert assess(record).valid


@pytest.mark.parametrize("rating", ["T", "\u0110", "C"])
def test_trait_scale(rating):
    record = valid_record(4)
    entry(record, "nhan_ai", "qualities")["rating"] = rating
    entry(record, "tham_mi", "competences")["rating"] = rating
    assert assess(record).valid


@pytest.mark.parametrize("rating, hint", [
    ("Đ", "phẩm chất, năng lực"), ("D", "phẩm chất, năng lực"), ("t", 'chữ cái in hoa "T"'),
    ("Hoàn thành tốt", 'chữ cái in hoa "T"'), ("A", ""), ("", ""), ("TT", ""), (1, ""), (True, ""), (["T"], ""),
])
def test_invalid_subject_rating(rating, hint):
    record = valid_record(4)
    entry(record, "mi_thuat")["rating"] = rating
    error = only_error(record)
    assert (error.code, error.field) == ("invalid_rating", f"subjects[{index_of(record, 'mi_thuat')}].rating")
    assert "Mĩ thuật" in error.message and "T (Hoàn thành tốt), H (Hoàn thành), C (Chưa hoàn thành)" in error.message
    assert hint in error.message


@pytest.mark.parametrize("rating, hint", [
    ("D", "U+0110"), ("d", "U+0110"), ("đ", "U+0110"), ("H", "mức của môn học"), ("Tốt", 'chữ cái in hoa "T"'),
    ("c", 'chữ cái in hoa "C"'), ("X", ""), (0, ""),
])
def test_invalid_trait_rating(rating, hint):
    record = valid_record(4)
    entry(record, "trach_nhiem", "qualities")["rating"] = rating
    error = only_error(record)
    assert (error.code, error.field) == ("invalid_rating", "qualities[4].rating")
    assert "Trách nhiệm" in error.message and "T (Tốt), Đ (Đạt), C (Cần cố gắng)" in error.message
    assert hint in error.message


@pytest.mark.parametrize("kind, code, path", [("subjects", "hoat_dong_trai_nghiem", "subjects[11].rating"),
                                              ("qualities", "yeu_nuoc", "qualities[0].rating"),
                                              ("competences", "giai_quyet_van_de", "competences[2].rating")])
def test_null_rating_is_rating_missing(kind, code, path):
    record = valid_record(4)
    entry(record, code, kind)["rating"] = None
    error = only_error(record)
    assert (error.code, error.field) == ("rating_missing", path)


def test_all_errors_are_collected():
    record = valid_record(4)
    entry(record, TOAN)["score"] = 12
    entry(record, TV)["rating"] = "X"
    entry(record, "yeu_nuoc", "qualities")["rating"] = "D"
    record["competences"].pop()
    record["subjects"] = [item for item in record["subjects"] if item["code"] != KH]
    assert codes(assess(record)) == [
        ("invalid_rating", "subjects[0].rating"), ("score_out_of_range", "subjects[1].score"),
        ("subject_missing", "subjects"), ("invalid_rating", "qualities[0].rating"),
        ("competence_missing", "competences")]
