"""The lifecycle's refusals and progress messages have their English in the records app's own catalogue, so a
catalogue update of another app cannot drop them."""

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils import translation

from hocbaso.records.guards import correction_filers_only, homeroom_only, principal_only
from hocbaso.testing.i18n import GETTEXT_MISSING, assert_catalogue_complete, gettext_tools, strings_without_english

APP = Path(__file__).resolve().parents[1]
PO = APP / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_the_english_catalogue_is_complete():
    assert_catalogue_complete(PO)


def test_the_refusals_speak_vietnamese_by_default_and_english_on_request():
    school, school_class = SimpleNamespace(name="Trường Tiểu học Kim Đồng"), SimpleNamespace(name="4A")
    with translation.override(settings.LANGUAGE_CODE):
        assert principal_only(school) == "Chỉ hiệu trưởng Trường Tiểu học Kim Đồng mới thực hiện được thao tác này."
    with translation.override("en"):
        assert principal_only(school) == "Only the principal of Trường Tiểu học Kim Đồng can do this."
        assert homeroom_only(school_class) == "Only the homeroom teacher of class 4A signs the class's records."
        assert correction_filers_only(school_class) == (
            "Only the teachers of class 4A or the principal can request a correction.")


@pytest.mark.skipif(not gettext_tools(), reason=GETTEXT_MISSING)
def test_every_string_of_the_records_app_has_its_english(tmp_path):
    left = strings_without_english(APP, tmp_path)
    assert not left, f"strings without English in hocbaso/records/locale/en/LC_MESSAGES/django.po: {left}"
