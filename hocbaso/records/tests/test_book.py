"""The học bạ as a book (issue 19): the whole history has the template's parts in order (cover, identity page,
QUÁ TRÌNH HỌC TẬP with blank rows for the years to come, HƯỚNG DẪN GHI HỌC BẠ, the year pages), and an issued
year prints the same page in the class render (``hocbaso render --school``) and in the pupil's book
(``hocbaso render --pupil``): checked with pdftotext."""

import io
import shutil
import subprocess

import pytest
from django.core.management import call_command

from hocbaso.records.history import pupil_history_render
from hocbaso.testing.lifecycle import sign_and_issue

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")


def pages(pdf: bytes, tmp_path, name: str) -> list[str]:
    """Each page's text line by line (spaces collapsed: the column layout's spacing varies with the document's
    font subsets), its footer line (which counts the document's own pages) left out."""
    path = tmp_path / name
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    out = []
    for page in text.split("\f")[:-1]:
        lines = [" ".join(line.split()) for line in page.splitlines() if line.strip()]
        out.append("\n".join(line for line in lines if "Trang " not in line))
    return out


@pytest.fixture
def issued(school):
    sign_and_issue(school)
    return school


def test_an_issued_year_prints_the_same_page_in_the_class_render_and_in_the_book(issued, tmp_path):
    call_command("render", "--school", "67000199", "--year", "2024-2025", "--class", "4A", "--out",
                 str(tmp_path / "class"), "--workers", "1", stdout=io.StringIO())
    [year_pdf] = [p for p in (tmp_path / "class" / "4A").glob("*.pdf") if f"{issued.pupil.pk:06d}" in p.name]
    year_pages = pages(year_pdf.read_bytes(), tmp_path, "year.pdf")
    book_pages = pages(pupil_history_render(pupil=issued.pupil), tmp_path, "book.pdf")
    assert len(year_pages) == 2
    assert book_pages[-2:] == year_pages
    assert "Chưa phát hành" not in year_pages[0] and "Mã số tra cứu học bạ:" in year_pages[0]


def test_the_book_has_the_templates_parts_in_order(issued, tmp_path):
    book = pages(pupil_history_render(pupil=issued.pupil), tmp_path, "book.pdf")
    heads = ["HỌC SINH TIỂU HỌC", "QUÁ TRÌNH HỌC TẬP", "HƯỚNG DẪN GHI HỌC BẠ", "NĂM HỌC 2024-2025",
             "2. Những phẩm chất chủ yếu"]
    assert [next(i for i, page in enumerate(book) if head in page) for head in heads] == [0, 1, 2, 3, 4]
    assert "Họ và tên học sinh:" in book[1] and "Dân tộc:" in book[1]
    table = book[1][book[1].index("QUÁ TRÌNH HỌC TẬP"):]
    assert "2024-2025" in table and "4A" in table
    assert not any("7. Nhận xét" in page for page in book)
    assert "Điều 11" in book[2] and "Điều 13" in book[2]


def test_the_class_render_says_it_prints_year_pages_only(issued, tmp_path):
    out = io.StringIO()
    call_command("render", "--school", "67000199", "--year", "2024-2025", "--out", str(tmp_path), "--workers", "1",
                 stdout=out)
    assert "chỉ gồm các trang của một năm học" in out.getvalue() and "--pupil" in out.getvalue()
