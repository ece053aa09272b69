"""The readers of ``core.limits`` and ``exchange.excel.bounds`` on their own: each cap holds for what an input
declares and for what it actually holds, and a workbook that escapes the early look is caught after loading."""

import io
import zipfile

import pikepdf
import pytest
from openpyxl import load_workbook

from hocbaso.core.limits import (TooLarge, inflate, pdf_stream_read, size_text, zip_check, zip_member_read,
                                 zip_read_all)
from hocbaso.exchange.excel.bounds import sheet_area_check, workbook_check
from hocbaso.testing.bombs import xlsx_with_sheet_xml, zip_with_bomb, zlib_bomb

MB = 1024 * 1024


def test_inflate_stops_at_the_cap_whatever_the_stream_would_become():
    assert inflate(zlib_bomb(2), limit=3 * MB, what="x") == bytes(2 * MB)
    with pytest.raises(TooLarge, match="Dữ liệu thử quá lớn khi giải nén \\(tối đa 1 MB\\)"):
        inflate(zlib_bomb(1024), limit=MB, what="Dữ liệu thử")


def test_a_zip_is_refused_by_what_it_declares_and_by_what_it_holds():
    declared = zipfile.ZipFile(io.BytesIO(zip_with_bomb({}, "a.bin", 64)))
    with pytest.raises(TooLarge, match="a.bin"):
        zip_check(declared, member=32 * MB)
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as archive:
        for number in range(30):
            archive.writestr(f"{number}.txt", b"x")
    with pytest.raises(TooLarge, match="quá nhiều tệp"):
        zip_check(zipfile.ZipFile(many), members=20)
    # A member declaring 1 MiB that holds 64: the actual read stops at the cap (zipfile stops at the declared
    # size, then fails its CRC), never holding 64 MiB.
    lying = zipfile.ZipFile(io.BytesIO(zip_with_bomb({}, "b.bin", 64, declared_mb=1)))
    with pytest.raises(TooLarge):
        zip_member_read(lying, "b.bin", limit=MB // 2)
    assert [type(content).__name__ for _name, content in zip_read_all(lying)] == ["BadZipFile"]


def test_a_pdf_stream_under_a_filter_it_cannot_bound_is_read_only_when_small():
    with pikepdf.new() as pdf:
        small = pikepdf.Stream(pdf, b"")
        small.write(b"414243>", filter=pikepdf.Name.ASCIIHexDecode)
        assert pdf_stream_read(small, limit=MB) == b"ABC"
        large = pikepdf.Stream(pdf, b"")  # 10 KB of a filter that could expand 4096 times: not decoded
        large.write(b"41" * 5000 + b">", filter=pikepdf.Name.LZWDecode)
        with pytest.raises(TooLarge):
            pdf_stream_read(large, limit=MB)


def test_a_sheet_that_escapes_the_early_look_is_caught_before_its_rows_are_read():
    # a tab before the reference: the early look (which reads " r=") misses it; openpyxl places the cell
    sheet = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             b'spreadsheetml/2006/main"><sheetData><row\tr="1"><c\tr="A1"><v>1</v></c></row>'
             b'<row\tr="900000"><c\tr="ZZ900000"><v>1</v></c></row></sheetData></worksheet>')
    data = xlsx_with_sheet_xml(sheet)
    workbook_check(data)
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    with pytest.raises(TooLarge, match="vùng dữ liệu"):
        sheet_area_check(ws)


def test_sizes_read_as_people_write_them():
    assert [size_text(n) for n in (2048, MB, 5 * MB, 1536 * 1024)] == ["2 KB", "1 MB", "5 MB", "1.5 MB"]
