"""Chuyển trường: the sending school seals a pupil's issued records into a transfer package with an expiring
download link; the receiving school (in this deployment or another) checks every signature and hash before
it takes the pupil in. Format: docs/exchange.md, "Transfer package"."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hocbaso.audit.services import Action, log_actions
from hocbaso.core.files import file_read
from hocbaso.core.limits import TooLarge
from hocbaso.directory.models import Enrolment, EnrolmentStatus, Pupil, School, SchoolClass, SchoolYear, Staff, nfc
from hocbaso.directory.selectors import school_names
from hocbaso.exchange.models import Transfer
from hocbaso.exchange.roles import OFFICE_ROLES, office_only
from hocbaso.records.guards import LifecycleRefused, require_principal
from hocbaso.records.history import history_entries, pupil_enrolments
from hocbaso.records.extracts import extracts_record
from hocbaso.records.models import ExtractForm, ImportedRecord, IssuedRecord
from hocbaso.records.renewal import latest_file
from hocbaso.records.selectors import current_issued
from hocbaso.signing.packages import (PackageRefused, package_open, sealed_package, sha256, signature_summary,
                                      signed_pdf_problems)
from hocbaso.signing.services import identity_certificate, identity_for

FORMAT = "hocbaso.transfer-package/1"
LINK_DAYS = 14
VIETNAM = dt.timezone(dt.timedelta(hours=7))
PUPIL_FIELDS = ("identity_number", "sector_code", "full_name", "gender", "birth_date", "ethnicity", "nationality",
                "birthplace", "hometown", "address", "father_name", "mother_name", "guardian_name", "disability")


class TransferRefused(PackageRefused):
    """A transfer package (or a request about one) that is refused; ``problems`` says why, in Vietnamese."""


class TransferLinkExpired(TransferRefused):
    """The transfer link's time is over."""


def transfer_url(token: str) -> str:
    """The link handed to the receiving school. The token is the address's fragment (after ``#``), which a
    browser never sends: it stays out of the server's and proxies' access logs and of Referer headers; the
    link's page posts it in the body of the download request."""
    return settings.SITE_URL.rstrip("/") + f"/chuyen-truong/#{token}"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def seal_check(signer, school: School) -> None:
    """The signer must hold the seal certificate registered for ``school``."""
    registered = identity_certificate(identity_for(school=school))
    der = serialization.Encoding.DER
    if signer.certificate.public_bytes(der) != registered.public_bytes(der):
        raise LifecycleRefused(f"Chứng thư số dùng để đóng dấu không phải con dấu đã đăng ký của {school.name}.")


def pupil_block(pupil: Pupil) -> dict:
    """The pupil's identity as written in a transfer manifest (the receiving school creates the pupil from it)."""
    out = {}
    for name in PUPIL_FIELDS:
        value = getattr(pupil, name)
        out[name] = value.isoformat() if isinstance(value, dt.date) else (value or None)
    return out


# ---------------------------------------------------------------------- the sending school

def transfer_package_build(*, pupil: Pupil, by, seal_signer, expires_in_days: int = LINK_DAYS) -> Transfer:
    """The transfer package of ``pupil``: every current issued record of the pupil in this deployment and every
    record this school received with the pupil from an earlier school, with a manifest sealed by the pupil's
    current school (each issued record as its latest archive time-stamp renewal, if any). Only that school's
    principal may make it. The package is stored; the returned ``Transfer``
    carries, for this call only, ``token`` and ``url`` (the download link, valid ``expires_in_days`` days;
    only the token's hash is kept)."""
    school = pupil.school
    require_principal(by, school)
    seal_check(seal_signer, school)
    entries, files = [], {}
    issued = current_issued(IssuedRecord.objects.filter(enrolment__pupil=pupil)).order_by("school_year", "version")
    for row in issued:
        name = f"records/{row.record_id}.pdf"
        # the latest renewal of its archive time stamp (the same record and version, its long-term validation
        # carried furthest), else the issued file
        stored, digest = latest_file(row)
        files[name] = file_read(stored)
        entries.append({"record_id": row.record_id, "version": row.version, "lookup_code": row.lookup_code,
                        "school_code": row.school_code, "school_name": row.record["school"]["name"],
                        "school_year": row.school_year, "class_name": row.class_name,
                        "identity_number": row.identity_number, "pupil_name": row.pupil_name, "file": name,
                        "sha256": digest, "origin": "issued"})
    for row in ImportedRecord.objects.filter(pupil=pupil, school=school).order_by("school_year", "version"):
        name = f"records/{row.record_id}.pdf"
        if name in files:
            continue
        files[name] = file_read(row.pdf)
        entries.append({"record_id": row.record_id, "version": row.version, "lookup_code": row.lookup_code,
                        "school_code": row.school_code, "school_name": row.school_name,
                        "school_year": row.school_year, "class_name": row.class_name,
                        "identity_number": row.record["pupil"].get("identity_number"),
                        "pupil_name": row.record["pupil"]["full_name"], "file": name, "sha256": row.sha256,
                        "origin": "imported"})
    entries.sort(key=lambda e: (e["school_year"], e["version"]))
    history = history_entries(list(pupil_enrolments(pupil)))
    for row in ImportedRecord.objects.filter(pupil=pupil, school=school):
        if row.school_year not in {h["school_year"] for h in history}:
            history += row.history
    history.sort(key=lambda h: h["school_year"])
    now = timezone.now()
    names = school_names(school)
    manifest = {"format": FORMAT, "school": school.code, "school_name": school.name, **names,
                "created_at": now.astimezone(VIETNAM).isoformat(timespec="seconds"),
                "pupil": pupil_block(pupil), "history": history, "records": entries}
    sheet = {"authority": names["authority"], "left": school.name, "right": f"Ngày {now.astimezone(VIETNAM):%d/%m/%Y}",
             "title": f"Hồ sơ chuyển trường — học bạ số của học sinh {pupil.full_name}",
             "subtitle": f"Mã định danh: {pupil.identity_number or 'chưa có'} · Ngày sinh: "
                         f"{pupil.birth_date:%d/%m/%Y} · {len(entries)} học bạ",
             "columns": ["STT", "Năm học", "Lớp", "Trường", "Mã số định danh học bạ", "Phiên bản", "SHA-256"],
             "widths": ["auto", "auto", "auto", "1fr", "auto", "auto", "3.2cm"],
             "rows": [[i, e["school_year"], e["class_name"], e["school_name"], e["record_id"], e["version"],
                       e["sha256"][:16] + "…"] for i, e in enumerate(entries, 1)],
             "signer_title": "Thủ trưởng đơn vị (đóng dấu)", "signer_name": school.name}
    data = sealed_package(manifest=manifest, files=files, seal_signer=seal_signer, sheet=sheet,
                          reason="Đóng dấu hồ sơ chuyển trường")
    token = secrets.token_urlsafe(32)
    stamp = now.astimezone(VIETNAM).strftime("%Y%m%d-%H%M%S")
    name = default_storage.save(f"transfers/{school.code}/{pupil.identity_number or pupil.pk}-{stamp}.zip",
                                ContentFile(data))
    with transaction.atomic():
        transfer = Transfer.objects.create(pupil=pupil, school=school, token_sha256=_token_hash(token), file=name,
                                           sha256=sha256(data), records=len(entries), created_by=by,
                                           expires_at=now + dt.timedelta(days=expires_in_days))
        log_actions([Action("transfer.build", "pupil", str(pupil.pk), None,
                            {"records": len(entries), "sha256": transfer.sha256,
                             "expires_at": transfer.expires_at.isoformat()}, school_code=school.code)], actor=by)
        _extracts(transfer, f"transfer.build:{transfer.pk}", by=by)
    transfer.token, transfer.url = token, transfer_url(token)
    return transfer


def transfer_by_token(token: str) -> Transfer:
    """The transfer a link's token opens; ``TransferRefused`` when unknown or expired."""
    transfer = Transfer.objects.filter(token_sha256=_token_hash(token or "")).select_related("school").first()
    if transfer is None:
        raise TransferRefused(["Liên kết chuyển trường không đúng hoặc đã bị hủy."])
    if transfer.expired:
        when = transfer.expires_at.astimezone(VIETNAM)
        raise TransferLinkExpired([f"Liên kết chuyển trường đã hết hạn lúc {when:%H:%M ngày %d/%m/%Y}; "
                               f"hãy đề nghị {transfer.school.name} tạo liên kết mới."])
    return transfer


def transfer_download(token: str) -> tuple[Transfer, bytes]:
    """The package behind a valid link (counted and logged)."""
    transfer = transfer_by_token(token)
    with default_storage.open(transfer.file, "rb") as handle:
        data = handle.read()
    Transfer.objects.filter(pk=transfer.pk).update(downloads=F("downloads") + 1)
    with transaction.atomic():
        log_actions([Action("transfer.download", "transfer", str(transfer.pk), None, {"sha256": transfer.sha256},
                            school_code=transfer.school.code)], actor=None)
        _extracts(transfer, f"transfer.download:{transfer.pk}", by=None)  # whoever holds the link
    return transfer, data


def _extracts(transfer: Transfer, channel: str, *, by) -> None:
    """Every extract recorded: each issued record of this school in the package left as part of it (the records
    another school issued are that school's to trace)."""
    if channel.startswith("transfer.build:"):
        pupil_records = current_issued(IssuedRecord.objects.filter(enrolment__pupil_id=transfer.pupil_id))
    else:  # the records the package was sealed with, whatever was issued since
        pupil_records = IssuedRecord.objects.filter(extracts__channel=f"transfer.build:{transfer.pk}").distinct()
    extracts_record(issued=pupil_records, form=ExtractForm.PACKAGE, channel=channel, sha256=transfer.sha256, by=by)


# ---------------------------------------------------------------------- the receiving school

@dataclass
class TransferImport:
    """What an import did."""

    pupil: Pupil
    enrolment: Enrolment
    records: list = field(default_factory=list)
    pupil_created: bool = False
    transferred_out: list = field(default_factory=list)
    manifest: dict = field(default_factory=dict)


def _importer(by, school: School) -> Staff:
    staff = Staff.objects.filter(user=by, school=school).first() if by is not None else None
    if staff is None or not (staff.roles & OFFICE_ROLES):
        raise TransferRefused([office_only(school)])
    return staff


def _record_problems(entry: dict, record: dict, pupil: dict) -> list[str]:
    """The record embedded in a PDF must be the one the manifest lists, for the manifest's pupil."""
    label = f"Tệp {entry['file']}"
    issuance = record.get("issuance") or {}
    problems = []
    for key in ("record_id", "version", "lookup_code"):
        if issuance.get(key) != entry.get(key):
            problems.append(f"{label}: dữ liệu học bạ đính kèm ghi {key} = {issuance.get(key)!r}, danh sách đã "
                            f"đóng dấu ghi {entry.get(key)!r}.")
    for key, value in (("school_year", record.get("school_year")), ("class_name", record.get("class_name")),
                       ("school_code", (record.get("school") or {}).get("code"))):
        if value != entry.get(key):
            problems.append(f"{label}: dữ liệu học bạ đính kèm ghi {key} = {value!r}, danh sách đã đóng dấu "
                            f"ghi {entry.get(key)!r}.")
    embedded = record.get("pupil") or {}
    if embedded.get("identity_number") != pupil.get("identity_number") or \
            nfc(embedded.get("full_name")) != nfc(pupil.get("full_name")) or \
            embedded.get("birth_date") != pupil.get("birth_date"):
        problems.append(f"{label}: học bạ đính kèm là của {embedded.get('full_name')} "
                        f"({embedded.get('identity_number') or 'không có mã định danh'}), không phải học sinh "
                        f"được chuyển.")
    return problems


def transfer_package_check(data: bytes, *, trust_roots=None, require_trusted: bool = True):
    """Every check of a transfer package, without writing anything: the seal and the hashes
    (``packages.package_open``), then each record PDF's signatures (intact, not altered, trusted) and its
    embedded record against the manifest entry. Returns ``(opened, records)`` where ``records`` maps each file
    name to ``(embedded record, validate_pdf report)``; raises ``TransferRefused`` listing every problem."""
    # deferred: hocbaso.documents loads typst and pikepdf, and this module loads with the URLs (the transfer pages)
    from hocbaso.documents import extract_record

    opened = package_open(data, expected_format=FORMAT, trust_roots=trust_roots, require_trusted=require_trusted)
    problems = list(opened.problems)
    manifest = opened.manifest
    checked = {}
    if manifest is not None:
        pupil = manifest.get("pupil") if isinstance(manifest.get("pupil"), dict) else {}
        if not pupil.get("full_name") or not pupil.get("birth_date"):
            problems.append("Danh sách đã đóng dấu không ghi đủ họ tên và ngày sinh của học sinh.")
        for entry in manifest["records"]:
            if not isinstance(entry, dict):
                continue  # reported by package_open
            name = entry.get("file")
            content = opened.files.get(name)
            if content is None or sha256(content) != entry.get("sha256"):
                continue  # already reported by package_open
            label = f"Học bạ năm học {entry.get('school_year')} ({name})"
            pdf_problems, report = signed_pdf_problems(content, label=label, trust_roots=trust_roots,
                                                       require_trusted=require_trusted)
            problems += pdf_problems
            try:
                record = extract_record(content)
            except TooLarge as refused:
                problems.append(f"{label}: {refused}")
                continue
            except Exception:
                problems.append(f"{label}: không có dữ liệu học bạ đính kèm (hocbaso.record).")
                continue
            problems += _record_problems(entry, record, pupil)
            checked[name] = (record, report)
    if problems:
        raise TransferRefused(problems)
    return opened, checked


def _next_registry_number(school_year: SchoolYear) -> str:
    count = Enrolment.objects.filter(school_class__school_year__school=school_year.school,
                                     school_class__school_year=school_year).count()
    return f"{count + 1}/{school_year.start_year}"


def _pupil_for(block: dict, school: School) -> tuple[Pupil, bool]:
    """The pupil with the manifest's identity number, else a new pupil from the manifest; refuses when the
    identity number belongs to someone with another name or birth date."""
    number = block.get("identity_number")
    if number:
        existing = Pupil.objects.filter(identity_number=number).first()
        if existing is not None:
            if nfc(existing.full_name) != nfc(block["full_name"]) or existing.birth_date.isoformat() != block["birth_date"]:
                raise TransferRefused([f"Mã định danh {number} đã thuộc học sinh {existing.full_name} (sinh ngày "
                                       f"{existing.birth_date:%d/%m/%Y}) trong hệ thống, khác với học sinh trong gói."])
            return existing, False
    values = {k: block.get(k) for k in PUPIL_FIELDS if k in block}
    values["birth_date"] = dt.date.fromisoformat(values["birth_date"])
    values = {k: ("" if v is None else v) for k, v in values.items()}
    values["identity_number"] = number or None
    pupil = Pupil(school=school, **values)
    pupil.full_clean(exclude=["school"])
    return pupil, True


def transfer_package_import(*, data: bytes, school_year: SchoolYear, school_class: SchoolClass, by,
                            registry_number: str | None = None, joined_on: dt.date | None = None,
                            trust_roots=None, require_trusted: bool = True) -> TransferImport:
    """The receiving school takes a transferred pupil in from the package bytes ``data``.

    Checks everything first (``transfer_package_check``; the importer is the receiving school's principal,
    vice principal or clerk; the class is the school year's; the pupil is not already in it) and refuses with
    every reason (``TransferRefused``), writing nothing. Then, in one transaction: the pupil (found by identity
    number, else created from the manifest) moves to this school; a new enrolment marked transferred-in; every
    record kept as an ``ImportedRecord`` with its PDF; a studying enrolment of the same school year at
    another school of this deployment is marked transferred out."""
    school = school_year.school
    problems = []
    try:
        _importer(by, school)
    except TransferRefused as refused:
        problems += refused.problems
    if school_class.school_year_id != school_year.pk:
        problems.append(f"Lớp {school_class.name} không thuộc năm học {school_year.name} của {school.name}.")
    try:
        opened, checked = transfer_package_check(data, trust_roots=trust_roots, require_trusted=require_trusted)
    except TransferRefused as refused:
        raise TransferRefused(problems + refused.problems) from None
    manifest = opened.manifest
    if manifest["school"] == school.code:
        problems.append("Gói chuyển trường này do chính trường này lập; không thể nhận học sinh từ chính trường mình.")
    block = manifest["pupil"]
    try:
        pupil, created = _pupil_for(block, school)
    except TransferRefused as refused:
        raise TransferRefused(problems + refused.problems) from None
    except Exception as error:
        raise TransferRefused(problems + [f"Thông tin học sinh trong gói không hợp lệ: {error}"]) from None
    if not created and Enrolment.objects.filter(pupil=pupil, school_class=school_class).exists():
        problems.append(f"Học sinh {pupil.full_name} đã có trong lớp {school_class.name} năm học {school_year.name}.")
    if problems:
        raise TransferRefused(problems)

    joined_on = joined_on or timezone.now().astimezone(VIETNAM).date()
    package_sha = sha256(data)
    history = manifest.get("history") or []
    written = []
    try:
        with transaction.atomic():
            if created:
                pupil.save()
            elif pupil.school_id != school.pk:
                Pupil.objects.filter(pk=pupil.pk).update(school=school)
                pupil.school = school
            left = list(Enrolment.objects.filter(pupil=pupil, status=EnrolmentStatus.STUDYING,
                                                 school_class__school_year__name=school_year.name)
                        .exclude(school_class__school_year__school=school)
                        .select_related("school_class__school_year__school"))
            for old in left:
                old.status, old.left_on = EnrolmentStatus.TRANSFERRED_OUT, joined_on
                old.save(update_fields=["status", "left_on"])
            enrolment = Enrolment.objects.create(pupil=pupil, school_class=school_class, transferred_in=True,
                                                 registry_number=registry_number or _next_registry_number(school_year),
                                                 joined_on=joined_on)
            have = set(ImportedRecord.objects.filter(school=school, pupil=pupil).values_list("record_id", flat=True))
            rows = []
            for entry in manifest["records"]:
                if entry["record_id"] in have:
                    continue
                record, report = checked[entry["file"]]
                content = opened.files[entry["file"]]
                name = default_storage.save(f"imported/{school.code}/{pupil.identity_number or pupil.pk}/"
                                            f"{entry['record_id']}.pdf", ContentFile(content))
                written.append(name)
                rows.append(ImportedRecord(
                    pupil=pupil, school=school, record_id=entry["record_id"], version=entry["version"],
                    lookup_code=entry["lookup_code"], school_code=entry["school_code"],
                    school_name=record["school"]["name"], school_year=entry["school_year"],
                    class_name=entry["class_name"], sha256=entry["sha256"], pdf=name, record=record,
                    signers=signature_summary(report or {}), package_sha256=package_sha, imported_by=by,
                    history=[h for h in history if h.get("school_year") == entry["school_year"]]))
            ImportedRecord.objects.bulk_create(rows)
            audit = [Action("transfer.import", "enrolment", str(enrolment.pk), None,
                            {"pupil": pupil.full_name, "from_school": manifest["school"], "records": len(rows),
                             "package_sha256": package_sha, "pupil_created": created}, school_code=school.code)]
            audit += [Action("enrolment.transfer_out", "enrolment", str(old.pk), {"status": EnrolmentStatus.STUDYING},
                             {"status": EnrolmentStatus.TRANSFERRED_OUT, "left_on": joined_on.isoformat()},
                             school_code=old.school_class.school_year.school.code) for old in left]
            log_actions(audit, actor=by)
    except Exception:
        for name in written:
            default_storage.delete(name)
        raise
    return TransferImport(pupil=pupil, enrolment=enrolment, records=rows, pupil_created=created,
                          transferred_out=left, manifest=manifest)
