"""The database refuses what TT27 forbids outright, even when the services are bypassed."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from hocbaso.assessment.models import SubjectEvaluation, TraitEvaluation, YearResult


def make(world, **fields):
    values = {"enrolment": world.enrolment, "period": "cuoi_nam", "subject": "toan", "rating": "T", "score": 9}
    values.update(fields)
    return SubjectEvaluation(**values)


@pytest.mark.parametrize("score", [-1, 11, 100])
def test_score_outside_0_10_cannot_be_stored(world, score):
    with pytest.raises(IntegrityError), transaction.atomic():
        make(world, score=score).save()


@pytest.mark.parametrize("score", [0, 5, 10])
def test_score_0_to_10_is_stored(world, score):
    make(world, score=score).save()
    assert SubjectEvaluation.objects.get().score == score


@pytest.mark.parametrize("score", [7.5, "8.25", 9.01])
def test_score_with_decimals_cannot_be_stored(world, score):
    with pytest.raises(ValidationError, match="số nguyên"), transaction.atomic():
        make(world, score=score).save()
    assert not SubjectEvaluation.objects.exists()


def test_whole_valued_decimal_is_accepted_as_that_integer(world):
    make(world, score=8.0).save()
    assert SubjectEvaluation.objects.get().score == 8


def test_subject_the_grade_does_not_have_is_refused_by_the_database(world):
    # Tự nhiên và Xã hội is taught in grades 1–3 only; the pupil is in grade 4.
    with pytest.raises(IntegrityError), transaction.atomic():
        make(world, subject="tu_nhien_xa_hoi", score=None).save()


def test_score_where_the_grade_has_no_periodic_test_is_refused_by_the_database(world):
    # Đạo đức never has a periodic test (Điều 7.1.b).
    with pytest.raises(IntegrityError), transaction.atomic():
        make(world, subject="dao_duc", score=8).save()
    # Grade 1 has no mid-term tests at all.
    with pytest.raises(IntegrityError), transaction.atomic():
        make(world, enrolment=world.enrolment1, period="giua_hk1", subject="toan", score=8).save()


def test_rating_outside_the_scale_is_refused_by_the_database(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        make(world, rating="A").save()
    with pytest.raises(IntegrityError), transaction.atomic():
        TraitEvaluation.objects.create(enrolment=world.enrolment, period="cuoi_nam", kind="quality", code="yeu_nuoc",
                                       rating="H")


def test_unknown_quality_code_is_refused_by_the_database(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        TraitEvaluation.objects.create(enrolment=world.enrolment, period="cuoi_nam", kind="quality",
                                       code="tu_chu_tu_hoc", rating="T")


def test_raw_sql_cannot_store_a_score_of_11(world):
    make(world, score=9).save()
    row = SubjectEvaluation.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {SubjectEvaluation._meta.db_table} SET score = 11 WHERE id = %s", [row.pk])


def test_one_row_per_pupil_period_subject(world):
    make(world).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        make(world, score=5).save()


def test_year_result_refuses_implausible_height(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        YearResult.objects.create(enrolment=world.enrolment, height_cm=400)
