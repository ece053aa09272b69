"""A pupil's whole history as one school sees it: the years studied in this deployment (their current issued
records, or records built from the evaluations for years not issued yet) and the years received with a
transfer package (``ImportedRecord``)."""

from __future__ import annotations

from hocbaso.directory.models import Pupil


def pupil_history(pupil: Pupil, *, issued_only: bool = False) -> tuple[list[dict], list[dict]]:
    """``(records, history)``: one ``hocbaso.record/1`` per school year, oldest first, and the rows of the
    school-history table (quá trình học tập) for ``documents.render_history``.

    Per school year the record is, in order of preference: the current issued record of the year's latest
    enrolment here, any current issued record of that year here, the latest imported record of that year, and
    (unless ``issued_only``) the record built from this year's evaluations."""
    from hocbaso.documents.services import history_entries, pupil_enrolments
    from hocbaso.exchange.models import ImportedRecord
    from hocbaso.records.models import IssuedRecord
    from hocbaso.records.selectors import record_build
    from hocbaso.records.services import current_issued

    enrolments = list(pupil_enrolments(pupil))
    latest: dict[str, object] = {}
    for enrolment in enrolments:
        latest[enrolment.school_class.school_year.name] = enrolment  # oldest first: the latest one wins
    issued: dict[str, dict] = {}
    issued_ids = set()
    rows = current_issued(IssuedRecord.objects.filter(enrolment__pupil=pupil)).order_by("school_year", "version")
    for row in rows:
        issued_ids.add(row.record_id)
        preferred = latest.get(row.school_year)
        if row.school_year not in issued or (preferred is not None and row.enrolment_id == preferred.pk):
            issued[row.school_year] = row.record
    imported: dict[str, dict] = {}
    imported_history: dict[str, list] = {}
    for row in ImportedRecord.objects.filter(pupil=pupil).order_by("school_year", "version", "imported_at"):
        if row.record_id not in issued_ids:
            imported[row.school_year] = row.record
            imported_history[row.school_year] = row.history
    years = sorted(set(latest) | set(issued) | set(imported))
    principals: dict = {}
    records = []
    for year in years:
        record = issued.get(year) or imported.get(year)
        if record is None and not issued_only and year in latest:
            record = record_build(latest[year], principals=principals)
        if record is not None:
            records.append(record)
    history = history_entries(enrolments)
    known = {h["school_year"] for h in history}
    for record in imported.values():
        if record["school_year"] in known:
            continue
        if imported_history.get(record["school_year"]):
            history += imported_history[record["school_year"]]
        else:
            history.append({"school_year": record["school_year"], "class_name": record.get("class_name"),
                            "school_name": (record.get("school") or {}).get("name"),
                            "registry_number": (record.get("pupil") or {}).get("registry_number"),
                            "joined_on": None, "transferred_in": False})
    history.sort(key=lambda h: h["school_year"])
    return records, history
