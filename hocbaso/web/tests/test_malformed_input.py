"""Finding 11 of the hardening review: inputs that gave HTTP 500. Ids read from forms and query strings that are
not integers (or not ones a database stores) on the five pages that read one, and malformed JSON bodies of the
entry grid's save endpoint. Each is now "not found", a refusal on the page, or a 400, and nothing is written.

The Django test client raises the view's exception instead of returning a 500, so each case fails loudly on
the code before the fix."""

import json

import pytest
from django.urls import reverse

from hocbaso.assessment.models import SubjectEvaluation
from hocbaso.audit.models import AuditEntry

BAD_IDS = ["abc", "1.5", "-1", "1e3", "99999999999999999999", "0x10", "\u0661\u0662", "1\x00"]


def test_id_param_takes_only_a_positive_64_bit_integer():
    from hocbaso.web.pages import id_param  # here, so that the page tests below also run on the code before it

    assert id_param("12") == 12 and id_param(" 7 ") == 7
    assert [id_param(value) for value in BAD_IDS + ["", None, "0", str(2**63)]] == [None] * (len(BAD_IDS) + 4)


def pages(w):
    """(who, method, url, data) of every page that reads an id from a form or the query string."""
    year = w.year.pk
    return {
        "transfer_create_query": (w.owner, "get", reverse("exchange:transfer_create", args=[year]), "hs"),
        "transfer_create_form": (w.owner, "post", reverse("exchange:transfer_create", args=[year]), "enrolment"),
        "transfer_receive_class": (w.owner, "post", reverse("exchange:transfer_receive", args=[year]), "class"),
        "copies_enrolment": (w.owner, "post", reverse("exchange:copies", args=[year]), "enrolment"),
        "staff_passwords": (w.owner, "post", reverse("portal:staff_passwords"), "staff"),
    }


PAGES = ["transfer_create_query", "transfer_create_form", "transfer_receive_class", "copies_enrolment",
         "staff_passwords"]


@pytest.mark.parametrize("page", PAGES)
def test_a_non_integer_id_is_never_a_server_error(client, world, page):
    who, method, url, field = pages(world)[page]
    client.force_login(who.user)
    before = AuditEntry.objects.count()
    for value in BAD_IDS:
        data = {field: value}
        if page == "transfer_receive_class":
            data["confirm"] = "an-unknown-key"
        response = getattr(client, method)(url, data)
        assert response.status_code in (200, 302, 400, 403, 404), (value, response.status_code)
    assert AuditEntry.objects.count() == before


def grid_bodies(w) -> list:
    """Bodies of the grid's save endpoint that once raised inside the view."""
    pupil = w.enrolment.pk
    return [
        {"entries": [{"sheet": ["toan"], "key": "s", "enrolment": pupil, "values": {"rating": "T"}}]},
        {"entries": [{"sheet": "toan", "key": "s", "enrolment": pupil, "values": {"comment": {"a": 1}}}]},
        {"entries": [{"sheet": "toan", "key": "s", "enrolment": pupil, "values": {"rating": ["T"]}}]},
        {"entries": [{"sheet": "toan", "key": "s", "enrolment": pupil, "values": {"score": {"x": 1}}}]},
        {"entries": [{"sheet": "toan", "key": "s", "enrolment": pupil, "values": {"rating": "T"},
                      "base": {"rating": ["T"]}}]},
        {"entries": [{"sheet": "toan", "key": "s", "enrolment": pupil, "values": {"score": 1e308 * 10}}]},
    ]


def test_malformed_grid_bodies_are_400_and_write_nothing(client, world):
    client.force_login(world.member.user)
    url = reverse("portal:api_evaluations", args=[world.class4a.pk, "cuoi_nam"])
    for body in grid_bodies(world):
        response = client.post(url, data=json.dumps(body), content_type="application/json")
        assert response.status_code in (200, 400), (body, response.status_code)
        if response.status_code == 200:
            assert all(r["status"] != "saved" for r in response.json()["results"]), body
    deep = "[" * 100_000 + "]" * 100_000  # nesting Python's JSON reader cannot follow
    assert client.post(url, data=deep, content_type="application/json").status_code == 400
    assert client.post(url, data=b"\xff\xfe", content_type="application/json").status_code == 400
    assert not SubjectEvaluation.objects.exists()
