"""Phát hành: the principal-signed records enter the registry (``IssuedRecord``, never updated), each affected
class's package follows; ``current_issued`` is the registry's current versions."""

import hashlib


from django.conf import settings
from django.db import transaction
from django.db.models import TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from hocbaso.audit.services import Action, log_actions
from hocbaso.core.db import JsonText, rows_insert, rows_update
from hocbaso.core.files import FileWriter, file_write, files_read
from hocbaso.directory.models import SchoolClass, SchoolYear
from hocbaso.records.drafts import BatchReport
from hocbaso.records.guards import LifecycleRefused, require_principal
from hocbaso.records.models import DraftState, IssuedRecord, RecordDraft
from hocbaso.records.packages import class_packages_finish, class_packages_start, classes_missing_package
from hocbaso.signing.dss import certificates_entry
from hocbaso.signing.ltv import ltv_add_many
from hocbaso.signing.models import SubjectSignoff
from hocbaso.signing.pades import DocumentTimestamps, SignJob
from hocbaso.signing.publication import ltv_session
from hocbaso.signing.signers import to_asn1
from hocbaso.signing.tsa_client import tsa_client
from hocbaso.signing.xades import ROLE_SEAL
from hocbaso.signing.xml_batches import XmlPadesBatch

ISSUE_CHUNK = 200  # records entering the registry in one transaction (signing batches: settings.SIGN_CHUNK)
SEAL_STEP = 3  # the file the school's seal signed: ``<record id>-3.pdf`` beside the principal-signed ``-2``
LTV_STEP = 4  # the issued file with its validation data: ``<record id>-4.pdf``


def _ltv_refused(error) -> LifecycleRefused:
    return LifecycleRefused(f"Không thêm được dữ liệu kiểm tra dài hạn (LTV) cho chữ ký số ({error}). Chứng thư số "
                            "của người ký có thể đã bị thu hồi; không phát hành.")


def _with_ltv(drafts, files: dict[int, bytes], session) -> dict[int, tuple[bytes, str, None]]:
    """Each principal-signed (or sealed) file with its long-term validation data (B-LT, B-LTA with a TSA), stored beside the
    draft's file, by draft pk; refused (nothing issued) when a signer's certificate does not validate, e.g.
    revoked."""
    try:
        done = ltv_add_many([files[d.pk] for d in drafts], session)
    except Exception as error:  # pyHanko's path and revocation errors have no common base worth naming
        raise _ltv_refused(error) from error
    out = {}
    for draft, data in zip(drafts, done):
        folder = draft.pdf.rsplit("/", 1)[0]
        out[draft.pk] = data, file_write(f"{folder}/{draft.record_id}-{LTV_STEP}.pdf", data), None
    return out


def _subject_signers(class_ids) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    # Not the payload (every pupil's results in the subject): the registry's rows need only who signed and when.
    for s in (SubjectSignoff.objects.filter(school_class_id__in=class_ids, current=True).select_related("teacher")
              .only("school_class_id", "subject", "signed_at", "pdf_sha256", "teacher__full_name")):
        out.setdefault(s.school_class_id, []).append(s.as_signer())
    return out


def _records_seal(drafts, files: dict, seal_signer, now, session=None, xmls: dict | None = None) -> dict:
    """The school's seal on the records of a chunk that carry the record XML: its XAdES signature on the XML (one
    ``sign_digests`` call), then its PAdES signature (invisible, field ``DONGDAU``) covering the whole file.
    With ``session`` (long-term validation), the seal's revision also holds the DSS (the validation data of the
    teacher's, the principal's and the seal's own certificates, and the TSA's: all known before the seal signs),
    so the seal's signature is the last and covers the whole file (B-LT); with a TSA a document time stamp
    follows it (B-LTA). Returns ``{draft pk: (the sealed file's name, its SHA-256, the signer entry, the sealed
    file, (the issued file, its name))}``, the issued file being the sealed one, or with a TSA the time-stamped one;
    ``xmls`` (a dict) receives ``{draft pk: the signed record XML in it}`` (the class packages in XML use it rather
    than reading it out of every issued file again).
    The files are stored at once; a chunk whose transaction then fails leaves them to the orphan sweep
    (``records.orphans``), like a killed signing batch."""
    # one read of each file (on every core for a large chunk): whether it has the XML, who signed it, and the
    # seal's XAdES digest of its XML
    batch = XmlPadesBatch(seal_signer, [files[d.pk] for d in drafts], role=ROLE_SEAL,
                          certificates=session is not None, keep_xml=xmls is not None)
    indices = [i for i, entries in enumerate(batch.certificates) if entries is not None]
    if not indices:
        return {}
    todo = [drafts[i] for i in indices]
    dss = [None] * len(todo)
    if session is not None:
        seal = certificates_entry(to_asn1(seal_signer.certificate), [to_asn1(c) for c in seal_signer.chain])
        try:
            dss = [session.dss_for([*batch.certificates[i], seal]) for i in indices]
        except Exception as error:  # pyHanko's path and revocation errors have no common base worth naming
            raise _ltv_refused(error) from error
    writer = FileWriter()
    folder = "drafts/{0.school_code}/{0.school_year}/{0.record_id}-{1}.pdf"
    try:
        # the seal's XAdES signature finished in the XML and its PAdES update prepared in one worker pass
        # with a TSA, each sealed file's document time stamp is prepared (on every core) and asked for while the
        # next ones are being sealed
        stamps = DocumentTimestamps(tsa_client(session.tsa_url), count=len(todo)) \
            if session is not None and session.tsa_url else None

        def sealed(position: int, pdf: bytes) -> None:  # stored as it comes
            writer.submit(todo[position], folder.format(todo[position], SEAL_STEP), pdf)
            if stamps is not None:
                stamps.add(position, pdf)

        try:
            signed = batch.sign(lambda position, pdf: SignJob(pdf, "DONGDAU", reason="Đóng dấu học bạ",
                                                              location=todo[position].school_code, dss=dss[position]),
                                indices=indices, each=sealed)
        except BaseException:
            if stamps is not None:
                stamps.cancel()
            raise
        stored = writer.results()
        final = {draft.pk: (pdf, name, digest) for (draft, name, digest), pdf in zip(stored, signed)}
        if stamps is not None:
            stamped = stamps.finish()
            for draft, pdf in zip(todo, stamped):
                writer.submit(draft, folder.format(draft, LTV_STEP), pdf)
            final = {draft.pk: (pdf, name, digest)  # the writer hashed each file as it wrote it
                     for (draft, name, digest), pdf in zip(writer.results()[len(stored):], stamped)}
    except BaseException:
        writer.discard()
        raise
    finally:
        writer.close()
    if xmls is not None:
        xmls.update({todo[position].pk: batch.xmls[i] for position, i in enumerate(indices) if i in batch.xmls})
    who = {**seal_signer.describe(), "role": ROLE_SEAL[1], "field": "DONGDAU", "signed_at": now.isoformat()}
    return {draft.pk: (name, digest, who, signed[index], final[draft.pk])
            for index, (draft, name, digest) in enumerate(stored)}


def records_issue(*, school_year: SchoolYear, by, seal_signer=None, school_class: SchoolClass | None = None,
                  progress=None) -> BatchReport:
    """Phát hành: every principal-signed record of the school year (or class) enters the registry with the
    SHA-256 of its final PDF; each affected class gets a new package whose manifest the school's seal signs
    (when ``seal_signer`` is given). With ``seal_signer``, each record whose PDF carries the record XML is sealed
    first (``_records_seal``): the seal's XAdES signature on the XML and its PAdES signature on the PDF; then the
    long-term validation data of all its signatures (``settings.LTV``). Resumable: an issued draft is never issued
    again, and a class whose package is missing (a run killed after the registry's commit) gets it on the rerun."""
    require_principal(by, school_year.school)
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
    issued_xmls: dict[str, bytes] = {}  # an issued file's name → the signed record XML in it, for the XML packages
    # one per run: each signer's and the TSA's revocation data is gathered once, not once per record
    session = ltv_session() if settings.LTV and pending else None
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
            files = {}
            for draft, data in zip(drafts, files_read([d.pdf for d in drafts])):
                files[draft.pk] = data  # the principal-signed file, checked
                if hashlib.sha256(data).hexdigest() != draft.sha256:
                    raise LifecycleRefused(f"Tệp học bạ {draft.record_id} đã bị thay đổi sau khi ký; không phát hành.")
            # the seal's signatures first (XAdES in the XML, PAdES on the PDF), then the validation data of all three
            chunk_xmls: dict = {}
            sealed = _records_seal(drafts, files, seal_signer, now, session, chunk_xmls) \
                if seal_signer is not None else {}
            final = {}
            for draft in drafts:
                if draft.pk in sealed:
                    draft.pdf, draft.sha256, seal, files[draft.pk], issued = sealed[draft.pk]
                    draft.signers = [*draft.signers, seal]
                    if session is not None:  # its validation data are in the seal's revision
                        final[draft.pk] = issued
            # the others (no seal, or a draft without the record XML): the validation data after the last signature
            rest = [d for d in drafts if d.pk not in final]
            final.update(_with_ltv(rest, files, session) if session is not None and rest else
                         {d.pk: (files[d.pk], d.pdf, d.sha256) for d in rest})
            for draft in drafts:
                pupil = draft.enrolment.pupil
                data, name, digest = final[draft.pk]
                if draft.pk in chunk_xmls:
                    issued_xmls[name] = chunk_xmls[draft.pk]
                digest = digest or hashlib.sha256(data).hexdigest()  # known when the file's writer hashed it
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
            rows_update(RecordDraft, drafts, ["state", "issued", "pdf", "sha256", "signers"])
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
            started += class_packages_start(SchoolClass.objects.filter(pk__in=done)
                                             .select_related("school_year__school").order_by("pk"),
                                             pool=len(last_chunk) > 1)
    if seal_signer is not None:
        # A rerun after a kill between the registry's commit and the packages issues nothing: the classes whose
        # package is missing get theirs now.
        missing = list(classes_missing_package(school_year, school_class).exclude(pk__in=classes))
        if missing:
            started += class_packages_start(missing, pool=False)
        class_packages_finish(sorted(started, key=lambda item: item[0].pk), by=by, seal_signer=seal_signer,
                              known_xmls=issued_xmls)
    return report
