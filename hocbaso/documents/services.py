"""Rendering from the database: a school's year onto disk on every core, and one pupil's whole history."""

import os
import time
from pathlib import Path

from hocbaso.directory.models import Enrolment, Pupil
from hocbaso.documents.render import batch_plan, render_history, render_many
from hocbaso.records.selectors import enrolments_for_records, record_build


def school_records_render(*, school_code: str, school_year: str, out: Path, class_name: str | None = None,
                          workers: int | None = None, progress=None) -> dict:
    """Render every pupil-year of a school (or one class) to ``out/<class>/<name>.pdf``.
    Returns counts and timing. The same data gives the same bytes."""
    enrolments = enrolments_for_records().filter(school_class__school_year__school__code=school_code,
                                                 school_class__school_year__name=school_year)
    if class_name:
        enrolments = enrolments.filter(school_class__name=class_name)
    principals: dict = {}
    jobs, paths = [], {}
    for enrolment in enrolments.order_by("school_class__name", "pk"):
        record = record_build(enrolment, principals=principals)
        key = enrolment.pk
        paths[key] = out / enrolment.school_class.name / f"{enrolment.pupil.pk:06d}-{_slug(enrolment.pupil.full_name)}.pdf"
        jobs.append((key, record, None))
    started = time.perf_counter()
    done = 0
    workers = workers or os.cpu_count()
    for key, pdf in render_many(jobs, workers=workers, chunksize=batch_plan(len(jobs), workers)):
        paths[key].parent.mkdir(parents=True, exist_ok=True)
        paths[key].write_bytes(pdf)
        done += 1
        if progress:
            progress(done, len(jobs))
    seconds = time.perf_counter() - started
    return {"records": done, "seconds": seconds, "per_second": done / seconds if seconds else 0.0, "out": str(out)}


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


def pupil_history_records(pupil: Pupil, *, issued: bool = True) -> tuple[list[dict], list[dict], list]:
    """``(records, history, enrolments)`` for the pupil's whole primary history.

    One record per school year: that year's latest enrolment (the school the pupil finished the year in).
    With ``issued``, a year whose record has been issued gives its current issued version (with its record
    id, lookup code and effective date); other years are built from the evaluations (``record_build``)."""
    from hocbaso.records.services import current_issued

    enrolments = list(pupil_enrolments(pupil))
    if not enrolments:
        raise Enrolment.DoesNotExist(f"Học sinh {pupil.full_name} chưa được xếp lớp năm học nào.")
    by_year: dict[str, Enrolment] = {}
    for enrolment in enrolments:
        by_year[enrolment.school_class.school_year.name] = enrolment  # oldest first: the latest one wins
    issued_by_enrolment = {}
    if issued:
        for row in current_issued().filter(enrolment__in=list(by_year.values())).order_by("version"):
            issued_by_enrolment[row.enrolment_id] = row.record
    principals: dict = {}
    records = [issued_by_enrolment.get(e.pk) or record_build(e, principals=principals)
               for _, e in sorted(by_year.items())]
    return records, history_entries(enrolments), enrolments


def pupil_history_render(*, pupil: Pupil, issued: bool = True, verify_url: str | None = None,
                         copy_number: int | None = None) -> bytes:
    """The pupil's whole primary history as one PDF/A-3b: the cover, the identity page with the
    school-history table built from the enrolments, then one page per school year; every year's
    ``hocbaso.record/1`` attached. The cover shows the latest school (its commune from the directory).

    ``verify_url``: the QR codes' target, ``{lookup_code}`` filled in per year (by default the site's
    public verification page; years not issued have no QR). ``copy_number``: a certified copy (Bản sao)."""
    from hocbaso.records.services import verify_url_template

    records, history, enrolments = pupil_history_records(pupil, issued=issued)
    latest_school = enrolments[-1].school_class.school_year.school
    return render_history(records, history=history, verify_url=verify_url or verify_url_template(),
                          copy_number=copy_number, commune=latest_school.commune or None)


def history_file_name(pupil: Pupil) -> str:
    """``<identity number or id>-<name>-hoc-ba.pdf``, ASCII only."""
    return f"{pupil.identity_number or f'{pupil.pk:06d}'}-{_slug(pupil.full_name)}-hoc-ba.pdf"


def _slug(name: str) -> str:
    import unicodedata

    ascii_name = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    ascii_name = "".join(ch for ch in ascii_name if not unicodedata.combining(ch))
    return "-".join(ascii_name.lower().split())
