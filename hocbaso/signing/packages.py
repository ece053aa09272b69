"""Sealed packages: a ZIP of signed PDFs (``records/*.pdf``) and ``manifest.pdf``, a one-table sheet listing
them that the school's seal signs, with the list itself attached to the sheet as ``manifest.json``.

The class package (``records.packages.class_package_build``) and the transfer package
(``exchange.transfer``) are built and checked with the same code: ``sealed_package`` writes one, ``package_open`` reads one back
and checks everything that can be checked without knowing what the package is for (the ZIP, the seal's
signature and whose seal it is, every listed file present with the listed SHA-256, nothing unlisted), and
``signed_pdf_problems`` checks one signed PDF. Every problem is a sentence in Vietnamese.
"""

from __future__ import annotations

import hashlib
import io
import json
import unicodedata
import zipfile
from dataclasses import dataclass, field

import pikepdf

from hocbaso.core.limits import TooLarge, pdf_attachment_read, zip_read_all
from hocbaso.signing.pades import SignJob
from hocbaso.signing.sheets import sheet_pdf
from hocbaso.signing.validate import validate_pdf

MANIFEST_PDF = "manifest.pdf"
MANIFEST_JSON = "manifest.json"


class PackageRefused(Exception):
    """A package that cannot be accepted; ``problems`` lists every reason, in Vietnamese."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _nfc(text) -> str:
    return unicodedata.normalize("NFC", str(text or "")).strip()


def manifest_sheet(*, manifest: dict, sheet: dict) -> bytes:
    """The unsigned ``manifest.pdf``: ``signing.sheets.sheet_pdf(**sheet)`` with ``manifest`` attached as
    ``manifest.json``."""
    return sheet_pdf(**sheet, attachment=MANIFEST_JSON, payload=manifest)


def manifest_sheet_task(plan: tuple[dict, dict]) -> bytes:
    """``manifest_sheet(manifest=..., sheet=...)`` of a ``(manifest, sheet)`` pair: the form a worker pool takes."""
    manifest, sheet = plan
    return manifest_sheet(manifest=manifest, sheet=sheet)


def sealed_package(*, manifest: dict, files: dict[str, bytes], seal_signer, sheet: dict, reason: str,
                   compiled_sheet: bytes | None = None) -> bytes:
    """The ZIP bytes: ``manifest.pdf`` (``manifest_sheet(manifest=manifest, sheet=sheet)``, signed by
    ``seal_signer`` in a field named DONGDAU) then ``files`` in order. ``compiled_sheet``: that sheet when the
    caller compiled it already (ahead, in another thread)."""
    pdf = compiled_sheet if compiled_sheet is not None else manifest_sheet(manifest=manifest, sheet=sheet)
    return package_zip(seal_sheet(pdf, seal_signer=seal_signer, reason=reason), files)


def seal_sheet(pdf: bytes, *, seal_signer, reason: str) -> bytes:
    """The manifest sheet signed by ``seal_signer`` in the DONGDAU field."""
    return seal_signer.sign_batch([SignJob(pdf, "DONGDAU", reason=reason)])[0]


def package_zip(signed_sheet: bytes, files: dict[str, bytes]) -> bytes:
    """The package's ZIP: ``manifest.pdf`` then ``files`` in order, stored (PDFs do not compress further)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(MANIFEST_PDF, signed_sheet)
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def signature_summary(report: dict) -> list[dict]:
    """Who signed a PDF, from a ``validate_pdf`` report: name, role, organisation, time, field, trusted."""
    return [{"name": s.get("signer_name"), "role": s.get("role"), "organisation": s.get("organisation"),
             "signed_at": s.get("signing_time"), "field": s.get("field"), "trusted": s.get("trusted")}
            for s in report.get("signatures") or []]


def signed_pdf_problems(data: bytes, *, label: str, trust_roots=None, require_trusted: bool = True
                        ) -> tuple[list[str], dict | None]:
    """Problems with one signed PDF (``label`` names it in the messages) and its ``validate_pdf`` report:
    unreadable, unsigned, a signature that does not verify or a change after signing, and (with
    ``require_trusted``) a certificate that does not chain to a trusted root."""
    try:
        report = validate_pdf(data, trust_roots=trust_roots)
    except TooLarge as refused:  # a compression bomb, refused by the caps of hocbaso.core.limits
        return [f"{label}: {refused}"], None
    except Exception:
        return [f"{label}: không đọc được chữ ký số (tệp bị hỏng)."], None
    signatures = report.get("signatures") or []
    if not signatures:
        return [f"{label}: không có chữ ký số."], report
    problems = []
    if report.get("altered") or not all(s.get("intact") and s.get("valid") for s in signatures):
        problems.append(f"{label}: chữ ký số không hợp lệ hoặc tệp đã bị sửa sau khi ký.")
    elif require_trusted and not all(s.get("trusted") for s in signatures):
        names = ", ".join(s.get("signer_name") or "?" for s in signatures if not s.get("trusted"))
        problems.append(f"{label}: chứng thư số của người ký ({names}) không thuộc tổ chức chứng thực được "
                        "hệ thống tin cậy.")
    return problems, report


@dataclass
class OpenedPackage:
    """A package read back: its manifest (None when unreadable), its files by name, the seal's validation
    report, and every problem found."""

    manifest: dict | None
    files: dict[str, bytes] = field(default_factory=dict)
    seal: dict | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def package_open(data: bytes, *, expected_format: str | None = None, trust_roots=None,
                 require_trusted: bool = True) -> OpenedPackage:
    """Read and check a sealed package. Never raises on bad input: every problem is in ``problems``.

    Checked: the ZIP and each member's CRC; the seal's signature on ``manifest.pdf`` (intact, unchanged,
    trusted unless ``require_trusted`` is False) and that the seal's organisation is the manifest's
    ``school_name``; the manifest's ``format``; each ``records[].file`` present with its ``sha256``; no file
    that the manifest does not list."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return OpenedPackage(None, problems=["Tệp không phải gói học bạ (không đọc được tệp ZIP)."])
    files: dict[str, bytes] = {}
    problems: list[str] = []
    try:  # declared and actual sizes capped: a compression bomb is refused before it costs memory
        for name, content in zip_read_all(archive, what="Gói học bạ"):
            if isinstance(content, bytes):
                files[name] = content
            else:  # CRC mismatch, broken header, bad compression: the bytes were changed
                problems.append(f"Tệp {name} trong gói bị hỏng hoặc đã bị sửa (không khớp mã kiểm tra của ZIP).")
    except TooLarge as refused:
        return OpenedPackage(None, problems=[str(refused)])
    if MANIFEST_PDF not in files:
        if MANIFEST_PDF not in names:
            problems.append("Gói không có danh sách học bạ có đóng dấu (manifest.pdf).")
        return OpenedPackage(None, files, problems=problems)
    sheet = files[MANIFEST_PDF]
    seal_problems, seal = signed_pdf_problems(sheet, label="Danh sách học bạ có đóng dấu (manifest.pdf)",
                                              trust_roots=trust_roots, require_trusted=require_trusted)
    problems += seal_problems
    manifest = None
    try:
        with pikepdf.open(io.BytesIO(sheet)) as pdf:
            manifest = json.loads(pdf_attachment_read(pdf.attachments[MANIFEST_JSON],
                                                      what="Danh sách học bạ đính kèm (manifest.json)"))
    except TooLarge as refused:
        problems.append(str(refused))
        return OpenedPackage(None, files, seal, problems)
    except Exception:
        problems.append("Không đọc được danh sách học bạ đính kèm (manifest.json) trong manifest.pdf.")
        return OpenedPackage(None, files, seal, problems)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("records"), list):
        problems.append("Danh sách học bạ đính kèm không đúng định dạng.")
        return OpenedPackage(None, files, seal, problems)
    if expected_format and manifest.get("format") != expected_format:
        problems.append(f"Gói có định dạng {manifest.get('format')!r}, không phải {expected_format}.")
    if seal and seal.get("signatures") and manifest.get("school_name"):
        sealed_by = {_nfc(s.get("organisation")) for s in seal["signatures"]}
        if _nfc(manifest["school_name"]) not in sealed_by:
            problems.append(f"Con dấu trên danh sách là của {', '.join(sorted(sealed_by))}, không phải của "
                            f"{manifest['school_name']}.")
    listed = set()
    for entry in manifest["records"]:
        name = entry.get("file") if isinstance(entry, dict) else None
        who = f" ({entry.get('pupil_name')})" if isinstance(entry, dict) and entry.get("pupil_name") else ""
        if not name:
            problems.append("Danh sách có một dòng không ghi tên tệp.")
            continue
        listed.add(name)
        if name not in files:
            if name not in names:
                problems.append(f"Thiếu tệp {name}{who} có trong danh sách.")
            continue
        if sha256(files[name]) != entry.get("sha256"):
            problems.append(f"Tệp {name}{who} không khớp mã băm SHA-256 trong danh sách đã đóng dấu.")
    extra = sorted(set(names) - listed - {MANIFEST_PDF})
    if extra:
        problems.append(f"Gói có tệp không có trong danh sách đã đóng dấu: {', '.join(extra)}.")
    return OpenedPackage(manifest, files, seal, problems)
