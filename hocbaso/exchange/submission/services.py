"""Nộp gói học bạ lên Sở GD&ĐT: a school collects its latest sealed class packages into a folder to hand to
the province office; an office's deployment receives such folders or ZIP files, checks each
package and counts the records per school and class. Format: docs/exchange.md, "Province submission"."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.storage import default_storage
from django.utils import timezone

from hocbaso.directory.models import SchoolYear
from hocbaso.directory.selectors import school_names
from hocbaso.records.models import ClassPackage
from hocbaso.signing.packages import package_open, sha256, signed_pdf_problems

INDEX = "submission.json"
FORMAT = "hocbaso.submission/1"
VIETNAM = dt.timezone(dt.timedelta(hours=7))


class SubmissionRefused(Exception):
    """Nothing to submit; the message says why, in Vietnamese."""


def submission_collect(*, school_year: SchoolYear, out: Path) -> dict:
    """Copy the latest class package of every class of the school year into ``out`` as
    ``<school>-<year>-<class>.zip`` and write ``submission.json`` (the index: school, year, and per package
    its class, file, SHA-256 and record count). Returns the index. Classes without a package are listed
    under ``missing``."""
    school = school_year.school
    packages, missing = [], []
    for klass in school_year.classes.order_by("grade", "name"):
        package = ClassPackage.objects.filter(school_class=klass).order_by("-created_at", "-pk").first()
        if package is None:
            missing.append(klass.name)
            continue
        with default_storage.open(package.file, "rb") as handle:
            data = handle.read()
        if sha256(data) != package.sha256:
            raise SubmissionRefused(f"Gói học bạ lớp {klass.name} lưu trên máy không khớp mã băm đã ghi; "
                                    "hãy lập lại gói trước khi nộp.")
        packages.append((klass.name, package, data))
    if not packages:
        raise SubmissionRefused(f"Năm học {school_year.name} của {school.name} chưa có gói học bạ nào của lớp "
                                "(phát hành học bạ có đóng dấu để lập gói).")
    out.mkdir(parents=True, exist_ok=True)
    index = {"format": FORMAT, "school": school.code, "school_name": school.name,
             **school_names(school),
             "school_year": school_year.name,
             "created_at": timezone.now().astimezone(VIETNAM).isoformat(timespec="seconds"),
             "packages": [], "missing": missing}
    for name, package, data in packages:
        file_name = f"{school.code}-{school_year.name}-{name}.zip"
        (out / file_name).write_bytes(data)
        index["packages"].append({"class_name": name, "file": file_name, "sha256": package.sha256,
                                  "records": package.records,
                                  "created_at": package.created_at.astimezone(VIETNAM).isoformat(timespec="seconds")})
    (out / INDEX).write_text(json.dumps(index, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return index


@dataclass
class ReceivedPackage:
    """One package as received: where it came from, what it says, and what is wrong with it."""

    file: str
    ok: bool
    school: str = ""
    school_name: str = ""
    school_year: str = ""
    class_name: str = ""
    records: int = 0
    trusted: bool = False
    problems: list = field(default_factory=list)


def _files(paths) -> list[Path]:
    """ZIP files named directly, or found (recursively) in folders, in name order."""
    out = []
    for path in map(Path, paths):
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".zip")
        else:
            out.append(path)
    return out


def package_receive(data: bytes, *, label: str, trust_roots=None, deep: bool = True) -> ReceivedPackage:
    """Check one class package with ``signing.packages.package_open`` (the ZIP, the seal's signature and
    whose seal it is, every listed PDF present with its SHA-256, nothing unlisted) and, with ``deep``, every
    record PDF's own signatures (intact, not altered); whether the seal chains to a trusted root is reported,
    not required."""
    opened = package_open(data, expected_format="hocbaso.class-package/1", trust_roots=trust_roots,
                          require_trusted=False)
    problems = list(opened.problems) if opened.manifest is not None or opened.problems \
        else ["Không đọc được gói học bạ."]
    manifest = opened.manifest or {}
    result = ReceivedPackage(file=label, ok=False, school=manifest.get("school", ""),
                             school_name=manifest.get("school_name", ""), school_year=manifest.get("school_year", ""),
                             class_name=manifest.get("class_name", ""), records=len(manifest.get("records") or []),
                             problems=problems)
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


def submission_receive(paths, *, trust_roots=None, deep: bool = True) -> list[ReceivedPackage]:
    """Check every package found in ``paths`` (folders or ZIP files)."""
    out = []
    for path in _files(paths):
        try:
            data = path.read_bytes()
        except OSError as error:
            out.append(ReceivedPackage(file=str(path), ok=False, problems=[f"Không đọc được tệp: {error}."]))
            continue
        out.append(package_receive(data, label=str(path), trust_roots=trust_roots, deep=deep))
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
