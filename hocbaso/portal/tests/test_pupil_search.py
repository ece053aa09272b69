"""The pupil search: the JSON endpoint behind the pickers, and the pickers with and without JavaScript."""

import datetime as dt

from django.urls import reverse

from hocbaso.directory.models import Enrolment, Pupil, SchoolClass


def _two_ka_lien(world):
    class1a = SchoolClass.objects.create(school_year=world.year, name="1C", grade=1)
    for number, birth in (("067217000001", dt.date(2017, 1, 5)), ("067217000002", dt.date(2017, 9, 30))):
        pupil = Pupil.objects.create(school=world.school, full_name="Ka Liên", gender="female", birth_date=birth,
                                     birthplace="Lâm Đồng", identity_number=number)
        Enrolment.objects.create(pupil=pupil, school_class=class1a, registry_number=number[-2:], joined_on="2023-09-05")


def test_the_search_answers_json_in_vietnamese_order_with_class_and_birth_date(client, world):
    _two_ka_lien(world)
    client.force_login(world.owner.user)
    url = reverse("portal:pupil_search", args=[world.year.pk])
    data = client.get(url, {"q": "ka lien"}).json()
    assert [r["label"] for r in data["results"]] == ["Ka Liên — 1C — 05/01/2017", "Ka Liên — 1C — 30/09/2017"]
    assert data["more"] is False
    assert [r["birth_date"] for r in client.get(url, {"q": "30/9/2017"}).json()["results"]] == ["2017-09-30"]
    assert client.get(url, {"q": "khong ai"}).json()["results"] == []


def test_the_transfer_picker_filters_without_javascript(client, world):
    _two_ka_lien(world)
    client.force_login(world.owner.user)
    page = client.get(reverse("exchange:hub", args=[world.year.pk]), {"tim": "lien 0002"}).content.decode()
    assert 'data-pupil-search="' in page and 'name="tim"' in page and 'value="lien 0002"' in page
    assert "Ka Liên — 1C — 30/09/2017" in page and "Ka Liên — 1C — 05/01/2017" not in page
