"""The registry (sổ đăng ký) of a school year as JSON, every reference by natural key, as the archive writes it
and as two installations compare it."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist

from hocbaso.exchange.archive.format import to_iso, username_of
from hocbaso.records.models import IssuedRecord


def _issued(school_code: str, school_year: str):
    return (IssuedRecord.objects.filter(school_code=school_code, school_year=school_year)
            .select_related("supersedes", "correction", "issued_by", "enrolment__pupil", "enrolment__school_class",
                            "withdrawal__withdrawn_by")
            .order_by("version", "record_id"))


def registry_row(row, *, refs: bool = False) -> dict:
    """One registry row as JSON, every reference by natural key (record id, username, class name, identity
    number), so that two installations' rows compare equal when they hold the same record. With ``refs``,
    also the archive's references to its directory and correction rows (``enrolment_ref``, ``correction_ref``)."""
    try:
        withdrawal = row.withdrawal
    except ObjectDoesNotExist:
        withdrawal = None
    enrolment = row.enrolment
    pupil = enrolment.pupil
    out = {
        "record_id": row.record_id, "lookup_code": row.lookup_code, "version": row.version,
        "supersedes": row.supersedes.record_id if row.supersedes_id else None,
        "correction": ({"field": row.correction.field, "old_value": row.correction.old_value,
                        "new_value": row.correction.new_value, "reason": row.correction.reason}
                       if row.correction_id else None),
        "school_code": row.school_code, "school_year": row.school_year, "class_name": row.class_name,
        "pupil_name": row.pupil_name, "pupil_birth_date": to_iso(row.pupil_birth_date),
        "identity_number": row.identity_number, "effective_date": to_iso(row.effective_date),
        "issued_at": to_iso(row.issued_at), "issued_by": username_of(row.issued_by), "sha256": row.sha256,
        "pdf": row.pdf, "record": row.record, "signers": row.signers,
        "enrolment": {"class_name": enrolment.school_class.name, "registry_number": enrolment.registry_number,
                      "pupil": pupil.identity_number or f"{pupil.full_name} {pupil.birth_date.isoformat()}"},
        "withdrawal": ({"reason": withdrawal.reason, "withdrawn_by": username_of(withdrawal.withdrawn_by),
                        "withdrawn_at": to_iso(withdrawal.withdrawn_at)} if withdrawal is not None else None),
    }
    if refs:
        out["enrolment_ref"] = row.enrolment_id
        out["correction_ref"] = row.correction_id
    return out


def registry_rows(school_code: str, school_year: str, *, refs: bool = False) -> list[dict]:
    """The registry (sổ đăng ký) of a school year: every issued version, in (version, record id) order."""
    return [registry_row(row, refs=refs) for row in _issued(school_code, school_year)]
