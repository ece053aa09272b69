"""The record in XML (docs/record-xml.md): ``record_to_xml(dict) -> bytes``, ``record_from_xml(bytes) -> dict``, and
the XML schema they follow, generated from one table (``FIELDS``) so the published XSD (docs/record-xml.xsd)
cannot drift from the code: a test compares the two.

The JSON format (``record_format``) stays the source of truth: every key of every version has one element named
as the key, in the format's order; which keys may be absent and which may be ``null`` is read from the format's
``Key`` definitions (absent: no element; ``null``: the element with ``xsi:nil="true"``; an empty list: the
empty element). A list holds one element per item (``subjects`` → ``subject``). Numbers keep their JSON type:
an integer is written without a point, a decimal as Python's shortest round-tripping ``repr``. The round trip
is exact for every record whose text XML 1.0 can carry (not the C0 control characters other than tab, line feed
and carriage return: ``XmlRecordError`` names the field).

The document: ``<hocbaso xmlns="urn:hocbaso:record:xml:1"><record Id="record">…</record>`` followed by the
XAdES signatures (``ds:Signature``, each referring to ``#record``; signing.xades), so a later signature never
changes what an earlier one signed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

from lxml import etree

from hocbaso.tt27 import catalogue
from hocbaso.tt27.record_format import (EVALUATION_LISTS, OBJECTS, PUPILS, RECORDS, SCHOOLS, TERM_PERIODS, Key,
                                        nfc)

NS = "urn:hocbaso:record:xml:1"  # the XML schema's own version: raised only if an element changes meaning
XSI = "http://www.w3.org/2001/XMLSchema-instance"
DS = "http://www.w3.org/2000/09/xmldsig#"
ROOT = "hocbaso"
RECORD_ID = "record"  # the Id of the <record> element, what every signature refers to
_Q = "{%s}%%s" % NS
_NIL = f"{{{XSI}}}nil"


class XmlRecordError(ValueError):
    """An XML document that is not a record of this schema, or a record XML cannot carry; the message says where."""


# ---- the table: every object of the format, its keys in order and the kind of each ------------------------

@dataclass(frozen=True)
class Leaf:
    type: str  # an XSD simple type: ``xs:*`` or one of ``SIMPLE_TYPES``
    number: str = ""  # "int" or "number": the JSON value is a number


@dataclass(frozen=True)
class Obj:
    name: str  # the complex type: keys in ``FIELDS[name]``


@dataclass(frozen=True)
class Many:
    item: str  # the element of each item
    of: str  # the items' complex type


TEXT, BOOL, DATE = Leaf("xs:string"), Leaf("xs:boolean"), Leaf("xs:date")
INT, NUMBER, COUNT = Leaf("xs:integer", "int"), Leaf("xs:double", "number"), Leaf("xs:nonNegativeInteger", "int")
EVALUATIONS = {"subjects": Many("subject", "subject"), "qualities": Many("quality", "trait"),
               "competences": Many("competence", "trait")}

FIELDS: dict[str, dict[str, Leaf | Obj | Many]] = {
    "record": {
        "format": Leaf("format"), "school_year": Leaf("school_year"), "grade": Leaf("grade", "int"),
        "class_name": TEXT, "school": Obj("school"), "pupil": Obj("pupil"), **EVALUATIONS,
        "periods": Obj("periods"), "individual_plan": BOOL, "exempted_subjects": Many("exempted_subject", "exemption"),
        "disability_class": Leaf("disability_class"), "height_cm": NUMBER, "weight_kg": NUMBER,
        "days_absent": Obj("days_absent"), "outcome": Leaf("outcome"), "award": Leaf("year_award"),
        "awards": Many("award", "award"), "supplementary_evaluation": Obj("supplementary"), "completed_grade": BOOL,
        "completed_primary": BOOL, "principal_decision": Obj("decision"), "homeroom_comment": TEXT,
        "homeroom_teacher": TEXT, "principal": TEXT, "issuance": Obj("issuance"),
    },
    "school": {"code": TEXT, "name": TEXT, "authority": TEXT, "commune": TEXT, "district": TEXT, "province": TEXT},
    "pupil": {
        "identity_number": Leaf("identity_number"), "full_name": TEXT, "gender": Leaf("gender"), "birth_date": DATE,
        "ethnicity": TEXT, "nationality": TEXT, "birthplace": TEXT, "hometown": TEXT, "address": TEXT,
        "father_name": TEXT, "mother_name": TEXT, "guardian_name": TEXT, "registry_number": TEXT,
        "lifelong_learning_code": TEXT,
    },
    "evaluations": dict(EVALUATIONS),
    "periods": {period: Obj("evaluations") for period in TERM_PERIODS},
    "subject": {"code": TEXT, "rating": TEXT, "score": INT, "comment": TEXT},
    "trait": {"code": TEXT, "rating": TEXT, "comment": TEXT},
    "days_absent": {"excused": COUNT, "unexcused": COUNT},
    "issuance": {"record_id": TEXT, "lookup_code": TEXT, "effective_date": DATE, "version": Leaf("xs:positiveInteger", "int"),
                 "supersedes": TEXT, "issued_at": Leaf("date_time")},
    "exemption": {"code": TEXT, "basis": TEXT},
    "supplementary": {"date": DATE, **EVALUATIONS, "completed": BOOL},
    "decision": {"decision": Leaf("decision_kind"), "date": DATE},
    "award": {"kind": Leaf("award_kind"), "title": TEXT, "level": TEXT, "date": DATE, "reason": TEXT},
}

# The format's key definitions of each object, every version's (a key is required in XML only if every version
# requires it from version 1; it may be nil if any version allows null).
_PERIODS_KEYS = {period: Key(period, lambda v, p, lab: [], required=False) for period in TERM_PERIODS}
FORMAT_KEYS: dict[str, list[dict[str, Key]]] = {
    "record": list(RECORDS.values()), "school": list(SCHOOLS.values()), "pupil": list(PUPILS.values()),
    "evaluations": [EVALUATION_LISTS], "periods": [_PERIODS_KEYS],
    **{name: [OBJECTS[name]] for name in ("subject", "trait", "days_absent", "issuance", "exemption",
                                          "supplementary", "decision", "award")},
}
_NEVER_NULL = {("record", "format"), ("periods", "giua_hk1"), ("periods", "cuoi_hk1"), ("periods", "giua_hk2")}


def _enum(values) -> tuple:
    return ("enum", tuple(values))


SIMPLE_TYPES: dict[str, tuple] = {
    "format": ("pattern", r"hocbaso\.record/[1-9][0-9]*"),
    "school_year": ("pattern", r"[0-9]{4}-[0-9]{4}"),
    "grade": ("range", 1, 5),
    "identity_number": ("pattern", r"[0-9]{12}"),
    "gender": _enum(("male", "female")),
    "date_time": ("pattern", r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
                             r"(Z|[+\-][0-9]{2}:[0-9]{2})?"),
    "disability_class": _enum(catalogue.DISABILITY_SETTINGS),
    "outcome": _enum(catalogue.OUTCOMES),
    "year_award": _enum(catalogue.AWARDS),
    "award_kind": _enum(catalogue.AWARD_KINDS),
    "decision_kind": _enum(catalogue.DECISIONS),
}


@dataclass(frozen=True)
class Slot:
    key: str
    node: Leaf | Obj | Many
    required: bool
    nullable: bool


@cache
def slots(name: str) -> tuple[Slot, ...]:
    """The keys of object ``name`` in order, with what the format's versions say of each."""
    versions = FORMAT_KEYS[name]
    result = []
    for key, node in FIELDS[name].items():
        specs = [keys[key] for keys in versions if key in keys]
        required = len(specs) == len(versions) and all(s.required and s.since == 1 for s in specs)
        nullable = (name, key) not in _NEVER_NULL and any(s.check(None, key, key) == [] for s in specs)
        result.append(Slot(key, node, required, nullable))
    return tuple(result)


# ---- JSON → XML -------------------------------------------------------------------------------------------

_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value, path: str) -> str:
    if type(value) is bool:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise XmlRecordError(f"{path}: số không hữu hạn ({value}) không ghi được.")
        return repr(value)
    if isinstance(value, str):
        if _BAD_CHARS.search(value):
            raise XmlRecordError(f"{path}: văn bản chứa kí tự điều khiển mà XML 1.0 không ghi được.")
        return value
    raise XmlRecordError(f"{path}: giá trị {value!r} không đúng kiểu của định dạng.")


def _write(parent, name: str, value, path: str) -> None:
    for slot in slots(name):
        if slot.key not in value:
            continue
        item = value[slot.key]
        where = f"{path}.{slot.key}" if path else slot.key
        element = etree.SubElement(parent, _Q % slot.key)
        if item is None:
            element.set(_NIL, "true")
        elif isinstance(slot.node, Leaf):
            element.text = _text(item, where)
        elif isinstance(slot.node, Obj):
            if not isinstance(item, dict):
                raise XmlRecordError(f"{where}: phải là một đối tượng.")
            _write(element, slot.node.name, item, where)
        else:
            if not isinstance(item, list):
                raise XmlRecordError(f"{where}: phải là một danh sách.")
            for index, entry in enumerate(item):
                if not isinstance(entry, dict):
                    raise XmlRecordError(f"{where}[{index}]: phải là một đối tượng.")
                _write(etree.SubElement(element, _Q % slot.node.item), slot.node.of, entry, f"{where}[{index}]")
    unknown = value.keys() - FIELDS[name].keys()
    if unknown:
        raise XmlRecordError(f"{path or 'record'}: trường {sorted(unknown)[0]!r} không có trong định dạng.")


def record_element(record: dict):
    """The ``<record Id="record">`` element of ``record`` (an lxml element, not yet in a document)."""
    element = etree.Element(_Q % "record", {"Id": RECORD_ID}, nsmap={None: NS, "xsi": XSI})
    _write(element, "record", record, "")
    return element


def record_to_xml(record: dict) -> bytes:
    """The unsigned XML document of a record (UTF-8, with its declaration)."""
    root = etree.Element(_Q % ROOT, nsmap={None: NS, "xsi": XSI, "ds": DS})
    root.append(record_element(record))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# ---- XML → JSON -------------------------------------------------------------------------------------------

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=False)


def _value(text: str | None, node: Leaf):
    text = text or ""
    if node.number == "int":
        return int(text)
    if node.number == "number":
        return int(text) if re.fullmatch(r"-?[0-9]+", text) else float(text)
    if node.type == "xs:boolean":
        return text in ("true", "1")
    return text


def _read(element, name: str) -> dict:
    value = {}
    nodes = FIELDS[name]
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments and processing instructions carry nothing
        key = etree.QName(child).localname
        node = nodes[key]
        if child.get(_NIL) in ("true", "1"):
            value[key] = None
        elif isinstance(node, Leaf):
            value[key] = _value(child.text, node)
        elif isinstance(node, Obj):
            value[key] = _read(child, node.name)
        else:
            value[key] = [_read(item, node.of) for item in child if isinstance(item.tag, str)]
    return value


def parse(data: bytes):
    """The document's root, parsed without entities or network and checked against the schema."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        raise XmlRecordError(f"Tệp không phải XML hợp lệ: {error}") from error
    if not schema().validate(root):
        error = schema().error_log.last_error
        raise XmlRecordError(f"Tệp XML không đúng lược đồ {NS} (dòng {error.line}): {error.message}")
    return root


def record_from_xml(data: bytes) -> dict:
    """The record (JSON value, text in NFC) of an XML document of this schema, signed or not.
    Raises ``XmlRecordError`` for anything else."""
    root = parse(data)
    return nfc(_read(root.find(_Q % "record"), "record"))


# ---- the schema -------------------------------------------------------------------------------------------

def _simple(name: str, spec: tuple) -> str:
    kind = spec[0]
    if kind == "pattern":
        body = f'<xs:restriction base="xs:string"><xs:pattern value="{spec[1]}"/></xs:restriction>'
    elif kind == "range":
        body = (f'<xs:restriction base="xs:integer"><xs:minInclusive value="{spec[1]}"/>'
                f'<xs:maxInclusive value="{spec[2]}"/></xs:restriction>')
    else:
        body = ('<xs:restriction base="xs:string">'
                + "".join(f'<xs:enumeration value="{v}"/>' for v in spec[1]) + "</xs:restriction>")
    return f'  <xs:simpleType name="{name}">{body}</xs:simpleType>\n'


def _element(slot: Slot) -> str:
    attrs = f'name="{slot.key}"'
    if not slot.required:
        attrs += ' minOccurs="0"'
    if slot.nullable:
        attrs += ' nillable="true"'
    node = slot.node
    if isinstance(node, Leaf):
        return f'      <xs:element {attrs} type="{node.type if node.type.startswith("xs:") else "h:" + node.type}"/>\n'
    if isinstance(node, Obj):
        return f'      <xs:element {attrs} type="h:{node.name}"/>\n'
    return (f'      <xs:element {attrs}><xs:complexType><xs:sequence>'
            f'<xs:element name="{node.item}" type="h:{node.of}" minOccurs="0" maxOccurs="unbounded"/>'
            f'</xs:sequence></xs:complexType></xs:element>\n')


def xsd_text() -> str:
    """The XML schema (docs/record-xml.xsd), generated from ``FIELDS`` and the format's keys."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n',
           "<!-- The hocbaso record in XML (docs/record-xml.md). Generated by hocbaso.tt27.record_xml.xsd_text();\n"
           "     do not edit by hand. Element names are the JSON keys of hocbaso.record/N (docs/record-format.md). -->\n",
           f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:h="{NS}" targetNamespace="{NS}"\n'
           f'           elementFormDefault="qualified" version="1">\n',
           f'  <xs:element name="{ROOT}">\n    <xs:complexType>\n      <xs:sequence>\n'
           f'        <xs:element name="record" type="h:record"/>\n'
           f'        <xs:any namespace="{DS}" processContents="skip" minOccurs="0" maxOccurs="unbounded"/>\n'
           f'      </xs:sequence>\n    </xs:complexType>\n  </xs:element>\n']
    for name in FIELDS:
        out.append(f'  <xs:complexType name="{name}">\n    <xs:sequence>\n')
        out += [_element(slot) for slot in slots(name)]
        out.append("    </xs:sequence>\n")
        if name == "record":
            out.append('    <xs:attribute name="Id" type="xs:ID" use="required"/>\n')
        out.append("  </xs:complexType>\n")
    out += [_simple(name, spec) for name, spec in SIMPLE_TYPES.items()]
    out.append("</xs:schema>\n")
    return "".join(out)


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.fromstring(xsd_text().encode()))
