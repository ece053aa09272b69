"""The class package in XML (docs/exchange.md, "Class package in XML"): a deflate ZIP of ``manifest.xml`` (the
class's list of records, sealed by the school with a XAdES signature) and ``records/<record id>.xml``, each
record's signed XML exactly as it is inside its issued PDF (three XAdES signatures: GVCN, HT, the school's seal).

``manifest_xml`` writes the unsigned manifest, ``manifests_seal`` seals a batch of them in ONE ``sign_digests``
call of the seal's signer (one PIN / token login / CSC authorisation for every class), ``xml_package_zip`` writes
the ZIP and ``xml_package_open`` reads one back and checks everything: the ZIP (sizes, member count, names), the
manifest against its schema (docs/package-manifest.xsd) and the seal's signature on it (intact, trusted, the
manifest's school), every listed record present with its SHA-256, nothing unlisted, and each record's three
signatures (intact, trusted, the roles) and its school, year, class, identifier and version against the
manifest. Every problem is a Vietnamese sentence naming the class, the pupil and the record; a package with one
problem is refused whole (``ok`` false).

XML is parsed without entities, DTDs, network or huge trees (a document with a DOCTYPE is refused)."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from lxml import etree

from hocbaso.core.limits import TooLarge, zip_read_all
from hocbaso.signing.packages import sha256
from hocbaso.signing.xades import ROLE_PRINCIPAL, ROLE_SEAL, ROLE_TEACHER, tsa_timestamper, xades_prepare, xades_verify
from hocbaso.tt27.record_xml import DS, XmlRecordError
from hocbaso.tt27.record_xml import NS as RECORD_NS
from hocbaso.tt27.record_xml import parse as _record_xml_parse

NS = "urn:hocbaso:package:xml:1"
FORMAT = "hocbaso.class-package-xml/1"
MANIFEST = "manifest.xml"
MANIFEST_ID = "manifest"
XSD_PATH = Path(__file__).resolve().parents[2] / "docs" / "package-manifest.xsd"
VIETNAM = dt.timezone(dt.timedelta(hours=7))
# A class package: its manifest and at most this many records (a class has 20 to 45 pupils).
MAX_RECORDS = 200
RECORD_MAX = 2 * 1024 * 1024  # one record XML (about 15 KB in practice)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                          dtd_validation=False, remove_comments=False)
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,150}(/[A-Za-z0-9][A-Za-z0-9._-]{0,150})?$")
SCHOOL_KEYS = ("code", "name", "authority", "commune", "province")
ENTRY_KEYS = ("record_id", "version", "identity_number", "pupil_name", "file", "sha256")
ROLES_REQUIRED = (ROLE_TEACHER[1], ROLE_PRINCIPAL[1], ROLE_SEAL[1])


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _nfc(text) -> str:
    return unicodedata.normalize("NFC", str(text or "")).strip()


# Deflate shrinks our XML 3 to 6 times; a member declaring more than this expansion is a compression bomb.
MAX_RATIO = 100


def zip_ratio_problem(archive: zipfile.ZipFile, what: str, max_ratio: int = MAX_RATIO) -> str | None:
    """A refusal when a member declares an expansion over ``max_ratio`` (the actual bytes are capped anyway by
    ``core.limits.zip_read_all``, whatever a header declares)."""
    for info in archive.infolist():
        if info.file_size > 64 * 1024 and info.file_size > max_ratio * max(info.compress_size, 1):
            return (f"{what}: tệp {info.filename[:80]} bên trong có tỉ lệ nén bất thường (hơn {max_ratio} lần); "
                    "hệ thống không xử lý tệp này.")
    return None


def name_safe(name: str) -> bool:
    """A ZIP member name we accept: relative, at most one folder, no ``..``, no backslash, no drive letter."""
    return bool(_SAFE_NAME.match(name or "")) and ".." not in name


# ---- writing ----------------------------------------------------------------------------------------------

def manifest_xml(manifest: dict) -> bytes:
    """The unsigned manifest document of ``manifest`` (``school`` dict, ``school_year``, ``class_name``,
    ``created_at``, ``records``: dicts with ``ENTRY_KEYS``)."""
    root = etree.Element(_q("package"), nsmap={None: NS, "ds": DS})
    body = etree.SubElement(root, _q("manifest"), {"Id": MANIFEST_ID, "format": FORMAT})
    school = manifest["school"]
    etree.SubElement(body, _q("school"), {k: str(school.get(k) or "") for k in SCHOOL_KEYS})
    for key in ("school_year", "class_name", "created_at"):
        etree.SubElement(body, _q(key)).text = str(manifest[key])
    records = etree.SubElement(body, _q("records"), {"count": str(len(manifest["records"]))})
    for entry in manifest["records"]:
        etree.SubElement(records, _q("entry"), {k: "" if entry[k] is None else str(entry[k]) for k in ENTRY_KEYS})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def manifests_seal(seal_signer, documents: list[bytes], *, when: dt.datetime | None = None) -> list[bytes]:
    """Each unsigned manifest of ``documents`` with the school's seal (XAdES, role ``Đóng dấu trường``, B-T with
    a TSA), all signed in one ``seal_signer.sign_digests`` call."""
    if not documents:
        return []
    prepared = manifests_prepare(seal_signer, documents, when=when)
    return manifests_finish(prepared, seal_signer.sign_digests(prepared.digests), seal_signer=seal_signer)


def manifests_prepare(seal_signer, documents: list[bytes], *, when: dt.datetime | None = None):
    """The first half of ``manifests_seal``: the seal's signatures built, ``.digests`` to sign (a remote seal
    carries them in the transaction of a PDF it signs anyway: ``records.packages.class_packages_finish``)."""
    return xades_prepare(seal_signer, documents, role=ROLE_SEAL, when=when, parser=manifest_parse,
                         target_id=MANIFEST_ID)


def manifests_finish(prepared, values: list[bytes], *, seal_signer) -> list[bytes]:
    """The sealed manifests from the raw signatures of ``prepared.digests`` (B-T with the seal's TSA)."""
    return prepared.finish(values, timestamper=tsa_timestamper(getattr(seal_signer, "settings", None)))


def xml_package_zip(signed_manifest: bytes, records: dict[str, bytes]) -> bytes:
    """The package's ZIP (deflate: XML shrinks to a fifth): ``manifest.xml`` then ``records`` in order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr(MANIFEST, signed_manifest)
        for name, content in records.items():
            archive.writestr(name, content)
    return buffer.getvalue()


# ---- reading ----------------------------------------------------------------------------------------------

@cache
def manifest_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD_PATH)))


def _no_dtd(root, what: str) -> None:
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise XmlRecordError(f"{what} có khai báo DOCTYPE/ENTITY; hệ thống không nhận tệp XML như vậy.")


def manifest_parse(data: bytes):
    """The manifest document's root: parsed safely, no DTD, valid against docs/package-manifest.xsd."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        raise XmlRecordError(f"Danh sách học bạ (manifest.xml) không phải XML hợp lệ: {error}") from error
    _no_dtd(root, "Danh sách học bạ (manifest.xml)")
    if not manifest_schema().validate(root):
        error = manifest_schema().error_log.last_error
        raise XmlRecordError(f"Danh sách học bạ (manifest.xml) không đúng lược đồ {NS} (dòng {error.line}): "
                             f"{error.message}")
    return root


def record_parse(data: bytes):
    """A record XML's root (``tt27.record_xml.parse``: no entities, no network, the record schema), refusing a
    document with a DTD as well."""
    root = _record_xml_parse(data)
    _no_dtd(root, "Tệp học bạ XML")
    return root


def _manifest_read(root) -> dict:
    body = root.find(_q("manifest"))
    school = body.find(_q("school"))
    return {"format": body.get("format"), "school": {k: school.get(k, "") for k in SCHOOL_KEYS},
            "school_year": body.findtext(_q("school_year")), "class_name": body.findtext(_q("class_name")),
            "created_at": body.findtext(_q("created_at")),
            "records": [{k: e.get(k, "") for k in ENTRY_KEYS} for e in body.find(_q("records"))
                        if isinstance(e.tag, str)]}


@dataclass
class OpenedXmlPackage:
    """A class package in XML read back: its manifest (None when unreadable), the seal's signature report,
    the number of records checked, and every problem found."""

    manifest: dict | None
    seal: dict | None = None
    problems: list[str] = field(default_factory=list)
    records: int = 0
    record_sha256: dict = field(default_factory=dict)  # record_id -> SHA-256 of its XML (for the extracts)

    @property
    def ok(self) -> bool:
        return self.manifest is not None and not self.problems

    @property
    def trusted(self) -> bool:
        return bool(self.seal and self.seal.get("trusted"))


def _seal_of(signature: dict, school_name: str) -> bool:
    """Whether a signature is the school's organisation seal: its certificate is in the school's name (CN, and O
    when present: signing.ca.issue_seal, a province's organisation token). A person's certificate (CN: the
    person) claiming the seal's role is not."""
    name = _nfc(school_name)
    return _nfc(signature.get("name")) == name and _nfc(signature.get("organisation") or name) == name


def _signature_problem(signature: dict) -> str | None:
    role = signature.get("role") or "?"
    if not signature.get("intact"):
        return f"chữ ký {role} không hợp lệ (dữ liệu đã bị sửa sau khi ký)"
    if not signature.get("trusted"):
        return (f"chứng thư số của chữ ký {role} ({signature.get('name') or '?'}) không thuộc tổ chức chứng thực "
                "được hệ thống tin cậy")
    return None


def _record_fields(root) -> dict:
    """What the check compares with the manifest, read from a parsed record XML."""
    def text(*path):
        return root.findtext("/".join(f"{{{RECORD_NS}}}{p}" for p in ("record", *path))) or ""
    return {"record_id": text("issuance", "record_id"), "version": text("issuance", "version"),
            "school": text("school", "code"), "school_year": text("school_year"), "class_name": text("class_name"),
            "identity_number": text("pupil", "identity_number"), "pupil_name": text("pupil", "full_name")}


# Labels of the fields compared with the manifest, as a message names them.
FIELD_LABELS = {"record_id": "mã số định danh học bạ", "version": "phiên bản", "school": "mã trường",
                "school_year": "năm học", "class_name": "lớp", "identity_number": "mã định danh học sinh"}


def xml_package_open(data: bytes, *, trust_roots=None, trust_cache: dict | None = None,
                     label: str = "") -> OpenedXmlPackage:
    """Read and check a class package in XML (see the module's docstring). Never raises on bad input.
    ``label`` prefixes every message (``Lớp 4A``: the class, when the caller knows it)."""
    roots = trust_roots or []
    cache_ = {} if trust_cache is None else trust_cache
    prefix = f"{label}: " if label else ""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return OpenedXmlPackage(None, problems=[f"{prefix}tệp không phải gói học bạ (không đọc được tệp ZIP)."])
    bad_names = [n for n in names if not name_safe(n)]
    if bad_names:
        return OpenedXmlPackage(None, problems=[f"{prefix}gói có tên tệp không hợp lệ ({bad_names[0][:80]!r}); "
                                                "hệ thống không nhận gói này."])
    ratio = zip_ratio_problem(archive, f"{prefix}Gói học bạ")
    if ratio:
        return OpenedXmlPackage(None, problems=[ratio])
    files: dict[str, bytes] = {}
    problems: list[str] = []
    try:
        for name, content in zip_read_all(archive, what=f"{prefix}Gói học bạ", members=MAX_RECORDS + 1,
                                          member=RECORD_MAX, total=(MAX_RECORDS + 1) * 256 * 1024):
            if isinstance(content, bytes):
                files[name] = content
            else:
                problems.append(f"{prefix}tệp {name} trong gói bị hỏng hoặc đã bị sửa (không khớp mã kiểm tra "
                                "của ZIP).")
    except TooLarge as refused:
        return OpenedXmlPackage(None, problems=[f"{prefix}{refused}"])
    if MANIFEST not in files:
        if MANIFEST not in names:
            problems.append(f"{prefix}gói không có danh sách học bạ có đóng dấu ({MANIFEST}).")
        return OpenedXmlPackage(None, problems=problems)
    try:
        [seal] = xades_verify(files[MANIFEST], roots, parser=manifest_parse, target_id=MANIFEST_ID,
                              trust_cache=cache_) or [None]
        manifest = _manifest_read(manifest_parse(files[MANIFEST]))
    except (XmlRecordError, ValueError) as error:
        return OpenedXmlPackage(None, problems=[*problems, f"{prefix}{error}" if isinstance(error, XmlRecordError)
                                                else f"{prefix}danh sách học bạ có nhiều hơn một chữ ký đóng dấu."])
    opened = OpenedXmlPackage(manifest, seal, problems)
    klass = manifest["class_name"]
    prefix = f"{label or 'Lớp ' + str(klass)}: "
    if manifest["format"] != FORMAT:
        problems.append(f"{prefix}gói có định dạng {manifest['format']!r}, không phải {FORMAT}.")
    if seal is None:
        problems.append(f"{prefix}danh sách học bạ (manifest.xml) không có chữ ký đóng dấu của trường.")
    else:
        problem = _signature_problem(seal)
        if problem:
            problems.append(f"{prefix}danh sách học bạ (manifest.xml): {problem}.")
        if seal.get("role") != ROLE_SEAL[1]:
            problems.append(f"{prefix}chữ ký trên danh sách học bạ không phải chữ ký đóng dấu của trường.")
        elif not _seal_of(seal, manifest["school"]["name"]):
            problems.append(f"{prefix}con dấu trên danh sách là của {seal.get('name') or '?'} "
                            f"({seal.get('organisation') or '?'}), không phải con dấu của "
                            f"{manifest['school']['name']}.")
    listed = set()
    for entry in manifest["records"]:
        name = entry["file"]
        who = f"học bạ của {entry['pupil_name']} (mã {entry['record_id']})"
        listed.add(name)
        if name != f"records/{entry['record_id']}.xml":
            problems.append(f"{prefix}{who}: tên tệp {name} không đúng quy ước records/<mã học bạ>.xml.")
            continue
        content = files.get(name)
        if content is None:
            if name not in names:
                problems.append(f"{prefix}{who}: thiếu tệp {name} có trong danh sách.")
            continue
        digest = sha256(content)
        if digest != entry["sha256"]:
            problems.append(f"{prefix}{who}: tệp {name} không khớp mã băm SHA-256 trong danh sách đã đóng dấu "
                            "(học bạ đã bị sửa).")
            continue
        problems += [f"{prefix}{who}: {p}." for p in _record_problems(content, entry, manifest, roots, cache_)]
        opened.records += 1
        opened.record_sha256[entry["record_id"]] = digest
    extra = sorted(set(names) - listed - {MANIFEST})
    if extra:
        problems.append(f"{prefix}gói có tệp không có trong danh sách đã đóng dấu: {', '.join(extra[:5])}.")
    return opened


def _record_problems(content: bytes, entry: dict, manifest: dict, roots, cache_) -> list[str]:
    try:
        signatures = xades_verify(content, roots, parser=record_parse, trust_cache=cache_)
        fields = _record_fields(record_parse(content))
    except XmlRecordError as error:
        return [str(error).rstrip(".")]
    problems = []
    roles = [s.get("role") for s in signatures]
    if sorted(roles) != sorted(ROLES_REQUIRED):
        problems.append(f"cần đủ ba chữ ký ({', '.join(ROLES_REQUIRED)}), có: {', '.join(roles) or 'không có'}")
    problems += [p for p in map(_signature_problem, signatures) if p]
    for s in signatures:
        if s.get("role") == ROLE_SEAL[1] and s.get("intact") and not _seal_of(s, manifest["school"]["name"]):
            problems.append(f"con dấu trên học bạ là của {s.get('name') or '?'} ({s.get('organisation') or '?'}), "
                            f"không phải con dấu của {manifest['school']['name']}")
    expected = {"record_id": entry["record_id"], "version": entry["version"], "school": manifest["school"]["code"],
                "school_year": manifest["school_year"], "class_name": manifest["class_name"],
                "identity_number": entry["identity_number"]}
    for key, value in expected.items():
        if _nfc(fields[key]) != _nfc(value):
            problems.append(f"trường {FIELD_LABELS[key]} trong học bạ là {fields[key]!r}, danh sách đã đóng dấu "
                            f"ghi {value!r}")
    return problems
