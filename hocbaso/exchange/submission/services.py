"""Nộp gói học bạ lên Sở GD&ĐT: a school's submission is ONE file, ``nop-phong-so-….zip``: every class's latest
package in XML (``signing.xml_packages``: the signed record XMLs and a manifest sealed by the school) with
``submission.json`` (the index: school, year, and per class its file, SHA-256 and record count). An office's
deployment receives exactly that file (or one class package, in XML or the older PDF form), checks every record's
three signatures, each record against its class's sealed manifest and each seal, and counts the records per
school and class; one bad record refuses its class package, and the whole school's file with it (nothing of a
refused file is recorded). Format: docs/exchange.md, "Province submission"."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.storage import default_storage
from django.utils import timezone

from hocbaso.core.limits import MB, TooLarge, zip_read_all
from hocbaso.directory.models import SchoolYear
from hocbaso.directory.selectors import school_names
from hocbaso.records.models import ClassPackage, Extract, ExtractForm, IssuedRecord
from hocbaso.signing.packages import package_open, sha256, signed_pdf_problems
from hocbaso.signing.validate import configured_trust_roots, load_roots
from hocbaso.signing.xml_packages import MANIFEST, manifest_parse, name_safe, xml_package_open, zip_ratio_problem

INDEX = "submission.json"
FORMAT = "hocbaso.submission/2"  # /1: the PDF class packages, before the record XML
VIETNAM = dt.timezone(dt.timedelta(hours=7))
EXTRACT_CHANNEL = "submission.download"
# One school's file: a class package in XML is 100 to 400 KB (about 8 KB a record); a school has at most 60
# classes. The caps keep a crafted file (a ZIP bomb, thousands of members) from costing the office's worker.
SUBMISSION_MEMBERS_MAX = 120
SUBMISSION_MEMBER_MAX = 8 * MB
SUBMISSION_TOTAL_MAX = 64 * MB
INDEX_MAX = 256 * 1024


class SubmissionRefused(Exception):
    """Nothing to submit; the message says why, in Vietnamese."""


def _latest_packages(school_year: SchoolYear):
    """``([(class name, package, bytes of its package in XML)], [classes without one])``."""
    packages, missing = [], []
    for klass in school_year.classes.order_by("grade", "name"):
        package = ClassPackage.objects.filter(school_class=klass).order_by("-created_at", "-pk").first()
        if package is None or not package.xml_file:
            missing.append(klass.name)
            continue
        with default_storage.open(package.xml_file, "rb") as handle:
            data = handle.read()
        if sha256(data) != package.xml_sha256:
            raise SubmissionRefused(f"Gói học bạ lớp {klass.name} lưu trên máy không khớp mã băm đã ghi; "
                                    "hãy lập lại gói trước khi nộp.")
        packages.append((klass.name, package, data))
    if not packages:
        raise SubmissionRefused(f"Năm học {school_year.name} của {school_year.school.name} chưa có gói học bạ nào "
                                "của lớp (phát hành học bạ có đóng dấu để lập gói).")
    return packages, missing


def submission_collect(*, school_year: SchoolYear, out: Path) -> dict:
    """Write the latest class package in XML of every class of the school year into ``out`` as
    ``<school>-<year>-<class>.zip`` and ``submission.json`` (the index). Returns the index; classes without a
    package are listed under ``missing``."""
    index, files = _submission_files(school_year)
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)
    return index


def _submission_files(school_year: SchoolYear) -> tuple[dict, dict[str, bytes]]:
    school = school_year.school
    packages, missing = _latest_packages(school_year)
    index = {"format": FORMAT, "school": school.code, "school_name": school.name, **school_names(school),
             "school_year": school_year.name,
             "created_at": timezone.now().astimezone(VIETNAM).isoformat(timespec="seconds"),
             "packages": [], "missing": missing}
    files = {}
    for name, package, data in packages:
        file_name = f"{school.code}-{school_year.name}-{name}.zip"
        files[file_name] = data
        index["packages"].append({"class_name": name, "file": file_name, "sha256": package.xml_sha256,
                                  "records": package.records,
                                  "created_at": package.created_at.astimezone(VIETNAM).isoformat(timespec="seconds")})
    return index, {INDEX: (json.dumps(index, ensure_ascii=False, indent=1) + "\n").encode(), **files}


def submission_build(*, school_year: SchoolYear, by=None) -> tuple[bytes, dict]:
    """The school's submission as one file (a ZIP, stored: the class packages are deflated already) and its index.
    With ``by``, every record it carries is recorded as an extract (``records.Extract``: form XML, channel
    ``submission.download``, the SHA-256 of the record XML sent)."""
    index, files = _submission_files(school_year)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    if by is not None:
        _extracts_record(files, index, by=by)
    return buffer.getvalue(), index


def _extracts_record(files: dict, index: dict, *, by) -> None:
    """One ``Extract`` per record sent (records.extracts writes one at a time; a school sends ~1000 at once)."""
    sent = {}
    for package in index["packages"]:
        with zipfile.ZipFile(io.BytesIO(files[package["file"]])) as archive:
            root = manifest_parse(archive.read(MANIFEST))
        for entry in root.iter("{urn:hocbaso:package:xml:1}entry"):
            sent[entry.get("record_id")] = entry.get("sha256")
    user = by if getattr(by, "is_authenticated", False) else None
    issued = IssuedRecord.objects.filter(record_id__in=list(sent)).only("pk", "record_id")
    Extract.objects.bulk_create([Extract(issued=r, form=ExtractForm.XML, channel=EXTRACT_CHANNEL, by=user,
                                         sha256=sent[r.record_id]) for r in issued])


@dataclass
class ReceivedPackage:
    """One class package as received: where it came from, what it says, and what is wrong with it."""

    file: str
    ok: bool
    school: str = ""
    school_name: str = ""
    school_year: str = ""
    class_name: str = ""
    records: int = 0
    trusted: bool = False
    problems: list = field(default_factory=list)
    sha256: str = ""  # of the class package's bytes (what the receipt matches)
    kind: str = ""  # "xml" or "pdf"


def _files(paths) -> list[Path]:
    """ZIP files named directly, or found (recursively) in folders, in name order."""
    out = []
    for path in map(Path, paths):
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".zip")
        else:
            out.append(path)
    return out


def trust_roots_default():
    return load_roots(configured_trust_roots())


def xml_package_receive(data: bytes, *, label: str, trust_roots=None, trust_cache=None,
                        class_label: str = "") -> ReceivedPackage:
    """Check one class package in XML (``signing.xml_packages.xml_package_open``): the seal (intact, trusted,
    the manifest's school), every record present with its SHA-256, nothing unlisted, and each record's three
    signatures (intact, trusted, the roles) and its identifiers against the manifest. One problem refuses it."""
    roots = trust_roots_default() if trust_roots is None else load_roots(trust_roots)
    opened = xml_package_open(data, trust_roots=roots, trust_cache=trust_cache, label=class_label)
    manifest = opened.manifest or {"school": {}}
    return ReceivedPackage(file=label, ok=opened.ok, school=manifest["school"].get("code", ""),
                           school_name=manifest["school"].get("name", ""),
                           school_year=manifest.get("school_year") or "", class_name=manifest.get("class_name") or "",
                           records=len(manifest.get("records") or []), trusted=opened.trusted,
                           problems=list(opened.problems), sha256=sha256(data), kind="xml")


def package_receive(data: bytes, *, label: str, trust_roots=None, deep: bool = True) -> ReceivedPackage:
    """Check one class package in the PDF form (before the record XML; still accepted) with
    ``signing.packages.package_open`` (the ZIP, the seal's signature and whose seal it is, every listed PDF
    present with its SHA-256, nothing unlisted) and, with ``deep``, every record PDF's own signatures (intact, not
    altered); whether the seal chains to a trusted root is reported, not required."""
    opened = package_open(data, expected_format="hocbaso.class-package/1", trust_roots=trust_roots,
                          require_trusted=False)
    problems = list(opened.problems) if opened.manifest is not None or opened.problems \
        else ["Không đọc được gói học bạ."]
    manifest = opened.manifest or {}
    result = ReceivedPackage(file=label, ok=False, school=manifest.get("school", ""),
                             school_name=manifest.get("school_name", ""), school_year=manifest.get("school_year", ""),
                             class_name=manifest.get("class_name", ""), records=len(manifest.get("records") or []),
                             problems=problems, sha256=sha256(data), kind="pdf")
    result.trusted = bool(opened.seal) and bool(opened.seal.get("signatures")) and \
        all(s.get("trusted") for s in opened.seal["signatures"])
    if deep:
        for entry in (opened.manifest or {}).get("records") or []:
            content = opened.files.get(entry.get("file"))
            if content is None or sha256(content) != entry.get("sha256"):
                continue
            problems, _ = signed_pdf_problems(content, label=f"Học bạ {entry.get('pupil_name')} ({entry['file']})",
                                              trust_roots=trust_roots, require_trusted=False)
            result.problems += problems
    result.ok = not result.problems
    return result


def _zip_names(data: bytes) -> list[str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def file_receive(data: bytes, *, label: str, trust_roots=None, deep: bool = True) -> list[ReceivedPackage]:
    """Check one uploaded file, whatever it is: a school's whole submission (``submission.json`` and its class
    packages: ``submission_file_receive``), one class package in XML (``manifest.xml``), or one in the PDF form
    (``manifest.pdf``). One ``ReceivedPackage`` per class package."""
    names = _zip_names(data)
    if names is None:
        return [ReceivedPackage(file=label, ok=False, problems=["Tệp không phải gói học bạ (không đọc được tệp ZIP)."])]
    if INDEX in names:
        return submission_file_receive(data, label=label, trust_roots=trust_roots)
    if MANIFEST in names:
        return [xml_package_receive(data, label=label, trust_roots=trust_roots)]
    if "manifest.pdf" in names:
        return [package_receive(data, label=label, trust_roots=trust_roots, deep=deep)]
    return [ReceivedPackage(file=label, ok=False, problems=[
        "Tệp không phải gói nộp học bạ: không có danh sách các lớp (submission.json) hay danh sách học bạ có "
        "đóng dấu (manifest.xml, manifest.pdf)."])]


def submission_file_receive(data: bytes, *, label: str, trust_roots=None) -> list[ReceivedPackage]:
    """Check a school's whole submission file: the ZIP (member count, sizes, names), the index, every listed
    class package present with its SHA-256 and nothing unlisted, each class package in XML
    (``xml_package_receive``) and of the index's school and year. All or nothing: when one class package is
    refused, every class of the file is (each says why), so an office never records half a school."""
    def refused(problem):
        return [ReceivedPackage(file=label, ok=False, problems=[problem])]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return refused("Tệp không phải gói nộp học bạ (không đọc được tệp ZIP).")
    bad = [n for n in names if not name_safe(n)]
    if bad:
        return refused(f"Tệp nộp có tên tệp bên trong không hợp lệ ({bad[0][:80]!r}); hệ thống không nhận tệp này.")
    ratio = zip_ratio_problem(archive, "Tệp nộp học bạ")
    if ratio:
        return refused(ratio)
    members, broken = {}, []
    try:
        for name, content in zip_read_all(archive, what="Tệp nộp học bạ", members=SUBMISSION_MEMBERS_MAX,
                                          member=SUBMISSION_MEMBER_MAX, total=SUBMISSION_TOTAL_MAX):
            if isinstance(content, bytes):
                members[name] = content
            else:
                broken.append(name)
    except TooLarge as error:
        return refused(str(error))
    if broken:
        return refused(f"Tệp {broken[0]} trong tệp nộp bị hỏng hoặc đã bị sửa (không khớp mã kiểm tra của ZIP).")
    try:
        if len(members.get(INDEX, b"")) > INDEX_MAX:
            raise ValueError
        index = json.loads(members[INDEX].decode("utf-8"))
        school, year = str(index["school"]), str(index["school_year"])
        listed = [(str(p["class_name"]), str(p["file"]), str(p["sha256"]), int(p["records"]))
                  for p in index["packages"]]
    except (KeyError, TypeError, ValueError, UnicodeDecodeError):
        return refused(f"Danh sách các lớp ({INDEX}) trong tệp nộp không đọc được hoặc sai định dạng.")
    if index.get("format") != FORMAT:
        return refused(f"Tệp nộp có định dạng {index.get('format')!r}, không phải {FORMAT}.")
    problems = []
    extra = sorted(set(members) - {INDEX} - {f for _c, f, _s, _r in listed})
    if extra:
        problems.append(f"Tệp nộp có tệp không có trong danh sách các lớp: {', '.join(extra[:5])}.")
    roots = trust_roots_default() if trust_roots is None else load_roots(trust_roots)
    cache = {}
    out = []
    for class_name, file_name, digest, count in listed:
        where = f"{label} › {file_name}"
        content = members.get(file_name)
        if content is None or sha256(content) != digest:
            out.append(ReceivedPackage(file=where, ok=False, school=school, school_name=index.get("school_name", ""),
                                       school_year=year, class_name=class_name, records=count, problems=[
                f"Lớp {class_name}: gói {file_name} " + ("không có trong tệp nộp." if content is None else
                                                         "không khớp mã băm SHA-256 trong danh sách các lớp.")]))
            continue
        item = xml_package_receive(content, label=where, trust_roots=roots, trust_cache=cache,
                                   class_label=f"Lớp {class_name}")
        for key, value, text in (("school", school, "mã trường"), ("school_year", year, "năm học"),
                                 ("class_name", class_name, "lớp"), ("records", count, "số học bạ")):
            if item.problems == [] and getattr(item, key) != value:
                item.problems.append(f"Lớp {class_name}: {text} trong gói đã đóng dấu là {getattr(item, key)!r}, "
                                     f"danh sách các lớp ghi {value!r}.")
        item.ok = not item.problems
        out.append(item)
    if not out:
        return refused("Tệp nộp không có gói học bạ của lớp nào.")
    bad_classes = [item.class_name for item in out if not item.ok]
    if problems or bad_classes:
        reason = ("Cả tệp nộp bị từ chối, không ghi nhận lớp nào: "
                  + (f"lớp {', '.join(bad_classes)} có lỗi." if bad_classes else problems[0]))
        for item in out:
            item.ok = False
            if not item.problems:
                item.problems = [reason]
        out[0].problems = [*problems, *out[0].problems]
    return out


def submission_receive(paths, *, trust_roots=None, deep: bool = True) -> list[ReceivedPackage]:
    """Check every file found in ``paths`` (folders or ZIP files): ``file_receive`` on each."""
    out = []
    for path in _files(paths):
        try:
            data = path.read_bytes()
        except OSError as error:
            out.append(ReceivedPackage(file=str(path), ok=False, problems=[f"Không đọc được tệp: {error}."]))
            continue
        out += file_receive(data, label=str(path), trust_roots=trust_roots, deep=deep)
    return out


def receive_counts(received: list[ReceivedPackage]) -> list[dict]:
    """Per school: name, year, the classes with their record counts, totals of valid and refused packages."""
    schools: dict[tuple, dict] = {}
    for item in received:
        key = (item.school or "?", item.school_year)
        entry = schools.setdefault(key, {"school": item.school, "school_name": item.school_name,
                                         "school_year": item.school_year, "classes": [], "records": 0,
                                         "packages_ok": 0, "packages_refused": 0})
        entry["classes"].append({"class_name": item.class_name, "records": item.records, "ok": item.ok,
                                 "file": item.file})
        if item.ok:
            entry["records"] += item.records
            entry["packages_ok"] += 1
        else:
            entry["packages_refused"] += 1
    return [schools[k] for k in sorted(schools)]
