"""evaluations_save: validated whole, all or nothing, attributed, conflict-aware."""

import pytest

from hocbaso.assessment.models import SubjectEvaluation, TraitEvaluation
from hocbaso.assessment.services import (EvaluationInputError, evaluations_save, subject_evaluation_set,
                                         trait_evaluation_set, year_result_set)
from hocbaso.audit.models import AuditEntry


def test_creates_rows_attributed_to_the_user(world):
    user = world.member.user
    row = subject_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", subject="toan", rating="T", score=9,
                                 comment="Tính toán nhanh.", by=user)
    assert (row.rating, row.score, row.comment, row.updated_by, row.revision) == ("T", 9, "Tính toán nhanh.", user, 1)
    entry = AuditEntry.objects.get()
    assert entry.actor == user and entry.actor_name == "Lê Thị Hoa"
    cell = f"{world.enrolment.pk}:cuoi_nam:toan"
    assert entry.action == "evaluation.change" and entry.before == {cell: None}
    assert entry.after == {cell: {"rating": "T", "score": 9, "comment": "Tính toán nhanh."}}
    assert (entry.target_type, entry.target_id) == ("schoolclass", str(world.enrolment.school_class_id))
    assert entry.school_code == "67000199"


def test_change_records_before_and_after_and_who(world):
    subject_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", subject="toan", rating="T", score=9,
                           by=world.member.user)
    row = subject_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", subject="toan", score=7,
                                 by=world.owner.user)
    assert (row.rating, row.score, row.revision, row.updated_by) == ("T", 7, 2, world.owner.user)
    last = AuditEntry.objects.order_by("seq").last()
    cell = f"{world.enrolment.pk}:cuoi_nam:toan"
    assert last.actor == world.owner.user
    assert last.before[cell]["score"] == 9 and last.after[cell]["score"] == 7


def test_a_batch_is_one_chained_entry_per_class_with_every_changed_cell(world):
    from hocbaso.audit.services import audit_verify

    subject_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", subject="toan", rating="H", by=world.owner.user)
    entries = [
        {"enrolment": world.enrolment.pk, "period": "cuoi_nam", "subject": "toan", "rating": "T", "score": 8},
        {"enrolment": world.enrolment.pk, "period": "cuoi_nam", "kind": "quality", "code": "nhan_ai", "rating": "Đ"},
        {"enrolment": world.enrolment1.pk, "period": "cuoi_nam", "subject": "toan", "rating": "C"},
        {"enrolment": world.enrolment.pk, "period": "cuoi_nam", "subject": "tieng_viet", "comment": ""},
    ]
    evaluations_save(entries=entries, by=world.owner.user)
    batch = list(AuditEntry.objects.order_by("seq"))[1:]
    by_class = {e.target_id: e for e in batch}
    assert len(batch) == 2 and set(by_class) == {str(world.class4a.pk), str(world.enrolment1.school_class_id)}
    own = by_class[str(world.class4a.pk)]
    pk = world.enrolment.pk
    assert own.before == {f"{pk}:cuoi_nam:toan": {"rating": "H", "score": None, "comment": ""},
                          f"{pk}:cuoi_nam:quality:nhan_ai": None, f"{pk}:cuoi_nam:tieng_viet": None}
    assert own.after[f"{pk}:cuoi_nam:toan"] == {"rating": "T", "score": 8, "comment": ""}
    assert own.after[f"{pk}:cuoi_nam:quality:nhan_ai"] == {"rating": "Đ", "comment": ""}
    assert own.data == {"class": "4A", "cells": 3} and own.actor == world.owner.user
    assert audit_verify().ok and audit_verify().checked == 3


def test_unchanged_value_writes_nothing(world):
    subject_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", subject="toan", rating="T", by=world.member.user)
    report = evaluations_save(entries=[{"enrolment": world.enrolment.pk, "period": "cuoi_nam", "subject": "toan",
                                        "rating": "T"}], by=world.member.user)
    assert report.unchanged == 1 and report.updated == 0
    assert AuditEntry.objects.count() == 1


def test_one_bad_entry_writes_nothing_and_names_every_problem(world):
    entries = [
        {"enrolment": world.enrolment.pk, "period": "cuoi_nam", "subject": "tieng_viet", "rating": "T", "score": 8},
        {"enrolment": world.enrolment.pk, "period": "cuoi_nam", "subject": "toan", "rating": "T", "score": 11},
        {"enrolment": world.enrolment.pk, "period": "cuoi_nam", "subject": "dao_duc", "rating": "X", "score": 7},
        {"enrolment": world.enrolment.pk, "period": "cuoi_nam", "subject": "tu_nhien_xa_hoi", "rating": "T"},
    ]
    with pytest.raises(EvaluationInputError) as caught:
        evaluations_save(entries=entries, by=world.member.user)
    problems = {(p.index, p.field, p.code) for p in caught.value.problems}
    assert problems == {(1, "score", "score_out_of_range"), (2, "rating", "invalid_rating"),
                        (2, "score", "score_not_applicable"), (3, "subject", "subject_not_in_grade")}
    messages = " ".join(p.message for p in caught.value.problems)
    assert "Toán" in messages and "Nguyễn Thị Ánh Tuyết" in messages and "Tự nhiên và Xã hội" in messages
    assert not SubjectEvaluation.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.parametrize("score", [7.5, "8,5", "mười", True])
def test_decimal_or_non_numeric_score_is_refused(world, score):
    with pytest.raises(EvaluationInputError, match="số nguyên từ 0 đến 10"):
        subject_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", subject="toan", score=score,
                               by=world.member.user)


def test_score_zero_is_allowed(world):
    row = subject_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", subject="toan", score=0,
                                 by=world.member.user)
    assert row.score == 0


def test_optional_subject_not_followed_is_refused(world):
    # Grade 1: Ngoại ngữ 1 is optional; this pupil does not follow it.
    with pytest.raises(EvaluationInputError) as caught:
        subject_evaluation_set(enrolment=world.enrolment1, period="cuoi_nam", subject="ngoai_ngu_1", rating="T",
                               by=world.colleague.user)
    assert caught.value.problems[0].code == "subject_not_followed"
    world.enrolment1.optional_subjects = ["ngoai_ngu_1"]
    world.enrolment1.save()
    row = subject_evaluation_set(enrolment=world.enrolment1, period="cuoi_nam", subject="ngoai_ngu_1", rating="T",
                                 by=world.colleague.user)
    assert row.rating == "T" and row.score is None


def test_stale_revision_is_a_conflict_not_an_overwrite(world):
    subject_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", subject="toan", rating="T", by=world.member.user)
    subject_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", subject="toan", rating="H", revision=1,
                           by=world.owner.user)
    with pytest.raises(EvaluationInputError) as caught:
        subject_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", subject="toan", rating="C", revision=1,
                               by=world.member.user)
    assert caught.value.problems[0].code == "conflict" and "hieutruong" in caught.value.problems[0].message
    assert SubjectEvaluation.objects.get().rating == "H"


def test_trait_rating_accepts_plain_d_as_dat(world):
    row = trait_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", kind="quality", code="nhan_ai",
                               rating="D", by=world.member.user)
    assert row.rating == "Đ" and row.name == "Nhân ái"
    with pytest.raises(EvaluationInputError):
        trait_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", kind="quality", code="nhan_ai", rating="H",
                             by=world.member.user)
    assert TraitEvaluation.objects.get().rating == "Đ"


def test_year_result_set_is_validated_and_logged(world):
    result = year_result_set(enrolment=world.enrolment, by=world.member.user, homeroom_comment="  Em ngoan.  ",
                             height_cm=132)
    assert result.homeroom_comment == "Em ngoan." and result.updated_by == world.member.user
    assert AuditEntry.objects.get().action == "year_result.change"
    with pytest.raises(EvaluationInputError):
        year_result_set(enrolment=world.enrolment, by=world.member.user, plan_outcome="XYZ")


def test_locked_class_refuses_edits_with_a_clear_message(world):
    from hocbaso.records.locks import data_lock

    subject_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", subject="toan", score=9, by=world.member.user)
    data_lock(school_year=world.year, school_class=world.class4a, by=world.owner.user)
    with pytest.raises(EvaluationInputError) as caught:
        subject_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", subject="toan", score=5,
                               by=world.member.user)
    assert caught.value.problems[0].code == "locked"
    assert "lớp 4A đã được chốt" in caught.value.problems[0].message
    with pytest.raises(EvaluationInputError, match="đã được chốt"):
        year_result_set(enrolment=world.enrolment, by=world.member.user, homeroom_comment="Sửa sau khi chốt")
    assert SubjectEvaluation.objects.get().score == 9
    # Another class of the school is not affected by a class lock.
    subject_evaluation_set(enrolment=world.enrolment1, period="cuoi_nam", subject="toan", score=5,
                           by=world.colleague.user)


def test_school_lock_covers_every_class_and_is_logged(world):
    from hocbaso.records.locks import data_lock

    data_lock(school_year=world.year, by=world.owner.user)
    data_lock(school_year=world.year, by=world.owner.user)  # twice: one lock, one log entry
    with pytest.raises(EvaluationInputError, match="đã được chốt"):
        subject_evaluation_set(enrolment=world.enrolment1, period="cuoi_nam", subject="toan", score=5,
                               by=world.colleague.user)
    assert AuditEntry.objects.filter(action="data.lock", actor=world.owner.user).count() == 1


def test_the_principal_unlocks_a_class_with_a_reason_and_it_is_logged(world):
    from hocbaso.assessment.models import DataLock
    from hocbaso.records.locks import UnlockRefused, data_lock, data_unlock

    data_lock(school_year=world.year, school_class=world.class4a, by=world.owner.user)
    with pytest.raises(UnlockRefused, match="lý do"):
        data_unlock(school_class=world.class4a, by=world.owner.user, reason="  ")
    assert DataLock.objects.count() == 1
    data_unlock(school_class=world.class4a, by=world.owner.user, reason="Chốt nhầm lớp")
    assert not DataLock.objects.exists()
    entry = AuditEntry.objects.get(action="data.unlock")
    assert entry.actor == world.owner.user and entry.data == {"reason": "Chốt nhầm lớp"}
    assert (entry.target_type, entry.target_id) == ("schoolclass", str(world.class4a.pk))
    row = subject_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", subject="toan", score=8,
                                 by=world.member.user)  # entering works again
    assert row.score == 8
    with pytest.raises(UnlockRefused, match="chưa được chốt"):
        data_unlock(school_class=world.class4a, by=world.owner.user, reason="Lần nữa")


def test_unlock_is_refused_under_a_school_lock_or_once_something_is_signed(world):
    from hocbaso.assessment.models import DataLock
    from hocbaso.records.locks import UnlockRefused, data_lock, data_unlock
    from hocbaso.records.signatures import subject_signoff
    from hocbaso.signing.services import identity_for, signer_open
    from hocbaso.testing.lifecycle import lifecycle_school
    from hocbaso.testing.people import ENGLISH_PIN

    w = lifecycle_school(world)
    data_lock(school_year=w.year, school_class=w.class4a, by=w.owner.user)
    subject_signoff(school_class=w.class4a, subject="ngoai_ngu_1", by=w.english.user,
                    signer=signer_open(identity_for(staff=w.english), ENGLISH_PIN))
    with pytest.raises(UnlockRefused, match="giáo viên bộ môn ký xác nhận"):
        data_unlock(school_class=w.class4a, by=w.owner.user, reason="Chốt nhầm")
    data_lock(school_year=w.year, by=w.owner.user)
    with pytest.raises(UnlockRefused, match="toàn trường đã được chốt"):
        data_unlock(school_class=w.class4b, by=w.owner.user, reason="Chốt nhầm")
    assert DataLock.objects.count() == 2 and not AuditEntry.objects.filter(action="data.unlock").exists()


def test_automatic_lock_at_the_lock_date(world):
    import datetime as dt

    from hocbaso.records.locks import data_lock_due

    assert data_lock_due(today=dt.date(2025, 5, 31)) == []  # lock date itself: still open
    locks = data_lock_due(today=dt.date(2025, 6, 1))
    assert [(lock.school_year, lock.automatic, lock.locked_by) for lock in locks] == [(world.year, True, None)]
    assert data_lock_due(today=dt.date(2025, 6, 2)) == []
