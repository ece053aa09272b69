"""Restoring a year-end archive into an installation that does not have that school year yet: the directory rows,
the registry, the corrections and withdrawals, the year's work and the files, in one transaction.

Accounts come back without a usable password (an archive never carries password hashes): the restore report
names them, and an administrator gives each a new password with ``hocbaso changepassword USERNAME``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction

from hocbaso.assessment.models import (Award, DataLock, Exemption, SubjectEvaluation, SupplementaryEvaluation,
                                      TraitEvaluation, YearResult)
from hocbaso.audit.services import Action, log_actions
from hocbaso.directory.models import (EARLIEST_PLACEMENT, Commune, District, Enrolment, Province, Pupil, School,
                                      SchoolClass, SchoolPlacement, SchoolYear, Staff, StaffRole, TeachingAssignment,
                                      Term)
from hocbaso.exchange.archive.format import (AWARD_FIELDS, DRAFT_FIELDS, ENROLMENT_FIELDS, EVALUATION_FIELDS,
                                             EXEMPTION_FIELDS, PUPIL_FIELDS, STAFF_FIELDS, SUPPLEMENTARY_FIELDS,
                                             WORK_COUNTS, YEAR_RESULT_FIELDS, ArchiveRefused, date_read, datetime_read)
from hocbaso.exchange.archive.read import ArchiveContents, archive_conflicts, archive_open, audit_check
from hocbaso.records.models import (ClassPackage, CorrectionRequest, IssuedRecord, IssuedRenewal, RecordDraft,
                                    RecordWithdrawal)
from hocbaso.signing.models import SigningIdentity, SubjectSignoff


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
    refused: list = field(default_factory=list)  # what the archive asked for and the restore did not do
    audit_foreign_key: bool = False  # the archived entries were keyed with another installation's audit key


def _restore_directory(d: dict, refused: list) -> tuple[SchoolYear, dict, dict, dict, dict]:
    """The directory rows. An account that exists here already is never changed: no role is added to its staff
    row, and it is not linked to the archive's staff when its staff row is another school's; each such refusal
    is added to ``refused``, in Vietnamese."""
    user_model = get_user_model()
    users, existing = {}, set()
    for u in d["users"]:
        user = user_model.objects.filter(username=u["username"]).first()
        if user is not None:
            existing.add(u["username"])
        else:
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
    communes = {}
    for x in d.get("communes", []):
        communes[x["code"]], _ = Commune.objects.get_or_create(
            code=x["code"], defaults={"name": x["name"], "authority_name": x["authority_name"],
                                      "province": provinces[x["province"]]})
    schools, placements = {}, []
    for s in d["schools"]:
        schools[s["code"]], created = School.objects.get_or_create(
            code=s["code"], defaults={k: s[k] for k in ("name", "address", "phone")})
        if created and "district" in s:  # an archive written before the placements: its one place, from always
            placements.append(SchoolPlacement(school=schools[s["code"]], since=EARLIEST_PLACEMENT,
                                              province=districts[s["district"]].province,
                                              district=districts[s["district"]], commune_name=s.get("commune", "")))
    new = {code for code, school in schools.items() if not school.placements.exists()}
    for p in d.get("placements", []):
        if p["school"] in new:
            placements.append(SchoolPlacement(
                school=schools[p["school"]], since=date_read(p["since"]), province=provinces[p["province"]],
                commune=communes[p["commune"]] if p["commune"] else None,
                district=districts[p["district"]] if p["district"] else None, commune_name=p["commune_name"]))
    SchoolPlacement.objects.bulk_create(placements)
    school = schools[d["school"]]
    y = d["school_year"]
    year = SchoolYear.objects.create(school=school, name=y["name"], start_date=date_read(y["start_date"]),
                                     end_date=date_read(y["end_date"]), lock_date=date_read(y["lock_date"]))
    Term.objects.bulk_create([Term(school_year=year, number=t["number"], start_date=date_read(t["start_date"]),
                                   end_date=date_read(t["end_date"])) for t in d["terms"]])
    staff = {}
    for s in d["staff"]:
        user = users.get(s["user"]) if s["user"] else None
        found = Staff.objects.filter(user=user).first() if user is not None else \
            Staff.objects.filter(user__isnull=True, school=school, full_name=s["full_name"]).first()
        if user is not None and s["user"] in existing and (found is None or found.school_id != school.pk):
            where = f"ở {found.school or 'cấp quản lý'}" if found is not None else "trong hệ thống"
            refused.append(f"Tài khoản {s['user']} đã có {where}: không gắn vào {s['full_name']} của trường "
                           f"{school.code}, không cấp vai trò {', '.join(s['roles']) or '(không có)'}.")
            # A staff row without an account: the restored year keeps its people, no one gains access.
            found, user = None, None
        if found is None:
            found = Staff.objects.create(user=user, school=school, birth_date=date_read(s["birth_date"]),
                                         **{f: s[f] for f in STAFF_FIELDS if f != "birth_date"})
            for role in s["roles"]:
                StaffRole.objects.get_or_create(staff=found, role=role)
        else:
            extra = sorted(set(s["roles"]) - set(found.roles))
            if extra:
                refused.append(f"Không thêm vai trò {', '.join(extra)} cho tài khoản có sẵn "
                               f"{s['user'] or found.full_name}: khôi phục không bao giờ đổi vai trò của tài khoản "
                               "đã có.")
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
            values["birth_date"] = date_read(values["birth_date"])
            found = Pupil.objects.create(school=schools.get(p["school"], school), **values)
        pupils[p["ref"]] = found
    enrolments = {}
    for e in d["enrolments"]:
        values = {f: e[f] for f in ENROLMENT_FIELDS}
        values["joined_on"], values["left_on"] = date_read(values["joined_on"]), date_read(values["left_on"])
        enrolments[e["ref"]] = Enrolment.objects.create(pupil=pupils[e["pupil"]], school_class=classes[e["class"]],
                                                        **values)
    return year, users, pupils, enrolments, staff, classes


def _restore_work(contents: ArchiveContents, year: SchoolYear, *, users: dict, enrolments: dict, staff: dict,
                  classes: dict, corrections: dict, issued: dict, written: list) -> None:
    """Bring back ``work.json``: the files first (under their storage names), then evaluations, year results,
    locks, drafts, sign-offs (each signer's certificate as an inactive identity: the key never travels) and
    class packages, with their original times."""
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
                   **{f: datetime_read(r[f]) if f == "assessed_at" else r[f] for f in YEAR_RESULT_FIELDS})
        for r in work["year_results"]], batch_size=500)
    _restore_pupil_year(work, enrolments=enrolments, user=user)
    DataLock.objects.bulk_create([
        DataLock(school_year=year, school_class=classes.get(lock["class"]) if lock["class"] else None,
                 locked_at=datetime_read(lock["locked_at"]), locked_by=user(lock["locked_by"]),
                 automatic=lock["automatic"]) for lock in work["locks"]])
    dates = ("effective_date",)
    times = ("created_at", "teacher_signed_at", "principal_signed_at")
    for d in work["drafts"]:
        values = {f: date_read(d[f]) if f in dates else datetime_read(d[f]) if f in times else d[f] for f in DRAFT_FIELDS}
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
            SigningIdentity.objects.filter(pk=identity.pk).update(created_at=datetime_read(i["created_at"]))
            identities[i["certificate_pem"]] = identity
        SubjectSignoff.objects.create(
            school_class=classes[s["class"]], subject=s["subject"], teacher=staff[s["teacher"]],
            identity=identities[i["certificate_pem"]], payload=s["payload"], payload_sha256=s["payload_sha256"],
            pdf=s["pdf"], pdf_sha256=s["pdf_sha256"], signed_at=datetime_read(s["signed_at"]), current=s["current"])
    for p in work["class_packages"]:
        package = ClassPackage.objects.create(school_class=classes[p["class"]], file=p["file"], sha256=p["sha256"],
                                              xml_file=p.get("xml_file", ""), xml_sha256=p.get("xml_sha256", ""),
                                              records=p["records"], created_by=user(p["created_by"]))
        ClassPackage.objects.filter(pk=package.pk).update(created_at=datetime_read(p["created_at"]))
    # the renewed files of the archive time stamps (checked by ``archive_open``), insert only like the registry;
    # an archive written before them has none
    for r in work.get("renewals") or []:
        IssuedRenewal.objects.create(issued=issued[r["record_id"]], sha256=r["sha256"],
                                     previous_sha256=r["previous_sha256"], pdf=r["pdf"],
                                     archive_timestamp=datetime_read(r["archive_timestamp"]),
                                     tsa_expires=datetime_read(r["tsa_expires"]),
                                     created_at=datetime_read(r["created_at"]))


def _restore_pupil_year(work: dict, *, enrolments: dict, user) -> None:
    """The supplementary evaluations, awards and exemptions (record format 2), with their times and people; an
    archive written before them has none."""
    def value(row, name):
        if name in ("evaluated_on", "decided_on", "awarded_on"):
            return date_read(row[name])
        return datetime_read(row[name]) if name in ("confirmed_at",) else row[name]

    SupplementaryEvaluation.objects.bulk_create([
        SupplementaryEvaluation(enrolment=enrolments[r["enrolment"]], updated_by=user(r["updated_by"]),
                                confirmed_by=user(r["confirmed_by"]), **{f: value(r, f) for f in SUPPLEMENTARY_FIELDS})
        for r in work.get("supplementary") or []])
    for kind, model, fields in (("awards", Award, AWARD_FIELDS), ("exemptions", Exemption, EXEMPTION_FIELDS)):
        for r in work.get(kind) or []:
            values = {f: value(r, f) for f in fields if f != "created_at"}
            row = model.objects.create(enrolment=enrolments[r["enrolment"]], created_by=user(r["created_by"]),
                                       **values)
            model.objects.filter(pk=row.pk).update(created_at=datetime_read(r["created_at"]))


def archive_restore(source, *, by=None, trusted=None) -> RestoreReport:
    """Restore an archive (path or file object) into this installation, all or nothing: the directory rows
    (school, year, terms, staff, classes, assignments, pupils, enrolments; offices and schools reused by code,
    pupils by identity number, accounts by username with no usable password), the corrections, and the
    registry rows exactly as archived (record id, lookup code, version, supersedes chain, SHA-256, issuance
    time, signers, withdrawals) with their PDFs under the same storage names. The archive itself and the old
    deployment's CA root certificate are kept under ``archives/``. Refused (``ArchiveRefused``) when the
    archive is damaged, not sealed by this installation nor by one of the ``trusted`` certificates, holds a PDF
    whose signatures do not hold, or the school year or any of its records already exists here. Existing
    accounts are never changed (``RestoreReport.refused`` says what was not done)."""
    contents = archive_open(source, trusted=trusted)
    try:
        return _restore(contents, source, by)
    finally:
        contents.archive.close()


def _restore(contents: ArchiveContents, source, by) -> RestoreReport:
    problems = archive_conflicts(contents)
    if problems:
        raise ArchiveRefused(problems)
    rows = sorted(contents.registry["issued"], key=lambda r: (r["version"], r["record_id"]))
    written = []
    try:
        with transaction.atomic():
            refused: list[str] = []
            year, users, pupils, enrolments, staff, classes = _restore_directory(contents.directory, refused)

            def user(name):
                return users.get(name) if name else None

            corrections = {}
            for c in contents.registry["corrections"]:
                row = CorrectionRequest.objects.create(
                    enrolment=enrolments[c["enrolment"]], field=c["field"], old_value=c["old_value"],
                    new_value=c["new_value"], reason=c["reason"], status=c["status"],
                    requested_by=user(c["requested_by"]), decided_by=user(c["decided_by"]),
                    decided_at=datetime_read(c["decided_at"]), decision_note=c["decision_note"])
                CorrectionRequest.objects.filter(pk=row.pk).update(requested_at=datetime_read(c["requested_at"]))
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
                    pupil_birth_date=date_read(r["pupil_birth_date"]), identity_number=r["identity_number"],
                    effective_date=date_read(r["effective_date"]), issued_at=datetime_read(r["issued_at"]),
                    issued_by=users[r["issued_by"]], sha256=r["sha256"], pdf=r["pdf"], record=r["record"],
                    signers=r["signers"])
                if r["withdrawal"]:
                    RecordWithdrawal.objects.create(issued_record=issued[r["record_id"]],
                                                    reason=r["withdrawal"]["reason"],
                                                    withdrawn_by=users[r["withdrawal"]["withdrawn_by"]],
                                                    withdrawn_at=datetime_read(r["withdrawal"]["withdrawn_at"]))
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
            # Not one entry recomputes: they were keyed with another installation's HOCBASO_AUDIT_KEY. The seal
            # on the archive vouches for them; there is nothing to recompute here.
            foreign_key = bool(contents.audit) and len(broken) == len(contents.audit)
            if foreign_key:
                broken = []
            log_actions([Action("archive.restore", "schoolyear", str(year.pk), None,
                                {"records": len(rows), "sha256": digest, "refused": refused,
                                 "archived_at": contents.manifest.get("created_at"), "audit_entries": len(contents.audit),
                                 "audit_broken": broken, "audit_foreign_key": foreign_key},
                                school_code=school_code)], actor=by)
    except Exception:
        for name in written:
            default_storage.delete(name)
        raise
    return RestoreReport(school=school_code, school_year=year_name, records=len(rows), pupils=len(pupils),
                         enrolments=len(enrolments), audit_entries=len(contents.audit), audit_broken=broken,
                         audit_foreign_key=foreign_key,
                         ca_root=ca_root, archive_file=kept,
                         work={k: len(contents.work.get(k) or []) for k in WORK_COUNTS},
                         accounts=sorted(name for name, u in users.items() if not u.has_usable_password()),
                         refused=refused)
