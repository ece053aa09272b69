"""An issued record never changes: the code refuses it and the database refuses it."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from hocbaso.records.codes import new_lookup_code, new_record_id
from hocbaso.records.models import ImmutableRecordError, IssuedRecord


@pytest.fixture
def issued(world):
    return IssuedRecord.objects.create(
        record_id=new_record_id("67000199", "2024-2025"), lookup_code=new_lookup_code(), enrolment=world.enrolment,
        school_code="67000199", school_year="2024-2025", class_name="4A", pupil_name="Nguyễn Thị Ánh Tuyết",
        pupil_birth_date=dt.date(2014, 9, 2), identity_number="067214001234", effective_date=dt.date(2025, 6, 1),
        issued_at=timezone.now(), issued_by=world.owner.user, sha256="a" * 64, pdf="records/x.pdf",
        record={"outcome": "HTT"})


def test_orm_save_is_refused(issued):
    issued.class_name = "4B"
    with pytest.raises(ImmutableRecordError, match="đã phát hành"):
        issued.save()


def test_orm_delete_is_refused(issued):
    with pytest.raises(ImmutableRecordError):
        issued.delete()
    with pytest.raises(ImmutableRecordError):
        IssuedRecord.objects.filter(pk=issued.pk).delete()


def test_queryset_update_is_refused(issued):
    with pytest.raises(ImmutableRecordError):
        IssuedRecord.objects.filter(pk=issued.pk).update(record={"outcome": "HTXS"})


def test_raw_sql_update_is_refused_by_the_database(issued):
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE records_issuedrecord SET class_name = %s WHERE id = %s", ["4B", issued.pk])
    assert IssuedRecord.objects.get(pk=issued.pk).class_name == "4A"


def test_raw_sql_delete_is_refused_by_the_database(issued):
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM records_issuedrecord WHERE id = %s", [issued.pk])
    assert IssuedRecord.objects.filter(pk=issued.pk).exists()


def test_version_two_must_name_what_it_supersedes(issued, world):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        IssuedRecord.objects.create(
            record_id=new_record_id("67000199", "2024-2025"), lookup_code=new_lookup_code(),
            enrolment=world.enrolment, version=2, school_code="67000199", school_year="2024-2025", class_name="4A",
            pupil_name="x", pupil_birth_date=dt.date(2014, 9, 2), effective_date=dt.date(2025, 6, 1),
            issued_at=timezone.now(), issued_by=world.owner.user, sha256="b" * 64, pdf="x", record={})
