"""The grid's save endpoint: each cell answered on its own, through evaluations_save, never overwriting
someone else's change silently."""

import json

import pytest
from django.urls import reverse

from hocbaso.assessment.models import SubjectEvaluation, TraitEvaluation, YearResult
from hocbaso.assessment.services import subject_evaluation_set
from hocbaso.audit.models import AuditEntry
from hocbaso.records.locks import data_lock
from hocbaso.web.permissions import SHEET_TRAITS, SHEET_YEAR


def post(client, klass, period, entries):
    return client.post(reverse("portal:api_evaluations", args=[klass.pk, period]),
                       data=json.dumps({"entries": entries}), content_type="application/json")


def cell(world, sheet="toan", key="s", revision=0, enrolment=None, **values):
    item = {"id": "x", "sheet": sheet, "key": key, "enrolment": enrolment or world.enrolment.pk, "values": values}
    if revision is not None:
        item["revision"] = revision
    return item


@pytest.fixture
def member(client, world):
    client.force_login(world.member.user)
    return client


def test_saves_a_new_cell_and_returns_its_revision(member, world):
    out = post(member, world.class4a, "cuoi_nam", [cell(world, rating="T", score="9", comment="Giỏi")]).json()
    assert out["results"] == [{"id": "x", "status": "saved", "revision": 1}]
    row = SubjectEvaluation.objects.get(enrolment=world.enrolment, period="cuoi_nam", subject="toan")
    assert (row.rating, row.score, row.comment, row.updated_by) == ("T", 9, "Giỏi", world.member.user)
    assert AuditEntry.objects.filter(action="evaluation.change", actor=world.member.user).exists()


def test_a_second_save_with_the_returned_revision_succeeds(member, world):
    post(member, world.class4a, "cuoi_nam", [cell(world, rating="T")])
    out = post(member, world.class4a, "cuoi_nam", [cell(world, revision=1, rating="H")]).json()
    assert out["results"][0] == {"id": "x", "status": "saved", "revision": 2}


def test_someone_elses_change_is_a_conflict_with_their_value_and_nothing_is_overwritten(member, world):
    post(member, world.class4a, "cuoi_nam", [cell(world, rating="T")])
    subject_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", subject="toan", by=world.owner.user,
                           rating="C")
    result = post(member, world.class4a, "cuoi_nam", [cell(world, revision=1, rating="H")]).json()["results"][0]
    assert result["status"] == "conflict" and result["revision"] == 2
    assert result["values"]["rating"] == "C" and result["by"] == "Đoàn Trung Quế"
    assert "Đoàn Trung Quế" in result["message"]
    assert SubjectEvaluation.objects.get(enrolment=world.enrolment, subject="toan").rating == "C"


def test_a_row_created_meanwhile_by_someone_else_is_a_conflict_too(member, world):
    subject_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", subject="toan", by=world.owner.user,
                           rating="C")
    result = post(member, world.class4a, "cuoi_nam", [cell(world, revision=0, rating="T")]).json()["results"][0]
    assert result["status"] == "conflict" and result["values"]["rating"] == "C"


def test_resending_what_is_already_stored_is_not_a_conflict(member, world):
    """The answer to a send was lost with the connection: the browser sends the same values again."""
    post(member, world.class4a, "cuoi_nam", [cell(world, rating="T", score=8)])
    result = post(member, world.class4a, "cuoi_nam", [cell(world, revision=0, rating="T", score="8")]).json()
    assert result["results"][0] == {"id": "x", "status": "saved", "revision": 1}


def test_each_cell_is_judged_on_its_own(member, world):
    """A refused cell does not stop the others of the batch (the service itself is all-or-nothing)."""
    entries = [cell(world, "tieng_viet", rating="T", score=9), cell(world, "dao_duc", rating="H", score=7),
               cell(world, "khoa_hoc", rating="T", score="11"), cell(world, "lich_su_dia_li", rating="T", score="7,5"),
               cell(world, "am_nhac", rating="X"), cell(world, "toan", rating="H", score=6)]
    results = post(member, world.class4a, "cuoi_nam", entries).json()["results"]
    assert [r["status"] for r in results] == ["saved", "error", "error", "error", "error", "saved"]
    assert results[1]["problems"][0]["field"] == "score" and "không có bài kiểm tra định kì" in \
        results[1]["problems"][0]["message"]
    assert "từ 0 đến 10" in results[2]["problems"][0]["message"]
    assert "số nguyên" in results[3]["problems"][0]["message"]
    assert results[4]["problems"][0]["field"] == "rating" and "T, H hoặc C" in results[4]["problems"][0]["message"]
    assert set(SubjectEvaluation.objects.filter(enrolment=world.enrolment).values_list("subject", flat=True)) == \
        {"tieng_viet", "toan"}


def test_a_score_of_zero_is_allowed(member, world):
    """TT27 Điều 7.1.d no longer forbids 0."""
    assert post(member, world.class4a, "cuoi_nam", [cell(world, rating="C", score=0)]).json()["results"][0][
        "status"] == "saved"


def test_traits_take_D_for_Đ_and_comments(member, world):
    entries = [cell(world, SHEET_TRAITS, "quality:yeu_nuoc", rating="D"),
               cell(world, SHEET_TRAITS, "competence:tu_chu_tu_hoc", rating="T", comment="Tự giác.")]
    assert [r["status"] for r in post(member, world.class4a, "giua_hk1", entries).json()["results"]] == ["saved"] * 2
    assert TraitEvaluation.objects.get(enrolment=world.enrolment, code="yeu_nuoc").rating == "Đ"
    assert TraitEvaluation.objects.get(enrolment=world.enrolment, code="tu_chu_tu_hoc").comment == "Tự giác."


def test_year_page_fields_save_and_conflict_by_value(member, world, client):
    entry = cell(world, SHEET_YEAR, "y", revision=None, homeroom_comment="Chăm ngoan.", height_cm="132",
                 weight_kg="30,5", days_absent_excused="2", nominated_tieu_bieu=True)
    entry["base"] = {"homeroom_comment": "", "height_cm": None, "weight_kg": None, "days_absent_excused": None,
                     "nominated_tieu_bieu": False}
    assert post(member, world.class4a, "cuoi_nam", [entry]).json()["results"][0]["status"] == "saved"
    result = YearResult.objects.get(enrolment=world.enrolment)
    assert (result.homeroom_comment, result.height_cm, str(result.weight_kg), result.days_absent_excused,
            result.nominated_tieu_bieu) == ("Chăm ngoan.", 132, "30.5", 2, True)
    # Another browser still believes the comment is empty: told, not overwritten.
    stale = cell(world, SHEET_YEAR, "y", revision=None, homeroom_comment="Ngoan.")
    stale["base"] = {"homeroom_comment": ""}
    out = post(member, world.class4a, "cuoi_nam", [stale]).json()["results"][0]
    assert out["status"] == "conflict" and out["values"]["homeroom_comment"] == "Chăm ngoan."
    # A field nobody else touched saves even though the row changed (the assessment writes other fields).
    fresh = cell(world, SHEET_YEAR, "y", revision=None, days_absent_unexcused="1")
    fresh["base"] = {"days_absent_unexcused": None}
    assert post(member, world.class4a, "cuoi_nam", [fresh]).json()["results"][0]["status"] == "saved"


def test_year_page_exists_only_at_the_end_of_the_year(member, world):
    entry = cell(world, SHEET_YEAR, "y", revision=None, homeroom_comment="x")
    assert post(member, world.class4a, "giua_hk1", [entry]).status_code == 400


def test_a_locked_class_refuses_every_cell_with_the_reason(member, world):
    data_lock(school_year=world.year, school_class=world.class4a, by=world.owner.user)
    result = post(member, world.class4a, "cuoi_nam", [cell(world, rating="T")]).json()["results"][0]
    assert result["status"] == "error" and "đã được chốt" in result["problems"][0]["message"]
    assert not SubjectEvaluation.objects.exists()


def test_a_sheet_not_yours_is_refused_whole_before_anything_is_written(client, world):
    client.force_login(world.english.user)
    enrolment = world.class4b.enrolments.create(pupil=world.pupil, registry_number="1", joined_on="2024-09-05")
    entries = [cell(world, "ngoai_ngu_1", enrolment=enrolment.pk, rating="T", score=9),
               cell(world, "toan", enrolment=enrolment.pk, rating="T", score=9)]
    assert post(client, world.class4b, "cuoi_nam", entries).status_code == 403
    assert not SubjectEvaluation.objects.exists()
    assert post(client, world.class4b, "cuoi_nam", entries[:1]).json()["results"][0]["status"] == "saved"


def test_a_pupil_of_another_class_is_refused(member, world):
    entry = cell(world, enrolment=world.enrolment1.pk, rating="T")
    assert post(member, world.class4a, "cuoi_nam", [entry]).status_code == 400
    assert not SubjectEvaluation.objects.exists()


@pytest.mark.parametrize("body", ["nope", "[]", '{"entries": 3}', '{"entries": [{"sheet": "toan"}]}',
                                  '{"entries": [{"sheet": "toan", "key": "s", "enrolment": 1, "values": {"x": 1}}]}'])
def test_malformed_requests_are_400(member, world, body):
    url = reverse("portal:api_evaluations", args=[world.class4a.pk, "cuoi_nam"])
    assert member.post(url, data=body, content_type="application/json").status_code == 400


def test_unknown_period_is_404(member, world):
    assert post(member, world.class4a, "cuoi_ki", [cell(world, rating="T")]).status_code == 404


def test_signed_out_is_a_json_401_so_the_browser_keeps_its_queue(client, world):
    response = post(client, world.class4a, "cuoi_nam", [cell(world, rating="T")])
    assert response.status_code == 401 and "đăng nhập" in response.json()["error"]


def test_get_returns_the_sheet_with_revisions(member, world):
    post(member, world.class4a, "cuoi_nam", [cell(world, rating="T", score=9)])
    url = reverse("portal:api_evaluations", args=[world.class4a.pk, "cuoi_nam"]) + "?sheet=toan"
    data = member.get(url).json()
    assert [c["id"] for c in data["columns"]] == ["s:rating", "s:score", "s:comment"]
    assert data["rows"][0]["entries"]["s"] == {"revision": 1, "values": {"rating": "T", "score": 9, "comment": ""}}


def _sheet(enrolment, rating="T", trait="T"):
    """A pupil's whole year-end sheet as the grid sends it."""
    from hocbaso.testing.lifecycle import year_end_entries

    out = []
    for e in year_end_entries(enrolment, rating=rating, trait=trait):
        values = {k: e[k] for k in ("rating", "score", "comment") if k in e}
        if "subject" in e:
            out.append({"id": f"{enrolment.pk}|{e['subject']}", "sheet": e["subject"], "key": "s",
                        "enrolment": enrolment.pk, "values": values})
        else:
            out.append({"id": f"{enrolment.pk}|{e['kind']}:{e['code']}", "sheet": SHEET_TRAITS,
                        "key": f"{e['kind']}:{e['code']}", "enrolment": enrolment.pk, "values": values})
    return out


def test_a_whole_class_sheet_costs_the_same_queries_as_one_pupil_and_one_audit_entry(member, world):
    """No per-cell or per-pupil queries: the save's query count does not grow with the class, and the save is
    one hash-chained audit entry holding every changed cell."""
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hocbaso.audit.services import audit_verify
    from hocbaso.directory.models import Enrolment, Pupil

    enrolments = [world.enrolment]
    for i, name in enumerate(["Lê Văn An", "Phạm Thị Bích", "Trần Minh Châu"]):
        pupil = Pupil.objects.create(school=world.school, full_name=name, gender="female",
                                     birth_date=dt.date(2014, 1, 1 + i), birthplace="Đắk Nông")
        enrolments.append(Enrolment.objects.create(pupil=pupil, school_class=world.class4a,
                                                   registry_number=f"{i}/2020", joined_on=dt.date(2024, 9, 5)))
    counts = []
    # Created for 1 pupil, then for 4 (3 created, 1 updated); then updated for 1 pupil, then for all 4.
    for batch, rating in (([enrolments[0]], "T"), (enrolments, "H"), ([enrolments[0]], "T"), (enrolments, "C")):
        entries = [item for e in batch for item in _sheet(e, rating=rating, trait={"H": "Đ"}.get(rating, rating))]
        with CaptureQueriesContext(connection) as queries:
            out = post(member, world.class4a, "cuoi_nam", entries).json()
        assert out["saved"] == len(entries), out
        counts.append(len(queries.captured_queries))
    assert counts[3] == counts[2] and max(counts) <= 26, counts  # the same for 1 pupil and 4; no growth
    last = AuditEntry.objects.order_by("seq").last()
    assert AuditEntry.objects.filter(action="evaluation.change").count() == 4
    assert len(last.after) == 4 * 27 and all(v["rating"] == "C" for v in last.after.values())
    assert audit_verify().ok
