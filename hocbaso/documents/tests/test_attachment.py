"""The embedded record's JSON (``attachment.canonical_json``): its bytes depend only on the data."""

import json
import random

from hocbaso.documents.attachment import _ORDER, canonical_json
from hocbaso.tt27.tests.factories import valid_record


def _shuffled(value, rng):
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {key: _shuffled(item, rng) for key, item in items}
    if isinstance(value, list):
        return [_shuffled(item, rng) for item in value]
    return value


def _record():
    record = valid_record(grade=4, class_name="4A")
    record["pupil"]["full_name"] = "Nguyễn Thị Ánh Tuyết"
    record["homeroom_comment"] = 'Em chăm "ngoan"\ttab\\ \u0001 \u2028 ☃ 😀\n'
    record["weight_kg"] = 27.3
    return record


def test_canonical_json_is_what_the_standard_library_writes_with_two_space_indentation():
    # The bytes embedded in every issued PDF so far came from json.dumps(..., ensure_ascii=False, indent=2):
    # orjson must write exactly those bytes (escapes, floats, empty containers, non-ASCII text as it is).
    record = _record()
    record["extra"] = {"empty_list": [], "empty_object": {}, "floats": [1.5, 0.1 + 0.2, -0.0, 1e16, 1e-7, 12.0],
                       "big": 123456789012, "none": None, "flags": [True, False]}
    expected = json.loads(canonical_json(record))  # the canonical order, read back
    assert canonical_json(record) == json.dumps(expected, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    assert json.loads(canonical_json(record)) == record


def test_canonical_json_does_not_depend_on_key_order():
    record = _record()
    rng = random.Random(7)
    assert {canonical_json(_shuffled(record, rng)) for _ in range(5)} == {canonical_json(record)}


def test_keys_follow_the_record_formats_order_then_sorted():
    record = _record()
    record["zz_unknown"] = 1
    record["aa_unknown"] = 2
    record["periods"] = {"giua_hk2": {"subjects": [], "competences": [], "qualities": []},
                         "giua_hk1": {"qualities": [], "subjects": [{"comment": "", "score": None, "rating": "T",
                                                                     "code": "toan"}], "competences": []}}
    text = canonical_json(_shuffled(record, random.Random(3))).decode("utf-8")
    top = list(json.loads(text))
    known = [key for key in _ORDER[()] if key in record]
    assert top == known + ["aa_unknown", "zz_unknown"]
    periods = json.loads(text)["periods"]
    assert list(periods) == ["giua_hk1", "giua_hk2"]
    assert list(periods["giua_hk1"]) == ["subjects", "qualities", "competences"]
    assert list(periods["giua_hk1"]["subjects"][0]) == ["code", "rating", "score", "comment"]
    assert list(json.loads(text)["pupil"])[:2] == ["identity_number", "full_name"]


def test_floats_orjson_writes_differently_come_out_as_the_standard_library_writes_them():
    for number in (1e-7, 1e-5, -3.5e-6, 1e16, 2.5e20, float("nan"), float("inf"), 0.0001, 27.3, 0.0, -0.0):
        record = _record()
        record["weight_kg"] = number
        record["extra"] = [number, {"x": number}]
        ordered = json.loads(json.dumps(record))  # NaN and Infinity read back as floats
        assert canonical_json(record) == canonical_json(_shuffled(ordered, random.Random(1)))
        expected = json.dumps(json.loads(canonical_json(record)), ensure_ascii=False, indent=2)
        assert canonical_json(record) == expected.encode("utf-8") + b"\n", number


def test_values_beyond_plain_json_types_come_out_as_the_standard_library_writes_them():
    import collections

    record = _record()
    record["extra"] = {"tuple": (1, "a", {"b": 2, "a": 1}), "ordered": collections.OrderedDict([("z", 1), ("a", 2)])}
    old_style = json.dumps(record, ensure_ascii=False)  # tuples as lists
    assert json.loads(canonical_json(record)) == json.loads(old_style)
    expected = json.dumps(json.loads(canonical_json(record)), ensure_ascii=False, indent=2)
    assert canonical_json(record) == expected.encode("utf-8") + b"\n"
    assert list(json.loads(canonical_json(record))["extra"]["ordered"]) == ["a", "z"]  # ordered like a dict
