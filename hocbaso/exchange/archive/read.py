"""Reading a year-end archive back: opened and checked whole (every file's SHA-256, the registry's PDFs and
records), its audit entries' hashes recomputed, and what it would clash with in this installation."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from dataclasses import dataclass, field

from django.core.files.storage import default_storage

from hocbaso.audit.services import entry_hash
from hocbaso.core.limits import MB, TooLarge, zip_check, zip_member_read
from hocbaso.directory.models import SchoolYear
from hocbaso.exchange.archive.format import (AUDIT, CA_ROOT, DIRECTORY, FORMAT, MANIFEST, REGISTRY, SEAL, WORK,
                                             ArchiveRefused)
from hocbaso.records.models import IssuedRecord, RecordDraft
from hocbaso.signing.packages import signed_pdf_problems
from hocbaso.signing.seals import installation_trust, seal_problems
from hocbaso.signing.validate import configured_trust_roots


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
        return _member(self.archive, path)


# A school's year holds a thousand PDFs and more: the archive as a whole may be large, each member may not. A
# member is read whole (its hash, its JSON), so its size is what bounds the memory (docs/security.md).
ARCHIVE_MEMBERS_MAX = 200_000
ARCHIVE_TOTAL_MAX = 64 * 1024 * MB


def _member(archive: zipfile.ZipFile, path) -> bytes:
    """One member's bytes, refused (``ArchiveRefused``) past ``limits.ZIP_MEMBER_MAX`` whatever it declares."""
    try:
        return zip_member_read(archive, path, what="Tệp lưu trữ")
    except TooLarge as refused:
        raise ArchiveRefused([str(refused)]) from None


def archive_open(source, *, trusted=None) -> ArchiveContents:
    """Open an archive (path or file object) and check it whole: the manifest sealed by this installation or by
    one of the ``trusted`` certificates the operator names (``signing.seals``), every file the manifest lists
    present with its SHA-256, nothing unlisted, the registry's PDFs hashing to the registry's SHA-256 with every
    signature valid and chaining to the archive's CA root (or a configured root), and the stored records the
    registry's. ``ArchiveRefused`` lists every problem."""
    try:
        archive = zipfile.ZipFile(source)
        zip_check(archive, what="Tệp lưu trữ", members=ARCHIVE_MEMBERS_MAX, total=ARCHIVE_TOTAL_MAX)
        names = set(archive.namelist())
        manifest_bytes = _member(archive, MANIFEST)
        manifest = json.loads(manifest_bytes)
    except KeyError:
        raise ArchiveRefused(["Tệp lưu trữ không có manifest.json."]) from None
    except (TooLarge, ArchiveRefused) as refused:
        raise ArchiveRefused(refused.problems if isinstance(refused, ArchiveRefused) else [str(refused)]) from None
    except Exception as error:
        raise ArchiveRefused([f"Không đọc được tệp lưu trữ (ZIP hoặc manifest.json hỏng): {error}."]) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), list):
        raise ArchiveRefused([f"Tệp không phải bản lưu trữ {FORMAT}."])
    problems = _seal_problems(archive, names, manifest_bytes, trusted)
    if problems:
        raise ArchiveRefused(problems)
    listed = set()
    for entry in manifest["files"]:
        path = entry.get("path")
        listed.add(path)
        if path not in names:
            problems.append(f"Thiếu tệp {path}.")
            continue
        try:
            digest = hashlib.sha256(_member(archive, path)).hexdigest()
        except Exception:
            problems.append(f"Tệp {path} bị hỏng (không đọc được trong ZIP).")
            continue
        if digest != entry.get("sha256"):
            problems.append(f"Tệp {path} không khớp mã băm SHA-256 trong manifest.json.")
    extra = sorted(names - listed - {MANIFEST, SEAL})
    if extra:
        problems.append(f"Có tệp không được liệt kê trong manifest.json: {', '.join(extra)}.")
    if problems:
        raise ArchiveRefused(problems)
    directory = json.loads(_member(archive, DIRECTORY))
    registry = json.loads(_member(archive, REGISTRY))
    audit = json.loads(_member(archive, AUDIT))
    for row in registry["issued"]:
        pdf_path, record_path = f"pdfs/{row['record_id']}.pdf", f"records/{row['record_id']}.json"
        if pdf_path not in names or hashlib.sha256(_member(archive, pdf_path)).hexdigest() != row["sha256"]:
            problems.append(f"Tệp PDF của học bạ {row['record_id']} không khớp mã băm trong sổ đăng ký.")
        if record_path not in names or json.loads(_member(archive, record_path)) != row["record"]:
            problems.append(f"Dữ liệu học bạ {record_path} khác với sổ đăng ký.")
    known = {r["record_id"] for r in registry["issued"]}
    for row in registry["issued"]:
        if row["supersedes"] and row["supersedes"] not in known:
            problems.append(f"Học bạ {row['record_id']} thay thế {row['supersedes']}, nhưng bản này không có trong "
                            "bản lưu trữ.")
    if problems:
        raise ArchiveRefused(problems)
    ca_root = _member(archive, CA_ROOT) if CA_ROOT in names else None
    problems += _signature_problems(archive, registry["issued"], ca_root)
    if problems:
        raise ArchiveRefused(problems)
    work = json.loads(_member(archive, WORK)) if WORK in names else {}
    for item in work.get("files") or []:
        if item.get("path") not in names:
            problems.append(f"Thiếu tệp {item.get('path') or item.get('storage')} mà work.json nhắc tới.")
        elif hashlib.sha256(_member(archive, item["path"])).hexdigest() != item.get("sha256"):
            problems.append(f"Tệp {item['path']} không khớp mã băm ghi trong work.json.")
    if problems:
        raise ArchiveRefused(problems)
    problems += _renewal_problems(archive, registry["issued"], work, ca_root)
    if problems:
        raise ArchiveRefused(problems)
    return ArchiveContents(manifest, directory, registry, audit, ca_root, archive, work)


def _renewal_problems(archive, rows: list[dict], work: dict, ca_root: bytes | None) -> list[str]:
    """Each archived renewal of an archive time stamp (``work.json`` ``renewals``) must continue a file of the
    registry: its record archived, the file it extends the issued one or an earlier renewal, its bytes those
    bytes plus an incremental update, and its signatures still valid (the update only adds validation data and
    a time stamp)."""
    renewals = work.get("renewals") or []
    if not renewals:
        return []
    paths = {item["storage"]: item["path"] for item in work.get("files") or []}
    issued = {r["record_id"]: r for r in rows}
    files = {r["sha256"]: f"pdfs/{r['record_id']}.pdf" for r in rows}
    roots = [*configured_trust_roots(), *([ca_root] if ca_root else [])]
    problems = []
    for renewal in renewals:
        label = f"Bản gia hạn dấu thời gian lưu trữ của học bạ {renewal.get('record_id')}"
        path = paths.get(renewal.get("pdf"))
        if renewal.get("record_id") not in issued or path is None:
            problems.append(f"{label}: không có học bạ hoặc tệp tương ứng trong bản lưu trữ.")
            continue
        data = _member(archive, path)
        previous = files.get(renewal.get("previous_sha256"))
        if hashlib.sha256(data).hexdigest() != renewal.get("sha256") or previous is None or \
                not data.startswith(_member(archive, previous)):
            problems.append(f"{label}: tệp không phải bản phát hành (hoặc bản gia hạn trước) thêm dấu thời gian.")
            continue
        files[renewal["sha256"]] = path
        problems += signed_pdf_problems(data, label=label, trust_roots=roots)[0]
    return problems


def _seal_problems(archive, names: set, manifest_bytes: bytes, trusted) -> list[str]:
    """Why the manifest is not vouched for: no seal, or a seal that is not this installation's (nor one of the
    ``trusted`` certificates') or does not match the manifest. A self-consistent archive is not enough."""
    if SEAL not in names:
        return [f"Bản lưu trữ không có niêm phong ({SEAL}): chỉ khôi phục bản lưu trữ do hệ thống này lập, hoặc "
                "được niêm phong bằng chứng thư mà người vận hành chỉ định (--trust)."]
    try:
        seal = json.loads(_member(archive, SEAL))
    except Exception:
        seal = None
    return [f"Niêm phong của bản lưu trữ: {p}." for p in
            seal_problems(manifest_bytes, seal, trusted=installation_trust() + list(trusted or []))]


def _signature_problems(archive, rows: list[dict], ca_root: bytes | None) -> list[str]:
    """Every registry PDF's signatures: valid, the file unchanged after signing, each signer chaining to the
    archive's CA root (covered by the seal) or to a root this installation trusts."""
    roots = [*configured_trust_roots(), *([ca_root] if ca_root else [])]
    problems = []
    for row in rows:
        found, _report = signed_pdf_problems(_member(archive, f"pdfs/{row['record_id']}.pdf"),
                                             label=f"Học bạ {row['record_id']}", trust_roots=roots)
        problems += found
    return problems


def audit_check(entries: list[dict]) -> list[int]:
    """The sequence numbers of archived audit entries whose hash does not recompute from their content."""
    broken = []
    for e in entries:
        digest = entry_hash(prev_hash=e["prev_hash"], seq=e["seq"], at=dt.datetime.fromisoformat(e["at"]),
                            actor_id=e["actor_id"], actor_name=e["actor_name"], action=e["action"],
                            school_code=e["school_code"], target_type=e["target_type"], target_id=e["target_id"],
                            before=e["before"], after=e["after"], data=e["data"])
        if digest != e["hash"]:
            broken.append(e["seq"])
    return broken


def archive_conflicts(contents: ArchiveContents) -> list[str]:
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

