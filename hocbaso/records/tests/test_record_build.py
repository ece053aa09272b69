"""record_build gives the spec's format; year_results_assess stores what the engine computes."""

import datetime as dt
import json

import pytest

from hocbaso.assessment.models import YearResult
from hocbaso.assessment.services import subject_evaluation_set, year_result_set
from hocbaso.audit.models import AuditEntry
from hocbaso.records.drafts import record_drafts_prepare
from hocbaso.records.outcomes import year_results_assess
from hocbaso.records.selectors import enrolment_for_pupil_year, enrolments_for_records, record_build
from hocbaso.tt27 import assess, catalogue


def built(enrolment):
    return record_build(enrolments_for_records().get(pk=enrolment.pk))


def test_record_has_the_spec_keys_and_identity(world, fill_year):
    fill_year(world.enrolment, world.member.user)
    record = built(world.enrolment)
    assert record["format"] == "hocbaso.record/3"
    assert (record["school_year"], record["grade"], record["class_name"]) == ("2024-2025", 4, "4A")
    # Built today: the school as placed today (xã Trường Xuân, Lâm Đồng), no district.
    assert record["school"] == {"code": "67000199", "name": "Trường Tiểu học Thử Nghiệm",
                                "authority": "UBND xã Trường Xuân", "commune": "xã Trường Xuân",
                                "province": "Tỉnh Lâm Đồng"}
    assert record["pupil"]["identity_number"] == "067214001234"
    assert record["pupil"]["registry_number"] == "15/2020"
    assert [s["code"] for s in record["subjects"]] == list(catalogue.compulsory_subjects(4))
    assert [q["code"] for q in record["qualities"]] == list(catalogue.QUALITIES)
    assert record["homeroom_teacher"] == "Lê Thị Hoa" and record["principal"] == "Đoàn Trung Quế"


def test_assess_stores_the_engine_outcome_and_logs_it(world, fill_year):
    fill_year(world.enrolment, world.member.user, rating="T", score=9, trait="T")
    out = year_results_assess(enrolments=[world.enrolment], by=world.owner.user)
    assert out[world.enrolment.pk].valid
    result = YearResult.objects.get(enrolment=world.enrolment)
    assert (result.outcome, result.award, result.completed_grade, result.completed_primary) == \
        ("HTXS", "hoc_sinh_xuat_sac", True, None)
    assert AuditEntry.objects.filter(action="year_result.assess", actor=world.owner.user).count() == 1


def test_lower_score_lowers_the_outcome(world, fill_year):
    fill_year(world.enrolment, world.member.user, rating="T", score=9, trait="T")
    subject_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", subject="toan", score=8, by=world.member.user)
    year_results_assess(enrolments=[world.enrolment], by=world.owner.user)
    assert YearResult.objects.get(enrolment=world.enrolment).outcome == "HTT"
    subject_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", subject="toan", score=4, by=world.member.user)
    year_results_assess(enrolments=[world.enrolment], by=world.owner.user)
    result = YearResult.objects.get(enrolment=world.enrolment)
    assert (result.outcome, result.completed_grade, result.award) == ("CHT", False, None)


def test_nomination_gives_the_tieu_bieu_award_only_to_htt(world, fill_year):
    fill_year(world.enrolment, world.member.user, rating="T", score=8, trait="T")
    year_result_set(enrolment=world.enrolment, by=world.member.user, nominated_tieu_bieu=True)
    year_results_assess(enrolments=[world.enrolment], by=world.owner.user)
    assert YearResult.objects.get(enrolment=world.enrolment).award == "hoc_sinh_tieu_bieu"


def test_incomplete_sheet_stores_errors_and_no_outcome(world):
    subject_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", subject="toan", rating="T", score=9,
                           by=world.member.user)
    out = year_results_assess(enrolments=[world.enrolment], by=world.owner.user)
    assert not out[world.enrolment.pk].valid
    result = YearResult.objects.get(enrolment=world.enrolment)
    assert result.outcome is None and result.errors
    assert any("Tiếng Việt" in e["message"] for e in result.errors)


def test_exported_record_feeds_back_into_assess_unchanged(world, fill_year):
    fill_year(world.enrolment, world.member.user, rating="H", score=7, trait="Đ")
    year_results_assess(enrolments=[world.enrolment], by=world.owner.user)
    exported = json.loads(json.dumps(built(world.enrolment), ensure_ascii=False))
    assessment = assess(exported)
    assert assessment.valid, assessment.errors
    assert exported["outcome"] == assessment.outcome == "HT"


def test_enrolment_lookup_by_identity_number_or_id(world):
    assert enrolment_for_pupil_year("067214001234", "2024-2025").pk == world.enrolment.pk
    assert enrolment_for_pupil_year(str(world.pupil.pk), "2024-2025").pk == world.enrolment.pk
    with pytest.raises(Exception, match="Không tìm thấy"):
        enrolment_for_pupil_year("067214001234", "2023-2024")


def test_a_record_names_the_school_as_placed_on_its_date(world, fill_year):
    """Built for a date before 1/7/2025 the record names the district office and the old province; for a date
    after, the commune's People's Committee (the world's school moved to xã Trường Xuân, Lâm Đồng)."""
    fill_year(world.enrolment, world.member.user)
    enrolment = enrolments_for_records().get(pk=world.enrolment.pk)
    before = record_build(enrolment, on=dt.date(2025, 5, 31))
    assert before["school"] == {"code": "67000199", "name": "Trường Tiểu học Thử Nghiệm",
                                "authority": "Phòng GD&ĐT Đắk Song", "commune": "Xã Trường Xuân",
                                "district": "Huyện Đắk Song", "province": "Tỉnh Đắk Nông"}
    assert record_build(enrolment, on=dt.date(2025, 7, 1))["school"]["authority"] == "UBND xã Trường Xuân"
    assert [e for e in assess(before).errors if e.field.startswith("school")] == []  # a valid /2 school block


def test_a_draft_dated_before_the_reform_is_issued_under_the_old_names(school):
    w = school
    draft = record_drafts_prepare(enrolments=[w.enrolment], by=w.owner.user, effective_date=dt.date(2025, 5, 31))[0]
    assert draft.record["issuance"]["effective_date"] == "2025-05-31"
    assert (draft.record["school"]["authority"], draft.record["school"]["district"]) == (
        "Phòng GD&ĐT Đắk Song", "Huyện Đắk Song")
