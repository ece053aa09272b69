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


# Finding 8 of the hardening review: SQLite's INSERT OR REPLACE deleted the row without firing the DELETE trigger,
# PostgreSQL's TRUNCATE fires no row trigger, and the withdrawals had no trigger at all.

def _columns(table: str, pk: int) -> tuple[list[str], list]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])
        names = [c[0] for c in cursor.description]
        return names, list(cursor.fetchone())


@pytest.mark.skipif("connection.vendor != 'sqlite'")
@pytest.mark.parametrize("verb", ["INSERT OR REPLACE", "REPLACE"])
def test_raw_sql_insert_or_replace_is_refused_by_the_database(issued, verb):
    names, values = _columns("records_issuedrecord", issued.pk)
    values[names.index("pupil_name")] = "Tên Giả Mạo"
    values[names.index("sha256")] = "f" * 64
    marks = ", ".join(["%s"] * len(names))
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"{verb} INTO records_issuedrecord ({', '.join(names)}) VALUES ({marks})", values)
    again = IssuedRecord.objects.get(pk=issued.pk)
    assert (again.pupil_name, again.sha256) == ("Nguyễn Thị Ánh Tuyết", "a" * 64)


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_insert_or_replace_on_another_unique_column_is_refused(issued):
    """A new id but the same lookup code: REPLACE would delete the issued row to make room."""
    names, values = _columns("records_issuedrecord", issued.pk)
    values[names.index("id")] = issued.pk + 1000
    values[names.index("pupil_name")] = "Tên Giả Mạo"
    marks = ", ".join(["%s"] * len(names))
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT OR REPLACE INTO records_issuedrecord ({', '.join(names)}) VALUES ({marks})", values)
    assert IssuedRecord.objects.get(pk=issued.pk).pupil_name == "Nguyễn Thị Ánh Tuyết"


@pytest.fixture
def withdrawal(issued, world):
    from hocbaso.records.models import RecordWithdrawal

    return RecordWithdrawal.objects.create(issued_record=issued, reason="Nhầm học sinh", withdrawn_by=world.owner.user)


@pytest.mark.parametrize("sql", ["UPDATE records_recordwithdrawal SET reason = 'khác' WHERE id = %s",
                                 "DELETE FROM records_recordwithdrawal WHERE id = %s"])
def test_raw_sql_changes_to_a_withdrawal_are_refused(withdrawal, sql):
    from hocbaso.records.models import RecordWithdrawal

    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [withdrawal.pk])
    assert RecordWithdrawal.objects.get(pk=withdrawal.pk).reason == "Nhầm học sinh"


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_raw_sql_insert_or_replace_of_a_withdrawal_is_refused(withdrawal):
    from hocbaso.records.models import RecordWithdrawal

    names, values = _columns("records_recordwithdrawal", withdrawal.pk)
    values[names.index("reason")] = "khác"
    marks = ", ".join(["%s"] * len(names))
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT OR REPLACE INTO records_recordwithdrawal ({', '.join(names)}) VALUES ({marks})", values)
    assert RecordWithdrawal.objects.get(pk=withdrawal.pk).reason == "Nhầm học sinh"


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.parametrize("table", ["records_issuedrecord", "records_recordwithdrawal"])
def test_raw_sql_truncate_is_refused_on_postgresql(withdrawal, table):
    from hocbaso.records.models import RecordWithdrawal

    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's own inserts leave deferred FK checks pending
        cursor.execute(f"TRUNCATE {table} CASCADE")
    assert RecordWithdrawal.objects.filter(pk=withdrawal.pk).exists()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_truncate_of_a_referencing_table_cascading_into_the_registry_is_refused(withdrawal):
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE directory_enrolment CASCADE")
    assert IssuedRecord.objects.filter(pk=withdrawal.issued_record_id).exists()
