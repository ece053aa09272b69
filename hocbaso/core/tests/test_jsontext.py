"""json_text: JSON text made once, the same values back."""

import json

from hocbaso.core.jsontext import JsonText, json_text


def test_json_text_round_trips_a_record_like_value_as_compact_text():
    value = {"pupil": {"full_name": "Nguyễn Thị Ánh Tuyết"}, "weight_kg": 29.5, "score": 8, "tiny": 1e-05,
             "comment": 'Em "ngoan"\n\\', "list": [], "none": None, "flag": True}
    text = json_text(value)
    assert type(text) is JsonText and json.loads(text) == value
    assert "Nguyễn" in text and ": " not in text  # UTF-8 as it is, compact


def test_json_text_falls_back_to_the_standard_library_for_what_orjson_refuses():
    big = {"n": 2 ** 70}  # beyond 64 bits
    keys = {1: "một"}  # a key that is not a string
    assert json.loads(json_text(big)) == big
    assert json.loads(json_text(keys)) == {"1": "một"}
    assert type(json_text(big)) is JsonText
