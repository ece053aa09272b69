"""Fuzzing the JSON record reader (``assess_json`` / ``assess``, what ``hocbaso-tt27``, the imports and the
transfers read a ``hocbaso.record/1`` with): any text, any JSON value, and a valid record with any part
replaced by any JSON value either give an assessment or raise ``UnreadableRecord``: never another exception.
An assessment with errors never carries an outcome."""

import copy
import json

from hypothesis import given
from hypothesis import strategies as st

from hocbaso.testing.fuzz import FUZZ
from hocbaso.tt27 import UnreadableRecord, assess, assess_json
from hocbaso.tt27.tests.factories import valid_record

SCALARS = (st.none() | st.booleans() | st.integers(min_value=-10**20, max_value=10**20)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40)
           | st.sampled_from(["", "T", "H", "C", "Đ", "HTT", "2024-2025", "2014-09-02", "4A", "31/02/2014"]))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=5)
                    | st.dictionaries(st.text(max_size=15), inner, max_size=5), max_leaves=20)


def paths(value, prefix=()):
    """Every path to a part of a JSON value."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, prefix + (index,))


RECORD = valid_record()
PATHS = [path for path in paths(RECORD) if path]


def replaced(record, path, value):
    changed = copy.deepcopy(record)
    target = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return changed


def read(text: str):
    try:
        assessment = assess_json(text)
    except UnreadableRecord as refused:
        assert str(refused)
        return None
    if assessment.errors:
        assert not assessment.valid and assessment.outcome is None
    return assessment


@FUZZ
@given(text=st.text(max_size=300) | st.sampled_from(["[" * 50_000, '{"a":' * 50_000, "NaN", "1e999", "\ufeff{}"]))
def test_any_text_is_read_or_refused(text):
    read(text)


@FUZZ
@given(value=JSON)
def test_any_json_value_is_read_or_refused(value):
    read(json.dumps(value, ensure_ascii=False))


@FUZZ
@given(path=st.sampled_from(PATHS), value=JSON | st.just(None))
def test_a_valid_record_with_any_part_replaced_is_judged_without_crashing(path, value):
    record = replaced(RECORD, path, value)
    read(json.dumps(record, ensure_ascii=False))
    try:
        assessment = assess(record)
    except UnreadableRecord:
        return
    assert assessment.valid == (not assessment.errors)
