"""Vietnamese first, English on request: the switcher, the catalogue, the middleware."""

from pathlib import Path

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from hocbaso.portal.catalogue_i18n import NAMES
from hocbaso.testing.i18n import GETTEXT_MISSING, assert_catalogue_complete, gettext_tools, strings_without_english
from hocbaso.tt27 import catalogue

PO = Path(__file__).resolve().parents[1] / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_pages_are_vietnamese_by_default(client, world):
    client.force_login(world.member.user)
    text = client.get(reverse("portal:class_detail", args=[world.class4a.pk])).content.decode()
    assert 'lang="vi"' in text and "Danh sách học sinh" in text and "Đăng xuất" in text


def test_the_switcher_turns_the_portal_english_and_back(client, world):
    client.force_login(world.member.user)
    page = reverse("portal:grid", args=[world.class4a.pk, "cuoi_nam", "toan"])
    response = client.post(reverse("portal:set_language"), {"language": "en", "next": page})
    assert response.status_code == 302 and response["Location"] == page
    text = client.get(page).content.decode()
    assert 'lang="en"' in text and "Sign out" in text and "Mathematics" in text and "Completed well" in text
    assert 'id="lang-vi">' in text  # the way back, named in its own language
    client.post(reverse("portal:set_language"), {"language": "vi", "next": page})
    assert "Đăng xuất" in client.get(page).content.decode()


def test_every_catalogue_name_can_be_translated():
    names = set(NAMES)
    for table in (catalogue.PERIODS, catalogue.SUBJECT_RATINGS, catalogue.TRAIT_RATINGS, catalogue.OUTCOMES,
                  catalogue.AWARDS, catalogue.SUBJECTS, catalogue.QUALITIES, catalogue.COMPETENCES,
                  catalogue.DECISIONS, catalogue.AWARD_KINDS):
        assert set(table.values()) <= names


def test_the_english_catalogue_is_complete():
    assert_catalogue_complete(PO)
    with translation.override("en"):
        assert translation.gettext("Cuối năm học") == "End of year"


def test_chosen_language_middleware_ignores_the_browsers_accept_language(settings):
    from hocbaso.web.language import ChosenLanguageMiddleware

    middleware = ChosenLanguageMiddleware(lambda request: None)
    request = RequestFactory().get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    middleware.process_request(request)
    assert request.LANGUAGE_CODE == "vi"
    request = RequestFactory().get("/", HTTP_ACCEPT_LANGUAGE="vi")
    request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = "en"
    middleware.process_request(request)
    assert request.LANGUAGE_CODE == "en"
    translation.activate(settings.LANGUAGE_CODE)


@pytest.mark.skipif(not gettext_tools(), reason=GETTEXT_MISSING)
def test_every_string_of_the_portal_has_its_english(tmp_path):
    """What ``makemessages`` finds in the portal's code and templates is all in django.po, none left empty or
    fuzzy: a new screen or message cannot land Vietnamese-only."""
    left = strings_without_english(Path(__file__).resolve().parents[1], tmp_path)
    assert not left, f"strings without English in hocbaso/portal/locale/en/LC_MESSAGES/django.po: {left}"
