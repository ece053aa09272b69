"""Lưu trữ cuối năm: one self-describing ZIP per school year (the issued PDFs, their records, the registry, the
school's audit entries, the directory rows needed to restore, the deployment CA's root certificate, and a
manifest with the SHA-256 of every file), and its restore into an installation that does not have that
school year yet. The archive also carries the year's work behind the registry: evaluations of every period,
year results, data locks, every record draft, the subject teachers' sign-offs (with their signed PDFs and the
signer's certificate) and the classes' sealed packages. Format: docs/exchange.md, "Year-end archive".

Accounts come back without a usable password (an archive never carries password hashes): the restore report
names them, and an administrator gives each a new password with ``hocbaso changepassword USERNAME``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from hocbaso.audit.services import Action, log_actions
from hocbaso.directory.models import (District, Enrolment, Province, Pupil, School, SchoolClass, SchoolYear, Staff,
                                      StaffRole, TeachingAssignment, Term)

FORMAT = "hocbaso.archive/1"
MANIFEST = "manifest.json"
DIRECTORY = "directory.json"
REGISTRY = "registry.json"
AUDIT = "audit.json"
WORK = "work.json"  # evaluations, year results, locks, drafts, sign-offs, class packages (files under files/)
CA_ROOT = "pki/ca-root.pem"
VIETNAM = dt.timezone(dt.timedelta(hours=7))

PUPIL_FIELDS = ("identity_number", "sector_code", "full_name", "gender", "birth_date", "ethnicity", "nationality",
                "birthplace", "hometown", "address", "father_name", "mother_name", "guardian_name", "disability")
STAFF_FIELDS = ("full_name", "gender", "birth_date", "title", "phone", "email")
ENROLMENT_FIELDS = ("registry_number", "joined_on", "transferred_in", "status", "left_on", "individual_plan",
                    "optional_subjects")


class ArchiveRefused(Exception):
    """An archive that cannot be restored here; ``problems`` lists every reason, in Vietnamese."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


def _json(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).isoformat()
    return value.isoformat()


def _date(text):
    return dt.date.fromisoformat(text) if text else None


def _datetime(text):
    return dt.datetime.fromisoformat(text) if text else None


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


# ---------------------------------------------------------------------- the registry, in natural keys

def _issued(school_code: str, school_year: str):
    from hocbaso.records.models import IssuedRecord

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
        "pupil_name": row.pupil_name, "pupil_birth_date": _iso(row.pupil_birth_date),
        "identity_number": row.identity_number, "effective_date": _iso(row.effective_date),
        "issued_at": _iso(row.issued_at), "issued_by": _username(row.issued_by), "sha256": row.sha256,
        "pdf": row.pdf, "record": row.record, "signers": row.signers,
        "enrolment": {"class_name": enrolment.school_class.name, "registry_number": enrolment.registry_number,
                      "pupil": pupil.identity_number or f"{pupil.full_name} {pupil.birth_date.isoformat()}"},
        "withdrawal": ({"reason": withdrawal.reason, "withdrawn_by": _username(withdrawal.withdrawn_by),
                        "withdrawn_at": _iso(withdrawal.withdrawn_at)} if withdrawal is not None else None),
    }
    if refs:
        out["enrolment_ref"] = row.enrolment_id
        out["correction_ref"] = row.correction_id
    return out


def registry_rows(school_code: str, school_year: str, *, refs: bool = False) -> list[dict]:
    """The registry (sổ đăng ký) of a school year: every issued version, in (version, record id) order."""
    return [registry_row(row, refs=refs) for row in _issued(school_code, school_year)]


# ---------------------------------------------------------------------- writing an archive

def _directory(school_year: SchoolYear, users: set) -> dict:
    school = school_year.school
    classes = list(school_year.classes.select_related("homeroom_teacher").order_by("grade", "name"))
    enrolments = list(Enrolment.objects.filter(school_class__in=classes).select_related("pupil__school")
                      .order_by("school_class__name", "pk"))
    pupils = {e.pupil_id: e.pupil for e in enrolments}
    staff = list(Staff.objects.filter(school=school).select_related("user").prefetch_related("role_set")
                 .order_by("pk"))
    schools = list(School.objects.filter(pk__in={school.pk, *(p.school_id for p in pupils.values())})
                   .select_related("district__province").order_by("code"))
    districts = {s.district_id: s.district for s in schools}
    provinces = {d.province_id: d.province for d in districts.values()}
    users |= {s.user for s in staff if s.user is not None}
    return {
        "provinces": [{"code": p.code, "name": p.name} for p in provinces.values()],
        "districts": [{"code": d.code, "name": d.name, "province": d.province.code} for d in districts.values()],
        "schools": [{"code": s.code, "name": s.name, "commune": s.commune, "address": s.address, "phone": s.phone,
                     "district": s.district.code} for s in schools],
        "school": school.code,
        "school_year": {"name": school_year.name, "start_date": _iso(school_year.start_date),
                        "end_date": _iso(school_year.end_date), "lock_date": _iso(school_year.lock_date)},
        "terms": [{"number": t.number, "start_date": _iso(t.start_date), "end_date": _iso(t.end_date)}
                  for t in school_year.terms.order_by("number")],
        "staff": [{"ref": s.pk, **{f: _iso(getattr(s, f)) if f == "birth_date" else getattr(s, f)
                                   for f in STAFF_FIELDS},
                   "user": _username(s.user), "roles": sorted(r.role for r in s.role_set.all())} for s in staff],
        "classes": [{"ref": c.pk, "grade": c.grade, "name": c.name, "kind": c.kind,
                     "homeroom_teacher": c.homeroom_teacher_id} for c in classes],
        "assignments": [{"class": a.school_class_id, "subject": a.subject, "teacher": a.teacher_id}
                        for a in TeachingAssignment.objects.filter(school_class__in=classes).order_by("pk")],
        "pupils": [{"ref": p.pk, "school": p.school.code,
                    **{f: _iso(getattr(p, f)) if f == "birth_date" else getattr(p, f) for f in PUPIL_FIELDS}}
                   for p in sorted(pupils.values(), key=lambda p: p.pk)],
        "enrolments": [{"ref": e.pk, "pupil": e.pupil_id, "class": e.school_class_id,
                        **{f: _iso(getattr(e, f)) if f in ("joined_on", "left_on") else getattr(e, f)
                           for f in ENROLMENT_FIELDS}} for e in enrolments],
    }


def _corrections(school_year: SchoolYear, users: set) -> list[dict]:
    from hocbaso.records.models import CorrectionRequest

    out = []
    for c in (CorrectionRequest.objects.filter(enrolment__school_class__school_year=school_year)
              .select_related("requested_by", "decided_by").order_by("pk")):
        users |= {u for u in (c.requested_by, c.decided_by) if u is not None}
        out.append({"ref": c.pk, "enrolment": c.enrolment_id, "field": c.field, "old_value": c.old_value,
                    "new_value": c.new_value, "reason": c.reason, "status": c.status,
                    "requested_by": _username(c.requested_by), "requested_at": _iso(c.requested_at),
                    "decided_by": _username(c.decided_by), "decided_at": _iso(c.decided_at),
                    "decision_note": c.decision_note})
    return out


WORK_COUNTS = ("subject_evaluations", "trait_evaluations", "year_results", "locks", "drafts", "signoffs",
               "class_packages")
EVALUATION_FIELDS = ("period", "comment", "revision", "rating")
YEAR_RESULT_FIELDS = ("homeroom_comment", "height_cm", "weight_kg", "days_absent_excused", "days_absent_unexcused",
                      "nominated_tieu_bieu", "plan_outcome", "outcome", "award", "completed_grade",
                      "completed_primary", "errors", "assessed_at", "revision")
DRAFT_FIELDS = ("version", "record_id", "lookup_code", "effective_date", "record", "boxes", "state", "pdf", "sha256",
                "signers", "created_at", "teacher_signed_at", "principal_signed_at")


def _plain(value):
    import decimal

    if isinstance(value, (dt.date, dt.datetime)):
        return _iso(value)
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
    from hocbaso.assessment.models import DataLock, SubjectEvaluation, TraitEvaluation, YearResult
    from hocbaso.records.models import ClassPackage, RecordDraft
    from hocbaso.signing.models import SubjectSignoff

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
    locks = [{"class": lock.school_class_id, "locked_at": _iso(lock.locked_at), "locked_by": who(lock.locked_by_id),
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
                         "pdf_sha256": s.pdf_sha256, "signed_at": _iso(s.signed_at), "current": s.current,
                         "identity": {"kind": identity.kind, "identity_id": identity.identity_id,
                                      "certificate_pem": identity.certificate_pem, "subject": identity.subject,
                                      "staff": identity.staff_id, "created_by": who(identity.created_by_id),
                                      "created_at": _iso(identity.created_at)}})
    class_packages = [{"class": p.school_class_id, "file": keep(p.file, p.sha256), "sha256": p.sha256,
                       "records": p.records, "created_at": _iso(p.created_at), "created_by": who(p.created_by_id)}
                      for p in ClassPackage.objects.filter(school_class__school_year=school_year).order_by("pk")]
    return {"subject_evaluations": subject_evaluations, "trait_evaluations": trait_evaluations,
            "year_results": year_results, "locks": locks, "drafts": drafts, "signoffs": signoffs,
            "class_packages": class_packages,
            "files": [{"storage": name, "sha256": digest} for name, digest in sorted(files.items())]}


def _audit(school_code: str) -> list[dict]:
    from hocbaso.audit.models import AuditEntry

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
        add(DIRECTORY, _json(directory))
        add(REGISTRY, _json({"issued": issued, "corrections": corrections}))
        add(WORK, _json(work))
        audit = _audit(school.code)
        add(AUDIT, _json(audit))
        root = Path(settings.PKI_DIR) / "ca" / "root.pem"
        if root.exists():
            add(CA_ROOT, root.read_bytes())
        manifest = {"format": FORMAT, "school": {"code": school.code, "name": school.name},
                    "school_year": school_year.name,
                    "created_at": timezone.now().astimezone(VIETNAM).isoformat(timespec="seconds"),
                    "created_by": _username(by),
                    "counts": {"issued": len(issued),
                               "current": len({r["record_id"] for r in issued} - {r["supersedes"] for r in issued}),
                               "pupils": len(directory["pupils"]), "classes": len(directory["classes"]), "enrolments": len(directory["enrolments"]),
                               "corrections": len(corrections), "audit_entries": len(audit),
                               **{k: len(work[k]) for k in WORK_COUNTS}},
                    "files": sorted(files, key=lambda f: f["path"])}
        archive.writestr(MANIFEST, _json(manifest))
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


# ---------------------------------------------------------------------- reading and restoring

@dataclass
class ArchiveContents:
    manifest: dict
    directory: dict
    registry: dict
    audit: list
    ca_root: bytes | None
    archive: zipfile.ZipFile = field(repr=False)
    work: dict = field(default_factory=dict)  # empty for an archive written before work.json existed

    def read(self, path: str) -> bytes:
        return self.archive.read(path)


def archive_open(source) -> ArchiveContents:
    """Open an archive (path or file object) and check it whole: every file the manifest lists is present with
    its SHA-256, nothing unlisted, the registry's PDFs hash to the registry's SHA-256 and the stored records
    are the registry's. ``ArchiveRefused`` lists every problem."""
    try:
        archive = zipfile.ZipFile(source)
        names = set(archive.namelist())
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise ArchiveRefused(["Tệp lưu trữ không có manifest.json."]) from None
    except Exception as error:
        raise ArchiveRefused([f"Không đọc được tệp lưu trữ (ZIP hoặc manifest.json hỏng): {error}."]) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), list):
        raise ArchiveRefused([f"Tệp không phải bản lưu trữ {FORMAT}."])
    problems = []
    listed = set()
    for entry in manifest["files"]:
        path = entry.get("path")
        listed.add(path)
        if path not in names:
            problems.append(f"Thiếu tệp {path}.")
            continue
        try:
            digest = hashlib.sha256(archive.read(path)).hexdigest()
        except Exception:
            problems.append(f"Tệp {path} bị hỏng (không đọc được trong ZIP).")
            continue
        if digest != entry.get("sha256"):
            problems.append(f"Tệp {path} không khớp mã băm SHA-256 trong manifest.json.")
    extra = sorted(names - listed - {MANIFEST})
    if extra:
        problems.append(f"Có tệp không được liệt kê trong manifest.json: {', '.join(extra)}.")
    if problems:
        raise ArchiveRefused(problems)
    directory = json.loads(archive.read(DIRECTORY))
    registry = json.loads(archive.read(REGISTRY))
    audit = json.loads(archive.read(AUDIT))
    for row in registry["issued"]:
        pdf_path, record_path = f"pdfs/{row['record_id']}.pdf", f"records/{row['record_id']}.json"
        if pdf_path not in names or hashlib.sha256(archive.read(pdf_path)).hexdigest() != row["sha256"]:
            problems.append(f"Tệp PDF của học bạ {row['record_id']} không khớp mã băm trong sổ đăng ký.")
        if record_path not in names or json.loads(archive.read(record_path)) != row["record"]:
            problems.append(f"Dữ liệu học bạ {record_path} khác với sổ đăng ký.")
    known = {r["record_id"] for r in registry["issued"]}
    for row in registry["issued"]:
        if row["supersedes"] and row["supersedes"] not in known:
            problems.append(f"Học bạ {row['record_id']} thay thế {row['supersedes']}, nhưng bản này không có trong "
                            "bản lưu trữ.")
    if problems:
        raise ArchiveRefused(problems)
    work = json.loads(archive.read(WORK)) if WORK in names else {}
    for item in work.get("files") or []:
        if item.get("path") not in names:
            problems.append(f"Thiếu tệp {item.get('path') or item.get('storage')} mà work.json nhắc tới.")
        elif hashlib.sha256(archive.read(item["path"])).hexdigest() != item.get("sha256"):
            problems.append(f"Tệp {item['path']} không khớp mã băm ghi trong work.json.")
    if problems:
        raise ArchiveRefused(problems)
    return ArchiveContents(manifest, directory, registry, audit,
                           archive.read(CA_ROOT) if CA_ROOT in names else None, archive, work)


def audit_check(entries: list[dict]) -> list[int]:
    """The sequence numbers of archived audit entries whose hash does not recompute from their content."""
    from hocbaso.audit.services import entry_hash

    broken = []
    for e in entries:
        digest = entry_hash(prev_hash=e["prev_hash"], seq=e["seq"], at=dt.datetime.fromisoformat(e["at"]),
                            actor_id=e["actor_id"], actor_name=e["actor_name"], action=e["action"],
                            school_code=e["school_code"], target_type=e["target_type"], target_id=e["target_id"],
                            before=e["before"], after=e["after"], data=e["data"])
        if digest != e["hash"]:
            broken.append(e["seq"])
    return broken


def _conflicts(contents: ArchiveContents) -> list[str]:
    from hocbaso.records.models import IssuedRecord

    problems = []
    directory, rows = contents.directory, contents.registry["issued"]
    year = directory["school_year"]["name"]
    if SchoolYear.objects.filter(school__code=directory["school"], name=year).exists():
        problems.append(f"Năm học {year} của trường {directory['school']} đã có trong hệ thống này; chỉ khôi phục "
                        "được vào hệ thống chưa có năm học đó.")
    clash = IssuedRecord.objects.filter(record_id__in=[r["record_id"] for r in rows]) | \
        IssuedRecord.objects.filter(lookup_code__in=[r["lookup_code"] for r in rows]) | \
        IssuedRecord.objects.filter(sha256__in=[r["sha256"] for r in rows])
    for record_id in sorted(set(clash.values_list("record_id", flat=True)))[:5]:
        problems.append(f"Sổ đăng ký của hệ thống này đã có học bạ {record_id} (hoặc trùng mã tra cứu, mã băm).")
    from hocbaso.records.models import RecordDraft

    drafts = [d["record_id"] for d in contents.work.get("drafts") or []]
    for record_id in sorted(set(RecordDraft.objects.filter(record_id__in=drafts).values_list("record_id", flat=True)))[:5]:
        problems.append(f"Hệ thống này đã có bản học bạ chờ phát hành {record_id}.")
    for item in contents.work.get("files") or []:
        if default_storage.exists(item["storage"]):
            with default_storage.open(item["storage"], "rb") as handle:
                if hashlib.sha256(handle.read()).hexdigest() != item["sha256"]:
                    problems.append(f"Đã có một tệp khác tại {item['storage']}.")
    for row in rows:
        if default_storage.exists(row["pdf"]):
            with default_storage.open(row["pdf"], "rb") as handle:
                if hashlib.sha256(handle.read()).hexdigest() != row["sha256"]:
                    problems.append(f"Đã có một tệp khác tại {row['pdf']}.")
    return problems


@dataclass
class RestoreReport:
    school: str
    school_year: str
    records: int
    pupils: int
    enrolments: int
    audit_entries: int
    audit_broken: list
    ca_root: str | None
    archive_file: str
    work: dict = field(default_factory=dict)  # what came back besides the registry: kind -> rows
    accounts: list = field(default_factory=list)  # usernames restored here without a usable password


def _restore_directory(d: dict) -> tuple[SchoolYear, dict, dict, dict, dict]:
    user_model = get_user_model()
    users = {}
    for u in d["users"]:
        user = user_model.objects.filter(username=u["username"]).first()
        if user is None:
            user = user_model(username=u["username"], first_name=u["first_name"], last_name=u["last_name"],
                              email=u["email"], is_active=u["is_active"])
            user.set_unusable_password()
            user.save()
        users[u["username"]] = user
    provinces = {}
    for p in d["provinces"]:
        provinces[p["code"]], _ = Province.objects.get_or_create(code=p["code"], defaults={"name": p["name"]})
    districts = {}
    for x in d["districts"]:
        districts[x["code"]], _ = District.objects.get_or_create(
            code=x["code"], defaults={"name": x["name"], "province": provinces[x["province"]]})
    schools = {}
    for s in d["schools"]:
        schools[s["code"]], _ = School.objects.get_or_create(
            code=s["code"], defaults={k: s[k] for k in ("name", "commune", "address", "phone")}
            | {"district": districts[s["district"]]})
    school = schools[d["school"]]
    y = d["school_year"]
    year = SchoolYear.objects.create(school=school, name=y["name"], start_date=_date(y["start_date"]),
                                     end_date=_date(y["end_date"]), lock_date=_date(y["lock_date"]))
    Term.objects.bulk_create([Term(school_year=year, number=t["number"], start_date=_date(t["start_date"]),
                                   end_date=_date(t["end_date"])) for t in d["terms"]])
    staff = {}
    for s in d["staff"]:
        user = users.get(s["user"]) if s["user"] else None
        found = Staff.objects.filter(user=user).first() if user is not None else \
            Staff.objects.filter(user__isnull=True, school=school, full_name=s["full_name"]).first()
        if found is None:
            found = Staff.objects.create(user=user, school=school, birth_date=_date(s["birth_date"]),
                                         **{f: s[f] for f in STAFF_FIELDS if f != "birth_date"})
        for role in s["roles"]:
            StaffRole.objects.get_or_create(staff=found, role=role)
        staff[s["ref"]] = found
    classes = {}
    for c in d["classes"]:
        classes[c["ref"]] = SchoolClass.objects.create(school_year=year, grade=c["grade"], name=c["name"],
                                                       kind=c["kind"],
                                                       homeroom_teacher=staff.get(c["homeroom_teacher"]))
    TeachingAssignment.objects.bulk_create([TeachingAssignment(school_class=classes[a["class"]], subject=a["subject"],
                                                               teacher=staff[a["teacher"]])
                                            for a in d["assignments"] if a["teacher"] in staff])
    pupils = {}
    for p in d["pupils"]:
        found = Pupil.objects.filter(identity_number=p["identity_number"]).first() if p["identity_number"] else None
        if found is None:
            values = {f: p[f] for f in PUPIL_FIELDS}
            values["birth_date"] = _date(values["birth_date"])
            found = Pupil.objects.create(school=schools.get(p["school"], school), **values)
        pupils[p["ref"]] = found
    enrolments = {}
    for e in d["enrolments"]:
        values = {f: e[f] for f in ENROLMENT_FIELDS}
        values["joined_on"], values["left_on"] = _date(values["joined_on"]), _date(values["left_on"])
        enrolments[e["ref"]] = Enrolment.objects.create(pupil=pupils[e["pupil"]], school_class=classes[e["class"]],
                                                        **values)
    return year, users, pupils, enrolments, staff, classes


def _restore_work(contents: ArchiveContents, year: SchoolYear, *, users: dict, enrolments: dict, staff: dict,
                  classes: dict, corrections: dict, issued: dict, written: list) -> None:
    """Bring back ``work.json``: the files first (under their storage names), then evaluations, year results,
    locks, drafts, sign-offs (each signer's certificate as an inactive identity: the key never travels) and
    class packages, with their original times."""
    from hocbaso.assessment.models import DataLock, SubjectEvaluation, TraitEvaluation, YearResult
    from hocbaso.records.models import ClassPackage, RecordDraft
    from hocbaso.signing.models import SigningIdentity, SubjectSignoff

    work = contents.work
    if not work:
        return

    def user(name):
        return users.get(name) if name else None

    for item in work.get("files") or []:
        if not default_storage.exists(item["storage"]):
            name = default_storage.save(item["storage"], ContentFile(contents.read(item["path"])))
            written.append(name)
            if name != item["storage"]:
                raise ArchiveRefused([f"Không ghi được tệp {item['storage']} đúng tên (đã có tệp khác)."])
    grades = {ref: e.school_class.grade for ref, e in enrolments.items()}
    SubjectEvaluation.objects.bulk_create([
        SubjectEvaluation(enrolment=enrolments[e["enrolment"]], grade=grades[e["enrolment"]], subject=e["subject"],
                          score=e["score"], updated_by=user(e["updated_by"]),
                          **{f: e[f] for f in EVALUATION_FIELDS}) for e in work["subject_evaluations"]], batch_size=500)
    TraitEvaluation.objects.bulk_create([
        TraitEvaluation(enrolment=enrolments[e["enrolment"]], kind=e["kind"], code=e["code"],
                        updated_by=user(e["updated_by"]), **{f: e[f] for f in EVALUATION_FIELDS})
        for e in work["trait_evaluations"]], batch_size=500)
    YearResult.objects.bulk_create([
        YearResult(enrolment=enrolments[r["enrolment"]], updated_by=user(r["updated_by"]),
                   **{f: _datetime(r[f]) if f == "assessed_at" else r[f] for f in YEAR_RESULT_FIELDS})
        for r in work["year_results"]], batch_size=500)
    DataLock.objects.bulk_create([
        DataLock(school_year=year, school_class=classes.get(lock["class"]) if lock["class"] else None,
                 locked_at=_datetime(lock["locked_at"]), locked_by=user(lock["locked_by"]),
                 automatic=lock["automatic"]) for lock in work["locks"]])
    dates = ("effective_date",)
    times = ("created_at", "teacher_signed_at", "principal_signed_at")
    for d in work["drafts"]:
        values = {f: _date(d[f]) if f in dates else _datetime(d[f]) if f in times else d[f] for f in DRAFT_FIELDS}
        created_at = values.pop("created_at")
        draft = RecordDraft.objects.create(
            enrolment=enrolments[d["enrolment"]], correction=corrections.get(d["correction"]),
            supersedes=issued.get(d["supersedes"]) if d["supersedes"] else None,
            issued=issued.get(d["issued"]) if d["issued"] else None, created_by=user(d["created_by"]), **values)
        RecordDraft.objects.filter(pk=draft.pk).update(created_at=created_at)
    identities: dict[str, SigningIdentity] = {}
    for s in work["signoffs"]:
        i = s["identity"]
        if i["certificate_pem"] not in identities:
            identity = SigningIdentity.objects.create(
                school=year.school, staff=staff.get(i["staff"]), kind=i["kind"], identity_id=i["identity_id"],
                certificate_pem=i["certificate_pem"], subject=i["subject"], config={"restored": True},
                active=False, created_by=user(i["created_by"]))
            SigningIdentity.objects.filter(pk=identity.pk).update(created_at=_datetime(i["created_at"]))
            identities[i["certificate_pem"]] = identity
        SubjectSignoff.objects.create(
            school_class=classes[s["class"]], subject=s["subject"], teacher=staff[s["teacher"]],
            identity=identities[i["certificate_pem"]], payload=s["payload"], payload_sha256=s["payload_sha256"],
            pdf=s["pdf"], pdf_sha256=s["pdf_sha256"], signed_at=_datetime(s["signed_at"]), current=s["current"])
    for p in work["class_packages"]:
        package = ClassPackage.objects.create(school_class=classes[p["class"]], file=p["file"], sha256=p["sha256"],
                                              records=p["records"], created_by=user(p["created_by"]))
        ClassPackage.objects.filter(pk=package.pk).update(created_at=_datetime(p["created_at"]))


def archive_restore(source, *, by=None) -> RestoreReport:
    """Restore an archive (path or file object) into this installation, all or nothing: the directory rows
    (school, year, terms, staff, classes, assignments, pupils, enrolments; offices and schools reused by code,
    pupils by identity number, accounts by username with no usable password), the corrections, and the
    registry rows exactly as archived (record id, lookup code, version, supersedes chain, SHA-256, issuance
    time, signers, withdrawals) with their PDFs under the same storage names. The archive itself and the old
    deployment's CA root certificate are kept under ``archives/``. Refused (``ArchiveRefused``) when the
    archive is damaged or the school year or any of its records already exists here."""
    contents = archive_open(source)
    try:
        return _restore(contents, source, by)
    finally:
        contents.archive.close()


def _restore(contents: ArchiveContents, source, by) -> RestoreReport:
    from hocbaso.records.models import CorrectionRequest, IssuedRecord, RecordWithdrawal

    problems = _conflicts(contents)
    if problems:
        raise ArchiveRefused(problems)
    rows = sorted(contents.registry["issued"], key=lambda r: (r["version"], r["record_id"]))
    written = []
    try:
        with transaction.atomic():
            year, users, pupils, enrolments, staff, classes = _restore_directory(contents.directory)

            def user(name):
                return users.get(name) if name else None

            corrections = {}
            for c in contents.registry["corrections"]:
                row = CorrectionRequest.objects.create(
                    enrolment=enrolments[c["enrolment"]], field=c["field"], old_value=c["old_value"],
                    new_value=c["new_value"], reason=c["reason"], status=c["status"],
                    requested_by=user(c["requested_by"]), decided_by=user(c["decided_by"]),
                    decided_at=_datetime(c["decided_at"]), decision_note=c["decision_note"])
                CorrectionRequest.objects.filter(pk=row.pk).update(requested_at=_datetime(c["requested_at"]))
                corrections[c["ref"]] = row
            issued = {}
            for r in rows:
                if not default_storage.exists(r["pdf"]):  # an identical file may be there already (checked)
                    name = default_storage.save(r["pdf"], ContentFile(contents.read(f"pdfs/{r['record_id']}.pdf")))
                    written.append(name)
                    if name != r["pdf"]:
                        raise ArchiveRefused([f"Không ghi được tệp {r['pdf']} đúng tên (đã có tệp khác)."])
                issued[r["record_id"]] = IssuedRecord.objects.create(
                    record_id=r["record_id"], lookup_code=r["lookup_code"], enrolment=enrolments[r["enrolment_ref"]],
                    version=r["version"], supersedes=issued.get(r["supersedes"]) if r["supersedes"] else None,
                    correction=corrections.get(r["correction_ref"]), school_code=r["school_code"],
                    school_year=r["school_year"], class_name=r["class_name"], pupil_name=r["pupil_name"],
                    pupil_birth_date=_date(r["pupil_birth_date"]), identity_number=r["identity_number"],
                    effective_date=_date(r["effective_date"]), issued_at=_datetime(r["issued_at"]),
                    issued_by=users[r["issued_by"]], sha256=r["sha256"], pdf=r["pdf"], record=r["record"],
                    signers=r["signers"])
                if r["withdrawal"]:
                    w = RecordWithdrawal.objects.create(issued_record=issued[r["record_id"]],
                                                        reason=r["withdrawal"]["reason"],
                                                        withdrawn_by=users[r["withdrawal"]["withdrawn_by"]])
                    RecordWithdrawal.objects.filter(pk=w.pk).update(
                        withdrawn_at=_datetime(r["withdrawal"]["withdrawn_at"]))
            _restore_work(contents, year, users=users, enrolments=enrolments, staff=staff, classes=classes,
                          corrections=corrections, issued=issued, written=written)
            school_code, year_name = contents.directory["school"], year.name
            folder = f"archives/{school_code}/{year_name}"
            handle = source if hasattr(source, "read") else open(source, "rb")
            try:
                handle.seek(0)
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
                handle.seek(0)
                kept = default_storage.save(f"{folder}/{school_code}-{year_name}.zip", File(handle))
            finally:
                if handle is not source:
                    handle.close()
            written.append(kept)
            ca_root = None
            if contents.ca_root:
                ca_root = default_storage.save(f"{folder}/ca-root.pem", ContentFile(contents.ca_root))
                written.append(ca_root)
            broken = audit_check(contents.audit)
            log_actions([Action("archive.restore", "schoolyear", str(year.pk), None,
                                {"records": len(rows), "sha256": digest,
                                 "archived_at": contents.manifest.get("created_at"), "audit_entries": len(contents.audit),
                                 "audit_broken": broken}, school_code=school_code)], actor=by)
    except Exception:
        for name in written:
            default_storage.delete(name)
        raise
    return RestoreReport(school=school_code, school_year=year_name, records=len(rows), pupils=len(pupils),
                         enrolments=len(enrolments), audit_entries=len(contents.audit), audit_broken=broken,
                         ca_root=ca_root, archive_file=kept,
                         work={k: len(contents.work.get(k) or []) for k in WORK_COUNTS},
                         accounts=sorted(name for name, u in users.items() if not u.has_usable_password()))
