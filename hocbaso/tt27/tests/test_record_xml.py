"""The record in XML (docs/record-xml.md): the published XSD is the generated one, every key of every format
version has its element, and JSON → XML → JSON gives back the same record, on the test factories' records and on
records generated from the format's own key definitions; every document written is valid against the XSD."""

import copy
import datetime as dt
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from hocbaso.testing.fuzz import FUZZ
from hocbaso.tt27 import catalogue
from hocbaso.tt27.record_format import check_record
from hocbaso.tt27.record_xml import (FIELDS, FORMAT_KEYS, SIMPLE_TYPES, Leaf, Many, Obj, XmlRecordError, record_from_xml,
                                     record_to_xml, schema, slots, xsd_text)
from hocbaso.tt27.tests.factories import issuance, period_lists, subject_entries, v1_record, valid_record

XSD = Path(__file__).resolve().parents[3] / "docs" / "record-xml.xsd"


def _valid_against_xsd(data: bytes) -> bool:
    # The published file, not the module's cached copy: what a third party validates with.
    return etree.XMLSchema(etree.parse(str(XSD))).validate(etree.fromstring(data))


def test_the_published_xsd_is_the_generated_one():
    assert XSD.read_text(encoding="utf-8") == xsd_text()


@pytest.mark.parametrize("name", list(FIELDS))
def test_every_key_of_every_version_has_its_element_in_the_format_order(name):
    union: list[str] = []
    for keys in FORMAT_KEYS[name]:
        union += [key for key in keys if key not in union]
    assert list(FIELDS[name]) == sorted(union, key=list(FIELDS[name]).index)
    assert set(FIELDS[name]) == set(union)


def test_required_and_nullable_follow_the_format():
    top = {slot.key: slot for slot in slots("record")}
    assert top["school"].required and not top["school"].nullable
    assert not top["issuance"].required and top["issuance"].nullable
    assert not top["awards"].required  # since version 2
    pupil = {slot.key: slot for slot in slots("pupil")}
    assert pupil["identity_number"].required and pupil["identity_number"].nullable
    assert not pupil["lifelong_learning_code"].required
    school = {slot.key: slot for slot in slots("school")}
    assert not school["authority"].required and school["district"].nullable  # /1 had no authority


def _rich_records() -> list[dict]:
    supplementary = {"date": "2025-07-20", "subjects": [subject_entries(4, rating="H")[0]], "qualities": [],
                     "competences": [], "completed": True}
    periods = {p: period_lists(4, p) for p in ("giua_hk1", "cuoi_hk1")}
    records = [valid_record(grade) for grade in range(1, 6)]
    records += [
        v1_record(), v1_record(3, issuance=issuance()),
        valid_record(issuance=issuance(2, "HB-67000701-2025-000122"), periods=periods),
        valid_record(individual_plan=True, exempted_subjects=[{"code": "am_nhac", "basis": "KHGDCN 09/2024"}],
                     disability_class="class", outcome="HT", award=None, completed_grade=True),
        valid_record(supplementary_evaluation=supplementary, principal_decision={"decision": "promote",
                                                                                 "date": "2025-08-01"},
                     awards=[{"kind": "dot_xuat", "title": "Giấy khen", "level": "Trường", "date": "2025-03-26",
                              "reason": "Dũng cảm giúp bạn.\nDòng hai\r\n\tthụt lề  "}]),
        valid_record(height_cm=130.25, weight_kg=30, days_absent=None, periods=None, homeroom_comment=""),
    ]
    lifelong = valid_record()
    lifelong["pupil"]["lifelong_learning_code"] = "HSHTSĐ-0001"
    lifelong["pupil"]["identity_number"] = None
    return [*records, lifelong]


@pytest.mark.parametrize("record", _rich_records())
def test_factory_records_round_trip_and_validate(record):
    data = record_to_xml(record)
    assert _valid_against_xsd(data)
    back = record_from_xml(data)
    assert back == record
    assert [type(back.get(k)) for k in ("height_cm", "weight_kg")] == [type(record.get(k)) for k in
                                                                        ("height_cm", "weight_kg")]


def test_absent_and_null_stay_apart():
    absent = valid_record()
    null = valid_record(awards=None)
    assert "awards" not in record_from_xml(record_to_xml(absent))
    assert record_from_xml(record_to_xml(null))["awards"] is None
    assert record_from_xml(record_to_xml(valid_record(awards=[])))["awards"] == []


def test_lifelong_code_needs_format_3():
    record = valid_record()
    record["pupil"]["lifelong_learning_code"] = "X-1"
    assert check_record(record) == []
    old = copy.deepcopy(record)
    old["format"] = "hocbaso.record/2"
    assert [e.code for e in check_record(old)] == ["unknown_field"]


# ---- generated records: strategies from the format's keys ----------------------------------------------

_XML_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff",
                           min_codepoint=0x09).filter(lambda c: c in "\t\n\r" or ord(c) >= 0x20)
_TEXT = st.text(_XML_CHARS, max_size=12).map(lambda s: unicodedata.normalize("NFC", s))


def _leaf(node: Leaf):
    if node.type in SIMPLE_TYPES:
        spec = SIMPLE_TYPES[node.type]
        if spec[0] == "enum":
            return st.sampled_from(list(spec[1]))
        if spec[0] == "range":
            return st.integers(spec[1], spec[2])
        return st.from_regex(spec[1], fullmatch=True)
    return {"xs:string": _TEXT, "xs:boolean": st.booleans(),
            "xs:date": st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)).map(dt.date.isoformat),
            "xs:integer": st.integers(-10**6, 10**6), "xs:nonNegativeInteger": st.integers(0, 400),
            "xs:positiveInteger": st.integers(1, 99),
            "xs:double": st.one_of(st.integers(1, 300), st.floats(0.01, 300, allow_nan=False))}[node.type]


def _node(node):
    if isinstance(node, Leaf):
        return _leaf(node)
    if isinstance(node, Obj):
        return st.deferred(lambda: _object(node.name))
    return st.lists(st.deferred(lambda: _object(node.of)), max_size=2)


@st.composite
def _object(draw, name: str) -> dict:
    value = {}
    for slot in slots(name):
        if not slot.required and draw(st.booleans()):
            continue
        if slot.nullable and draw(st.integers(0, 3)) == 0:
            value[slot.key] = None
        else:
            value[slot.key] = draw(_node(slot.node))
    return value


@FUZZ
@given(_object("record"))
def test_generated_records_round_trip_and_validate(record):
    data = record_to_xml(record)
    assert schema().validate(etree.fromstring(data)), schema().error_log
    assert record_from_xml(data) == record


# ---- refusals ---------------------------------------------------------------------------------------------

def test_text_xml_cannot_carry_is_refused_with_its_field():
    record = valid_record()
    record["pupil"]["full_name"] = "An\x07"
    with pytest.raises(XmlRecordError, match="pupil.full_name"):
        record_to_xml(record)


@pytest.mark.parametrize("mutate", [
    lambda x: x.replace(b"<grade>4</grade>", b"<grade>6</grade>"),
    lambda x: x.replace(b"<class_name>", b"<nickname>x</nickname><class_name>"),
    lambda x: x.replace(b'<?xml', b'<!DOCTYPE x [<!ENTITY e "e">]><?xml'),
    lambda x: x[:-20],
])
def test_documents_off_the_schema_are_refused(mutate):
    with pytest.raises(XmlRecordError):
        record_from_xml(mutate(record_to_xml(valid_record())))


def test_every_subject_code_fits():
    record = valid_record(5, subjects=[{"code": c, "rating": "T", "score": None, "comment": ""}
                                       for c in catalogue.SUBJECTS])
    assert record_from_xml(record_to_xml(record)) == record
