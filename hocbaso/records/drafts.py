"""Building and rendering the pupil-year's record: the issuance block, the TT27 check, the PDF drafts awaiting
the signatures, and a school's records rendered onto disk (``hocbaso render``)."""

import datetime as _dt
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone

from hocbaso.audit.services import Action, log_actions
from hocbaso.core.db import rows_insert
from hocbaso.core.files import FileWriter, ascii_slug, gc_paused
from hocbaso.core.jsontext import json_text
from hocbaso.records.codes import new_lookup_code, new_record_id
from hocbaso.records.guards import LifecycleRefused
from hocbaso.records.models import OPEN_STATES, IssuedRecord, RecordDraft
from hocbaso.records.selectors import enrolments_for_records, enrolments_for_records_bulk, record_build
from hocbaso.tt27 import assess
from hocbaso.tt27.record_format import json_text_is_nfc

VIETNAM = _dt.timezone(_dt.timedelta(hours=7))
FETCH_CHUNK = 100  # enrolments read from the database at a time while the render workers work


@dataclass
class BatchReport:
    """What one batch did: how many records it signed or issued out of how many were waiting, and which."""

    done: int = 0
    total: int = 0
    items: list = field(default_factory=list)


def _today() -> _dt.date:
    return timezone.now().astimezone(VIETNAM).date()


def verify_url_template() -> str:
    return settings.SITE_URL.rstrip("/") + "/tra-cuu/{lookup_code}/"


def _new_codes(count: int) -> list[str]:
    """``count`` fresh lookup codes that no record or draft uses (a collision is astronomically rare; it is
    checked anyway, with one query per table for the whole batch)."""
    codes: set[str] = set()
    while len(codes) < count:
        wanted = {new_lookup_code() for _ in range(count - len(codes))} - codes
        taken = set(IssuedRecord.objects.filter(lookup_code__in=wanted).values_list("lookup_code", flat=True))
        taken |= set(RecordDraft.objects.filter(lookup_code__in=wanted).values_list("lookup_code", flat=True))
        codes |= wanted - taken
    return list(codes)


def _draft_record(enrolment, *, code: str, principals: dict, effective_date, supersedes=None) -> tuple[dict, str]:
    """Build the pupil-year's record with its issuance block, and its JSON text; refuse (naming the pupil) a
    record that the TT27 engine finds inconsistent or that has no computed outcome."""
    record = record_build(enrolment, principals=principals, on=effective_date)  # the names in force that day
    school_year = enrolment.school_class.school_year
    version = supersedes.version + 1 if supersedes else 1
    record["issuance"] = {
        "record_id": new_record_id(school_year.school.code, school_year.name), "lookup_code": code,
        "effective_date": effective_date.isoformat(), "version": version,
        "supersedes": supersedes.record_id if supersedes else None,
        "issued_at": dt_vietnam(effective_date).isoformat()}
    name = f"{enrolment.pupil.full_name} (lớp {enrolment.school_class.name})"
    if not record.get("outcome"):  # before the TT27 check, which would say less (an issued record needs one)
        raise LifecycleRefused(f"Học bạ của {name} chưa có kết quả đánh giá cuối năm; hãy tính kết quả trước.")
    text = json_text(record)
    assessment = assess(record, normalized=json_text_is_nfc(text))
    if assessment.errors:
        raise LifecycleRefused(f"Học bạ của {name} chưa hợp lệ theo Thông tư 27: {assessment.errors[0].message}")
    return record, text


def dt_vietnam(day: _dt.date) -> _dt.datetime:
    return _dt.datetime(day.year, day.month, day.day, 7, 0, tzinfo=VIETNAM)


def enrolments_to_render(enrolments) -> list:
    """Of ``enrolments``, those with neither an open draft nor an issued record: what ``record_drafts_prepare``
    renders as version 1."""
    enrolments = list(enrolments)
    busy = set(RecordDraft.objects.filter(enrolment__in=enrolments, state__in=OPEN_STATES)
               .values_list("enrolment_id", flat=True))
    busy |= set(IssuedRecord.objects.filter(enrolment__in=enrolments).values_list("enrolment_id", flat=True))
    return [e for e in enrolments if e.pk not in busy]


def record_drafts_prepare(*, enrolments, by, effective_date: _dt.date | None = None, supersedes=None,
                          correction=None, progress=None) -> list[RecordDraft]:
    """Render the pupil-years that have neither an open draft nor an issued record (or, with ``supersedes``,
    the next version of that issued record) and store them as drafts awaiting the homeroom teacher's signature.
    Rendering runs on every core (``documents.render_many``); the records are read, built and checked in this
    process while the workers render the ones before. A record the TT27 engine refuses stops the batch with
    nothing stored (the files already written are removed)."""
    from hocbaso.documents.batches import batch_plan, render_many  # deferred: typst loads when records render

    effective_date = effective_date or _today()
    enrolments = list(enrolments) if supersedes is not None else enrolments_to_render(enrolments)
    if not enrolments:
        return []
    codes = _new_codes(len(enrolments))
    url = verify_url_template()
    ordered, records, texts, principals = [], [], [], {}

    def items():
        for start in range(0, len(enrolments), FETCH_CHUNK):
            for enrolment in enrolments_for_records_bulk([e.pk for e in enrolments[start:start + FETCH_CHUNK]]):
                record, text = _draft_record(enrolment, code=codes[len(records)], principals=principals,
                                             effective_date=effective_date, supersedes=supersedes)
                ordered.append(enrolment)
                records.append(record)
                # Encoded once: the TT27 check reads whether it is in NFC, the workers get it, the draft's row
                # stores it.
                texts.append(text)
                yield len(records) - 1, texts[-1], url

    workers = 1 if len(enrolments) < 16 else None
    drafts, files = [], FileWriter()
    try:
        with gc_paused():  # thousands of records built: plain dicts and lists, no cycles to collect
            for i, pdf, boxes in render_many(items(), workers=workers, with_boxes=True,
                                             chunksize=batch_plan(len(enrolments), workers)):
                enrolment, record = ordered[i], records[i]
                year = enrolment.school_class.school_year
                draft = RecordDraft(
                    enrolment=enrolment, version=record["issuance"]["version"],
                    record_id=record["issuance"]["record_id"], lookup_code=record["issuance"]["lookup_code"],
                    supersedes=supersedes, correction=correction, effective_date=effective_date, record=texts[i],
                    boxes={k: list(v) for k, v in boxes.items()}, created_by=by)
                name = f"drafts/{year.school.code}/{year.name}/{record['issuance']['record_id']}-0.pdf"
                files.submit(draft, name, pdf)
                drafts.append(draft)
                if progress:
                    progress(len(drafts), len(enrolments))
        for draft, name, digest in files.results():
            draft.pdf, draft.sha256 = name, digest
        with transaction.atomic():
            # Not bulk_create: it compiles its SQL value by value (0.3 s of a whole school's 950 drafts, after
            # the last render, on one core).
            rows_insert(RecordDraft, drafts)
            for start in range(0, len(drafts), 500):
                part = drafts[start:start + 500]
                ids = dict(RecordDraft.objects.filter(record_id__in=[d.record_id for d in part])
                           .values_list("record_id", "pk"))
                for draft in part:
                    draft.pk, draft._state.adding, draft._state.db = ids[draft.record_id], False, DEFAULT_DB_ALIAS
            for draft, record in zip(drafts, records):
                draft.record = record  # the row has the text; the caller gets the record as a dict
            log_actions([Action("record.render", "recorddraft", d.record_id, None,
                                {"version": d.version, "lookup_code": d.lookup_code,
                                 "pupil": d.enrolment.pupil.full_name},
                                school_code=d.record["school"]["code"]) for d in drafts], actor=by)
    except BaseException:
        files.discard()
        raise
    finally:
        files.close()
    return drafts


def school_records_render(*, school_code: str, school_year: str, out: Path, class_name: str | None = None,
                          workers: int | None = None, progress=None) -> dict:
    """Render every pupil-year of a school (or one class) to ``out/<class>/<name>.pdf``, unsigned and without
    lookup codes (``hocbaso render``). Returns counts and timing. The same data gives the same bytes."""
    from hocbaso.documents.batches import batch_plan, render_many  # deferred: typst loads when records render

    enrolments = enrolments_for_records().filter(school_class__school_year__school__code=school_code,
                                                 school_class__school_year__name=school_year)
    if class_name:
        enrolments = enrolments.filter(school_class__name=class_name)
    principals: dict = {}
    jobs, paths = [], {}
    for enrolment in enrolments.order_by("school_class__name", "pk"):
        record = record_build(enrolment, principals=principals)
        key = enrolment.pk
        name = f"{enrolment.pupil.pk:06d}-{ascii_slug(enrolment.pupil.full_name)}.pdf"
        paths[key] = out / enrolment.school_class.name / name
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
