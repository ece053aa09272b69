"""What a học bạ prints of the school's administration, as of the record's date: from 1/7/2025 the commune's
People's Committee above the school and the commune in the date line (``hocbaso.record/2``); a record issued
before keeps the Sở GD&ĐT and the district's Phòng GD&ĐT it was issued under (``hocbaso.record/1``)."""

import shutil
import subprocess

import pytest

from hocbaso.documents import Renderer, render_history
from hocbaso.tt27.tests.factories import issuance, v1_record, valid_record

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")


@pytest.fixture(scope="module")
def renderer():
    return Renderer()


def pages_of(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [" ".join(page.split()) for page in text.split("\f") if page.strip()]


def text_of(pdf: bytes, tmp_path) -> str:
    return " ".join(pages_of(pdf, tmp_path))


def year_pages(pages: list[str], school_year: str) -> str:
    """The pages of one school year: from the one headed "NĂM HỌC <year>" to the next year's."""
    start = next(i for i, page in enumerate(pages) if f"NĂM HỌC {school_year}" in page)
    end = next((i for i in range(start + 1, len(pages)) if "NĂM HỌC " in pages[i]), len(pages))
    return " ".join(pages[start:end])


def issued(record, day):
    record["issuance"] = {**issuance(), "effective_date": day, "issued_at": f"{day}T08:30:00+07:00"}
    return record


def test_a_record_of_today_names_the_communes_peoples_committee_and_dates_at_the_commune(renderer, tmp_path):
    text = text_of(renderer.year(issued(valid_record(), "2026-06-01")), tmp_path)
    assert text.index("UBND XÃ TRƯỜNG XUÂN") < text.index("TRƯỜNG TIỂU HỌC TRUNG VƯƠNG") < text.index("CỘNG HÒA")
    assert "Trường Xuân, ngày 01 tháng 6 năm 2026" in text
    assert "PHÒNG" not in text.upper().replace("PHÒNG VĂN HÓA", "") and "SỞ GD" not in text and "Huyện" not in text


def test_a_record_issued_before_the_reform_keeps_its_sở_and_phòng(renderer, tmp_path):
    text = text_of(renderer.year(issued(v1_record(), "2025-06-01")), tmp_path)
    assert text.index("SỞ GD&ĐT ĐẮK NÔNG") < text.index("PHÒNG GD&ĐT ĐẮK SONG") < text.index(
        "TRƯỜNG TIỂU HỌC TRUNG VƯƠNG")
    assert "Đắk Song, ngày 01 tháng 6 năm 2025" in text and "UBND" not in text


def test_a_history_prints_each_year_with_the_names_of_its_own_record(tmp_path):
    old = issued(v1_record(3, school_year="2023-2024", class_name="3A"), "2024-05-31")
    new = issued(valid_record(4, school_year="2025-2026"), "2026-05-30")
    history = [{"school_year": y, "class_name": c, "school_name": "Trường Tiểu học Trung Vương",
                "registry_number": "15/2020", "joined_on": "2020-09-05"} for y, c in (("2023-2024", "3A"),
                                                                                      ("2025-2026", "4A"))]
    pages = pages_of(render_history([new, old], history=history, commune="Xã Cũ Không Dùng"), tmp_path)
    cover = " ".join(pages[:2])
    old_page, new_page = year_pages(pages, "2023-2024"), year_pages(pages, "2025-2026")
    assert old_page and new_page and "NĂM HỌC" not in cover
    # The cover is the latest record's: its commune, no district line.
    assert "UBND XÃ TRƯỜNG XUÂN" in cover and "Xã (Phường, Thị trấn): xã Trường Xuân" in cover
    assert "Huyện (Quận" not in cover and "Xã Cũ" not in cover
    assert "PHÒNG GD&ĐT ĐẮK SONG" in old_page and "Đắk Song, ngày 31 tháng 5 năm 2024" in old_page
    assert "UBND" not in old_page
    assert "Trường Xuân, ngày 30 tháng 5 năm 2026" in new_page and "PHÒNG GD" not in new_page


def test_the_cover_of_an_old_history_names_its_district(tmp_path):
    old = issued(v1_record(4), "2025-05-31")
    history = [{"school_year": "2024-2025", "class_name": "4A", "school_name": "Trường Tiểu học Trung Vương",
                "registry_number": "15/2020", "joined_on": "2020-09-05"}]
    cover = " ".join(pages_of(render_history([old], history=history, commune="Xã Trường Xuân"), tmp_path)[:2])
    assert "Xã (Phường, Thị trấn): Xã Trường Xuân" in cover
    assert "Huyện (Quận, Thị xã, Thành phố): Huyện Đắk Song" in cover and "PHÒNG GD&ĐT ĐẮK SONG" in cover
