"""records.completion: the supplementary evaluation (Điều 11.2), the principal's confirmation and decision (11.3),
and the principal's awards (Điều 13.1.b, 13.2); assessment.services.exemption_set (Điều 8). Each lands in the
record (format version 2) and is judged by the TT27 engine."""

import datetime as dt

import pytest

from hocbaso.assessment.models import Award, SupplementaryEvaluation, YearResult
from hocbaso.assessment.services import EvaluationInputError, exemption_remove, exemption_set, year_result_set
from hocbaso.audit.models import AuditEntry
from hocbaso.directory.models import Enrolment
from hocbaso.records.completion import award_add, award_remove, supplementary_confirm, supplementary_save
from hocbaso.records.guards import LifecycleRefused, class_sign_blockers, class_sign_problems
from hocbaso.records.outcomes import year_results_assess
from hocbaso.records.selectors import enrolments_for_records, enrolments_for_records_bulk, record_build
from hocbaso.tt27 import assess

AUGUST = dt.date(2025, 8, 12)


def built(enrolment):
    return record_build(enrolments_for_records().get(pk=enrolment.pk))


def fresh(enrolment):
    return Enrolment.objects.select_related("year_result", "school_class__school_year__school").get(pk=enrolment.pk)


@pytest.fixture
def cht(cht_world):
    """The pupil of 4A with Toán C and 4 at the year end: Chưa hoàn thành."""
    return fresh(cht_world.enrolment)


def toan(rating, score):
    return {"subjects": [{"code": "toan", "rating": rating, "score": score, "comment": "Sau hè em tiến bộ."}]}


def test_completed_after_the_supplementary_evaluation(world, cht):
    supplementary_save(enrolment=cht, evaluated_on=AUGUST, entries=toan("H", 6), by=world.member.user)
    result = YearResult.objects.get(enrolment=cht)
    assert (result.outcome, result.completed_grade) == ("CHT", True)
    supplementary_confirm(enrolment=fresh(cht), by=world.owner.user)
    record = built(cht)
    assert record["supplementary_evaluation"]["date"] == "2025-08-12"
    assert record["supplementary_evaluation"]["completed"] is True and record["principal_decision"] is None
    assessment = assess(record)
    assert assessment.valid and assessment.completed_grade is True and assessment.promoted is True
    assert AuditEntry.objects.filter(action="supplementary.save", actor=world.member.user).count() == 1
    assert AuditEntry.objects.filter(action="supplementary.confirm", actor=world.owner.user).count() == 1


def test_kept_back_by_the_principal(world, cht):
    supplementary_save(enrolment=cht, evaluated_on=AUGUST, entries=toan("C", 4), by=world.member.user)
    with pytest.raises(LifecycleRefused, match="lên lớp hoặc ở lại lớp"):
        supplementary_confirm(enrolment=fresh(cht), by=world.owner.user)
    supplementary_confirm(enrolment=fresh(cht), by=world.owner.user, decision="repeat",
                          decided_on=dt.date(2025, 8, 20))
    record = built(cht)
    assert record["principal_decision"] == {"decision": "repeat", "date": "2025-08-20"}
    assessment = assess(record)
    assert assessment.valid and (assessment.completed_grade, assessment.promoted) == (False, False)


def test_only_the_principal_confirms_and_only_for_a_cht_pupil(world, cht, fill_year):
    supplementary_save(enrolment=cht, evaluated_on=AUGUST, entries=toan("H", 6), by=world.member.user)
    with pytest.raises(LifecycleRefused, match="hiệu trưởng"):
        supplementary_confirm(enrolment=fresh(cht), by=world.member.user)
    with pytest.raises(LifecycleRefused, match="giáo viên chủ nhiệm lớp 4A"):
        supplementary_save(enrolment=cht, evaluated_on=AUGUST, entries=toan("H", 6), by=world.colleague.user)
    fill_year(world.enrolment1, world.colleague.user)
    year_results_assess(enrolments=[world.enrolment1], by=world.colleague.user)
    with pytest.raises(LifecycleRefused, match="không ở mức Chưa hoàn thành"):
        supplementary_save(enrolment=fresh(world.enrolment1), evaluated_on=AUGUST, entries=toan("H", 6),
                           by=world.colleague.user)


def test_a_wrong_supplementary_entry_writes_nothing(world, cht):
    with pytest.raises(LifecycleRefused, match="Điểm kiểm tra định kì môn Toán"):
        supplementary_save(enrolment=cht, evaluated_on=AUGUST, entries=toan("H", 11), by=world.member.user)
    assert not SupplementaryEvaluation.objects.exists()
    assert not AuditEntry.objects.filter(action="supplementary.save").exists()


def test_awards_entered_by_the_principal(world, fill_year):
    fill_year(world.enrolment, world.member.user)
    with pytest.raises(LifecycleRefused):
        award_add(enrolment=world.enrolment, kind="dot_xuat", title="Giấy khen", level="Hiệu trưởng",
                  awarded_on=dt.date(2025, 3, 26), reason="Nhặt được của rơi trả người đánh mất.", by=world.member.user)
    with pytest.raises(LifecycleRefused, match="lí do khen thưởng"):
        award_add(enrolment=world.enrolment, kind="dot_xuat", title="Giấy khen", level="Hiệu trưởng",
                  awarded_on=dt.date(2025, 3, 26), reason=" ", by=world.owner.user)
    award = award_add(enrolment=world.enrolment, kind="dot_xuat", title="Giấy khen của Hiệu trưởng",
                      level="Trường Tiểu học Thử Nghiệm", awarded_on=dt.date(2025, 3, 26),
                      reason="Nhặt được của rơi trả người đánh mất.", by=world.owner.user)
    record = built(world.enrolment)
    assert record["awards"] == [{"kind": "dot_xuat", "title": "Giấy khen của Hiệu trưởng",
                                 "level": "Trường Tiểu học Thử Nghiệm", "date": "2025-03-26",
                                 "reason": "Nhặt được của rơi trả người đánh mất."}]
    assert assess(record).valid
    bulk = record_build(enrolments_for_records_bulk([world.enrolment.pk])[0])
    assert bulk["awards"] == record["awards"]
    award_remove(award=award, by=world.owner.user)
    assert not Award.objects.exists() and built(world.enrolment)["awards"] is None
    assert AuditEntry.objects.filter(action__in=["award.add", "award.remove"]).count() == 2


def test_an_exemption_on_an_individual_plan(world, fill_year):
    fill_year(world.enrolment, world.member.user)
    with pytest.raises(EvaluationInputError, match="kế hoạch giáo dục cá nhân"):
        exemption_set(enrolment=world.enrolment, subject="am_nhac", basis="KHGDCN 10/9/2024", by=world.owner.user)
    Enrolment.objects.filter(pk=world.enrolment.pk).update(individual_plan=True)
    enrolment = fresh(world.enrolment)
    with pytest.raises(EvaluationInputError, match="không phải môn bắt buộc"):
        exemption_set(enrolment=enrolment, subject="tieng_dan_toc", basis="KHGDCN", by=world.owner.user)
    exemption_set(enrolment=enrolment, subject="am_nhac", basis="Kế hoạch giáo dục cá nhân ngày 10/9/2024",
                  by=world.owner.user)
    year_result_set(enrolment=enrolment, plan_outcome="HTT", by=world.member.user)
    record = built(enrolment)
    assert record["exempted_subjects"] == [{"code": "am_nhac", "basis": "Kế hoạch giáo dục cá nhân ngày 10/9/2024"}]
    assert "am_nhac" not in [s["code"] for s in record["subjects"]]
    assessment = assess(record | {"outcome": "HTT"})
    assert assessment.valid, assessment.errors
    exemption_remove(enrolment=enrolment, subject="am_nhac", by=world.owner.user)
    assert "am_nhac" in [s["code"] for s in built(enrolment)["subjects"]]


def test_the_class_is_not_signed_before_the_principal_confirms(world, cht):
    supplementary_save(enrolment=cht, evaluated_on=AUGUST, entries=toan("H", 6), by=world.member.user)
    waiting = "Hiệu trưởng chưa xác nhận đánh giá bổ sung của: Nguyễn Thị Ánh Tuyết."
    assert waiting in class_sign_problems(world.class4a) and waiting in class_sign_blockers(world.class4a)
    supplementary_confirm(enrolment=fresh(cht), by=world.owner.user)
    assert waiting not in class_sign_problems(world.class4a) + class_sign_blockers(world.class4a)
