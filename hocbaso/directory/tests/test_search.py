"""Finding a pupil: names without diacritics, birth dates, identity numbers; Vietnamese order with class and birth
date (``directory.search``, ``directory.selectors.pupils_find``)."""

import datetime as dt

import pytest

from hocbaso.directory.models import Enrolment, Pupil, SchoolClass
from hocbaso.directory.search import fold, pupil_matches, query_parse
from hocbaso.directory.selectors import pupils_find, vietnamese_sort_key


def matches(text, name="Nguyễn Gia Cường", birth=dt.date(2017, 3, 12), number="067217001234"):
    return pupil_matches(query_parse(text), full_name=name, birth_date=birth, identity_number=number)


def test_fold_drops_diacritics_and_reads_d_stroke_as_d():
    assert fold("  Đặng  Thị Ánh TUYẾT ") == "dang thi anh tuyet"
    assert fold("Ka Liên") == fold("ka lien") == "ka lien"


@pytest.mark.parametrize("text, expected", [
    ("nguyen gia cuong", True), ("cuong", True), ("Cường", True), ("gia c", True), ("nguyen hoa", False),
    ("uong", False),  # a word must begin a word of the name
    ("12/3/2017", True), ("12/03/2017", True), ("2017-03-12", True), ("12-03-2017", True), ("13/03/2017", False),
    ("31/02/2017", False),  # no such day: nothing, rather than everyone
    ("1234", True), ("067217001234", True), ("4321", False), ("cuong 1234", True), ("cuong 12/3/2017 1234", True),
    ("hoa 12/3/2017", False),
])
def test_a_query_matches_on_every_part(text, expected):
    assert matches(text) is expected


def test_vietnamese_order_given_name_first_with_its_letters_and_tones():
    names = ["Trần Văn Bình", "Lê Thị An", "Nguyễn Văn An", "Đỗ Minh Đức", "Phạm Thị Dung", "Ka Liên", "Lò Văn Ăn"]
    ordered = sorted(names, key=vietnamese_sort_key)
    assert ordered == ["Lê Thị An", "Nguyễn Văn An", "Lò Văn Ăn", "Trần Văn Bình", "Phạm Thị Dung", "Đỗ Minh Đức",
                       "Ka Liên"]


def test_pupils_find_tells_two_of_the_same_name_apart_and_is_scoped_to_the_year(world):
    class1a = SchoolClass.objects.create(school_year=world.year, name="1C", grade=1)
    for number, birth in (("067217000001", dt.date(2017, 1, 5)), ("067217000002", dt.date(2017, 9, 30))):
        pupil = Pupil.objects.create(school=world.school, full_name="Ka Liên", gender="female", birth_date=birth,
                                     birthplace="Lâm Đồng", identity_number=number)
        Enrolment.objects.create(pupil=pupil, school_class=class1a, registry_number=number[-2:], joined_on="2023-09-05")
    found = pupils_find(world.year, "ka lien")
    assert [p.label for p in found] == ["Ka Liên — 1C — 05/01/2017", "Ka Liên — 1C — 30/09/2017"]
    assert [p.label for p in pupils_find(world.year, "lien 0002")] == ["Ka Liên — 1C — 30/09/2017"]
    assert pupils_find(world.year, "lien", school_class=world.class4a) == []
    everyone = pupils_find(world.year, "", limit=None)
    assert len(everyone) == Enrolment.objects.filter(school_class__school_year=world.year).count()
    assert [p.full_name for p in everyone] == sorted((p.full_name for p in everyone), key=vietnamese_sort_key)
