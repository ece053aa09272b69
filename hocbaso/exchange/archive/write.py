"""Writing the year-end archive (lưu trữ cuối năm): one self-describing ZIP per school year (the issued PDFs, their
records, the registry, the school's audit entries, the directory rows needed to restore, the deployment CA's root
certificate, and a manifest with the SHA-256 of every file, sealed by the installation in ``manifest.seal.json``). The archive also carries the year's work behind the
registry: evaluations of every period, year results, data locks, every record draft, the subject teachers'
sign-offs (with their signed PDFs and the signer's certificate) and the classes' sealed packages. Format:
docs/exchange.md, "Year-end archive"."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import zipfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.utils import timezone

from hocbaso.assessment.models import (Award, DataLock, Exemption, SubjectEvaluation, SupplementaryEvaluation,
                                      TraitEvaluation, YearResult)
from hocbaso.audit.models import AuditEntry
from hocbaso.audit.services import Action, log_actions
from hocbaso.directory.models import Enrolment, School, SchoolPlacement, SchoolYear, Staff, TeachingAssignment
from hocbaso.exchange.archive.format import (AUDIT, CA_ROOT, DIRECTORY, DRAFT_FIELDS, ENROLMENT_FIELDS,
                                             AWARD_FIELDS, EVALUATION_FIELDS, EXEMPTION_FIELDS, FORMAT, MANIFEST,
                                             PUPIL_FIELDS, REGISTRY, SEAL, STAFF_FIELDS, SUPPLEMENTARY_FIELDS, VIETNAM,
                                             WORK, WORK_COUNTS, YEAR_RESULT_FIELDS, ArchiveRefused, to_iso, to_json,
                                             username_of)
from hocbaso.exchange.archive.registry import registry_rows
from hocbaso.records.models import ClassPackage, CorrectionRequest, IssuedRenewal, RecordDraft
from hocbaso.signing.pki_store import pki_folder
from hocbaso.signing.seals import installation_seal
from hocbaso.signing.models import SubjectSignoff


def _directory(school_year: SchoolYear, users: set) -> dict:
    school = school_year.school
    classes = list(school_year.classes.select_related("homeroom_teacher").order_by("grade", "name"))
    enrolments = list(Enrolment.objects.filter(school_class__in=classes).select_related("pupil__school")
                      .order_by("school_class__name", "pk"))
    pupils = {e.pupil_id: e.pupil for e in enrolments}
    staff = list(Staff.objects.filter(school=school).select_related("user").prefetch_related("role_set")
                 .order_by("pk"))
    schools = list(School.objects.filter(pk__in={school.pk, *(p.school_id for p in pupils.values())}).order_by("code"))
    placements = list(SchoolPlacement.objects.filter(school__in=schools)
                      .select_related("school", "province", "commune__province", "district__province")
                      .order_by("school__code", "since"))
    districts = {p.district_id: p.district for p in placements if p.district_id}
    communes = {p.commune_id: p.commune for p in placements if p.commune_id}
    provinces = {x.province_id: x.province for x in [*placements, *districts.values(), *communes.values()]}
    users |= {s.user for s in staff if s.user is not None}
    return {
        "provinces": [{"code": p.code, "name": p.name} for p in provinces.values()],
        "districts": [{"code": d.code, "name": d.name, "province": d.province.code} for d in districts.values()],
        "communes": [{"code": c.code, "name": c.name, "authority_name": c.authority_name, "province": c.province.code}
                     for c in communes.values()],
        "schools": [{"code": s.code, "name": s.name, "address": s.address, "phone": s.phone} for s in schools],
        "placements": [{"school": p.school.code, "since": to_iso(p.since), "province": p.province.code,
                        "commune": p.commune.code if p.commune else None,
                        "district": p.district.code if p.district else None, "commune_name": p.commune_name}
                       for p in placements],
        "school": school.code,
        "school_year": {"name": school_year.name, "start_date": to_iso(school_year.start_date),
                        "end_date": to_iso(school_year.end_date), "lock_date": to_iso(school_year.lock_date)},
        "terms": [{"number": t.number, "start_date": to_iso(t.start_date), "end_date": to_iso(t.end_date)}
                  for t in school_year.terms.order_by("number")],
        "staff": [{"ref": s.pk, **{f: to_iso(getattr(s, f)) if f == "birth_date" else getattr(s, f)
                                   for f in STAFF_FIELDS},
                   "user": username_of(s.user), "roles": sorted(r.role for r in s.role_set.all())} for s in staff],
        "classes": [{"ref": c.pk, "grade": c.grade, "name": c.name, "kind": c.kind,
                     "homeroom_teacher": c.homeroom_teacher_id} for c in classes],
        "assignments": [{"class": a.school_class_id, "subject": a.subject, "teacher": a.teacher_id}
                        for a in TeachingAssignment.objects.filter(school_class__in=classes).order_by("pk")],
        "pupils": [{"ref": p.pk, "school": p.school.code,
                    **{f: to_iso(getattr(p, f)) if f == "birth_date" else getattr(p, f) for f in PUPIL_FIELDS}}
                   for p in sorted(pupils.values(), key=lambda p: p.pk)],
        "enrolments": [{"ref": e.pk, "pupil": e.pupil_id, "class": e.school_class_id,
                        **{f: to_iso(getattr(e, f)) if f in ("joined_on", "left_on") else getattr(e, f)
                           for f in ENROLMENT_FIELDS}} for e in enrolments],
    }


def _corrections(school_year: SchoolYear, users: set) -> list[dict]:
    out = []
    for c in (CorrectionRequest.objects.filter(enrolment__school_class__school_year=school_year)
              .select_related("requested_by", "decided_by").order_by("pk")):
        users |= {u for u in (c.requested_by, c.decided_by) if u is not None}
        out.append({"ref": c.pk, "enrolment": c.enrolment_id, "field": c.field, "old_value": c.old_value,
                    "new_value": c.new_value, "reason": c.reason, "status": c.status,
                    "requested_by": username_of(c.requested_by), "requested_at": to_iso(c.requested_at),
                    "decided_by": username_of(c.decided_by), "decided_at": to_iso(c.decided_at),
                    "decision_note": c.decision_note})
    return out



def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return to_iso(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _file_sha256(name: str) -> str:
    with default_storage.open(name, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _work(school_year: SchoolYear, users: set) -> dict:
    """The year's work behind the registry, by archive reference (``enrolment``, ``class``, ``teacher``/``staff``,
    ``correction`` are the directory's and the corrections' ``ref``): evaluations of every period, year results,
    data locks, every record draft (open, issued or discarded), the subject sign-offs with their signer's
    certificate, the sealed class packages, and the storage files these name (``files``: storage name, SHA-256
    and, once written, the path in the archive)."""
    in_year = {"enrolment__school_class__school_year": school_year}
    user_model = get_user_model()
    names: dict[int, str] = {}
    files: dict[str, str] = {}

    def who(user_id):
        if user_id is None:
            return None
        if user_id not in names:
            user = user_model.objects.get(pk=user_id)
            users.add(user)
            names[user_id] = user.get_username()
        return names[user_id]

    def keep(name: str, digest: str) -> str:
        files[name] = digest
        return name

    subject_evaluations = [
        {"enrolment": e.enrolment_id, "subject": e.subject, "score": e.score, "updated_by": who(e.updated_by_id),
         **{f: getattr(e, f) for f in EVALUATION_FIELDS}}
        for e in SubjectEvaluation.objects.filter(**in_year).order_by("pk")]
    trait_evaluations = [
        {"enrolment": e.enrolment_id, "kind": e.kind, "code": e.code, "updated_by": who(e.updated_by_id),
         **{f: getattr(e, f) for f in EVALUATION_FIELDS}}
        for e in TraitEvaluation.objects.filter(**in_year).order_by("pk")]
    year_results = [{"enrolment": r.enrolment_id, "updated_by": who(r.updated_by_id),
                     **{f: _plain(getattr(r, f)) for f in YEAR_RESULT_FIELDS}}
                    for r in YearResult.objects.filter(**in_year).order_by("pk")]
    supplementary = [{"enrolment": r.enrolment_id, "updated_by": who(r.updated_by_id),
                      "confirmed_by": who(r.confirmed_by_id), **{f: _plain(getattr(r, f)) for f in SUPPLEMENTARY_FIELDS}}
                     for r in SupplementaryEvaluation.objects.filter(**in_year).order_by("pk")]
    awards = [{"enrolment": r.enrolment_id, "created_by": who(r.created_by_id),
               **{f: _plain(getattr(r, f)) for f in AWARD_FIELDS}}
              for r in Award.objects.filter(**in_year).order_by("pk")]
    exemptions = [{"enrolment": r.enrolment_id, "created_by": who(r.created_by_id),
                   **{f: _plain(getattr(r, f)) for f in EXEMPTION_FIELDS}}
                  for r in Exemption.objects.filter(**in_year).order_by("pk")]
    locks = [{"class": lock.school_class_id, "locked_at": to_iso(lock.locked_at), "locked_by": who(lock.locked_by_id),
              "automatic": lock.automatic} for lock in DataLock.objects.filter(school_year=school_year).order_by("pk")]
    drafts = []
    for d in RecordDraft.objects.filter(**in_year).select_related("supersedes", "issued").order_by("pk"):
        row = {"enrolment": d.enrolment_id, "correction": d.correction_id, "created_by": who(d.created_by_id),
               "supersedes": d.supersedes.record_id if d.supersedes_id else None,
               "issued": d.issued.record_id if d.issued_id else None,
               **{f: _plain(getattr(d, f)) for f in DRAFT_FIELDS}}
        if d.pdf and default_storage.exists(d.pdf):
            keep(d.pdf, _file_sha256(d.pdf))
        else:
            row["pdf"] = ""  # a discarded draft's file may be gone; its row is kept
        drafts.append(row)
    signoffs = []
    for s in (SubjectSignoff.objects.filter(school_class__school_year=school_year)
              .select_related("identity").order_by("pk")):
        identity = s.identity
        signoffs.append({"class": s.school_class_id, "subject": s.subject, "teacher": s.teacher_id,
                         "payload": s.payload, "payload_sha256": s.payload_sha256, "pdf": keep(s.pdf, s.pdf_sha256),
                         "pdf_sha256": s.pdf_sha256, "signed_at": to_iso(s.signed_at), "current": s.current,
                         "identity": {"kind": identity.kind, "identity_id": identity.identity_id,
                                      "certificate_pem": identity.certificate_pem, "subject": identity.subject,
                                      "staff": identity.staff_id, "created_by": who(identity.created_by_id),
                                      "created_at": to_iso(identity.created_at)}})
    class_packages = [{"class": p.school_class_id, "file": keep(p.file, p.sha256), "sha256": p.sha256,
                       **({"xml_file": keep(p.xml_file, p.xml_sha256), "xml_sha256": p.xml_sha256}
                          if p.xml_file else {}),
                       "records": p.records, "created_at": to_iso(p.created_at), "created_by": who(p.created_by_id)}
                      for p in ClassPackage.objects.filter(school_class__school_year=school_year).order_by("pk")]
    # Gia hạn dấu thời gian lưu trữ: each renewed file of an issued record of the year (the issued bytes plus newer
    # archive time stamps), so that a restored record keeps the file that stays verifiable longest
    school = school_year.school
    renewals = [{"record_id": r.issued.record_id, "sha256": r.sha256, "previous_sha256": r.previous_sha256,
                 "pdf": keep(r.pdf, r.sha256), "archive_timestamp": to_iso(r.archive_timestamp),
                 "tsa_expires": to_iso(r.tsa_expires), "created_at": to_iso(r.created_at)}
                for r in IssuedRenewal.objects.filter(issued__school_code=school.code,
                                                      issued__school_year=school_year.name)
                .select_related("issued").order_by("pk")]
    return {"subject_evaluations": subject_evaluations, "trait_evaluations": trait_evaluations,
            "year_results": year_results, "supplementary": supplementary, "awards": awards, "exemptions": exemptions,
            "locks": locks, "drafts": drafts, "signoffs": signoffs,
            "class_packages": class_packages, "renewals": renewals,
            "files": [{"storage": name, "sha256": digest} for name, digest in sorted(files.items())]}


def _audit(school_code: str) -> list[dict]:
    return [{"seq": e.seq, "at": e.at.isoformat(), "actor_id": e.actor_id, "actor_name": e.actor_name,
             "action": e.action, "school_code": e.school_code, "target_type": e.target_type,
             "target_id": e.target_id, "before": e.before, "after": e.after, "data": e.data,
             "prev_hash": e.prev_hash, "hash": e.hash}
            for e in AuditEntry.objects.filter(school_code=school_code).order_by("seq")]


def _users(users: set) -> list[dict]:
    return [{"username": u.get_username(), "first_name": u.first_name, "last_name": u.last_name, "email": u.email,
             "is_active": u.is_active} for u in sorted(users, key=lambda u: u.get_username())]


def _write_archive(target: Path, school_year: SchoolYear, issued: list, directory: dict, corrections: list,
                   work: dict, by) -> dict:
    # This module loads at start-up (ExchangeConfig.ready registers the archive job).
    # deferred: hocbaso.documents loads typst and pikepdf; only a written archive needs its canonical JSON
    from hocbaso.documents.attachment import canonical_json

    school = school_year.school
    files: list[dict] = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        def add(path: str, data: bytes, *, compress: bool = True) -> None:
            archive.writestr(path, data, compress_type=zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED)
            files.append({"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})

        for row in issued:
            with default_storage.open(row["pdf"], "rb") as handle:
                pdf = handle.read()
            if hashlib.sha256(pdf).hexdigest() != row["sha256"]:
                raise ArchiveRefused([f"Tệp PDF của học bạ {row['record_id']} trên máy không khớp mã băm trong sổ "
                                      "đăng ký; không lập được bản lưu trữ."])
            add(f"pdfs/{row['record_id']}.pdf", pdf, compress=False)
            add(f"records/{row['record_id']}.json", canonical_json(row["record"]))
        stored = {row["pdf"]: f"pdfs/{row['record_id']}.pdf" for row in issued}
        for item in work["files"]:
            if item["storage"] not in stored:
                with default_storage.open(item["storage"], "rb") as handle:
                    data = handle.read()
                if hashlib.sha256(data).hexdigest() != item["sha256"]:
                    raise ArchiveRefused([f"Tệp {item['storage']} trên máy không khớp mã băm đã ghi; không lập được "
                                          "bản lưu trữ."])
                stored[item["storage"]] = f"files/{item['storage']}"
                add(stored[item["storage"]], data, compress=not item["storage"].endswith((".pdf", ".zip")))
            item["path"] = stored[item["storage"]]
        add(DIRECTORY, to_json(directory))
        add(REGISTRY, to_json({"issued": issued, "corrections": corrections}))
        add(WORK, to_json(work))
        audit = _audit(school.code)
        add(AUDIT, to_json(audit))
        root = pki_folder() / "ca" / "root.pem"
        if root.exists():
            add(CA_ROOT, root.read_bytes())
        manifest = {"format": FORMAT, "school": {"code": school.code, "name": school.name},
                    "school_year": school_year.name,
                    "created_at": timezone.now().astimezone(VIETNAM).isoformat(timespec="seconds"),
                    "created_by": username_of(by),
                    "counts": {"issued": len(issued),
                               "current": len({r["record_id"] for r in issued} - {r["supersedes"] for r in issued}),
                               "pupils": len(directory["pupils"]), "classes": len(directory["classes"]), "enrolments": len(directory["enrolments"]),
                               "corrections": len(corrections), "audit_entries": len(audit),
                               **{k: len(work[k]) for k in WORK_COUNTS}},
                    "files": sorted(files, key=lambda f: f["path"])}
        manifest_bytes = to_json(manifest)
        archive.writestr(MANIFEST, manifest_bytes)
        archive.writestr(SEAL, to_json(installation_seal(manifest_bytes)))
    return manifest


def archive_build(*, school_year: SchoolYear, out: Path, by=None) -> dict:
    """Write the year-end archive of ``school_year`` to ``out`` (a ZIP file) and return its manifest (with the
    archive's own SHA-256 added as ``sha256``, which is also logged)."""
    school = school_year.school
    issued = registry_rows(school.code, school_year.name, refs=True)
    users = set()
    user_model = get_user_model()
    registry_users = {r["issued_by"] for r in issued} | {r["withdrawal"]["withdrawn_by"] for r in issued
                                                         if r["withdrawal"]}
    users |= set(user_model.objects.filter(username__in=[u for u in registry_users if u]))
    corrections = _corrections(school_year, users)
    work = _work(school_year, users)
    directory = _directory(school_year, users)
    directory["users"] = _users(users)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    try:
        manifest = _write_archive(partial, school_year, issued, directory, corrections, work, by)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    with open(partial, "rb") as handle:
        data_sha = hashlib.file_digest(handle, "sha256").hexdigest()
    partial.replace(out)
    log_actions([Action("archive.build", "schoolyear", str(school_year.pk), None,
                        {"records": len(issued), "sha256": data_sha, "file": out.name}, school_code=school.code)],
                actor=by)
    manifest["sha256"] = data_sha
    return manifest
