"""The record format ``hocbaso.record/2`` (docs/record-format.md): keys, types, values, NFC; ``/1`` still reads."""

import copy
import json
import unicodedata
from pathlib import Path

import pytest

from hocbaso.tt27 import FORMAT, UnreadableRecord, assess, assess_json, catalogue
from hocbaso.tt27.tests.factories import (DROP, V1_SCHOOL, issuance, subject_entries, trait_entries, v1_record,
                                         valid_record)

REQUIRED_TOP = ["school_year", "grade", "class_name", "school", "pupil", "subjects", "qualities", "competences",
                "homeroom_comment", "homeroom_teacher", "principal"]
OPTIONAL_TOP = ["periods", "individual_plan", "height_cm", "weight_kg", "days_absent", "outcome", "award",
                "completed_grade", "completed_primary", "issuance"]
PUPIL_KEYS = ["identity_number", "full_name", "gender", "birth_date", "ethnicity", "nationality", "birthplace",
              "hometown", "address", "father_name", "mother_name", "guardian_name", "registry_number"]


def errors_of(record):
    assessment = assess(record)
    if assessment.errors:
        assert not assessment.valid and assessment.outcome is None and assessment.award is None
        assert assessment.completed_grade is None and assessment.completed_primary is None
    return [(e.code, e.field) for e in assessment.errors]


def test_the_factory_record_is_valid_and_has_every_key_of_the_spec_example():
    record = valid_record()
    assert list(record) == ["format", *REQUIRED_TOP[:8], *OPTIONAL_TOP[:9], *REQUIRED_TOP[8:]]
    assert list(record["pupil"]) == PUPIL_KEYS
    assert assess(record).as_dict() == {"valid": True, "errors": [], "outcome": "HTT", "award": None,
                                        "completed_grade": True, "completed_primary": None, "promoted": True}


# --- keys -----------------------------------------------------------------------------------

@pytest.mark.parametrize("key", REQUIRED_TOP)
def test_every_required_top_level_key(key):
    record = valid_record()
    del record[key]
    found = errors_of(record)
    assert found[0] == ("missing_field", key)
    assert all(code in ("missing_field", "class_grade_mismatch") for code, _ in found)


def test_missing_field_message_names_the_key_and_its_hoc_ba_name():
    record = valid_record()
    del record["pupil"]["birth_date"]
    assert assess(record).errors[0].message == 'Thiếu trường "birth_date" (Ngày sinh).'


@pytest.mark.parametrize("key", OPTIONAL_TOP)
def test_every_optional_key_may_be_absent(key):
    assert errors_of(valid_record(**{key: DROP})) == []


@pytest.mark.parametrize("key", OPTIONAL_TOP)
def test_every_optional_key_may_be_null(key):
    assert errors_of(valid_record(**{key: None})) == []


@pytest.mark.parametrize("key", PUPIL_KEYS)
def test_every_pupil_key_is_required(key):
    record = valid_record()
    del record["pupil"][key]
    assert errors_of(record) == [("missing_field", f"pupil.{key}")]


@pytest.mark.parametrize("key", ["code", "name", "authority", "province"])
def test_every_school_key_is_required(key):
    record = valid_record()
    del record["school"][key]
    assert errors_of(record) == [("missing_field", f"school.{key}")]


@pytest.mark.parametrize("key", ["code", "name", "district", "province"])
def test_every_school_key_of_a_version_1_record_is_required(key):
    record = v1_record()
    del record["school"][key]
    assert errors_of(record) == [("missing_field", f"school.{key}")]


def test_a_version_1_record_still_reads_and_knows_no_authority():
    assert errors_of(v1_record()) == []
    assert errors_of(v1_record(school={**V1_SCHOOL, "authority": "UBND xã Trường Xuân"})) == [
        ("unknown_field", "school.authority")]


def test_a_version_2_record_names_a_district_only_if_it_had_one():
    """Commune and district are optional in /2: a record dated before 1/7/2025 names the district and the
    commune as then written, one after names the commune only."""
    before = valid_record(school={"code": "67000701", "name": "Trường Tiểu học Trung Vương",
                                  "authority": "Phòng GD&ĐT Đắk Song", "commune": "Xã Trường Xuân",
                                  "district": "Huyện Đắk Song", "province": "Tỉnh Đắk Nông"})
    assert errors_of(before) == [] and errors_of(valid_record()) == []
    no_commune = valid_record()
    del no_commune["school"]["commune"]
    assert errors_of(no_commune) == []
    assert errors_of(valid_record(school={**valid_record()["school"], "authority": ""})) == [
        ("empty_field", "school.authority")]


@pytest.mark.parametrize("kind, index, key", [("subjects", 1, "code"), ("subjects", 1, "rating"),
                                              ("subjects", 1, "score"), ("subjects", 1, "comment"),
                                              ("qualities", 2, "rating"), ("competences", 3, "comment")])
def test_every_entry_key_is_required(kind, index, key):
    record = valid_record()
    del record[kind][index][key]
    found = errors_of(record)
    assert found[0] == ("missing_field", f"{kind}[{index}].{key}")
    if key == "code":  # the entry no longer names its subject
        assert found[1:] == [("subject_missing", "subjects")]
    else:
        assert found[1:] == []


def test_missing_entry_key_message_names_the_subject():
    record = valid_record()
    del record["subjects"][1]["comment"]
    assert assess(record).errors[0].message == 'Thiếu trường "comment" (Nhận xét) của môn Toán.'


@pytest.mark.parametrize("where, path", [
    (lambda r: r, "ghi_chu"), (lambda r: r["pupil"], "pupil.ghi_chu"), (lambda r: r["school"], "school.ghi_chu"),
    (lambda r: r["subjects"][0], "subjects[0].ghi_chu"), (lambda r: r["qualities"][4], "qualities[4].ghi_chu"),
    (lambda r: r["competences"][9], "competences[9].ghi_chu"), (lambda r: r["days_absent"], "days_absent.ghi_chu"),
])
def test_unknown_keys_anywhere(where, path):
    record = valid_record()
    where(record)["ghi_chu"] = "x"
    assert errors_of(record) == [("unknown_field", path)]


def test_unknown_keys_in_periods_and_issuance():
    record = valid_record(periods={"giua_hk1": {"subjects": [], "qualities": [], "competences": [], "x": 1}},
                          issuance={**issuance(), "x": 1}, outcome="HTT", completed_grade=True)
    assert errors_of(record) == [("unknown_field", "periods.giua_hk1.x"), ("unknown_field", "issuance.x")]


def test_a_score_key_on_a_quality_is_unknown():
    record = valid_record()
    record["qualities"][0]["score"] = None
    assert errors_of(record) == [("unknown_field", "qualities[0].score")]


def test_typo_is_never_silently_ignored():
    record = valid_record()
    record["outcom"] = "HTT"
    assert errors_of(record) == [("unknown_field", "outcom")]
    assert "outcom" in assess(record).errors[0].message


# --- types and values -------------------------------------------------------------------------

@pytest.mark.parametrize("path, value, expected", [
    (("grade",), "4", "invalid_type"), (("grade",), 4.0, "invalid_type"), (("grade",), True, "invalid_type"),
    (("grade",), 0, "invalid_grade"), (("grade",), 6, "invalid_grade"), (("grade",), -4, "invalid_grade"),
    (("school_year",), 2024, "invalid_type"), (("school_year",), "2024-2026", "invalid_school_year"),
    (("school_year",), "2024/2025", "invalid_school_year"), (("school_year",), "24-25", "invalid_school_year"),
    (("school_year",), "2025-2024", "invalid_school_year"), (("school_year",), " 2024-2025", "invalid_school_year"),
    (("class_name",), 4, "invalid_type"), (("class_name",), "", "empty_field"), (("class_name",), "  ", "empty_field"),
    (("school",), [], "invalid_type"), (("school",), None, "invalid_type"),
    (("school", "code"), 67000701, "invalid_type"), (("school", "name"), "", "empty_field"),
    (("pupil",), "Nguyễn Thị Ánh Tuyết", "invalid_type"),
    (("pupil", "full_name"), " ", "empty_field"), (("pupil", "full_name"), None, "invalid_type"),
    (("pupil", "gender"), "nam", "invalid_gender"), (("pupil", "gender"), "Female", "invalid_gender"),
    (("pupil", "gender"), "", "invalid_gender"), (("pupil", "gender"), None, "invalid_type"),
    (("pupil", "birth_date"), "2014-02-30", "invalid_date"), (("pupil", "birth_date"), "02/09/2014", "invalid_date"),
    (("pupil", "birth_date"), "20140902", "invalid_date"), (("pupil", "birth_date"), "2014-9-2", "invalid_date"),
    (("pupil", "birth_date"), "2014-09-02T00:00:00", "invalid_date"), (("pupil", "birth_date"), None, "invalid_type"),
    (("pupil", "identity_number"), "06721600123", "invalid_identity_number"),
    (("pupil", "identity_number"), "0672160012345", "invalid_identity_number"),
    (("pupil", "identity_number"), "06721600123A", "invalid_identity_number"),
    (("pupil", "identity_number"), "067 216 001 234", "invalid_identity_number"),
    (("pupil", "identity_number"), "０６７２１６００１２３４", "invalid_identity_number"),
    (("pupil", "identity_number"), "", "invalid_identity_number"),
    (("pupil", "identity_number"), 67216001234, "invalid_type"),
    (("pupil", "ethnicity"), "", "empty_field"), (("pupil", "nationality"), None, "invalid_type"),
    (("pupil", "birthplace"), "", "empty_field"), (("pupil", "registry_number"), "", "empty_field"),
    (("pupil", "hometown"), 1, "invalid_type"), (("pupil", "father_name"), [], "invalid_type"),
    (("subjects",), {}, "invalid_type"), (("subjects",), None, "invalid_type"),
    (("subjects", 0), "tieng_viet", "invalid_type"), (("subjects", 0, "code"), 1, "invalid_type"),
    (("subjects", 0, "code"), "", "empty_field"), (("subjects", 0, "comment"), None, "invalid_type"),
    (("qualities",), "T", "invalid_type"), (("competences", 0, "comment"), 0, "invalid_type"),
    (("periods",), [], "invalid_type"), (("individual_plan",), "false", "invalid_type"),
    (("height_cm",), "132", "invalid_type"), (("height_cm",), 0, "invalid_value"), (("height_cm",), -1, "invalid_value"),
    (("weight_kg",), True, "invalid_type"), (("weight_kg",), -29.5, "invalid_value"),
    (("days_absent",), 2, "invalid_type"), (("days_absent", "excused"), 1.5, "invalid_type"),
    (("days_absent", "unexcused"), -1, "invalid_value"), (("days_absent", "excused"), None, "invalid_type"),
    (("homeroom_comment",), None, "invalid_type"), (("homeroom_teacher",), 1, "invalid_type"),
    (("principal",), None, "invalid_type"),
])
def test_bad_values(path, value, expected):
    record = valid_record()
    target = record
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    field = "".join(f"[{k}]" if isinstance(k, int) else (f".{k}" if i else k) for i, k in enumerate(path))
    found = errors_of(record)
    assert found and found[0] == (expected, field), found


@pytest.mark.parametrize("path, value", [
    (("pupil", "identity_number"), None), (("pupil", "guardian_name"), "Lê Văn Ba"),
    (("pupil", "father_name"), None), (("pupil", "mother_name"), None), (("pupil", "hometown"), None),
    (("pupil", "address"), None), (("pupil", "address"), ""), (("pupil", "birth_date"), "2016-02-29"),
    (("height_cm",), 132.5), (("weight_kg",), 30), (("days_absent",), {"excused": 0, "unexcused": 0}),
    (("homeroom_comment",), ""), (("homeroom_teacher",), ""), (("principal",), ""), (("class_name",), "4/1"),
    (("class_name",), "Lớp 4A"), (("individual_plan",), False), (("subjects", 3, "comment"), ""),
])
def test_accepted_values(path, value):
    record = valid_record()
    target = record
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert errors_of(record) == []


def test_messages_name_the_field_in_vietnamese():
    record = valid_record()
    record["pupil"]["gender"] = "nam"
    record["pupil"]["identity_number"] = "123"
    record["grade"] = "4"
    messages = [e.message for e in assess(record).errors]
    assert messages[0] == 'Khối lớp phải là số nguyên từ 1 đến 5, không phải chuỗi văn bản.'
    assert messages[1].startswith("Mã định danh cá nhân phải gồm đúng 12 chữ số")
    assert messages[2].startswith('Giới tính phải là một trong: "male" (Nam), "female" (Nữ)')


# --- class name and grade --------------------------------------------------------------------

@pytest.mark.parametrize("grade, class_name, ok", [
    (4, "4A", True), (4, "4/1", True), (4, "4", True), (4, "Lớp 4A", True), (4, "A4", True), (4, " 4B", True),
    (4, "5A", False), (1, "10A", False), (1, "1A", True), (5, "05A", True), (3, "4A3", False),
])
def test_class_name_against_grade(grade, class_name, ok):
    found = errors_of(valid_record(grade, class_name=class_name))
    assert found == ([] if ok else [("class_grade_mismatch", "class_name")])


# --- periods ---------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["cuoi_nam", "hk1", "giua_hk3", "GIUA_HK1"])
def test_unknown_period(key):
    found = errors_of(valid_record(periods={key: {"subjects": [], "qualities": [], "competences": []}}))
    assert found == [("unknown_period", f"periods.{key}")]


def test_cuoi_nam_in_periods_points_to_the_top_level_lists():
    record = valid_record(periods={"cuoi_nam": {"subjects": [], "qualities": [], "competences": []}})
    assert "ngoài cùng" in assess(record).errors[0].message


def test_a_period_holds_the_three_lists():
    record = valid_record(periods={"giua_hk1": None, "cuoi_hk1": {"subjects": []}})
    assert errors_of(record) == [("invalid_type", "periods.giua_hk1"), ("missing_field", "periods.cuoi_hk1.qualities"),
                                 ("missing_field", "periods.cuoi_hk1.competences")]


# --- issuance --------------------------------------------------------------------------------

def issued(**changes):
    return valid_record(issuance={**issuance(), **changes}, outcome="HTT", completed_grade=True)


@pytest.mark.parametrize("changes", [{}, {"version": 2, "supersedes": "HB-67000701-2025-000100"},
                                     {"issued_at": "2025-06-01T01:30:00Z"}, {"issued_at": "2025-06-01T08:30"},
                                     {"issued_at": "2025-06-01T08:30:00.123456+07:00"}])
def test_well_formed_issuance(changes):
    assert errors_of(issued(**changes)) == []


@pytest.mark.parametrize("changes, expected", [
    ({"record_id": ""}, ("empty_field", "issuance.record_id")),
    ({"lookup_code": None}, ("invalid_type", "issuance.lookup_code")),
    ({"effective_date": "01/06/2025"}, ("invalid_date", "issuance.effective_date")),
    ({"version": 0}, ("invalid_value", "issuance.version")),
    ({"version": "1"}, ("invalid_type", "issuance.version")),
    ({"version": 1.0}, ("invalid_type", "issuance.version")),
    ({"version": True}, ("invalid_type", "issuance.version")),
    ({"supersedes": 5}, ("invalid_type", "issuance.supersedes")),
    ({"supersedes": "HB-1"}, ("issuance_inconsistent", "issuance.supersedes")),
    ({"version": 2}, ("issuance_inconsistent", "issuance.supersedes")),
    ({"issued_at": "2025-06-01"}, ("invalid_date", "issuance.issued_at")),
    ({"issued_at": "2025-06-01 08:30:00"}, ("invalid_date", "issuance.issued_at")),
    ({"issued_at": "2025-02-30T08:30:00Z"}, ("invalid_date", "issuance.issued_at")),
    ({"issued_at": "2025-06-01T25:00:00Z"}, ("invalid_date", "issuance.issued_at")),
])
def test_bad_issuance(changes, expected):
    assert errors_of(issued(**changes)) == [expected]


def test_every_issuance_key_is_required():
    for key in issuance():
        record = issued()
        del record["issuance"][key]
        assert errors_of(record) == [("missing_field", f"issuance.{key}")]


def test_an_issued_record_carries_its_results():
    record = valid_record(issuance=issuance())
    assert errors_of(record) == [("result_missing", "outcome"), ("result_missing", "completed_grade")]
    record = valid_record(5, issuance=issuance(), outcome="HTT", completed_grade=True)
    assert errors_of(record) == [("result_missing", "completed_primary")]
    record = valid_record(5, issuance=issuance(), outcome="HTT", completed_grade=True, completed_primary=True)
    assert errors_of(record) == []


def test_an_issued_htxs_record_carries_its_award():
    record = valid_record(issuance=issuance(), outcome="HTXS", completed_grade=True)
    for item in record["subjects"]:
        if item["score"] is not None:
            item["score"] = 10
    assert errors_of(record) == [("result_missing", "award")]
    record["award"] = "hoc_sinh_xuat_sac"
    assert errors_of(record) == []


def test_an_issued_individual_plan_record():
    record = valid_record(issuance=issuance(), individual_plan=True, outcome="HT")
    assert errors_of(record) == [("result_missing", "completed_grade")]


# --- NFC -------------------------------------------------------------------------------------

def decomposed(value):
    if isinstance(value, str):
        return unicodedata.normalize("NFD", value)
    if isinstance(value, dict):
        return {decomposed(k): decomposed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decomposed(v) for v in value]
    return value


def test_text_is_compared_in_nfc():
    record = decomposed(valid_record(4, outcome="HT"))
    assert record["pupil"]["full_name"] != valid_record()["pupil"]["full_name"]  # really decomposed
    record["qualities"][1]["rating"] = unicodedata.normalize("NFD", "Đ")  # Đ has no decomposition
    assessment = assess(record)
    assert assessment.valid and assessment.outcome == "HT"


def test_nfc_normalises_every_string_key_and_value_and_copies():
    from hocbaso.tt27.record_format import nfc

    class Name(str):
        pass

    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết")
    value = {nfd: [nfd, {"code": "toan", nfd: Name(nfd)}, 7, None, True], "ascii": "plain"}
    result = nfc(value)
    name = unicodedata.normalize("NFC", nfd)
    assert result == {name: [name, {"code": "toan", name: name}, 7, None, True], "ascii": "plain"}
    assert nfd != name and next(iter(result)) == name
    assert result[name] is not value[nfd] and result[name][1] is not value[nfd][1]  # a copy, not the input


def test_json_text_is_nfc_answers_true_only_when_every_string_is_nfc():
    from hocbaso.tt27.record_format import json_text_is_nfc, nfc

    name = "Nguyễn Thị Ánh Tuyết"
    nfd = unicodedata.normalize("NFD", name)
    assert json_text_is_nfc(json.dumps(valid_record(), ensure_ascii=False))
    assert json_text_is_nfc('{"a": [1, 2.5, true, null]}')
    assert not json_text_is_nfc(json.dumps({"full_name": nfd}, ensure_ascii=False))
    assert not json_text_is_nfc(json.dumps({nfd: 1}, ensure_ascii=False))  # a key
    # \u escapes may hide anything: not vouched for, even when the string is fine (the caller normalises).
    assert not json_text_is_nfc(json.dumps({"full_name": nfd}))
    assert not json_text_is_nfc(json.dumps({"full_name": name}))
    # An escape before a combining mark ("\n" + U+0301 reads as "n" + U+0301 in the text): False, never True.
    assert not json_text_is_nfc(json.dumps(["\n\u0301"], ensure_ascii=False))
    # Over many strings mixing letters, combining marks (in and out of order), quotes, backslashes and
    # control characters: whenever the text is vouched for, normalising changes nothing.
    import random

    pool = ["a", "e", "o", "n", "A", "Đ", "ơ", "ư", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "\u0316",
            '"', "\\", "\n", "\t", "\x01", " ", "\u212b", "\u1100", "\u1161"]
    rng = random.Random(27)
    vouched = refused = 0
    for _ in range(3000):
        value = {"".join(rng.choices(pool, k=rng.randint(0, 3))): ["".join(rng.choices(pool, k=rng.randint(0, 6)))
                                                                   for _ in range(3)]}
        text = json.dumps(value, ensure_ascii=False)
        if json_text_is_nfc(text):
            vouched += 1
            assert nfc(value) == value, value
        else:
            refused += 1
    assert vouched > 300 and refused > 300  # both answers were exercised


def test_assess_of_a_record_vouched_for_as_nfc_is_the_same_as_without():
    record = valid_record(5, issuance=issuance(), outcome="HTT", completed_grade=True, completed_primary=True)
    assert assess(record, normalized=True) == assess(record) and assess(record).valid
    broken = valid_record(4)
    broken["subjects"][0]["rating"] = "X"
    assert assess(broken, normalized=True) == assess(broken) and not assess(broken).valid


def test_a_decomposed_rating_in_words_still_gets_its_hint():
    record = valid_record()
    record["subjects"][0]["rating"] = unicodedata.normalize("NFD", "Hoàn thành")
    assert 'chữ cái in hoa "H"' in assess(record).errors[0].message


def test_assess_does_not_modify_its_input():
    record = decomposed(valid_record(periods={"giua_hk1": {"subjects": [], "qualities": [], "competences": []}}))
    before = copy.deepcopy(record)
    assess(record)
    assert record == before


# --- unreadable input ------------------------------------------------------------------------

@pytest.mark.parametrize("value", [[], "hocbaso.record/1", 42, None])
def test_assess_refuses_a_value_that_is_not_an_object(value):
    with pytest.raises(UnreadableRecord):
        assess(value)


@pytest.mark.parametrize("fmt", [DROP, None, "hocbaso.record/9", "hocbaso.record/0", "hocbaso.record/1 ",
                                 "HOCBASO.RECORD/1", 1, ["hocbaso.record/1"]])
def test_a_missing_or_other_format_is_unreadable(fmt):
    with pytest.raises(UnreadableRecord) as raised:
        assess(valid_record(format=fmt))
    assert FORMAT in str(raised.value)


@pytest.mark.parametrize("text", ["", "{", "[]", "null", '"x"', "{'format': 1}", '{"format": "hocbaso.record/1",}',
                                  '{"a": NaN, "format": "hocbaso.record/1"}',
                                  '{"format": "hocbaso.record/1", "grade": 4, "grade": 5}', "[" * 100000])
def test_assess_json_refuses_what_is_not_a_json_object(text):
    with pytest.raises(UnreadableRecord) as raised:
        assess_json(text)
    assert str(raised.value)


def test_assess_json_reads_a_record():
    assessment = assess_json(json.dumps(valid_record(5), ensure_ascii=False))
    assert assessment.valid and assessment.completed_primary is True
    assert FORMAT == "hocbaso.record/3"


def test_assess_json_compares_a_whole_float_score_as_a_float():
    text = json.dumps(valid_record(4)).replace('"score": 8', '"score": 8.0', 1)
    assert [e.code for e in assess_json(text).errors] == ["score_out_of_range"]


def test_an_issued_record_missing_its_results_is_reported_even_when_the_lists_are_wrong():
    record = valid_record(5, issuance=issuance())
    record["qualities"][0]["rating"] = None
    assert errors_of(record) == [("rating_missing", "qualities[0].rating"), ("result_missing", "outcome"),
                                 ("result_missing", "completed_grade"), ("result_missing", "completed_primary")]


def test_an_issued_individual_plan_record_without_outcome():
    record = valid_record(issuance=issuance(), individual_plan=True)
    assert errors_of(record) == [("outcome_required", "outcome"), ("result_missing", "completed_grade")]


def test_an_infinite_height_is_refused():
    text = json.dumps(valid_record()).replace('"height_cm": 132', '"height_cm": 1e999')
    assert [(e.code, e.field) for e in assess_json(text).errors] == [("invalid_value", "height_cm")]


# --- the spec's own example (docs/record-format.md) ------------------------------------------

def spec_example() -> dict:
    text = (Path(__file__).resolve().parents[3] / "docs" / "record-format.md").read_text(encoding="utf-8")
    return json.loads(text.split("```json", 1)[1].split("```", 1)[0])


def test_the_spec_example_is_well_formed_but_abbreviated():
    # It lists 3 subjects, 1 quality and 1 competence: only *_missing errors.
    assert {code for code, _ in errors_of(spec_example())} == {"subject_missing", "quality_missing",
                                                               "competence_missing"}


def test_the_spec_example_completed_is_judged_by_its_ratings():
    record = spec_example()
    have = {kind: {item["code"] for item in record[kind]} for kind in ("subjects", "qualities", "competences")}
    record["subjects"] += [item for item in subject_entries(4) if item["code"] not in have["subjects"]]
    record["qualities"] += [i for i in trait_entries(catalogue.QUALITIES) if i["code"] not in have["qualities"]]
    record["competences"] += [i for i in trait_entries(catalogue.COMPETENCES) if i["code"] not in have["competences"]]
    # Đạo đức H and Tự chủ và tự học Đ make it HT (Điều 9.2.c), as the example says (issue 19: it said HTT).
    assert record["format"] == FORMAT and record["awards"][0]["kind"] == "dot_xuat"
    assert errors_of(record) == []
    record["outcome"] = "HTT"
    assert errors_of(record) == [("outcome_mismatch", "outcome")]
