"""The pupil-year record's services: computing outcomes with the TT27 engine, and the lifecycle from
rendering through the homeroom teacher's and the principal's signatures to issuance and corrections."""

import datetime as _dt
import gc
import hashlib
import os
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from hocbaso.assessment.models import YearResult
from hocbaso.audit.services import Action, log_actions
from hocbaso.core.db import JsonText, rows_insert, rows_update
from hocbaso.core.jsontext import json_text
from hocbaso.directory.models import Enrolment, Role, SchoolClass, SchoolYear, Staff
from hocbaso.records.codes import new_lookup_code, new_record_id
from hocbaso.records.models import (OPEN_STATES, ClassPackage, CorrectionRequest, CorrectionStatus, DraftState,
                                    IssuedRecord, RecordDraft)
from hocbaso.records.selectors import enrolments_for_records, enrolments_for_records_bulk, record_build
from hocbaso.signing.errors import SigningError
from hocbaso.signing.pades import SignJob
from hocbaso.tt27 import Assessment, assess
from hocbaso.tt27.record_format import json_text_is_nfc

RESULT_FIELDS = ("outcome", "award", "completed_grade", "completed_primary")


@transaction.atomic
def year_results_assess(*, enrolments, by) -> dict[int, Assessment]:
    """Run the TT27 engine on each pupil-year and store the outcome, award and completion
    (or the errors, with the computed fields cleared). Changes are logged, attributed to ``by``."""
    enrolment_ids = [e.pk if isinstance(e, Enrolment) else int(e) for e in enrolments]
    results = {r.enrolment_id: r for r in YearResult.objects.select_for_update().filter(enrolment_id__in=enrolment_ids)}
    principals: dict = {}
    out, to_create, to_update, audit = {}, [], [], []
    now = timezone.now()
    for enrolment in enrolments_for_records().filter(pk__in=enrolment_ids):
        assessment = assess(record_build(enrolment, principals=principals, with_results=False))
        out[enrolment.pk] = assessment
        result = results.get(enrolment.pk)
        if result is None:
            result = YearResult(enrolment=enrolment)
            to_create.append(result)
        before = {f: getattr(result, f) for f in RESULT_FIELDS}
        after = {f: getattr(assessment, f) for f in RESULT_FIELDS}
        errors = [e.as_dict() for e in assessment.errors]
        if result.pk is None or before != after or result.errors != errors:
            for name, value in after.items():
                setattr(result, name, value)
            result.errors, result.assessed_at, result.updated_by = errors, now, by
            if result.pk is not None:
                result.revision += 1
                to_update.append(result)
            if before != after:
                audit.append(Action("year_result.assess", "yearresult", str(enrolment.pk), before, after,
                                    school_code=enrolment.school_class.school_year.school.code))
    YearResult.objects.bulk_create(to_create, batch_size=1000)
    YearResult.objects.bulk_update(to_update, [*RESULT_FIELDS, "errors", "assessed_at", "updated_by", "revision"],
                                   batch_size=1000)
    log_actions(audit, actor=by)
    return out


# ====================================================================== the record's lifecycle
#
# lock (assessment.data_lock) → subject sign-offs (signing.subject_signoff) → class_sign (GVCN, one PIN)
# → school_sign (Hiệu trưởng, one PIN) → records_issue (registry + class packages sealed by the school)
# → corrections: correction_request → correction_approve / correction_reject → new version → sign → issue.

VIETNAM = _dt.timezone(_dt.timedelta(hours=7))
ISSUE_CHUNK = 200  # records entering the registry in one transaction (signing batches: settings.SIGN_CHUNK)
SLOW_SIGNER_CHUNK = 50  # records a signing batch commits together at most with a PKCS#11 token or a CSC service


class LifecycleRefused(SigningError):
    """A lifecycle step the rules do not allow now; the message says why, in Vietnamese."""


@dataclass
class BatchReport:
    """What one batch did: how many records it signed or issued out of how many were waiting, and which."""

    done: int = 0
    total: int = 0
    items: list = field(default_factory=list)


def _staff_of(user) -> Staff | None:
    return Staff.objects.filter(user=user).select_related("school").first()


def _read(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def _write(name: str, data: bytes) -> str:
    """Store ``data`` under ``name`` (or, if that name is taken, a free name the storage picks); returns the name.

    On the file-system storage a new file is written directly (exclusive create, never overwriting): a third
    of the cost of ``Storage.save``, which matters when a batch writes thousands of PDFs."""
    if isinstance(default_storage, FileSystemStorage):
        path = default_storage.path(name)
        folder = os.path.dirname(path)
        if folder not in _folders:
            if default_storage.directory_permissions_mode is not None:
                return default_storage.save(name, ContentFile(data))  # let Django apply the modes
            os.makedirs(folder, exist_ok=True)
            _folders.add(folder)
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            return default_storage.save(name, ContentFile(data))
        except FileNotFoundError:  # the folder was removed since
            _folders.discard(folder)
            return default_storage.save(name, ContentFile(data))
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        if default_storage.file_permissions_mode is not None:
            os.chmod(path, default_storage.file_permissions_mode)
        return name
    return default_storage.save(name, ContentFile(data))


_folders: set[str] = set()


@contextmanager
def _gc_paused():
    """Python's cyclic garbage collector off for the block. While a batch builds a school's records (nested dicts
    and lists, without cycles) its full passes over the growing heap took ~0.5 s of this process's CPU for 950
    records (four passes of 55-160 ms, measured with ``gc.callbacks``); the next collection after the block
    finds whatever cycles it left."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _FileWriter:
    """Stores files (``_write``) and hashes them on a helper thread, in the order given: a new file can take half a
    millisecond of the disk's time on a busy machine (measured on the 2-core VM), time this thread spends on the
    next record or signature instead. ``results()`` waits and gives ``(key, name, sha256)`` in that order;
    ``discard()`` waits and removes every file written (the caller's transaction did not commit)."""

    def __init__(self):
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hocbaso-files")
        self._jobs: list = []

    def submit(self, key, name: str, data: bytes) -> None:
        self._jobs.append((key, self._pool.submit(self._store, name, data)))

    @staticmethod
    def _store(name: str, data: bytes) -> tuple[str, str]:
        return _write(name, data), hashlib.sha256(data).hexdigest()

    def results(self) -> list[tuple]:
        return [(key, *future.result()) for key, future in self._jobs]

    def discard(self) -> None:
        self._pool.shutdown(wait=True)
        for _key, future in self._jobs:
            if future.exception() is None:
                default_storage.delete(future.result()[0])

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _today() -> _dt.date:
    return timezone.now().astimezone(VIETNAM).date()


def verify_url_template() -> str:
    from django.conf import settings

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
    record = record_build(enrolment, principals=principals)
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


FETCH_CHUNK = 100  # enrolments read from the database at a time while the render workers work


def record_drafts_prepare(*, enrolments, by, effective_date: _dt.date | None = None, supersedes=None,
                          correction=None, progress=None) -> list[RecordDraft]:
    """Render the pupil-years that have neither an open draft nor an issued record (or, with ``supersedes``,
    the next version of that issued record) and store them as drafts awaiting the homeroom teacher's signature.
    Rendering runs on every core (``documents.render_many``); the records are read, built and checked in this
    process while the workers render the ones before. A record the TT27 engine refuses stops the batch with
    nothing stored (the files already written are removed)."""
    from hocbaso.documents.render import batch_plan, render_many

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
    drafts, files = [], _FileWriter()
    try:
        with _gc_paused():  # thousands of records built: plain dicts and lists, no cycles to collect
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


def _sign_drafts(queryset, *, state: str, by, signer, role: str, field_name: str, box_key: str, next_state: str,
                 stamp_field: str, progress=None) -> BatchReport:
    """Sign every draft of ``queryset`` (in one state) in chunks; each chunk's new files and states are
    committed together, so a rerun after an interruption starts where the last committed chunk ended, and
    ``progress`` reports each commit. Chunks of ``settings.SIGN_CHUNK`` records with the built-in signer; at most
    ``SLOW_SIGNER_CHUNK`` with a token or a remote service, whose signatures take longer (a USB token often a
    tenth of a second each; a remote service a round trip per chunk): the progress would stand still, and an
    interruption would lose, that much longer."""
    from django.conf import settings

    chunk = settings.SIGN_CHUNK if signer.kind == "builtin" else min(settings.SIGN_CHUNK, SLOW_SIGNER_CHUNK)
    pending = list(queryset.order_by("pk").values_list("pk", flat=True))
    report = BatchReport(total=len(pending))
    who = signer.describe()
    for start in range(0, len(pending), chunk):
        ids = pending[start:start + chunk]
        files = _FileWriter()
        try:
            with transaction.atomic():
                # The record itself is not loaded (decoding every record's JSON costs more than signing it):
                # only the three values the signature, the file name and the log need.
                drafts = list(RecordDraft.objects.select_for_update().filter(pk__in=ids, state=state)
                              .defer("record").annotate(school_code=KT("record__school__code"),
                                                        school_name=KT("record__school__name"),
                                                        school_year=KT("record__school_year"))
                              .order_by("pk"))
                if not drafts:
                    continue
                jobs = [SignJob(_read(d.pdf), field_name, box=tuple(d.boxes[box_key]),
                                reason=f"{role} ký học bạ", location=d.school_name) for d in drafts]
                step = 1 if next_state == DraftState.TEACHER_SIGNED else 2

                def store(index: int, pdf: bytes) -> None:
                    # Each file is stored as soon as it is signed, while the workers prepare the next updates.
                    draft = drafts[index]
                    files.submit(draft, f"drafts/{draft.school_code}/{draft.school_year}/{draft.record_id}-{step}.pdf",
                                 pdf)

                signer.sign_batch(jobs, each=store)
                for draft, name, digest in files.results():
                    draft.pdf, draft.sha256 = name, digest
                now = timezone.now()
                for draft in drafts:
                    draft.state = next_state
                    draft.signers = [*draft.signers,
                                     {**who, "role": role, "field": field_name, "signed_at": now.isoformat()}]
                    setattr(draft, stamp_field, now)
                rows_update(RecordDraft, drafts, ["pdf", "sha256", "state", "signers", stamp_field])
                log_actions([Action(f"record.sign.{field_name.lower()}", "recorddraft", d.record_id, None,
                                    {"sha256": d.sha256, "signer": who["name"]}, school_code=d.school_code)
                             for d in drafts], actor=by)
        except BaseException:
            files.discard()  # the chunk's transaction did not commit: the files it wrote go too
            raise
        finally:
            files.close()
        report.done += len(drafts)
        report.items += [d.record_id for d in drafts]
        if progress:
            progress(report.done, report.total)
    return report


def _require_own_certificate(staff: Staff, signer) -> None:
    """The signer must hold the certificate registered for ``staff`` (no signing with a colleague's key)."""
    from cryptography.hazmat.primitives import serialization

    from hocbaso.signing.services import identity_certificate, identity_for

    registered = identity_certificate(identity_for(staff=staff))
    if signer.certificate.public_bytes(serialization.Encoding.DER) != registered.public_bytes(serialization.Encoding.DER):
        raise LifecycleRefused(f"Chứng thư số dùng để ký không phải chứng thư số đã đăng ký của {staff.full_name}.")


def class_sign(*, school_class: SchoolClass, by, signer, progress=None, render_progress=None,
               effective_date=None) -> BatchReport:
    """The homeroom teacher signs every record of the class with one action (one PIN).

    Requires: ``by`` is the class's homeroom teacher; the class is locked; every subject taught by another
    teacher has that teacher's sign-off. Records not yet rendered are rendered first (``render_progress``
    follows that step, ``progress`` the signing). Resumable."""
    from hocbaso.assessment.selectors import locks_for_classes
    from hocbaso.signing.models import SubjectSignoff
    from hocbaso.signing.services import subjects_needing_signoff

    staff = _staff_of(by)
    if staff is None or staff.pk != school_class.homeroom_teacher_id:
        raise LifecycleRefused(f"Chỉ giáo viên chủ nhiệm lớp {school_class.name} mới ký học bạ của lớp.")
    if school_class.pk not in locks_for_classes([school_class.pk]):
        raise LifecycleRefused(f"Lớp {school_class.name} chưa chốt dữ liệu; hãy chốt dữ liệu trước khi ký.")
    signed = set(SubjectSignoff.objects.filter(school_class=school_class, current=True)
                 .values_list("subject", flat=True))
    missing = {s: t for s, t in subjects_needing_signoff(school_class).items() if s not in signed}
    if missing:
        from hocbaso.tt27 import catalogue
        names = ", ".join(f"{catalogue.SUBJECTS.get(s, s)} ({t.full_name})" for s, t in sorted(missing.items()))
        raise LifecycleRefused(f"Còn môn chưa được giáo viên bộ môn ký xác nhận: {names}.")
    _require_own_certificate(staff, signer)
    enrolments = [e for e in school_class.enrolments.select_related("pupil").all()]
    record_drafts_prepare(enrolments=enrolments, by=by, effective_date=effective_date, progress=render_progress)
    queryset = RecordDraft.objects.filter(enrolment__school_class=school_class, state=DraftState.RENDERED)
    return _sign_drafts(queryset, state=DraftState.RENDERED, by=by, signer=signer,
                        role="Giáo viên chủ nhiệm", field_name="GVCN", box_key="teacher",
                        next_state=DraftState.TEACHER_SIGNED, stamp_field="teacher_signed_at", progress=progress)


def _require_principal(by, school) -> Staff:
    staff = _staff_of(by)
    if staff is None or staff.school_id != school.pk or Role.PRINCIPAL not in staff.roles:
        raise LifecycleRefused(f"Chỉ hiệu trưởng {school.name} mới thực hiện được thao tác này.")
    return staff


def school_sign(*, school_year: SchoolYear, by, signer, progress=None) -> BatchReport:
    """The principal signs (and seals) every teacher-signed record of the school year with one action.
    The signature goes into the principal's box as an incremental update; the teacher's stays valid."""
    _require_own_certificate(_require_principal(by, school_year.school), signer)
    queryset = RecordDraft.objects.filter(enrolment__school_class__school_year=school_year,
                                          state=DraftState.TEACHER_SIGNED)
    return _sign_drafts(queryset, state=DraftState.TEACHER_SIGNED, by=by, signer=signer,
                        role="Hiệu trưởng", field_name="HT", box_key="principal",
                        next_state=DraftState.PRINCIPAL_SIGNED, stamp_field="principal_signed_at",
                        progress=progress)


def _subject_signers(class_ids) -> dict[int, list[dict]]:
    from hocbaso.signing.models import SubjectSignoff

    out: dict[int, list[dict]] = {}
    # Not the payload (every pupil's results in the subject): the registry's rows need only who signed and when.
    for s in (SubjectSignoff.objects.filter(school_class_id__in=class_ids, current=True).select_related("teacher")
              .only("school_class_id", "subject", "signed_at", "pdf_sha256", "teacher__full_name")):
        out.setdefault(s.school_class_id, []).append(s.as_signer())
    return out


def records_issue(*, school_year: SchoolYear, by, seal_signer=None, school_class: SchoolClass | None = None,
                  progress=None) -> BatchReport:
    """Phát hành: every principal-signed record of the school year (or class) enters the registry with the
    SHA-256 of its final PDF; each affected class gets a new package whose manifest the school's seal signs
    (when ``seal_signer`` is given). Resumable: an issued draft is never issued again."""
    _require_principal(by, school_year.school)
    queryset = RecordDraft.objects.filter(enrolment__school_class__school_year=school_year,
                                          state=DraftState.PRINCIPAL_SIGNED)
    if school_class is not None:
        queryset = queryset.filter(enrolment__school_class=school_class)
    rows = list(queryset.order_by("pk").values_list("pk", "enrolment__school_class_id"))
    pending = [pk for pk, _class in rows]
    last_chunk = {}  # each class's last chunk: its package can start once that chunk is committed
    for index, (_pk, class_id) in enumerate(rows):
        last_chunk[class_id] = index // ISSUE_CHUNK
    report = BatchReport(total=len(pending))
    classes, started = set(), []
    for start in range(0, len(pending), ISSUE_CHUNK):
        with transaction.atomic():
            # The record's JSON goes from the draft's row to the registry's as text: decoding and encoding it
            # again cost about a millisecond per record.
            drafts = list(RecordDraft.objects.select_for_update()
                          .filter(pk__in=pending[start:start + ISSUE_CHUNK], state=DraftState.PRINCIPAL_SIGNED)
                          .defer("record").annotate(record_text=Cast("record", TextField()),
                                                    school_code=KT("record__school__code"),
                                                    school_year=KT("record__school_year"),
                                                    class_name=KT("record__class_name"))
                          .select_related("enrolment__pupil", "enrolment__school_class").order_by("pk"))
            subject_signers = _subject_signers({d.enrolment.school_class_id for d in drafts})
            now = timezone.now()
            audit, issued_rows = [], []
            for draft in drafts:
                pupil = draft.enrolment.pupil
                data = _read(draft.pdf)  # the principal-signed file becomes the issued one, checked, not copied
                digest = hashlib.sha256(data).hexdigest()
                if digest != draft.sha256:
                    raise LifecycleRefused(f"Tệp học bạ {draft.record_id} đã bị thay đổi sau khi ký; không phát hành.")
                name = draft.pdf
                issued_rows.append(IssuedRecord(
                    record_id=draft.record_id, lookup_code=draft.lookup_code, enrolment=draft.enrolment,
                    version=draft.version, supersedes=draft.supersedes, correction=draft.correction,
                    school_code=draft.school_code, school_year=draft.school_year,
                    class_name=draft.class_name, pupil_name=pupil.full_name,
                    pupil_birth_date=pupil.birth_date, identity_number=pupil.identity_number,
                    effective_date=draft.effective_date, issued_at=now, issued_by=by,
                    sha256=digest, pdf=name, record=JsonText(draft.record_text),
                    signers=[*draft.signers, *subject_signers.get(draft.enrolment.school_class_id, [])]))
                classes.add(draft.enrolment.school_class_id)
            rows_insert(IssuedRecord, issued_rows)  # INSERT only: the registry's rows are never updated
            by_record = {r.record_id: r.pk for r in IssuedRecord.objects.filter(
                record_id__in=[r.record_id for r in issued_rows]).only("pk", "record_id")}
            for draft in drafts:
                draft.state, draft.issued_id = DraftState.ISSUED, by_record[draft.record_id]
            rows_update(RecordDraft, drafts, ["state", "issued"])
            audit = [Action("record.issue", "issuedrecord", r.record_id, None,
                            {"version": r.version, "sha256": r.sha256,
                             "supersedes": r.supersedes.record_id if r.supersedes else None},
                            school_code=r.school_code) for r in issued_rows]
            log_actions(audit, actor=by)
        report.done += len(drafts)
        report.items += [d.record_id for d in drafts]
        if progress:
            progress(report.done, report.total)
        if seal_signer is not None:
            # The sheets of the classes now wholly issued compile in the worker pool while the next chunks
            # enter the registry here.
            done = sorted(pk for pk, chunk in last_chunk.items() if chunk == start // ISSUE_CHUNK and pk in classes)
            started += _class_packages_start(SchoolClass.objects.filter(pk__in=done)
                                             .select_related("school_year__school").order_by("pk"),
                                             pool=len(last_chunk) > 1)
    if seal_signer is not None:
        _class_packages_finish(sorted(started, key=lambda item: item[0].pk), by=by, seal_signer=seal_signer)
    return report


def current_issued(queryset=None):
    """Issued records that no later version supersedes and that are not withdrawn."""
    queryset = queryset if queryset is not None else IssuedRecord.objects.all()
    return queryset.filter(superseded_by__isnull=True, withdrawal__isnull=True)


def class_package_build(*, school_class: SchoolClass, by, seal_signer) -> ClassPackage:
    """Gói học bạ của lớp: a ZIP of the class's current issued PDFs and ``manifest.pdf``, a sheet listing
    every record (identifier, version, lookup code, SHA-256) with the list attached as JSON, signed with the
    school's seal."""
    return class_packages_build(school_classes=[school_class], by=by, seal_signer=seal_signer)[0]


def class_packages_build(*, school_classes, by, seal_signer) -> list[ClassPackage]:
    """``class_package_build`` for each class, in order. The manifest sheets are compiled (typst) ahead: in the
    signing batches' worker processes (``signing.pades.batch_pool``) when there are several classes and
    several CPUs. Reading the PDFs, zipping, hashing and writing each package (mostly without holding the GIL)
    runs in a helper thread while this thread seals the next sheets; the seal's signatures and the database
    writes stay in this thread."""
    school_classes = list(school_classes)
    return _class_packages_finish(_class_packages_start(school_classes, pool=len(school_classes) > 1),
                                  by=by, seal_signer=seal_signer)


def _class_packages_start(school_classes, *, pool: bool) -> list[tuple]:
    """Each class's package plan (its current issued records: read now) and its manifest sheet, compiling in the
    worker pool when ``pool`` and there are several CPUs (``.get()`` waits for it), else compiled on ``.get()``."""
    from hocbaso.signing.packages import manifest_sheet_task
    from hocbaso.signing.pades import batch_pool, prepare_workers

    started = []
    pool = pool and prepare_workers() > 1
    for klass in school_classes:
        plan = _class_package_plan(klass)
        task = (plan[1], plan[2])
        # 40 ms of typst per sheet: a school's 24 classes take a second of CPU, on every core instead of one.
        sheet = batch_pool().apply_async(manifest_sheet_task, (task,)) if pool else _Deferred(manifest_sheet_task, task)
        started.append((klass, plan, sheet))
    return started


class _Deferred:
    """A result computed in this thread when asked for (the ``.get()`` of a pool's result)."""

    def __init__(self, function, argument):
        self.function, self.argument = function, argument

    def get(self):
        return self.function(self.argument)


def _class_packages_finish(started: list[tuple], *, by, seal_signer) -> list[ClassPackage]:
    """Seal each started class's sheet, write its ZIP (helper thread) and record the package, in order."""
    from concurrent.futures import ThreadPoolExecutor

    from hocbaso.signing.packages import seal_sheet

    from collections import deque

    packages, pending = [], deque()
    # Two writers: zipping, hashing and writing 4 MB a class mostly run without the GIL, on both cores.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="class-package") as helper:
        try:
            for klass, plan, sheet in started:
                signed = seal_sheet(sheet.get(), seal_signer=seal_signer,
                                    reason="Đóng dấu danh sách học bạ phát hành")
                pending.append((klass, plan, helper.submit(_class_package_write, klass, plan, signed)))
                if len(pending) > 2:  # the oldest is written by now: recorded while the next two are written
                    packages.append(_class_package_record(*pending.popleft(), by=by))
            while pending:
                packages.append(_class_package_record(*pending.popleft(), by=by))
        except BaseException:
            # A later class failed: the packages still being written are recorded too, as one at a time would.
            while pending and pending[0][2].exception() is None:
                packages.append(_class_package_record(*pending.popleft(), by=by))
            raise
    return packages


def _class_package_plan(school_class: SchoolClass) -> tuple[list, dict, dict]:
    """The class's current issued records, the package's manifest and its sheet's content."""
    year = school_class.school_year
    issued = list(current_issued(IssuedRecord.objects.filter(enrolment__school_class=school_class))
                  .defer("record", "signers").order_by("pupil_name", "record_id"))
    manifest = {"format": "hocbaso.class-package/1", "school": year.school.code, "school_name": year.school.name,
                "school_year": year.name, "class_name": school_class.name,
                "records": [{"record_id": r.record_id, "version": r.version, "lookup_code": r.lookup_code,
                             "identity_number": r.identity_number, "pupil_name": r.pupil_name,
                             "file": f"records/{r.record_id}.pdf", "sha256": r.sha256} for r in issued]}
    sheet = dict(left=year.school.name, right=f"Năm học {year.name}",
                 title=f"Danh sách học bạ số phát hành — lớp {school_class.name}",
                 subtitle=f"{len(issued)} học bạ · Năm học {year.name}",
                 columns=["STT", "Họ và tên", "Mã số định danh học bạ", "Phiên bản", "SHA-256"],
                 widths=["auto", "1fr", "auto", "auto", "3.2cm"],
                 rows=[[i, r.pupil_name, r.record_id, r.version, r.sha256[:16] + "…"]
                       for i, r in enumerate(issued, 1)],
                 signer_title="Thủ trưởng đơn vị (đóng dấu)", signer_name=year.school.name)
    return issued, manifest, sheet


def _class_package_write(school_class: SchoolClass, plan: tuple, signed_sheet: bytes) -> tuple[str, str]:
    """The package's ZIP written to storage (no database access: runs in a helper thread); its name and SHA-256."""
    from hocbaso.signing.packages import package_zip

    issued, _manifest, _sheet = plan
    year = school_class.school_year
    data = package_zip(signed_sheet, {f"records/{r.record_id}.pdf": _read(r.pdf) for r in issued})
    name = _write(f"packages/{year.school.code}/{year.name}/{school_class.name}.zip", data)
    return name, hashlib.sha256(data).hexdigest()


def _class_package_record(school_class: SchoolClass, plan: tuple, written, *, by) -> ClassPackage:
    issued = plan[0]
    name, sha256 = written.result()
    year = school_class.school_year
    with transaction.atomic():
        package = ClassPackage.objects.create(school_class=school_class, file=name, sha256=sha256,
                                              records=len(issued), created_by=by)
        log_actions([Action("package.build", "schoolclass", str(school_class.pk), None,
                            {"records": len(issued), "sha256": package.sha256}, school_code=year.school.code)],
                    actor=by)
    return package


def class_package_check(data: bytes, *, trust_roots=None, require_trusted: bool = True) -> dict:
    """Check a class package (``signing.packages.package_open``): the seal's signature, whose seal it is, every
    listed PDF present with the listed SHA-256, nothing unlisted. Returns ``{"ok", "problems", "manifest"}``;
    never raises on bad input."""
    from hocbaso.signing.packages import package_open

    opened = package_open(data, expected_format="hocbaso.class-package/1", trust_roots=trust_roots,
                          require_trusted=require_trusted)
    return {"ok": opened.ok, "problems": opened.problems, "manifest": opened.manifest}


# ---------------------------------------------------------------------- corrections (điều chỉnh)

_YEAR_FIELDS = {"homeroom_comment": "homeroom_comment", "height_cm": "height_cm", "weight_kg": "weight_kg",
                "days_absent.excused": "days_absent_excused", "days_absent.unexcused": "days_absent_unexcused"}
_LIST_FIELDS = {"subjects": ("rating", "score", "comment"), "qualities": ("rating", "comment"),
                "competences": ("rating", "comment")}


def _field_value(record: dict, path: str):
    """The current value at ``path`` (``subjects.toan.score``, ``homeroom_comment``, …), or raise a clear
    error naming the field when the record has no such field."""
    from hocbaso.tt27 import catalogue

    if path in _YEAR_FIELDS:
        head, _, tail = path.partition(".")
        value = record.get(head)
        return (value or {}).get(tail) if tail else value
    parts = path.split(".")
    if len(parts) == 3 and parts[0] in _LIST_FIELDS and parts[2] in _LIST_FIELDS[parts[0]]:
        for item in record.get(parts[0]) or []:
            if item["code"] == parts[1]:
                return item.get(parts[2])
        names = {**catalogue.SUBJECTS, **catalogue.QUALITIES, **catalogue.COMPETENCES}
        raise LifecycleRefused(f"Học bạ này không có mục “{names.get(parts[1], parts[1])}” để điều chỉnh.")
    raise LifecycleRefused(f"Trường dữ liệu “{path}” không điều chỉnh được. Các trường được phép: "
                           "subjects.<môn>.rating|score|comment, qualities.<mã>.rating|comment, "
                           "competences.<mã>.rating|comment, " + ", ".join(_YEAR_FIELDS) + ".")


def correction_request(*, enrolment, field: str, new_value, reason: str, by) -> CorrectionRequest:
    """Đề nghị điều chỉnh: a teacher of the pupil's class asks to change one field of the year's record."""
    from hocbaso.directory.models import TeachingAssignment

    staff = _staff_of(by)
    klass = enrolment.school_class
    teaches = staff is not None and (staff.pk == klass.homeroom_teacher_id or TeachingAssignment.objects.filter(
        teacher=staff, school_class=klass).exists() or (staff.school_id == klass.school_year.school_id
                                                        and Role.PRINCIPAL in staff.roles))
    if not teaches:
        raise LifecycleRefused(f"Chỉ giáo viên dạy lớp {klass.name} hoặc hiệu trưởng mới gửi được đề nghị điều chỉnh.")
    if not (reason or "").strip():
        raise LifecycleRefused("Hãy ghi lý do điều chỉnh.")
    old_value = _field_value(record_build(enrolment), field)
    if old_value == new_value:
        raise LifecycleRefused(f"Giá trị mới của “{field}” trùng với giá trị hiện tại ({old_value!r}).")
    with transaction.atomic():
        correction = CorrectionRequest.objects.create(enrolment=enrolment, field=field, old_value=old_value,
                                                      new_value=new_value, reason=reason.strip(), requested_by=by)
        log_actions([Action("correction.request", "correctionrequest", str(correction.pk), {field: old_value},
                            {field: new_value, "reason": correction.reason},
                            school_code=klass.school_year.school.code)], actor=by)
    return correction


def _apply(correction: CorrectionRequest, by) -> None:
    from hocbaso.assessment.services import evaluations_save, year_result_set

    enrolment, path, value = correction.enrolment, correction.field, correction.new_value
    if path in _YEAR_FIELDS:
        year_result_set(enrolment=enrolment, by=by, correction=correction, **{_YEAR_FIELDS[path]: value})
    else:
        kind, code, attribute = path.split(".")
        entry = {"enrolment": enrolment.pk, "period": "cuoi_nam", attribute: value}
        entry.update({"subject": code} if kind == "subjects" else
                     {"kind": "quality" if kind == "qualities" else "competence", "code": code})
        evaluations_save(entries=[entry], by=by, correction=correction, action="evaluation.correct",
                         school_code=enrolment.school_class.school_year.school.code)
    year_results_assess(enrolments=[enrolment], by=by)


def correction_approve(*, correction: CorrectionRequest, by, note: str = "",
                       effective_date: _dt.date | None = None) -> RecordDraft | None:
    """The principal approves: the change is applied (through the same validated write path as any entry) and
    the outcome recomputed. Before issuance the pupil's unissued draft is discarded, so the record is
    rendered and signed again. After issuance a new version is rendered as a draft that supersedes the
    current issued one; it then goes through the homeroom teacher's and the principal's signatures and
    issuance like any record. A subject correction retires that subject's sign-off (signed again)."""
    from hocbaso.signing.models import SubjectSignoff

    klass = correction.enrolment.school_class
    _require_principal(by, klass.school_year.school)
    with transaction.atomic():
        correction = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
        if correction.status != CorrectionStatus.PENDING:
            raise LifecycleRefused(f"Đề nghị điều chỉnh này đã được xử lý ({correction.get_status_display()}).")
        correction.status, correction.decided_by, correction.decided_at = CorrectionStatus.APPROVED, by, timezone.now()
        correction.decision_note = note
        correction.save()
        _apply(correction, by)
        discarded = list(RecordDraft.objects.filter(enrolment=correction.enrolment, state__in=OPEN_STATES)
                         .values_list("record_id", flat=True))
        RecordDraft.objects.filter(enrolment=correction.enrolment, state__in=OPEN_STATES) \
            .update(state=DraftState.DISCARDED)
        retired = []
        if correction.field.startswith("subjects."):
            subject = correction.field.split(".")[1]
            retired = list(SubjectSignoff.objects.filter(school_class=klass, subject=subject, current=True)
                           .values_list("pk", flat=True))
            SubjectSignoff.objects.filter(pk__in=retired).update(current=False)
        log_actions([Action("correction.approve", "correctionrequest", str(correction.pk), None,
                            {"field": correction.field, "new_value": correction.new_value,
                             "discarded_drafts": discarded, "retired_signoffs": retired},
                            school_code=klass.school_year.school.code)], actor=by)
        latest = current_issued(IssuedRecord.objects.filter(enrolment=correction.enrolment)).first()
        if latest is None:
            return None
        return record_drafts_prepare(enrolments=[correction.enrolment], by=by, effective_date=effective_date,
                                     supersedes=latest, correction=correction)[0]


def correction_reject(*, correction: CorrectionRequest, by, note: str) -> CorrectionRequest:
    """The principal rejects, saying why; nothing changes in the record."""
    klass = correction.enrolment.school_class
    _require_principal(by, klass.school_year.school)
    if not (note or "").strip():
        raise LifecycleRefused("Hãy ghi lý do từ chối.")
    with transaction.atomic():
        correction = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
        if correction.status != CorrectionStatus.PENDING:
            raise LifecycleRefused(f"Đề nghị điều chỉnh này đã được xử lý ({correction.get_status_display()}).")
        correction.status, correction.decided_by, correction.decided_at = CorrectionStatus.REJECTED, by, timezone.now()
        correction.decision_note = note.strip()
        correction.save()
        log_actions([Action("correction.reject", "correctionrequest", str(correction.pk), None,
                            {"note": correction.decision_note}, school_code=klass.school_year.school.code)], actor=by)
    return correction
