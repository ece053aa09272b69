"""Fuzzing the entry grid's save endpoint (``portal:api_evaluations``): bodies built from the grid's own shape with
any part replaced by any JSON value, and any JSON at all. The answer is 200 (each cell judged on its own), 400
(a malformed request, nothing written) or 403; never a server error; and a 400 writes nothing."""

import json

from django.urls import reverse
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from hocbaso.assessment.models import SubjectEvaluation, TraitEvaluation, YearResult
from hocbaso.testing.fuzz import FUZZ_DB
from hocbaso.web.permissions import SHEET_TRAITS, SHEET_YEAR

pytestmark = pytest.mark.slow

SCALARS = (st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70) | st.floats()
           | st.text(max_size=20) | st.sampled_from(["T", "H", "C", "Đ", "D", "10", "8,5", "", "s", "y"]))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner,
                                                                                          max_size=3), max_leaves=8)
FIELDS = ["rating", "score", "comment", "homeroom_comment", "nominated_tieu_bieu", "revision", "x"]


def entries(enrolment: int):
    cell = st.fixed_dictionaries({
        "id": JSON, "sheet": st.sampled_from(["toan", "tieng_viet", SHEET_TRAITS, SHEET_YEAR, "nope"]) | JSON,
        "key": st.sampled_from(["s", "y", "quality:cham_hoc", "competence:tu_chu", "z"]) | JSON,
        "enrolment": st.sampled_from([enrolment, 0, -1, 2**63, True]) | JSON,
        "values": st.dictionaries(st.sampled_from(FIELDS), SCALARS | JSON, max_size=3) | JSON,
    }, optional={"revision": st.integers(min_value=-1, max_value=5) | JSON,
                 "base": st.dictionaries(st.sampled_from(FIELDS), SCALARS | JSON, max_size=2) | JSON})
    return st.lists(cell, max_size=3) | JSON


def stored():
    return (SubjectEvaluation.objects.count(), TraitEvaluation.objects.count(), YearResult.objects.count())


@FUZZ_DB
@given(data=st.data())
@example(data=None)  # the inputs that once answered 500 (finding 11), always tried first
def test_the_grid_never_answers_a_server_error(client, world, data):
    client.force_login(world.owner.user)
    if data is None:
        for body in once_failed(world.enrolment.pk):
            post_and_check(client, world, body)
        return
    post_and_check(client, world, data.draw(st.fixed_dictionaries({"entries": entries(world.enrolment.pk)}) | JSON))


def once_failed(pupil: int) -> list:
    return [{"entries": [{"sheet": ["toan"], "key": "s", "enrolment": pupil, "values": {"rating": "T"}}]},
            {"entries": [{"sheet": "toan", "key": "s", "enrolment": pupil, "values": {"comment": {"a": 1}}}]},
            {"entries": [{"sheet": "toan", "key": "s", "enrolment": pupil, "values": {"score": float("inf")}}]}]


def post_and_check(client, world, body):
    before = stored()
    url = reverse("portal:api_evaluations", args=[world.class4a.pk, "cuoi_nam"])
    response = client.post(url, data=json.dumps(body), content_type="application/json")
    assert response.status_code in (200, 400, 403), (body, response.status_code)
    if response.status_code != 200:
        assert stored() == before
