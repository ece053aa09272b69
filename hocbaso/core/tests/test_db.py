"""core.db: rows_update and rows_insert write what the ORM would, on SQLite and PostgreSQL alike."""

import datetime as dt

import pytest
from django.db import DataError, IntegrityError, connection, transaction

from hocbaso.assessment.models import SubjectEvaluation
from hocbaso.core.db import rows_insert, rows_update
from hocbaso.directory.models import Province


@pytest.mark.django_db
def test_rows_update_writes_each_rows_values_and_nulls():
    rows = [Province.objects.create(code=f"9{i}", name=f"Tỉnh {i}") for i in range(3)]
    for i, row in enumerate(rows):
        row.name = f"Tỉnh số {i}"
    rows_update(Province, rows, ["name"])
    assert list(Province.objects.order_by("code").values_list("name", flat=True)) == ["Tỉnh số 0", "Tỉnh số 1",
                                                                                      "Tỉnh số 2"]


@pytest.mark.django_db
def test_a_too_long_value_is_refused_not_cut():
    row = Province.objects.create(code="91", name="Tỉnh")
    row.code = "12345"  # max_length 4
    with pytest.raises((DataError, IntegrityError)) if connection.vendor == "postgresql" else _no_error():
        with transaction.atomic():
            rows_update(Province, [row], ["code"])
    if connection.vendor == "postgresql":
        assert Province.objects.get(pk=row.pk).code == "91"


@pytest.mark.django_db
def test_rows_insert_and_update_of_evaluations_with_null_columns(world):
    now = dt.datetime(2025, 5, 20, 8, 30, tzinfo=dt.timezone.utc)
    rows = [SubjectEvaluation(enrolment=world.enrolment, grade=4, period="cuoi_nam", subject=subject, rating=None,
                              score=None, comment="", revision=1, updated_by_id=world.member.user.pk,
                              updated_at=now) for subject in ("toan", "dao_duc")]
    rows_insert(SubjectEvaluation, rows)
    stored = {r.subject: r for r in SubjectEvaluation.objects.all()}
    assert set(stored) == {"toan", "dao_duc"} and stored["toan"].updated_by == world.member.user
    assert stored["toan"].rating is None and stored["toan"].score is None
    stored["toan"].score, stored["toan"].rating, stored["dao_duc"].rating = 7, "H", "T"
    rows_update(SubjectEvaluation, list(stored.values()), ["rating", "score", "comment"])
    assert {r.subject: (r.rating, r.score) for r in SubjectEvaluation.objects.all()} == {
        "toan": ("H", 7), "dao_duc": ("T", None)}


class _no_error:
    """SQLite does not enforce a column's length: nothing to check there."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
