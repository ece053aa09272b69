"""The page after the year-end outcome (portal.pupil_year_views): the homeroom teacher enters a CHT pupil's
supplementary evaluation, the principal confirms it with the decision; the principal enters awards and a pupil's
exemptions on an individual plan; others are refused."""

import pytest
from django.urls import reverse

from hocbaso.assessment.models import Award, Exemption, SupplementaryEvaluation, YearResult
from hocbaso.directory.models import Enrolment


@pytest.fixture
def cht(cht_world):
    return cht_world


def url(w):
    return reverse("portal:pupil_year", args=[w.class4a.pk])


def test_the_summer_supplementary_evaluation_then_the_principals_decision(client, cht):
    w = cht
    client.force_login(w.member.user)
    page = client.get(url(w)).content.decode()
    assert "Nguyễn Thị Ánh Tuyết" in page and 'name="subjects-toan-rating"' in page
    client.post(url(w), {"action": "supplementary", "enrolment": w.enrolment.pk, "date": "2025-08-12",
                         "subjects-toan-rating": "C", "subjects-toan-score": "4",
                         "subjects-toan-comment": "Vẫn chưa làm được phép chia."})
    row = SupplementaryEvaluation.objects.get(enrolment=w.enrolment)
    assert row.entries["subjects"][0]["score"] == 4 and row.confirmed_at is None
    assert YearResult.objects.get(enrolment=w.enrolment).completed_grade is False
    response = client.post(url(w), {"action": "confirm", "enrolment": w.enrolment.pk, "decision": "repeat",
                                    "decided_on": "2025-08-20"}, follow=True)
    assert "Chỉ hiệu trưởng" in response.content.decode()
    assert SupplementaryEvaluation.objects.get(enrolment=w.enrolment).confirmed_at is None
    client.force_login(w.owner.user)
    assert 'name="decision"' in client.get(url(w)).content.decode()
    client.post(url(w), {"action": "confirm", "enrolment": w.enrolment.pk, "decision": "repeat",
                         "decided_on": "2025-08-20"})
    row.refresh_from_db()
    assert row.confirmed_at is not None and row.decision == "repeat" and row.confirmed_by == w.owner.user


def test_a_completed_supplementary_evaluation(client, cht):
    w = cht
    client.force_login(w.member.user)
    client.post(url(w), {"action": "supplementary", "enrolment": w.enrolment.pk, "date": "2025-08-12",
                         "subjects-toan-rating": "H", "subjects-toan-score": "6", "subjects-toan-comment": "Tiến bộ."})
    assert YearResult.objects.get(enrolment=w.enrolment).completed_grade is True
    assert "sau đánh giá bổ sung" in client.get(url(w)).content.decode()


def test_awards_are_the_principals(client, cht):
    w = cht
    data = {"action": "award_add", "enrolment": w.enrolment.pk, "kind": "dot_xuat", "title": "Giấy khen",
            "level": "Hiệu trưởng", "date": "2025-03-26", "reason": "Nhặt được của rơi trả lại người mất."}
    client.force_login(w.member.user)
    client.post(url(w), data)
    assert not Award.objects.exists()
    client.force_login(w.owner.user)
    client.post(url(w), data)
    assert Award.objects.get().reason == "Nhặt được của rơi trả lại người mất."
    assert "Nhặt được của rơi" in client.get(url(w)).content.decode()
    client.post(url(w), {"action": "award_remove", "award": Award.objects.get().pk})
    assert not Award.objects.exists()


def test_exemptions_on_an_individual_plan_are_the_principals(client, world):
    Enrolment.objects.filter(pk=world.enrolment.pk).update(individual_plan=True)
    data = {"action": "exemption_set", "enrolment": world.enrolment.pk, "subject": "am_nhac",
            "basis": "Kế hoạch giáo dục cá nhân ngày 10/9/2024"}
    client.force_login(world.member.user)
    assert client.post(url(world), data).status_code == 403
    client.force_login(world.owner.user)
    assert 'id="exemption-form"' in client.get(url(world)).content.decode()
    client.post(url(world), data)
    assert Exemption.objects.get().subject == "am_nhac"
    client.post(url(world), {"action": "exemption_remove", "enrolment": world.enrolment.pk, "subject": "am_nhac"})
    assert not Exemption.objects.exists()


def test_a_subject_teacher_does_not_see_the_page(client, world):
    client.force_login(world.english.user)
    assert client.get(url(world)).status_code in (403, 404)
