"""The mapping of our record to the sector database's shape lives in one module: every leaf of the format is
mapped or said not carried, and a record maps field by field."""

from lxml import etree

from hocbaso.exchange.sector.ministry_xml import MAPPING, NOT_CARRIED, NS, record_to_sector, record_to_sector_xml
from hocbaso.tt27.record_xml import FIELDS, Leaf, Many, Obj
from hocbaso.tt27.tests.factories import issuance, valid_record


def format_leaves(name: str = "record", prefix: str = "") -> set[str]:
    """Every leaf path of the format (every version's keys), ``[]`` marking a list's items."""
    leaves = set()
    for key, node in FIELDS[name].items():
        if isinstance(node, Leaf):
            leaves.add(prefix + key)
        elif isinstance(node, Obj):
            leaves |= format_leaves(node.name, f"{prefix}{key}.")
        else:
            assert isinstance(node, Many)
            leaves |= format_leaves(node.of, f"{prefix}{key}[].")
    return leaves


def test_every_leaf_of_the_format_is_mapped_or_said_not_carried():
    leaves = format_leaves()
    assert len(leaves) > 80
    assert leaves - MAPPING.keys() - NOT_CARRIED.keys() == set(), "map it in ministry_xml.MAPPING or NOT_CARRIED"
    assert MAPPING.keys() & NOT_CARRIED.keys() == set()
    assert (MAPPING.keys() | NOT_CARRIED.keys()) - leaves == set(), "a mapped path the format does not have"


def test_no_two_leaves_land_on_one_target():
    targets = [to.path for to in MAPPING.values()]
    assert len(targets) == len(set(targets))


def test_a_record_maps_field_by_field():
    record = valid_record(issuance=issuance(), completed_grade=True)
    out = record_to_sector(record)
    assert out["hovaten"] == "Nguyễn Thị Ánh Tuyết" and out["gioitinh"] == 2 and out["madinhdanh"] == "067216001234"
    assert out["madinhdanhhocba"] == "HB-67000701-2025-000123" and "lookup" not in str(out)
    assert [s["mamonhoc"] for s in out["_dsbangdiem"]] == [s["code"] for s in record["subjects"]]
    assert out["_dsbangdiem"][1]["tenmonhoc"] == "Toán" and out["dahthanhctrinhlophoc"] == 1
    root = etree.fromstring(record_to_sector_xml(record))
    assert root.findtext(f"{{{NS}}}hovaten") == "Nguyễn Thị Ánh Tuyết"
    assert len(root.find(f"{{{NS}}}_dsbangdiem")) == len(record["subjects"])


def test_the_leaves_walked_are_every_version_s_keys_including_record_3():
    """The walk above reads the XML table; this ties it to the format's own key tables (every version, /3's
    pupil with the lifelong-learning code and the school's placement), so a key the XML table missed still fails
    here rather than going unmapped."""
    from hocbaso.tt27.record_format import OBJECTS, PUPILS, RECORDS, SCHOOLS

    leaves = format_leaves()
    tops = {path.split(".")[0].split("[")[0] for path in leaves}
    assert tops == set().union(*(r.keys() for r in RECORDS.values()))
    def under(top):
        return {p.split(".")[1] for p in leaves if p.startswith(f"{top}.")}

    assert under("pupil") == set().union(*(p.keys() for p in PUPILS.values()))
    assert under("school") == set().union(*(s.keys() for s in SCHOOLS.values()))
    assert under("issuance") == set(OBJECTS["issuance"])
    assert MAPPING["pupil.lifelong_learning_code"].path and "pupil.identity_number" in MAPPING
    for version in (1, 2, 3):
        assert set(RECORDS[version]) <= tops
