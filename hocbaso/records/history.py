"""A pupil's whole primary history: the one assembler of their years (the command line's ``render --pupil``,
certified copies and transfer packages alike), and its rendering as one PDF.

Per school year the record is, in order of preference: the current issued record of the year's latest
enrolment here, any current issued record of that year here, the latest record received with a transfer
package (``ImportedRecord``), and (unless ``issued_only``) the record built from the year's evaluations.
"""

import datetime as dt

from hocbaso.core.files import ascii_slug
from hocbaso.directory.models import Enrolment, Pupil, School
from hocbaso.directory.selectors import school_places
from hocbaso.records.drafts import verify_url_template
from hocbaso.records.models import ImportedRecord, IssuedRecord
from hocbaso.records.selectors import current_issued, enrolments_for_records, record_build


def pupil_find(ref: str) -> Pupil:
    """A pupil by identity number (mã định danh cá nhân, 12 digits) or by id in this system."""
    ref = str(ref).strip()
    pupil = Pupil.objects.filter(identity_number=ref).first()
    if pupil is None and ref.isdigit() and len(ref) < 12:
        pupil = Pupil.objects.filter(pk=int(ref)).first()
    if pupil is None:
        raise Pupil.DoesNotExist(f"Không tìm thấy học sinh {ref}.")
    return pupil


def pupil_enrolments(pupil: Pupil):
    """The pupil's enrolments in every school year, oldest first (by school year, then joining date)."""
    return (enrolments_for_records().filter(pupil=pupil)
            .order_by("school_class__school_year__name", "joined_on", "pk"))


def history_entries(enrolments) -> list[dict]:
    """The school-history table (quá trình học tập) from enrolments: one row per enrolment, so a pupil who
    changes school during a year has two rows for it, the second marked as a transfer."""
    return [{"school_year": e.school_class.school_year.name, "class_name": e.school_class.name,
             "school_name": e.school_class.school_year.school.name, "registry_number": e.registry_number,
             "joined_on": e.joined_on.isoformat(), "transferred_in": e.transferred_in}
            for e in enrolments]


def _imported_records(pupil: Pupil):
    """The records received with the pupil's transfer packages, oldest first."""
    return ImportedRecord.objects.filter(pupil=pupil).order_by("school_year", "version", "imported_at")


def pupil_history(pupil: Pupil, *, issued_only: bool = False) -> tuple[list[dict], list[dict]]:
    """``(records, history)``: one ``hocbaso.record/N`` per school year, oldest first (see the module's text),
    and the rows of the school-history table (quá trình học tập) for ``documents.render_history``: the
    enrolments' rows, then the sending school's rows of each year received with a transfer package."""
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
    for row in _imported_records(pupil):
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


def pupil_history_render(*, pupil: Pupil, verify_url: str | None = None, copy_number: int | None = None) -> bytes:
    """The pupil's whole primary history (``pupil_history``) as one PDF/A-3b (``history_render``)."""
    _latest_school(pupil)  # refuse before the work
    records, history = pupil_history(pupil)
    return history_render(pupil=pupil, records=records, history=history, verify_url=verify_url,
                          copy_number=copy_number)


def history_render(*, pupil: Pupil, records: list[dict], history: list[dict], verify_url: str | None = None,
                   copy_number: int | None = None) -> bytes:
    """``records`` and ``history`` (from ``pupil_history``) as one PDF/A-3b: the cover, the identity page with
    the school-history table, then one page per school year; every year's record attached. The cover shows
    the pupil's latest school here, named as its latest record names it (``cover_commune``).

    ``verify_url``: the QR codes' target, ``{lookup_code}`` filled in per year (by default the site's public
    verification page; years not issued have no QR). ``copy_number``: a certified copy (Bản sao)."""
    from hocbaso.documents.render import render_history  # deferred: typst loads when a history renders

    school = _latest_school(pupil)
    return render_history(records, history=history, verify_url=verify_url or verify_url_template(),
                          copy_number=copy_number, commune=cover_commune(school, records))


def cover_commune(school: School, records: list[dict]) -> str | None:
    """The commune a history's cover prints: the latest record's own (``hocbaso.record/2``), else the one the
    school stood in on that record's date (a record of 2024-2025 keeps the commune as then written)."""
    latest = max(records, key=lambda r: r["school_year"]) if records else None
    if latest and latest["school"].get("commune"):
        return latest["school"]["commune"]
    effective = ((latest or {}).get("issuance") or {}).get("effective_date")
    on = dt.date.fromisoformat(effective[:10]) if effective else None
    return school_places([school], on)[school.pk].commune_name or None


def _latest_school(pupil: Pupil):
    latest = (pupil.enrolments.select_related("school_class__school_year__school")
              .order_by("school_class__school_year__name", "joined_on", "pk").last())
    if latest is None:
        raise Enrolment.DoesNotExist(f"Học sinh {pupil.full_name} chưa được xếp lớp năm học nào.")
    return latest.school_class.school_year.school


def history_file_name(pupil: Pupil) -> str:
    """``<identity number or id>-<name>-hoc-ba.pdf``, ASCII only."""
    return f"{pupil.identity_number or f'{pupil.pk:06d}'}-{ascii_slug(pupil.full_name)}-hoc-ba.pdf"
