"""Public verification as a new user tries it on a phone, in real Chromium against the live server.

The records are really rendered, signed (homeroom teacher, principal) and issued by the lifecycle services;
the link the test opens is the one printed next to the QR code in the issued PDF. Screenshots of every step
go to screenshots/<test>/.
"""

import hashlib
import re
import subprocess

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from hocbaso.records.codes import new_lookup_code
from hocbaso.records.models import IssuedRecord
from hocbaso.testing.lifecycle import sign_and_issue
from hocbaso.testing.tools import require_program
from hocbaso.testing.triggers import immutability_triggers

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}
SCHOOL_NAME = "Trường Tiểu học Thử Nghiệm"
MASKED = "Nguyễn T. Á. Tuyết"
FULL_NAME = "Nguyễn Thị Ánh Tuyết"


@pytest.fixture(scope="module", autouse=True)
def _triggers_back(triggers_back_after_the_module):
    """See ``immutability_triggers`` in conftest.py."""


@pytest.fixture
def issued(school, live_server, settings):
    """The school's three records issued with the live server as SITE_URL; the first pupil's record."""
    settings.SITE_URL = live_server.url
    sign_and_issue(school)
    yield IssuedRecord.objects.get(enrolment=school.enrolment)
    immutability_triggers(present=False)


def pdf_bytes(issued) -> bytes:
    with default_storage.open(issued.pdf, "rb") as handle:
        return handle.read()


def qr_link(data: bytes, tmp_path) -> str:
    """The verification link printed beside the QR code on the issued PDF (the QR encodes the same string)."""
    require_program("pdftotext", "poppler-utils")
    path = tmp_path / "hoc-ba.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    found = re.search(r"(http://\S+/tra-cuu/\S+?/)", re.sub(r"\s*\n\s*", "", text.split("Quét mã QR")[1]))
    assert found, text
    return found.group(1)


def no_horizontal_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width}px wide on a 360px phone"


def without_csrf_token(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def visible_text(page) -> str:
    return page.inner_text("body")


def test_qr_link_status_page_and_download_with_the_right_birth_date(live_server, issued, new_context, shot,
                                                                   tmp_path):
    data = pdf_bytes(issued)
    link = qr_link(data, tmp_path)
    assert link == f"{live_server.url}/tra-cuu/{issued.lookup_code}/"

    page = new_context(accept_downloads=True, **PHONE).new_page()
    response = page.goto(link)
    assert response.status == 200
    shot(page, "status-page")
    text = visible_text(page)
    assert "Học bạ có hiệu lực" in text
    assert MASKED in text and FULL_NAME not in text
    assert SCHOOL_NAME in text and issued.school_year in text  # not the class: it gives the birth year
    assert "Lê Thị Hoa" in text and "Đoàn Trung Quế" in text and "Hiệu trưởng" in text
    assert "02/09/2014" not in text and issued.sha256 not in text
    no_horizontal_scroll(page)

    # English on request (a visitor from abroad), and back; the page stays the QR link's page.
    page.click("#lang-en")
    page.wait_for_load_state()
    shot(page, "status-page-english")
    text = visible_text(page)
    assert page.url == link and "This record is valid (current version)." in text and "Principal" in text
    assert MASKED in text and "Học bạ có hiệu lực" not in text
    no_horizontal_scroll(page)
    page.click("#lang-vi")
    page.wait_for_load_state()
    assert page.url == link and "Học bạ có hiệu lực" in visible_text(page)

    page.fill("#xac_minh", "02/09/2014")
    page.fill("#so_cuoi", "1234")
    page.click("#verify-form button[type=submit]")
    page.wait_for_load_state()
    shot(page, "full-record")
    text = visible_text(page)
    assert FULL_NAME in text and issued.record_id in text and "02/09/2014" in text
    assert "Hoàn thành xuất sắc" in text and "Tiếng Việt" in text  # the results, in words
    no_horizontal_scroll(page)

    with page.expect_download() as waiting:
        page.click("text=Tải bản PDF đã ký số")
    download = waiting.value
    assert download.suggested_filename.endswith(".pdf")
    downloaded = open(download.path(), "rb").read()
    assert hashlib.sha256(downloaded).hexdigest() == issued.sha256
    assert downloaded == data


def test_wrong_birth_date_reveals_nothing_and_looks_like_a_wrong_code(live_server, issued, new_context, shot):
    page = new_context(accept_downloads=True, **PHONE).new_page()
    link = f"{live_server.url}{reverse('verify:status', args=[issued.lookup_code])}"

    # A wrong date of birth for the real code.
    page.goto(link)
    page.fill("#xac_minh", "03/09/2014")
    page.fill("#so_cuoi", "1234")
    with page.expect_response(lambda r: r.request.method == "POST") as waiting:
        page.click("#verify-form button[type=submit]")
    wrong_birth = waiting.value
    page.wait_for_load_state()
    shot(page, "wrong-birth-date")
    wrong_birth_text, wrong_birth_html = visible_text(page), without_csrf_token(page.content())
    no_horizontal_scroll(page)

    # The right date of birth, sent for a code that does not exist (what someone guessing codes would do).
    unknown = new_lookup_code()
    page.goto(link)
    page.eval_on_selector("#verify-form", "(form, url) => form.action = url",
                          f"{live_server.url}{reverse('verify:status', args=[unknown])}")
    page.fill("#xac_minh", "02/09/2014")
    page.fill("#so_cuoi", "1234")
    with page.expect_response(lambda r: r.request.method == "POST") as waiting:
        page.click("#verify-form button[type=submit]")
    wrong_code = waiting.value
    page.wait_for_load_state()
    shot(page, "wrong-code")
    wrong_code_text, wrong_code_html = visible_text(page), without_csrf_token(page.content())

    assert wrong_birth.status == wrong_code.status
    assert wrong_birth_text == wrong_code_text
    assert wrong_birth_html == wrong_code_html  # the whole documents, but for the CSRF token
    assert "không đúng" in wrong_birth_text
    for secret in (FULL_NAME, MASKED, "02/09/2014", issued.record_id, SCHOOL_NAME, "Lê Thị Hoa"):
        assert secret not in wrong_birth_text

    # And no download: the PDF link sends back to the status page.
    page.goto(f"{live_server.url}{reverse('verify:download', args=[issued.lookup_code])}")
    assert page.url == link
    assert FULL_NAME not in visible_text(page)


def test_file_check_of_the_issued_pdf_on_a_phone(live_server, issued, new_context, shot, tmp_path):
    path = tmp_path / "hoc-ba.pdf"
    path.write_bytes(pdf_bytes(issued))
    page = new_context(**PHONE).new_page()
    page.goto(f"{live_server.url}{reverse('verify:file')}")
    shot(page, "file-form")
    page.set_input_files("#tep", str(path))
    page.click("#file-form button[type=submit]")
    page.wait_for_selector(".verdict-authentic_current")
    shot(page, "file-verdict")
    text = visible_text(page)
    assert "đang có hiệu lực" in text and MASKED in text and "Lê Thị Hoa" in text
    assert issued.sha256 not in text  # folded away
    page.click("summary")
    shot(page, "file-verdict-details")
    assert issued.sha256 in visible_text(page)
    no_horizontal_scroll(page)

    # The same file with one byte changed inside the signed content.
    data = path.read_bytes()
    at = data.index(b"stream", data.index(b"/FlateDecode")) + 40
    path.write_bytes(data[:at] + bytes([data[at] ^ 1]) + data[at + 1:])
    page.set_input_files("#tep", str(path))
    page.click("#file-form button[type=submit]")
    page.wait_for_selector(".verdict-altered")
    page.click("details.technical > summary")
    shot(page, "file-altered")
    text = visible_text(page)
    assert "đã bị thay đổi" in text and "Nội dung được ký còn nguyên vẹn" in text
    no_horizontal_scroll(page)
