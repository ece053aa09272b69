"""Rendering a school's records from the database onto disk, on every core."""

import os
import time
from pathlib import Path


from hocbaso.documents.render import render_many
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
    for key, pdf in render_many(jobs, workers=workers or os.cpu_count()):
        paths[key].parent.mkdir(parents=True, exist_ok=True)
        paths[key].write_bytes(pdf)
        done += 1
        if progress:
            progress(done, len(jobs))
    seconds = time.perf_counter() - started
    return {"records": done, "seconds": seconds, "per_second": done / seconds if seconds else 0.0, "out": str(out)}


def _slug(name: str) -> str:
    import unicodedata

    ascii_name = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    ascii_name = "".join(ch for ch in ascii_name if not unicodedata.combining(ch))
    return "-".join(ascii_name.lower().split())
