"""PDF/A-3b: what can be checked here without a full validator (no veraPDF in the registries available;
see docs/record-pdf.md). Checked with pikepdf on a one-year and on a whole-history document: every font
embedded, XMP identification pdfaid:part 3 / conformance B, an sRGB output intent, no encryption, and
every embedded file an associated file (catalog /AF) with /AFRelationship /Data and MIME application/json.
The same checks run on a record split out of a batch document (``Renderer.years``)."""

import json

import pikepdf
import pytest

from hocbaso.documents import Renderer
from hocbaso.tt27.tests.factories import valid_record

PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"
SIMPLE_FONTS = {"/Type1", "/MMType1", "/TrueType", "/CIDFontType0", "/CIDFontType2"}


def year_pdf() -> bytes:
    return Renderer().year(valid_record(grade=5), verify_url="https://example.vn/tra-cuu/{lookup_code}/")


def history_pdf() -> bytes:
    third = valid_record(grade=3, school_year="2022-2023", class_name="3A")
    fourth = valid_record(grade=4, school_year="2023-2024", class_name="4A")
    history = [{"school_year": r["school_year"], "class_name": r["class_name"], "school_name": r["school"]["name"],
                "registry_number": "15/2020", "joined_on": "2022-09-05"} for r in (third, fourth)]
    return Renderer().history([fourth, third], history=history)


def batch_pdf() -> bytes:
    """The middle one of three records compiled as one batch and split (``Renderer.years``)."""
    records = [valid_record(grade=5) for _ in range(3)]
    for i, record in enumerate(records):
        record["pupil"]["full_name"] = f"Lê Thị Số {i}"
    return Renderer().years([(r, "https://example.vn/tra-cuu/{lookup_code}/", None) for r in records])[1][0]


@pytest.fixture(params=["year", "history", "batch"], scope="module")
def document(request, tmp_path_factory):
    data = {"year": year_pdf, "history": history_pdf, "batch": batch_pdf}[request.param]()
    path = tmp_path_factory.mktemp("pdfa") / f"{request.param}.pdf"
    path.write_bytes(data)
    with pikepdf.open(path) as pdf:
        yield request.param, pdf


def test_every_font_is_embedded(document):
    _, pdf = document
    fonts = [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/Font"]
    assert fonts
    for font in fonts:
        subtype = str(font.Subtype)
        if subtype == "/Type0":  # the glyphs live in its descendant CIDFont, checked in its turn
            assert len(font.DescendantFonts) == 1
            continue
        assert subtype in SIMPLE_FONTS, f"unexpected font type {subtype}"
        descriptor = font.FontDescriptor
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), \
            f"{font.BaseFont} is not embedded"
        assert str(font.BaseFont).split("+")[-1].startswith("Tinos")  # the shipped font, never a system one


def test_xmp_identifies_pdfa_3b(document):
    _, pdf = document
    assert "/Metadata" in pdf.Root
    meta = pdf.open_metadata()
    assert meta[f"{PDFAID}part"] == "3"
    assert meta[f"{PDFAID}conformance"] == "B"
    assert meta.pdfa_status == "3B"
    assert not pdf.is_encrypted


def test_an_output_intent_with_an_rgb_profile(document):
    _, pdf = document
    intents = pdf.Root.OutputIntents
    assert len(intents) >= 1
    intent = intents[0]
    assert str(intent.S) == "/GTS_PDFA1" and "/OutputConditionIdentifier" in intent
    profile = intent.DestOutputProfile
    assert int(profile.N) == 3 and profile.read_bytes()[16:20] == b"RGB "


def test_every_embedded_file_is_an_associated_json_data_file(document):
    kind, pdf = document
    associated = list(pdf.Root.AF)
    names = sorted(str(spec.F) for spec in associated)
    expected = (["hocbaso-record.json"] if kind in ("year", "batch")
                else ["hocbaso-record-2022-2023.json", "hocbaso-record-2023-2024.json"])
    assert names == expected
    assert sorted(pdf.attachments) == expected  # nothing embedded that is not associated
    for spec in associated:
        assert str(spec.Type) == "/Filespec" and str(spec.UF) == str(spec.F)
        assert str(spec.AFRelationship) == "/Data"
        assert str(spec.Desc).startswith("Dữ liệu học bạ số năm học") and str(spec.Desc).endswith("(hocbaso.record/3)")
        stream = spec.EF.F
        assert str(stream.Type) == "/EmbeddedFile" and str(stream.Subtype) == "/application/json"
        assert "/ModDate" in stream.Params and int(stream.Params.Size) == len(stream.read_bytes())
        assert json.loads(stream.read_bytes())["format"] == "hocbaso.record/3"
