"""A teacher's own comment phrases (``portal.phrases``): kept per sheet, offered in the grid besides the school's
bank, added and deleted only by their owner, each change in the audit log; the bank's year-end phrases."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from hocbaso.assessment import phrases as bank
from hocbaso.audit.models import AuditEntry
from hocbaso.portal.models import TeacherPhrase
from hocbaso.portal.phrases import teacher_phrase_add, teacher_phrase_delete
from hocbaso.portal.tests.test_grid_page import grid_data
from hocbaso.tt27 import catalogue


def test_teacher_phrase_add_keeps_a_sentence_once_and_logs_it(world):
    user = world.member.user
    first = teacher_phrase_add(user=user, sheet="toan", text="  Tính   nhanh, cẩn thận. ")
    again = teacher_phrase_add(user=user, sheet="toan", text="Tính nhanh, cẩn thận.")
    assert first.pk == again.pk and first.text == "Tính nhanh, cẩn thận."
    entry = AuditEntry.objects.get(action="phrase.add")
    assert entry.actor_id == user.pk and entry.after == {"sheet": "toan", "text": "Tính nhanh, cẩn thận."}
    with pytest.raises(ValidationError):
        teacher_phrase_add(user=user, sheet="toan", text="   ")


def test_teacher_phrase_delete_only_by_its_owner(world):
    phrase = teacher_phrase_add(user=world.member.user, sheet="toan", text="Viết chữ đẹp.")
    with pytest.raises(PermissionDenied):
        teacher_phrase_delete(user=world.colleague.user, phrase_id=phrase.pk)
    assert TeacherPhrase.objects.filter(pk=phrase.pk).exists()
    teacher_phrase_delete(user=world.member.user, phrase_id=phrase.pk)
    assert not TeacherPhrase.objects.exists()
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["phrase.add", "phrase.delete"]


def test_the_grid_offers_the_teachers_own_phrases_for_that_sheet_only(client, world):
    client.force_login(world.member.user)
    response = client.post(reverse("portal:api_phrase_add"), json.dumps({"sheet": "toan", "text": "Ham học hỏi."}),
                           content_type="application/json")
    assert response.status_code == 200
    bad = client.post(reverse("portal:api_phrase_add"), json.dumps({"sheet": "không-có", "text": "x"}),
                      content_type="application/json")
    assert bad.status_code == 400
    data, _text = grid_data(client, world.class4a, "cuoi_nam", "toan")
    assert [p["text"] for p in data["own_phrases"]] == ["Ham học hỏi."]
    data, _text = grid_data(client, world.class4a, "cuoi_nam", "tieng_viet")
    assert data["own_phrases"] == []
    # a colleague neither sees nor deletes it
    client.force_login(world.colleague.user)
    phrase = TeacherPhrase.objects.get()
    assert client.post(reverse("portal:api_phrase_delete", args=[phrase.pk])).status_code == 403


def test_the_bank_has_more_than_eight_year_end_comments_for_every_outcome():
    total = sum(len(bank.homeroom_phrases(outcome)) for outcome in catalogue.OUTCOMES)
    assert total > 8 * 2
    for outcome in catalogue.OUTCOMES:
        phrases = bank.homeroom_phrases(outcome)
        assert len(phrases) >= 4 and len(set(phrases)) == len(phrases)
        assert all(p.startswith("Em ") and p.endswith((".", "!")) for p in phrases)
