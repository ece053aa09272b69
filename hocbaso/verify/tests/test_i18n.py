"""The public verification pages: Vietnamese first, English when the visitor chooses it (never from the browser's
Accept-Language), on the short middleware path and its kept pages too."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from hocbaso.records.codes import new_lookup_code
from hocbaso.testing.i18n import GETTEXT_MISSING, assert_catalogue_complete, gettext_tools, strings_without_english
from hocbaso.tt27 import catalogue
from hocbaso.verify.names_i18n import NAMES
from hocbaso.verify.pages import forget_pages

PO = Path(__file__).resolve().parents[1] / "locale" / "en" / "LC_MESSAGES" / "django.po"


@pytest.fixture(autouse=True)
def fresh_pages():
    forget_pages()
    yield
    forget_pages()
    translation.activate(settings.LANGUAGE_CODE)


def _status(client, code, **headers):
    page = client.get(reverse("verify:status", args=[code]), **headers)
    assert page.status_code == 200
    return page


def test_status_page_is_vietnamese_by_default_even_for_an_english_browser(client, issue):
    record = issue()
    page = _status(client, record.lookup_code, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    text = page.content.decode()
    assert 'lang="vi"' in text and "Học bạ có hiệu lực" in text and "Hiệu trưởng" in text
    assert page["Content-Language"] == "vi"
    assert 'id="lang-en"' in text  # the way to English, named in English


def test_the_switcher_turns_the_status_page_english_and_the_kept_pages_do_not_mix(client, issue):
    v1 = issue()
    v2 = issue(version=2, supersedes=v1)
    url = reverse("verify:status", args=[v1.lookup_code])
    vietnamese = _status(client, v1.lookup_code).content.decode()  # now kept, in Vietnamese
    assert "đã được thay thế bởi phiên bản 2" in vietnamese
    # The switcher on the page: a form (with this visitor's CSRF token) back to this page.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', vietnamese).group(1)
    assert vietnamese.count(token) == 2  # the second-factor form and the switcher: both filled in
    response = client.post(reverse("portal:set_language"), {"language": "en", "next": url,
                                                            "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == url
    english = _status(client, v1.lookup_code)
    text = english.content.decode()
    assert english["Content-Language"] == "en" and 'lang="en"' in text
    assert "This record has been superseded by version 2." in text and "Lookup result" in text
    assert "Principal" in text and "Homeroom teacher" in text and "Nguyễn T. Á. Tuyết" in text
    assert "Học bạ" not in text.split("<main>")[1].split("</main>")[0].replace("Học bạ số", "")
    assert "This record is valid (current version)." in _status(client, v2.lookup_code).content.decode()
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    again = _status(client, v1.lookup_code).content.decode()
    assert _without_tokens(again) == _without_tokens(vietnamese)  # the Vietnamese page, kept apart from the English


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_unknown_and_mistyped_codes_answer_in_the_chosen_language(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    unknown = client.get(reverse("verify:status", args=[new_lookup_code()]))
    assert unknown.status_code == 404
    assert "No record was found with this lookup code." in unknown.content.decode()
    mistyped = client.get(reverse("verify:lookup"), {"ma": "7KQ2-M9XD-4R"})
    assert "Invalid lookup code: please check each character." in mistyped.content.decode()


def test_the_full_record_and_the_file_check_in_english(client, issue, world):
    record = issue()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    full = client.post(reverse("verify:status", args=[record.lookup_code]),
                       {"xac_minh": "02/09/2014", "so_cuoi": "1234"})
    text = full.content.decode()
    assert full.status_code == 200 and "Download the digitally signed PDF" in text
    assert "School record of Nguyễn Thị Ánh Tuyết" in text and "Homeroom teacher" in text
    wrong = client.post(reverse("verify:status", args=[record.lookup_code]),
                        {"xac_minh": "03/09/2014", "so_cuoi": "1234"})
    assert "The lookup code or the verification details" in wrong.content.decode()
    no_file = client.post(reverse("verify:file"), {})
    assert no_file.status_code == 400 and "Please choose a PDF file to check." in no_file.content.decode()
    page = client.post(reverse("verify:file"), {"tep": SimpleUploadedFile("x.pdf", b"not a pdf")}).content.decode()
    assert "The uploaded file is not a PDF file." in page and "Please choose the school record PDF file" in page
    assert "Technical details" in page and "SHA-256 hash of the file" in page


def test_the_json_api_keeps_its_vietnamese_messages(client, issue):
    # Machines read the status codes; the messages stay in the default language unless a cookie says otherwise.
    record = issue()
    data = client.get(reverse("verify:api_status", args=[record.lookup_code])).json()
    assert data["status"] == "current" and "Học bạ có hiệu lực" in data["message"]


def test_the_english_catalogue_is_complete_and_compiled():
    assert_catalogue_complete(PO)


@pytest.mark.skipif(not gettext_tools(), reason=GETTEXT_MISSING)
def test_every_string_of_the_public_pages_has_its_english(tmp_path):
    left = strings_without_english(Path(__file__).resolve().parents[1], tmp_path)
    assert not left, f"strings without English in hocbaso/verify/locale/en/LC_MESSAGES/django.po: {left}"


def test_every_completion_statement_of_the_catalogue_is_marked_for_translation():
    statements = {catalogue.grade_completion(grade, done) for grade in catalogue.GRADES for done in (True, False)}
    statements |= {catalogue.primary_completion(done) for done in (True, False)}
    assert statements <= set(NAMES)
