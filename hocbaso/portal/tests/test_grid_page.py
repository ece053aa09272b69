"""The entry grid page: rows in Vietnamese order, the columns TT27 asks for, who may type."""

import datetime as dt
import json
import re

from django.urls import reverse

from hocbaso.assessment.models import YearResult
from hocbaso.assessment.services import subject_evaluation_set
from hocbaso.directory.models import Enrolment, Pupil
from hocbaso.records.locks import data_lock
from hocbaso.tt27 import catalogue
from hocbaso.web.permissions import SHEET_TRAITS, SHEET_YEAR


def grid_data(client, klass, period, sheet):
    response = client.get(reverse("portal:grid", args=[klass.pk, period, sheet]))
    assert response.status_code == 200
    text = response.content.decode()
    return json.loads(re.search(r'<script id="grid-data" type="application/json">(.*?)</script>', text, re.S)[1]), text


def add_pupil(world, name, klass=None):
    pupil = Pupil.objects.create(school=world.school, full_name=name, gender="male", birth_date=dt.date(2014, 1, 1),
                                 birthplace="Đắk Nông")
    return Enrolment.objects.create(pupil=pupil, school_class=klass or world.class4a, registry_number=name[:5],
                                    joined_on=dt.date(2024, 9, 5))


def test_rows_in_vietnamese_name_order_with_revisions(client, world):
    add_pupil(world, "Trần Thị Bình")
    add_pupil(world, "Lê Văn An")
    add_pupil(world, "Phạm Văn Ân")
    subject_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", subject="toan", by=world.owner.user,
                           rating="T", score=9)
    client.force_login(world.member.user)
    data, text = grid_data(client, world.class4a, "cuoi_nam", "toan")
    assert [r["name"] for r in data["rows"]] == ["Lê Văn An", "Phạm Văn Ân", "Trần Thị Bình", "Nguyễn Thị Ánh Tuyết"]
    assert data["rows"][3]["entries"]["s"] == {"revision": 1, "values": {"rating": "T", "score": 9, "comment": ""}}
    assert data["config"]["editable"] and data["config"]["score_expected"]
    # The script checks what is typed against tt27.catalogue's scales, not a copy of its own.
    assert data["config"]["scales"] == {"subject": catalogue.SUBJECT_RATINGS, "trait": catalogue.TRAIT_RATINGS}
    assert (data["config"]["score_min"], data["config"]["score_max"]) == (catalogue.SCORE_MIN, catalogue.SCORE_MAX)
    assert data["config"]["storage_key"] == f"hocbaso:q:{world.member.user.pk}:{world.class4a.pk}:toan:cuoi_nam"
    assert data["phrases"]["s"]["T"]  # the phrase bank, by rating
    assert "Hoàn thành tốt" in text and "Chưa hoàn thành" in text  # the letters said in words
    assert 'lang="vi"' in text


def test_subject_without_a_test_has_a_shaded_score_column_that_refuses_scores(client, world):
    client.force_login(world.member.user)
    data, text = grid_data(client, world.class4a, "cuoi_nam", "dao_duc")
    score = [c for c in data["columns"] if c["field"] == "score"][0]
    assert score["no_test"] is True and "không có KTĐK" in text
    assert "Đạo đức không có bài kiểm tra định kì" in data["messages"]["score_no_test"]
    toan, _ = grid_data(client, world.class4a, "giua_hk1", "toan")  # grade 4 has a mid-term test in Toán
    assert [c for c in toan["columns"] if c["field"] == "score"][0]["no_test"] is False


def test_a_missing_score_is_flagged_where_tt27_has_a_test_for_the_grade_and_period(client, world):
    """The grid warns of a rating without a score where tt27.catalogue says the subject has a periodic test:
    at the end of term I and of the year, and in grades 4–5 also Tiếng Việt and Toán at both mid-terms."""
    client.force_login(world.owner.user)
    expected = {}
    for period in catalogue.PERIODS:
        for subject in ("tieng_viet", "toan", "khoa_hoc", "dao_duc"):
            data, _ = grid_data(client, world.class4a, period, subject)
            expected[period, subject] = data["config"]["score_expected"]
            assert data["config"]["score_expected"] is catalogue.has_periodic_test(4, subject, period)
    assert expected["giua_hk1", "toan"] and expected["giua_hk2", "tieng_viet"]  # the grade 4–5 mid-term tests
    assert not expected["giua_hk1", "khoa_hoc"] and expected["cuoi_hk1", "khoa_hoc"]
    assert not any(expected[period, "dao_duc"] for period in catalogue.PERIODS)
    grade_1, _ = grid_data(client, world.class1a, "giua_hk1", "toan")  # no mid-term test below grade 4
    assert grade_1["config"]["score_expected"] is False
    assert grid_data(client, world.class1a, "cuoi_hk1", "toan")[0]["config"]["score_expected"] is True


def test_traits_sheet_has_fifteen_ratings_and_optional_comments(client, world):
    client.force_login(world.member.user)
    data, text = grid_data(client, world.class4a, "giua_hk1", SHEET_TRAITS)
    ratings = [c for c in data["columns"] if c["type"] == "trait_rating"]
    assert len(ratings) == 15 and ratings[0]["label"] == "Yêu nước"
    assert all(c.get("optional") for c in data["columns"] if c["type"] == "comment")
    assert "Cần cố gắng" in text and 'id="toggle-optional"' in text


def test_year_page_only_at_the_end_of_the_year(client, world):
    client.force_login(world.member.user)
    data, _ = grid_data(client, world.class4a, "cuoi_nam", SHEET_YEAR)
    assert [c["field"] for c in data["columns"]][0] == "homeroom_comment"
    assert set(data["phrases"]["y"]) == {"HTXS", "HTT", "HT", "CHT"}
    assert client.get(reverse("portal:grid", args=[world.class4a.pk, "giua_hk1", SHEET_YEAR])).status_code == 404


def test_readers_get_a_read_only_grid(client, people):
    client.force_login(people.vice.user)
    data, text = grid_data(client, people.class4a, "cuoi_nam", "toan")
    assert data["config"]["editable"] is False and data["phrases"] == {} and "Chỉ xem" in text


def test_a_locked_class_is_read_only_and_says_since_when(client, world):
    data_lock(school_year=world.year, school_class=world.class4a, by=world.owner.user)
    client.force_login(world.member.user)
    data, text = grid_data(client, world.class4a, "cuoi_nam", "toan")
    assert data["config"]["editable"] is False and "đã được chốt" in text
    # read-only with no dead buttons: no rating bar (T/H/C/Xóa), no undo, no phrases
    assert 'id="quick"' not in text and 'id="undo"' not in text and data["own_phrases"] == []


def test_an_editable_grid_has_the_rating_bar_undo_and_a_folded_legend(client, world):
    client.force_login(world.member.user)
    data, text = grid_data(client, world.class4a, "cuoi_nam", "toan")
    assert 'id="quick"' in text and 'id="undo"' in text and 'id="redo"' in text
    assert '<details class="legend">' in text  # folded; grid.js opens it on a wide screen
    assert data["config"]["phrase_add_url"] == reverse("portal:api_phrase_add")


def test_principal_is_told_their_edits_are_logged(client, world):
    client.force_login(world.owner.user)
    _, text = grid_data(client, world.class4a, "cuoi_nam", "toan")
    assert "tư cách hiệu trưởng" in text


def test_subject_teacher_picks_only_their_subject(client, world):
    client.force_login(world.english.user)
    _, text = grid_data(client, world.class4b, "cuoi_nam", "ngoai_ngu_1")
    picker = re.search(r'<select data-navigate id="sheet-picker">(.*?)</select>', text, re.S)[1]
    assert picker.count("<option") == 1 and "Ngoại ngữ 1" in picker


def test_optional_subject_rows_of_pupils_not_following_it(client, world):
    world.enrolment.optional_subjects = ["tieng_dan_toc"]
    world.enrolment.save()
    add_pupil(world, "Lê Văn An")
    client.force_login(world.member.user)
    data, _ = grid_data(client, world.class4a, "cuoi_nam", "tieng_dan_toc")
    assert {r["name"]: r["follows"] for r in data["rows"]} == {"Lê Văn An": False, "Nguyễn Thị Ánh Tuyết": True}


def test_class_page_shows_progress_per_sheet_and_period(client, world):
    subject_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", subject="toan", by=world.member.user,
                           rating="T", score=9)
    client.force_login(world.member.user)
    text = client.get(reverse("portal:class_detail", args=[world.class4a.pk])).content.decode()
    url = reverse("portal:grid", args=[world.class4a.pk, "cuoi_nam", "toan"])
    assert re.search(rf'<a href="{url}" class="complete">1/1 ✓</a>', text)
    assert reverse("portal:summary", args=[world.class4a.pk, "cuoi_nam"]) in text


def test_unknown_sheet_or_period_is_404(client, world):
    client.force_login(world.member.user)
    for args in ((world.class4a.pk, "cuoi_nam", "tu_nhien_xa_hoi"), (world.class4a.pk, "cuoi_ki", "toan"),
                 (world.class4a.pk, "cuoi_nam", "khong_co")):
        assert client.get(reverse("portal:grid", args=args)).status_code == 404


def test_a_subject_teachers_grid_data_does_not_carry_the_pupils_overall_outcome(client, world):
    """Finding 15: the English teacher of 4B sees the English sheet; the year's outcome of each pupil is the
    year page's, which they may not open, so neither the page nor its JSON API carries it."""
    enrolment = add_pupil(world, "Lê Văn An", klass=world.class4b)
    YearResult.objects.create(enrolment=enrolment, outcome="CHT")
    client.force_login(world.english.user)
    data, _ = grid_data(client, world.class4b, "cuoi_nam", "ngoai_ngu_1")
    api = client.get(reverse("portal:api_evaluations", args=[world.class4b.pk, "cuoi_nam"]) + "?sheet=ngoai_ngu_1")
    for rows in (data["rows"], api.json()["rows"]):
        assert [r["name"] for r in rows] == ["Lê Văn An"]
        assert all("outcome" not in r for r in rows) and "CHT" not in json.dumps(rows)
    client.force_login(world.colleague.user)  # the homeroom teacher's year page still has it
    year, _ = grid_data(client, world.class4b, "cuoi_nam", SHEET_YEAR)
    assert [r["outcome"] for r in year["rows"]] == ["CHT"]
