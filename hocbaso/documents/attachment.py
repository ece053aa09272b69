"""The record inside the document: the ``hocbaso.record/N`` JSON attached to every học bạ PDF.

Like a Factur-X invoice carries its XML, each PDF carries its pupil-year's record as a PDF/A-3
associated file (``/AF`` on the catalog, ``/AFRelationship /Data``, MIME ``application/json``).
A one-year document has one attachment, ``hocbaso-record.json``; a whole-history document has one
per school year, ``hocbaso-record-2024-2025.json``.
"""

import io
import json

import orjson
import pikepdf

from hocbaso.core.limits import pdf_attachment_read, pdf_attachments
from hocbaso.tt27 import record_format

ATTACHMENT = "hocbaso-record.json"
MIME_TYPE = "application/json"
RELATIONSHIP = "data"  # typst's name for /AFRelationship /Data


class NoRecordError(ValueError):
    """The PDF carries no ``hocbaso.record/N`` attachment (any version ``record_format.FORMATS`` reads)."""


def attachment_name(school_year: str, *, single: bool) -> str:
    """The attachment's file name: ``hocbaso-record.json`` alone, else named by school year."""
    return ATTACHMENT if single else f"hocbaso-record-{school_year}.json"


# Key order of the embedded JSON: the spec's order where it gives one, other keys sorted after.
_ORDER = {
    (): tuple(record_format.RECORD),
    ("school",): ("code", "name", "authority", "commune", "district", "province"),
    ("pupil",): ("identity_number", "full_name", "gender", "birth_date", "ethnicity", "nationality", "birthplace",
                 "hometown", "address", "father_name", "mother_name", "guardian_name", "registry_number",
                 "lifelong_learning_code"),
    ("subjects", "*"): ("code", "rating", "score", "comment"),
    ("qualities", "*"): ("code", "rating", "comment"),
    ("competences", "*"): ("code", "rating", "comment"),
    ("days_absent",): ("excused", "unexcused"),
    ("issuance",): ("record_id", "lookup_code", "effective_date", "version", "supersedes", "issued_at"),
    ("periods",): record_format.TERM_PERIODS,
    ("periods", "*"): ("subjects", "qualities", "competences"),
    ("periods", "*", "subjects", "*"): ("code", "rating", "score", "comment"),
    ("periods", "*", "qualities", "*"): ("code", "rating", "comment"),
    ("periods", "*", "competences", "*"): ("code", "rating", "comment"),
}


def _ordered(value, pattern: tuple = ()):
    """``value`` with every object's keys in ``_ORDER``'s order, for orjson. ``pattern`` is the path of ``value``
    with list indexes and period names written ``*`` (the form ``_ORDER``'s keys take). Raises ``_NotPlain`` at
    anything orjson would write differently from the standard library (see ``canonical_json``)."""
    kind = type(value)
    if kind is list:
        item_pattern = pattern + ("*",)
        return [_ordered(item, item_pattern) if type(item) in _CONTAINERS else _plain(item) for item in value]
    if kind is not dict:
        return _plain(value)
    order = _ORDER.get(pattern, ())
    keys = [k for k in order if k in value]
    if len(keys) != len(value):
        rest = [k for k in value if k not in order]
        if any(type(k) is not str for k in rest):
            raise _NotPlain  # the standard library writes 1 as "1"; orjson refuses it
        keys += sorted(rest)
    out = {}
    for key in keys:
        item = value[key]
        if type(item) in _CONTAINERS:
            # Period names ("giua_hk1", ...) all follow one order: ("periods", "*").
            item = _ordered(item, ("periods", "*") if pattern == ("periods",) else pattern + (key,))
        else:
            _plain(item)
        out[key] = item
    return out


_CONTAINERS = (dict, list)
_SCALARS = frozenset({str, int, bool, type(None)})


class _NotPlain(Exception):
    """A value that orjson would write differently from ``json.dumps`` (or not at all)."""


def _plain(value):
    kind = type(value)
    if kind in _SCALARS:
        return value
    # The standard library writes 1e-05 where orjson writes 0.00001, and NaN/Infinity where orjson writes
    # null; between 1e-4 and 1e16 (a weight in kilograms, say) both write the shortest repr. Anything else
    # (a tuple, a dict or str subclass, a date...) goes the standard library's way, error included.
    if kind is float and (not value or 1e-4 <= abs(value) < 1e16):
        return value
    raise _NotPlain


def _ordered_general(value, path: tuple = ()):
    """``_ordered`` for any value ``json.dumps`` takes (subclasses, tuples, odd floats): the slow path."""
    if isinstance(value, list):
        return [_ordered_general(item, path + ("*",)) for item in value]
    if not isinstance(value, dict):
        return value
    pattern = tuple("*" if len(path) > 1 and path[0] == "periods" and i == 1 else part
                    for i, part in enumerate(path))
    order = _ORDER.get(pattern, ())
    keys = [k for k in order if k in value] + sorted(k for k in value if k not in order)
    return {k: _ordered_general(value[k], path + (k,)) for k in keys}


def canonical_json(record: dict) -> bytes:
    """The record as UTF-8 JSON whose bytes depend only on the data, not on the dict's key order: keys in
    ``_ORDER``'s order, two-space indentation, non-ASCII characters as they are; always the bytes of
    ``json.dumps(..., ensure_ascii=False, indent=2)``. Written by orjson (a record in 0.4 ms instead of 1.6:
    with ``indent`` the standard library runs its pure-Python encoder) unless the record holds a value orjson
    writes differently."""
    try:
        return orjson.dumps(_ordered(record), option=orjson.OPT_INDENT_2) + b"\n"
    except _NotPlain:
        return json.dumps(_ordered_general(record), ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def extract_records(pdf: bytes) -> dict[str, dict]:
    """Every ``hocbaso.record/N`` (any version read) attached to ``pdf``, by school year, in school-year order.

    Raises ``NoRecordError`` when there is none, ``ValueError`` when ``pdf`` is not a readable PDF,
    ``hocbaso.core.limits.TooLarge`` (a ``ValueError``) when an attachment decodes past its cap."""
    try:
        document = pikepdf.open(io.BytesIO(pdf))
    except pikepdf.PdfError as error:
        raise ValueError(f"Không đọc được tệp PDF: {error}") from None
    found = {}
    with document:
        for name, spec in pdf_attachments(document).items():
            if not (name == ATTACHMENT or (name.startswith("hocbaso-record-") and name.endswith(".json"))):
                continue
            record = json.loads(pdf_attachment_read(spec, what=f"Dữ liệu học bạ đính kèm ({name[:60]})"))
            if isinstance(record, dict) and record.get("format") in record_format.FORMATS:
                found[record.get("school_year") or name] = record
    if not found:
        raise NoRecordError(f"Tệp PDF không chứa dữ liệu học bạ đính kèm ({record_format.FORMAT_NAME}).")
    return dict(sorted(found.items()))


def extract_record(pdf: bytes) -> dict:
    """The record attached to a one-year học bạ; for a whole-history document, the latest year's.

    Raises ``NoRecordError`` when there is none, ``ValueError`` when ``pdf`` is not a readable PDF."""
    found = extract_records(pdf)
    return found[max(found)]
