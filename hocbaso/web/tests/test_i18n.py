"""The web shell's messages (the PIN forms) have their English in the web app's own catalogue, so a catalogue
update of the portal cannot drop them."""

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from hocbaso.testing.i18n import GETTEXT_MISSING, assert_catalogue_complete, gettext_tools, strings_without_english
from hocbaso.web.pins import NO_CERTIFICATE, PinForm

APP = Path(__file__).resolve().parents[1]
PO = APP / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_the_english_catalogue_is_complete():
    assert_catalogue_complete(PO)


def test_the_pin_form_speaks_vietnamese_by_default_and_english_on_request():
    with translation.override(settings.LANGUAGE_CODE):
        assert str(PinForm().fields["pin"].label) == "Mã PIN ký số"
    with translation.override("en"):
        assert str(NO_CERTIFICATE).startswith("You")
        assert str(PinForm().fields["pin"].label) != "Mã PIN ký số"


@pytest.mark.skipif(not gettext_tools(), reason=GETTEXT_MISSING)
def test_every_string_of_the_web_shell_has_its_english(tmp_path):
    left = strings_without_english(APP, tmp_path)
    assert not left, f"strings without English in hocbaso/web/locale/en/LC_MESSAGES/django.po: {left}"
