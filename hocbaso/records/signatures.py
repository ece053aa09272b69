"""The signatures on the records: a subject teacher's sign-off of their subject's results, the homeroom teacher's
signature on every record of the class, the principal's on every record of the school year (each one PIN)."""

import hashlib

import orjson
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from hocbaso.assessment.models import SubjectEvaluation
from hocbaso.audit.services import Action, log_actions
from hocbaso.core.db import rows_update
from hocbaso.core.files import FileWriter, files_read
from hocbaso.directory.models import SchoolClass, SchoolYear, Staff
from hocbaso.directory.selectors import class_pupils
from hocbaso.documents.view import rating_in_words
from hocbaso.records.drafts import BatchReport, record_drafts_prepare
from hocbaso.records.guards import (LifecycleRefused, class_sign_blockers, homeroom_only, require_own_certificate,
                                    require_principal, staff_of, subject_signer_only, subject_signoff_problems)
from hocbaso.records.models import DraftState, RecordDraft
from hocbaso.records.selectors import class_teachers
from hocbaso.signing.errors import SigningRefused
from hocbaso.signing.models import SubjectSignoff
from hocbaso.signing.pades import SignJob
from hocbaso.signing.services import identity_for
from hocbaso.signing.sheets import payload_json, sheet_pdf
from hocbaso.signing.signers import Signer
from hocbaso.signing.xades import ROLE_PRINCIPAL, ROLE_TEACHER
from hocbaso.signing.xml_batches import XmlPadesBatch, pdfs_xml_pades_sign
from hocbaso.tt27 import catalogue

SLOW_SIGNER_CHUNK = 50  # records a signing batch commits together at most with a PKCS#11 token or a CSC service


# ---------------------------------------------------------------------- subject sign-off

def signoff_payload(school_class: SchoolClass, subject: str) -> dict:
    """The data a subject teacher signs: every enrolled pupil's year-end rating, score and comment."""
    rows = {e.enrolment_id: e for e in SubjectEvaluation.objects.filter(
        enrolment__school_class=school_class, subject=subject, period=catalogue.YEAR_END)}
    pupils = []
    for enrolment in class_pupils(school_class):
        if subject not in enrolment.subjects():
            continue
        row = rows.get(enrolment.pk)
        pupils.append({"enrolment": enrolment.pk, "identity_number": enrolment.pupil.identity_number,
                       "full_name": enrolment.pupil.full_name,
                       "rating": row.rating if row else None, "score": row.score if row else None,
                       "comment": row.comment if row else ""})
    year = school_class.school_year
    return {"format": "hocbaso.subject-results/1", "school": year.school.code, "school_year": year.name,
            "class_name": school_class.name, "subject": subject, "period": catalogue.YEAR_END, "pupils": pupils}


def _signoff_pdf(payload: dict, school_class: SchoolClass, teacher: Staff) -> bytes:
    subject = catalogue.SUBJECTS.get(payload["subject"], payload["subject"])
    return sheet_pdf(
        left=school_class.school_year.school.name, right=f"Năm học {payload['school_year']}",
        title=f"Kết quả đánh giá môn {subject}", subtitle=f"Lớp {payload['class_name']} · {catalogue.PERIODS[catalogue.YEAR_END]} "
        f"{payload['school_year']} · Giáo viên: {teacher.full_name}",
        columns=["STT", "Họ và tên", "Mức đạt được", "Điểm KTĐK", "Nhận xét"],
        widths=["auto", "1fr", "auto", "auto", "2fr"],
        rows=[[i, p["full_name"], rating_in_words(catalogue.SUBJECT_RATINGS, p["rating"]),
               "" if p["score"] is None else p["score"], p["comment"] or ""]
              for i, p in enumerate(payload["pupils"], 1)],
        signer_title="Giáo viên bộ môn", signer_name=teacher.full_name, attachment="subject-results.json",
        payload=payload)


def subject_signoff(*, school_class: SchoolClass, subject: str, by, signer: Signer) -> SubjectSignoff:
    """Ký xác nhận: the subject's teacher signs the subject's year-end results of the whole class in one action.

    Allowed only after the class is locked (chốt dữ liệu), only to the teacher who answers for the subject, and
    once (a correction that changes the subject's results retires the sign-off so it is signed again): the
    refusals of ``guards.subject_signoff_problems``."""
    teacher = Staff.objects.filter(user=by).first()
    answerable = class_teachers(school_class).get(subject)
    if answerable is None:
        raise SigningRefused(f"Lớp {school_class.name} không học môn {subject}.")
    if teacher is None or teacher.pk != answerable.pk:
        raise SigningRefused(subject_signer_only(school_class))
    problems = subject_signoff_problems(school_class, subject)
    if problems:
        raise SigningRefused(problems[0])
    identity = identity_for(staff=teacher)
    payload = signoff_payload(school_class, subject)
    missing = [p["full_name"] for p in payload["pupils"] if not p["rating"]]
    if missing:
        raise SigningRefused(f"Chưa có mức đạt được cuối năm của {len(missing)} học sinh (ví dụ: {missing[0]}).")
    pdf = _signoff_pdf(payload, school_class, teacher)
    signed = signer.sign_batch([SignJob(pdf, "GVBM", reason="Xác nhận kết quả đánh giá môn học")])[0]
    year = school_class.school_year
    name = default_storage.save(f"signoffs/{year.school.code}/{year.name}/{school_class.name}-{subject}.pdf",
                                ContentFile(signed))
    canonical = payload_json(payload).encode()
    with transaction.atomic():
        signoff = SubjectSignoff.objects.create(
            school_class=school_class, subject=subject, teacher=teacher, identity=identity, payload=payload,
            payload_sha256=hashlib.sha256(canonical).hexdigest(), pdf=name,
            pdf_sha256=hashlib.sha256(signed).hexdigest(), signed_at=timezone.now())
        log_actions([Action("signing.subject", "schoolclass", str(school_class.pk), None,
                            {"subject": subject, "pupils": len(payload["pupils"]), "pdf_sha256": signoff.pdf_sha256},
                            school_code=year.school.code)], actor=by)
    return signoff


# ---------------------------------------------------------------------- the records' signatures

def _chunk_drafts(ids, state: str, *, lock: bool, with_record: bool = False) -> list:
    # The record itself is not loaded (decoding every record's JSON costs more than signing it): only the three
    # values the signature, the file name and the log need; and its text where the XML is made from it (decoded
    # by orjson, not Django's JSONField).
    rows = RecordDraft.objects.select_for_update() if lock else RecordDraft.objects
    rows = rows.filter(pk__in=ids, state=state).defer("record")
    if with_record:
        rows = rows.annotate(record_text=Cast("record", TextField()))
    return list(rows
                .annotate(school_code=KT("record__school__code"), school_name=KT("record__school__name"),
                          school_year=KT("record__school_year")).order_by("pk"))


def _sign_drafts(queryset, *, state: str, by, signer, role: str, field_name: str, box_key: str, next_state: str,
                 stamp_field: str, xades_role: tuple[str, str], progress=None) -> BatchReport:
    """Sign every draft of ``queryset`` (in one state) in chunks; each chunk's new files and states are
    committed together, so a rerun after an interruption starts where the last committed chunk ended, and
    ``progress`` reports each commit. Chunks of ``settings.SIGN_CHUNK`` records with the built-in signer; at most
    ``SLOW_SIGNER_CHUNK`` with a token or a CSC service, whose signatures take longer (a USB token often a
    tenth of a second each; a remote service a round trip per chunk): the progress would stand still, and an
    interruption would lose, that much longer. A signer whose user confirms on the phone (``waits_for_user``)
    signs one transaction per chunk (``batch_limit`` records) outside any database transaction: the chunk's
    drafts are locked only to store what was signed, after the confirmation, and only if none changed
    meanwhile; a refusal or a time-out leaves the chunk as it was.

    Before each PDF signature, the record's XML gets the same signer's XAdES signature (``xades_role``) inside
    the PDF (``signing.xml_pdf``): the teacher's batch makes and attaches it, the principal's adds to it. A remote
    signer instead signs the PDF over the XML as it was and the XML's digests in the same transaction, the newly
    signed XML replacing it in an update after the PDF signature (``pdfs_xml_pades_sign``): one confirmation per
    chunk of ``batch_limit // 2`` records, two digests each."""
    waits = getattr(signer, "waits_for_user", False)
    if waits:  # a chunk's XAdES and PAdES digests in one transaction
        chunk = min(settings.SIGN_CHUNK, max(1, signer.batch_limit // 2))
    else:
        chunk = settings.SIGN_CHUNK if signer.kind == "builtin" else min(settings.SIGN_CHUNK, SLOW_SIGNER_CHUNK)
    pending = list(queryset.order_by("pk").values_list("pk", flat=True))
    report = BatchReport(total=len(pending))
    who = signer.describe()
    step = 1 if next_state == DraftState.TEACHER_SIGNED else 2
    first = xades_role == ROLE_TEACHER
    for start in range(0, len(pending), chunk):
        ids = pending[start:start + chunk]
        files = FileWriter()
        try:
            def sign(drafts) -> None:
                def job(index: int, pdf: bytes) -> SignJob:
                    d = drafts[index]
                    return SignJob(pdf, field_name, box=tuple(d.boxes[box_key]), reason=f"{role} ký học bạ",
                                   location=d.school_name)

                def store(index: int, pdf: bytes) -> None:
                    # Each file is stored as soon as it is signed, while the workers prepare the next updates.
                    draft = drafts[index]
                    files.submit(draft, f"drafts/{draft.school_code}/{draft.school_year}/{draft.record_id}-{step}.pdf",
                                 pdf)

                records = [orjson.loads(d.record_text) for d in drafts] if first else None
                if waits:  # one transaction (one confirmation) for the XML's digests and the PDFs'
                    signed = pdfs_xml_pades_sign(signer, files_read([d.pdf for d in drafts]), job, role=xades_role,
                                                 records=records)
                    for index, pdf in enumerate(signed):
                        store(index, pdf)
                    return
                # the XML's signature and the PDF's update in one pass over the worker processes
                XmlPadesBatch(signer, files_read([d.pdf for d in drafts]), role=xades_role,
                              records=records).sign(job, each=store)

            if waits:
                drafts = _chunk_drafts(ids, state, lock=False, with_record=first)
                if not drafts:
                    continue
                sign(drafts)
            with transaction.atomic():
                if waits:
                    locked = _chunk_drafts(ids, state, lock=True)
                    if [(d.pk, d.sha256) for d in locked] != [(d.pk, d.sha256) for d in drafts]:
                        raise SigningRefused("Học bạ đã thay đổi trong lúc chờ xác nhận ký; hãy ký lại.")
                else:
                    drafts = _chunk_drafts(ids, state, lock=True, with_record=first)
                    if not drafts:
                        continue
                    sign(drafts)
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


def class_sign(*, school_class: SchoolClass, by, signer, progress=None, render_progress=None,
               effective_date=None) -> BatchReport:
    """The homeroom teacher signs every record of the class with one action (one PIN).

    Requires: ``by`` is the class's homeroom teacher; the class is locked; every subject taught by another
    teacher has that teacher's sign-off (``guards.class_sign_blockers``). Records not yet rendered are rendered
    first (``render_progress`` follows that step, ``progress`` the signing). Resumable."""
    staff = staff_of(by)
    if staff is None or staff.pk != school_class.homeroom_teacher_id:
        raise LifecycleRefused(homeroom_only(school_class))
    problems = class_sign_blockers(school_class)
    if problems:
        raise LifecycleRefused(problems[0])
    require_own_certificate(staff, signer)
    enrolments = [e for e in school_class.enrolments.select_related("pupil").all()]
    record_drafts_prepare(enrolments=enrolments, by=by, effective_date=effective_date, progress=render_progress)
    queryset = RecordDraft.objects.filter(enrolment__school_class=school_class, state=DraftState.RENDERED)
    return _sign_drafts(queryset, state=DraftState.RENDERED, by=by, signer=signer,
                        role="Giáo viên chủ nhiệm", field_name="GVCN", box_key="teacher",
                        next_state=DraftState.TEACHER_SIGNED, stamp_field="teacher_signed_at", xades_role=ROLE_TEACHER,
                        progress=progress)


def school_sign(*, school_year: SchoolYear, by, signer, progress=None) -> BatchReport:
    """The principal signs (and seals) every teacher-signed record of the school year with one action.
    The signature goes into the principal's box as an incremental update; the teacher's stays valid."""
    require_own_certificate(require_principal(by, school_year.school), signer)
    queryset = RecordDraft.objects.filter(enrolment__school_class__school_year=school_year,
                                          state=DraftState.TEACHER_SIGNED)
    return _sign_drafts(queryset, state=DraftState.TEACHER_SIGNED, by=by, signer=signer,
                        role="Hiệu trưởng", field_name="HT", box_key="principal",
                        next_state=DraftState.PRINCIPAL_SIGNED, stamp_field="principal_signed_at",
                        xades_role=ROLE_PRINCIPAL, progress=progress)
