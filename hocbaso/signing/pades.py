"""PAdES baseline signatures (B-B, or B-T with a time-stamping server) as incremental updates.

The writer is our own, small and fast; everything it writes is checked by independent readers in the tests
(pyHanko's validator with its incremental-update difference analysis, and Poppler's pdfsig).

Per batch (``PadesBatch``) we keep what does not change between documents: the signer's certificates and the
DER pieces of the CMS SignedData that depend only on them, the signature algorithm, the stamp fonts' glyph
outlines (process-wide cache), the size to reserve for the signature, and the time-stamping server's client
(``signing.tsa_client``: a batch's time stamps are requested together, on kept connections). Per document we only: read the cross-reference data with qpdf (pikepdf), write the
new objects (signature value placeholder, signature field/widget, appearance, page's /Annots, /AcroForm) and a
cross-reference section after the original bytes, hash the byte range, ask the signer for one raw signature,
and splice the DER-encoded CMS into the placeholder. The original bytes are never changed, so earlier
signatures stay valid.

CMS content (ETSI EN 319 142-1 baseline B-B): signed attributes content-type, message-digest and
signing-certificate-v2 (no signing-time attribute: PAdES puts the claimed time in the signature
dictionary's /M); the signer's certificate and its CA chain are embedded. B-T adds the RFC 3161
signature-time-stamp token as an unsigned attribute.

Long on purpose (about 830 lines, over the 400 of other modules): it is one writer read top to bottom: the DER
pieces, the PDF syntax, the incremental update, the preparation on every core and the batch that ties them
together share their types and byte-level conventions, and split apart each part would be read only with the
others open beside it.
"""

from __future__ import annotations

import asyncio
import atexit
import dataclasses
import datetime as dt
import hashlib
import io
import re
import threading
import unicodedata
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Protocol

import pikepdf
from asn1crypto import algos, cms, tsp
from asn1crypto import x509 as asn1_x509
from django.conf import settings

from hocbaso.core.workers import available_cpus, worker_pool
from hocbaso.signing import stamp as stamps
from hocbaso.signing.errors import SigningError

VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")
ROLE_TEACHER = "Giáo viên chủ nhiệm"
ROLE_PRINCIPAL = "Hiệu trưởng"


class AlreadySignedError(SigningError):
    """The document already has a signature field of that name (it was signed before)."""


@dataclass(frozen=True)
class Box:
    """Where a visible signature goes: ``page`` counts from 1 (as printed, and as
    ``hocbaso.documents.signature_boxes`` reports it); coordinates in PDF points, origin bottom-left."""

    page: int
    x1: float
    y1: float
    x2: float
    y2: float

    @classmethod
    def of(cls, value) -> "Box | None":
        if value is None or isinstance(value, Box):
            return value
        return cls(*value)


@dataclass
class SignJob:
    """One document to sign: its bytes, the new signature field's name, an optional visible box and the
    stamp's text (lines separated by newlines; ``None`` makes the signer's default text: name, role,
    organisation, "Ký ngày dd/mm/yyyy hh:mm")."""

    pdf: bytes
    field_name: str
    box: Box | tuple | None = None
    stamp_text: str | None = None
    reason: str | None = None
    location: str | None = None
    dss: Any = None  # ``ltv.DssData``: validation data written in this signature's own revision (signed by it)
    timestamp: bool = False  # a document time stamp (PAdES B-LTA), not a signature: ``document_timestamps``

    def __post_init__(self):
        self.box = Box.of(self.box)


class RawSigner(Protocol):
    """What pyHanko's signers (SimpleSigner-like, PKCS11Signer, CSCSigner) and ours have in common."""

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes: ...


# ---- DER, by hand for the per-document parts ---------------------------------------------------------------

def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def der(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _der_len(len(content)) + content


def _set_of(items: list[bytes]) -> bytes:
    """DER SET OF: elements sorted by their encodings."""
    width = max((len(i) for i in items), default=0)
    return der(0x31, b"".join(sorted(items, key=lambda i: i.ljust(width, b"\0"))))


def _oid(dotted: str) -> bytes:
    return cms.ObjectIdentifier(dotted).dump()


OID_DATA = "1.2.840.113549.1.7.1"
OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
OID_SIGNING_CERT_V2 = "1.2.840.113549.1.9.16.2.47"
OID_SIGNATURE_TST = "1.2.840.113549.1.9.16.2.14"
SHA256 = "sha256"


class CmsTemplate:
    """The CMS SignedData of one signer, with everything but the document digest and signature precomputed.

    Guarantees: ``signed_attributes(digest)`` returns the exact DER (SET OF, sorted) that must be signed;
    ``content_info`` assembles a DER ContentInfo that pyHanko, OpenSSL and Poppler parse.
    """

    def __init__(self, signing_cert: asn1_x509.Certificate, other_certs: list[asn1_x509.Certificate],
                 mechanism: algos.SignedDigestAlgorithm):
        self.signing_cert = signing_cert
        seen, certs = set(), []
        for cert in [signing_cert, *other_certs]:
            if cert.sha256 not in seen:
                seen.add(cert.sha256)
                certs.append(cert.dump())
        self.certificates = der(0xA0, b"".join(sorted(certs)))
        self.sid = cms.IssuerAndSerialNumber({"issuer": signing_cert.issuer,
                                              "serial_number": signing_cert.serial_number}).dump()
        self.digest_algorithm = algos.DigestAlgorithm({"algorithm": SHA256}).dump()
        self.signature_algorithm = mechanism.dump()
        self.attr_content_type = der(0x30, _oid(OID_CONTENT_TYPE) + der(0x31, _oid(OID_DATA)))
        cert_id = tsp.ESSCertIDv2({"cert_hash": hashlib.sha256(signing_cert.dump()).digest(),
                                   "issuer_serial": {"issuer": [asn1_x509.GeneralName(
                                       name="directory_name", value=signing_cert.issuer)],
                                       "serial_number": signing_cert.serial_number}})
        signing_certificate = tsp.SigningCertificateV2({"certs": [cert_id]}).dump()
        self.attr_signing_cert = der(0x30, _oid(OID_SIGNING_CERT_V2) + der(0x31, signing_certificate))
        self._md_prefix = _oid(OID_MESSAGE_DIGEST)

    def signed_attributes(self, digest: bytes) -> bytes:
        md = der(0x30, self._md_prefix + der(0x31, der(0x04, digest)))
        return _set_of([self.attr_content_type, md, self.attr_signing_cert])

    def content_info(self, signed_attributes: bytes, signature: bytes, timestamp_token: bytes | None = None) -> bytes:
        signer_info = (der(0x02, b"\x01") + self.sid + self.digest_algorithm + b"\xA0" + signed_attributes[1:]
                       + self.signature_algorithm + der(0x04, signature))
        if timestamp_token is not None:
            attr = der(0x30, _oid(OID_SIGNATURE_TST) + der(0x31, timestamp_token))
            signer_info += der(0xA1, attr)
        signed_data = der(0x30, der(0x02, b"\x01") + der(0x31, self.digest_algorithm)
                          + der(0x30, _oid(OID_DATA)) + self.certificates + der(0x31, der(0x30, signer_info)))
        return der(0x30, _oid(OID_SIGNED_DATA) + der(0xA0, signed_data))


# ---- PDF syntax helpers ------------------------------------------------------------------------------------

def pdf_text(value: str) -> bytes:
    """A PDF text string: literal when printable ASCII, UTF-16BE with BOM otherwise."""
    value = unicodedata.normalize("NFC", value)
    if all(32 <= ord(c) < 127 for c in value):
        escaped = value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return f"({escaped})".encode("ascii")
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def pdf_date(when: dt.datetime) -> bytes:
    offset = when.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"(D:{when:%Y%m%d%H%M%S}{sign}{minutes // 60:02d}'{minutes % 60:02d}')".encode("ascii")


def _ref(num: int, gen: int = 0) -> bytes:
    return f"{num} {gen} R".encode("ascii")


def _splice(dict_bytes: bytes, addition: bytes) -> bytes:
    """Insert entries before a dictionary's closing ``>>``."""
    body = dict_bytes.rstrip()
    if not body.endswith(b">>"):
        raise SigningError("Cấu trúc tệp PDF không như mong đợi (từ điển đối tượng).")
    return body[:-2].rstrip() + b" " + addition + b" >>"


def _array_append(array_bytes: bytes, item: bytes) -> bytes:
    body = array_bytes.rstrip()
    if not body.endswith(b"]"):
        raise SigningError("Cấu trúc tệp PDF không như mong đợi (mảng).")
    return body[:-1].rstrip() + b" " + item + b" ]"


_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


def _last_startxref(pdf: bytes) -> int:
    found = _STARTXREF.search(pdf[-1024:])
    if not found:
        raise SigningError("Tệp PDF không kết thúc đúng cách (thiếu startxref).")
    return int(found.group(1))


BYTE_RANGE_WIDTH = 60


@dataclass
class Prepared:
    """A document with the update written and the signature value still to fill in: the new file is
    ``prefix`` (the document as it was, unchanged) + ``head`` + the ``/Contents`` placeholder (``gap`` bytes:
    ``<``, zeros, ``>``) + ``tail``; ``digest`` is SHA-256 over all of it but the placeholder. Kept in parts so
    that a worker process sends back only the update, not the document the caller already has."""

    prefix: bytes
    head: bytes
    gap: int
    tail: bytes
    digest: bytes


def prepare_update(pdf: bytes, job: SignJob, *, when: dt.datetime, reserve: int,
                   stamp_style: stamps.StampStyle) -> Prepared:
    """Append an incremental update that adds signature field ``job.field_name`` with an empty value.

    Guarantees: the original bytes are kept unchanged as a prefix; the new revision adds a signature
    dictionary (``/SubFilter /ETSI.CAdES.detached``, ``/M`` = ``when``) whose ``/Contents`` is a zero-filled
    placeholder of ``reserve`` bytes and whose ``/ByteRange`` covers the whole new file except that
    placeholder; ``digest`` is SHA-256 over that byte range. Raises ``AlreadySignedError`` if the field
    already exists, ``SigningError`` for encrypted or unreadable files.
    """
    try:
        doc = pikepdf.open(io.BytesIO(pdf))
    except pikepdf.PdfError as error:
        raise SigningError("Không đọc được tệp PDF cần ký.") from error
    with doc:
        if doc.is_encrypted:
            raise SigningError("Không ký được tệp PDF đã mã hóa.")
        return _prepare(doc, pdf, job, when, reserve, stamp_style)


def _prepare(doc: pikepdf.Pdf, pdf: bytes, job: SignJob, when, reserve, style) -> Prepared:
    trailer = doc.trailer
    size = int(trailer.Size)
    root = doc.Root
    root_num, root_gen = root.objgen
    startxref = _last_startxref(pdf)
    xref_stream = not pdf[startxref:startxref + 4] == b"xref"

    old_dss: dict[str, list[bytes]] = {}
    if job.dss is not None and "/DSS" in root:  # written again below, with the new data after the old
        found = root.DSS
        for key in ("/Certs", "/OCSPs", "/CRLs"):
            old_dss[key] = [_ref(*item.objgen) for item in found.get(key, []) if item.is_indirect]
        if "/VRI" in found:
            vri = found.VRI
            old_dss["/VRI"] = [_ref(*vri.objgen) if vri.is_indirect else vri.unparse()]
        del root["/DSS"]

    acroform = root.get("/AcroForm")
    fields = acroform.get("/Fields") if acroform is not None else None
    if fields is not None:
        for existing in fields:
            if str(existing.get("/T", "")) == job.field_name:
                raise AlreadySignedError(f"Tài liệu đã có chữ ký ở ô {job.field_name!r}.")

    box = job.box
    page_index = (box.page - 1) if box else 0
    if not 0 <= page_index < len(doc.pages):
        raise SigningError(f"Trang {page_index + 1} không có trong tài liệu.")
    page = doc.pages[page_index].obj

    next_num = size
    objects: list[tuple[int, int, bytes]] = []

    def new(body: bytes | None = None) -> int:
        nonlocal next_num
        num = next_num
        next_num += 1
        if body is not None:
            objects.append((num, 0, body))
        return num

    sig_num = new()
    widget_num = new()
    ap_num = new()

    # appearance
    if box is not None:
        width, height = abs(box.x2 - box.x1), abs(box.y2 - box.y1)
        rect = f"[{stamps._num(min(box.x1, box.x2))} {stamps._num(min(box.y1, box.y2))} " \
               f"{stamps._num(max(box.x1, box.x2))} {stamps._num(max(box.y1, box.y2))}]"
        drawn, type3 = _stamp(job.stamp_text or "", width, height, style)
        font_refs = []
        for (res_name, _font, _codes), (template, procs, tounicode) in zip(drawn.fonts, type3):
            for code, body in procs.items():
                template = template.replace(f"{{proc:{code}}}", f"{new(body)} 0 R")
            template = template.replace("{tounicode}", f"{new(stamps.stream('', tounicode, True))} 0 R")
            font_refs.append(f"/{res_name} {new(template.encode('ascii'))} 0 R")
        resources = f"/Resources << /Font << {' '.join(font_refs)} >> >>"
        ap_body = stamps.stream(f"/Type /XObject /Subtype /Form /BBox [0 0 {stamps._num(width)} "
                                f"{stamps._num(height)}] {resources}", drawn.content, style.compress)
    else:
        rect = "[0 0 0 0]"
        ap_body = stamps.stream("/Type /XObject /Subtype /Form /BBox [0 0 0 0]", b"", False)
    objects.append((ap_num, 0, ap_body))

    page_num, page_gen = page.objgen
    widget = (b"<< /Type /Annot /Subtype /Widget /FT /Sig /T " + pdf_text(job.field_name)
              + b" /V " + _ref(sig_num) + b" /F 132 /P " + _ref(page_num, page_gen)
              + f" /Rect {rect} /AP << /N {ap_num} 0 R >> >>".encode("ascii"))
    objects.append((widget_num, 0, widget))

    # the page's /Annots
    annots = page.get("/Annots")
    if annots is not None and annots.is_indirect:
        num, gen = annots.objgen
        objects.append((num, gen, _array_append(annots.unparse(resolved=True), _ref(widget_num))))
    else:
        items = annots.unparse() if annots is not None else b"[ ]"
        if annots is not None:
            del page["/Annots"]
        page_bytes = page.unparse(resolved=True)
        objects.append((page_num, page_gen,
                        _splice(page_bytes, b"/Annots " + _array_append(items, _ref(widget_num)))))

    # the document's /AcroForm
    if acroform is None:
        acro_num = new(b"<< /Fields [ " + _ref(widget_num) + b" ] /SigFlags 3 >>")
        objects.append((root_num, root_gen, _splice(root.unparse(resolved=True), b"/AcroForm " + _ref(acro_num))))
    else:
        if fields is not None and fields.is_indirect:
            num, gen = fields.objgen
            objects.append((num, gen, _array_append(fields.unparse(resolved=True), _ref(widget_num))))
            new_fields = None
        else:
            new_fields = _array_append(fields.unparse() if fields is not None else b"[ ]", _ref(widget_num))
        if new_fields is not None or int(acroform.get("/SigFlags", 0)) != 3:
            if "/Fields" in acroform and new_fields is not None:
                del acroform["/Fields"]
            if "/SigFlags" in acroform:
                del acroform["/SigFlags"]
            extra = b"/SigFlags 3" + (b" /Fields " + new_fields if new_fields is not None else b"")
            if acroform.is_indirect:
                num, gen = acroform.objgen
                objects.append((num, gen, _splice(acroform.unparse(resolved=True), extra)))
            else:
                del root["/AcroForm"]
                body = _splice(acroform.unparse(resolved=True), extra)
                objects.append((root_num, root_gen, _splice(root.unparse(resolved=True), b"/AcroForm " + body)))

    # the DSS (PAdES B-LT) in this revision, which the signature then covers
    if job.dss is not None:
        entries = []
        for key, bodies in (("/Certs", job.dss.certs), ("/OCSPs", job.dss.ocsps), ("/CRLs", job.dss.crls)):
            refs = old_dss.get(key, []) + [_ref(new(body)) for body in bodies]
            if refs:
                entries.append(key.encode("ascii") + b" [ " + b" ".join(refs) + b" ]")
        if "/VRI" in old_dss:
            entries.append(b"/VRI " + old_dss["/VRI"][0])
        addition = b"/DSS " + _ref(new(b"<< /Type /DSS " + b" ".join(entries) + b" >>"))
        for index, (num, gen, body) in enumerate(objects):
            if (num, gen) == (root_num, root_gen):
                objects[index] = (num, gen, _splice(body, addition))
                break
        else:
            objects.append((root_num, root_gen, _splice(root.unparse(resolved=True), addition)))

    # the signature dictionary with its placeholders, written first so that its offsets are known
    if job.timestamp:
        sig_head = b"<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161"
    else:
        sig_head = (b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M " + pdf_date(when))
    if job.reason:
        sig_head += b" /Reason " + pdf_text(job.reason)
    if job.location:
        sig_head += b" /Location " + pdf_text(job.location)
    sig_head += b" /ByteRange [" + b" " * BYTE_RANGE_WIDTH + b"] /Contents "

    # The update only (the document's bytes are not copied): ``base`` turns its positions into the file's.
    base = len(pdf)
    head = bytearray(b"" if pdf.endswith(b"\n") else b"\n")
    offsets: dict[int, tuple[int, int]] = {}
    offsets[sig_num] = (base + len(head), 0)
    head += f"{sig_num} 0 obj\n".encode("ascii") + sig_head
    byte_range_at = len(head) - len(b"] /Contents ") - BYTE_RANGE_WIDTH
    gap_start = base + len(head)
    gap = 2 * reserve + 2  # "<", the zeros, ">"
    gap_end = gap_start + gap
    out = bytearray(b" >>\nendobj\n")  # the tail, after the placeholder
    for num, gen, body in objects:
        offsets[num] = (gap_end + len(out), gen)
        out += f"{num} {gen} obj\n".encode("ascii") + body + b"\nendobj\n"

    info = trailer.get("/Info")
    trailer_extra = b" /Root " + _ref(root_num, root_gen)
    if info is not None and info.is_indirect:
        trailer_extra += b" /Info " + _ref(*info.objgen)
    if "/ID" in trailer:
        trailer_extra += b" /ID " + trailer.ID.unparse()
    if xref_stream:
        _write_xref_stream(out, offsets, new(), startxref, trailer_extra, base=gap_end)
    else:
        _write_xref_table(out, offsets, next_num, startxref, trailer_extra, base=gap_end)

    # fill /ByteRange, then hash everything but the placeholder
    ranges = f"0 {gap_start} {gap_end} {len(out)}".encode("ascii")
    if len(ranges) > BYTE_RANGE_WIDTH:
        raise SigningError("Tệp PDF quá lớn.")
    head[byte_range_at:byte_range_at + BYTE_RANGE_WIDTH] = ranges.ljust(BYTE_RANGE_WIDTH)
    h = hashlib.sha256(pdf)
    h.update(head)
    h.update(out)
    return Prepared(pdf, bytes(head), gap, bytes(out), h.digest())


def _sections(numbers: list[int]) -> list[list[int]]:
    groups: list[list[int]] = []
    for num in sorted(numbers):
        if groups and groups[-1][-1] == num - 1:
            groups[-1].append(num)
        else:
            groups.append([num])
    return groups


def _write_xref_table(out: bytearray, offsets: dict, size: int, prev: int, trailer_extra: bytes, *,
                      base: int) -> None:
    """Append the cross-reference section and trailer to ``out``, which starts at position ``base`` of the file."""
    xref_at = base + len(out)
    lines = [b"xref\n"]
    for group in _sections(list(offsets)):
        lines.append(f"{group[0]} {len(group)}\n".encode("ascii"))
        lines += [f"{offsets[n][0]:010d} {offsets[n][1]:05d} n \n".encode("ascii") for n in group]
    out += b"".join(lines)
    out += (f"trailer\n<< /Size {size} /Prev {prev}".encode("ascii") + trailer_extra
            + f" >>\nstartxref\n{xref_at}\n%%EOF\n".encode("ascii"))


def _write_xref_stream(out: bytearray, offsets: dict, xref_num: int, prev: int, trailer_extra: bytes, *,
                       base: int) -> None:
    """Append the cross-reference stream to ``out``, which starts at position ``base`` of the file."""
    xref_at = base + len(out)
    offsets = dict(offsets)
    offsets[xref_num] = (xref_at, 0)
    index, rows = [], bytearray()
    for group in _sections(list(offsets)):
        index += [group[0], len(group)]
        for n in group:
            offset, gen = offsets[n]
            rows += b"\x01" + offset.to_bytes(4, "big") + gen.to_bytes(2, "big")
    head = (f"{xref_num} 0 obj\n<< /Type /XRef /Size {xref_num + 1} /W [1 4 2] /Index [{' '.join(map(str, index))}]"
            f" /Prev {prev}").encode("ascii") + trailer_extra + f" /Length {len(rows)} >>\nstream\n".encode("ascii")
    out += head + bytes(rows) + f"\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n".encode("ascii")


def fill_signature(prepared: Prepared, content_info: bytes) -> bytes:
    """Write the DER CMS into the placeholder (hex, zero-padded). Raises if it does not fit."""
    hexed = content_info.hex().upper().encode("ascii")
    room = prepared.gap - 2
    if len(hexed) > room:
        raise SigningError("Chữ ký lớn hơn chỗ dành sẵn trong tệp PDF.")
    return b"".join((prepared.prefix, prepared.head, b"<", hexed, b"0" * (room - len(hexed)), b">", prepared.tail))


# ---- preparing many documents on every core ----------------------------------------------------------------

PARALLEL_MIN = 16  # documents in a batch from which the updates are prepared in worker processes
PARALLEL_CHUNK = 8  # documents sent to a worker at a time
_pool = None
_pool_lock = threading.Lock()


def prepare_workers() -> int:
    """How many processes prepare a large batch's updates: every usable CPU, unless
    ``settings.SIGN_WORKERS`` (``HOCBASO_SIGN_WORKERS``) says otherwise (0 or 1: everything in this process)."""
    configured = settings.SIGN_WORKERS
    return configured if configured is not None else available_cpus()


def _prepare_chunk(work: tuple) -> list[Prepared]:
    """In a worker: ``prepare_update`` for each ``(pdf, job, when)``, one stamp style and reserve for all. The
    documents themselves are not sent back (``prefix`` empty): the caller has them."""
    items, reserve, style = work
    return [dataclasses.replace(prepare_update(pdf, job, when=when, reserve=reserve, stamp_style=style), prefix=b"")
            for pdf, job, when in items]


def _shutdown_pool() -> None:
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.terminate()
            _pool = None


def batch_pool():
    """The pool of ``prepare_workers()`` worker processes kept for this process's lifetime (started on first
    use), for the CPU-heavy parts of signing batches: preparing the updates, compiling the class packages'
    manifest sheets. Only documents' bytes and plain data travel to it, never a key."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = worker_pool(prepare_workers())
            atexit.register(_shutdown_pool)
        return _pool


def prepare_many(items: list[tuple[SignJob, dt.datetime]], *, reserve: int,
                 stamp_style: stamps.StampStyle) -> Iterator[Prepared]:
    """``prepare_update`` for every ``(job, when)``, yielded in order as the workers finish them, on a pool of
    worker processes kept for this process's lifetime (started on first use; the documents' bytes travel,
    never a key). Raises what ``prepare_update`` raises, at the document that fails."""
    pool = batch_pool()
    chunks = [[(job.pdf, dataclasses.replace(job, pdf=b""), when) for job, when in items[start:start + PARALLEL_CHUNK]]
              for start in range(0, len(items), PARALLEL_CHUNK)]
    for chunk, done in zip(chunks, pool.imap(_prepare_chunk, [(chunk, reserve, stamp_style) for chunk in chunks])):
        for (pdf, _job, _when), prepared in zip(chunk, done):
            prepared.prefix = pdf
            yield prepared


def document_timestamps(pdfs: list[bytes], client, *, field_name: str = "DAUTHOIGIAN") -> list[bytes]:
    """Each PDF with a document time stamp (PAdES B-LTA: ``/Type /DocTimeStamp``, ``/SubFilter /ETSI.RFC3161``,
    an invisible field ``field_name``) over the whole file, in one incremental update each: the updates prepared
    on every core for a large batch, the tokens asked of ``client`` (``tsa_client.TsaClient``) together."""
    if not pdfs:
        return []
    reserve = client.token_size() + 1024  # a TSA's tokens vary a little in size
    now = dt.datetime.now(VIETNAM).replace(microsecond=0)
    items = [(SignJob(pdf, field_name, timestamp=True), now) for pdf in pdfs]
    style = stamps.StampStyle()
    if len(items) >= PARALLEL_MIN and prepare_workers() > 1:
        # each token asked as soon as its update is prepared, while the workers prepare the next ones
        made = [(p, client.submit(p.digest)) for p in prepare_many(items, reserve=reserve, stamp_style=style)]
        try:
            return [fill_signature(p, token.result()) for p, token in made]
        finally:
            for _p, token in made:
                token.cancel()
    prepared = [prepare_update(job.pdf, job, when=when, reserve=reserve, stamp_style=style) for job, when in items]
    tokens = client.stamp_many([p.digest for p in prepared])
    return [fill_signature(p, token) for p, token in zip(prepared, tokens)]


class DocumentTimestamps:
    """``document_timestamps`` for documents that come one at a time (as a batch signs them): each chunk of
    ``PARALLEL_CHUNK`` goes to the worker processes as soon as it is complete, and each token is asked as soon as
    its update is back (from the pool's result thread), while the documents after it are still being signed;
    ``finish()`` returns them all, time-stamped, in the order they were added. Without the workers (a small
    batch or ``SIGN_WORKERS`` 0/1) ``finish()`` does what ``document_timestamps`` does.

        stamps = DocumentTimestamps(client, count=len(jobs))
        signer.sign_batch(jobs, each=stamps.add)
        stamped = stamps.finish()
    """

    def __init__(self, client, *, count: int, field_name: str = "DAUTHOIGIAN"):
        self.client, self.field_name = client, field_name
        self.pdfs: list[bytes] = []
        self._ready: dict[int, bytes] = {}
        self.count = count
        self.parallel = count >= PARALLEL_MIN and prepare_workers() > 1
        self._pending: list[bytes] = []
        self._chunks: list = []  # (the chunk's first index, its AsyncResult)
        self._tokens: dict[int, Future] = {}
        self._lock = threading.Lock()
        if self.parallel:
            self.reserve = client.token_size() + 1024  # a TSA's tokens vary a little in size
            self.now = dt.datetime.now(VIETNAM).replace(microsecond=0)
            self.style = stamps.StampStyle()

    def add(self, index: int, pdf: bytes) -> None:
        """The ``index``-th document (from 0; in any order, each once), to be time-stamped."""
        self._ready[index] = pdf
        while len(self.pdfs) in self._ready:  # in order: the chunks go out as their documents are all there
            pdf = self._ready.pop(len(self.pdfs))
            self.pdfs.append(pdf)
            if self.parallel:
                self._pending.append(pdf)
                if len(self._pending) == PARALLEL_CHUNK:
                    self._send()

    def _send(self) -> None:
        first = len(self.pdfs) - len(self._pending)
        chunk = [(pdf, SignJob(b"", self.field_name, timestamp=True), self.now) for pdf in self._pending]
        self._pending = []

        def asked(done: list[Prepared]) -> None:  # the pool's result thread: ask for the tokens now
            for offset, prepared in enumerate(done):
                try:
                    future = self.client.submit(prepared.digest)
                except BaseException as error:  # never raised in the pool's thread: finish() raises it
                    future = Future()
                    future.set_exception(error)
                with self._lock:
                    self._tokens[first + offset] = future

        self._chunks.append((first, batch_pool().apply_async(_prepare_chunk, ((chunk, self.reserve, self.style),),
                                                             callback=asked)))

    def finish(self) -> list[bytes]:
        if len(self.pdfs) != self.count:
            raise SigningError(f"Thiếu tài liệu cần đóng dấu thời gian ({len(self.pdfs)}/{self.count}).")
        if not self.parallel:
            return document_timestamps(self.pdfs, self.client, field_name=self.field_name)
        if self._pending:
            self._send()
        try:
            out = []
            for first, result in self._chunks:
                for offset, prepared in enumerate(result.get()):
                    prepared.prefix = self.pdfs[first + offset]
                    with self._lock:
                        token = self._tokens[first + offset]
                    out.append(fill_signature(prepared, token.result()))
            return out
        finally:
            self.cancel()

    def cancel(self) -> None:
        """The tokens not yet asked are not asked (a batch that failed)."""
        with self._lock:
            for future in self._tokens.values():
                future.cancel()


# ---- the batch ---------------------------------------------------------------------------------------------

@dataclass
class PadesSettings:
    """Per-deployment signing settings. ``tsa_url`` set → PAdES B-T, else B-B."""

    tsa_url: str | None = None
    tsa_timeout: float = 10.0
    stamp_style: stamps.StampStyle = field(default_factory=stamps.StampStyle)
    reason: str | None = None
    location: str | None = None


_STAMPS: dict = {}


def _stamp(text: str, width: float, height: float, style):
    """The drawn stamp and its Type 3 fonts, cached: a batch repeats the same text (name, role, minute)."""
    key = (text, round(width, 3), round(height, 3), style)  # a style is frozen: equal styles draw alike
    found = _STAMPS.get(key)
    if found is None:
        if len(_STAMPS) > 512:
            _STAMPS.clear()
        drawn = stamps.build_stamp(text, width, height, style)
        found = (drawn, [stamps.type3_objects(font, codes) for _name, font, codes in drawn.fonts])
        _STAMPS[key] = found
    return found[0], found[1]


def default_stamp_text(name: str, role: str, organisation: str | None, when: dt.datetime, *,
                       seal: bool = False) -> str:
    """The stamp's Vietnamese text: name, role, organisation, "Ký ngày dd/mm/yyyy hh:mm" (Vietnam time)."""
    local = when.astimezone(VIETNAM)
    lines = [f"Ký bởi: {name}"]
    if role:
        lines.append(role)
    if organisation:
        lines.append(("Đóng dấu: " if seal else "") + organisation)
    lines.append(f"Ký ngày {local:%d/%m/%Y %H:%M}")
    return "\n".join(lines)


def estimate_signature_size(public_key_info) -> int:
    algorithm = public_key_info.algorithm
    if algorithm == "ec":
        return 2 * ((public_key_info.bit_size + 7) // 8) + 9
    if algorithm in ("rsa", "rsassa_pss"):
        return (public_key_info.bit_size + 7) // 8
    return 512


class PadesBatch:
    """Signs many documents with one signer; what does not change between documents is computed once.

    ``raw_signer`` provides ``async_sign_raw`` (pyHanko's signers do). ``concurrent`` lets every document's
    raw signature be requested at once (CSC batching); otherwise one at a time (PKCS#11 sessions are not
    re-entrant).
    """

    def __init__(self, raw_signer: RawSigner, signing_cert: asn1_x509.Certificate,
                 other_certs: list[asn1_x509.Certificate], mechanism: algos.SignedDigestAlgorithm,
                 settings: PadesSettings | None = None, *, concurrent: bool = False,
                 stamp_text: Callable[[dt.datetime], str] | None = None):
        self.raw_signer = raw_signer
        self.settings = settings or PadesSettings()
        self.template = CmsTemplate(signing_cert, other_certs, mechanism)
        self.concurrent = concurrent
        self.stamp_text = stamp_text
        self._signature_size = estimate_signature_size(signing_cert.public_key)
        self._reserve: int | None = None

    def _reserve_for(self, tst_size: int) -> int:
        dummy = self.template.content_info(self.template.signed_attributes(bytes(32)),
                                           bytes(self._signature_size), bytes(tst_size) if tst_size else None)
        return len(dummy) + 64 + (tst_size // 4)

    async def sign(self, jobs: list[SignJob], *, progress: Callable[[int, int], Any] | None = None,
                   session=None, each: Callable[[int, bytes], Any] | None = None, prepare=None) -> list[bytes]:
        """Sign every job; returns the signed PDFs in the jobs' order (all or nothing). ``each(index, pdf)`` is
        called as each document is done, while the others are still being prepared (a caller can store it
        then); when the batch raises afterwards, the caller discards what ``each`` received. ``prepare``: what
        makes the updates instead of ``prepare_many`` (same arguments and result, for every batch size), e.g.
        ``xml_batches.XmlPadesBatch``'s, which finishes each record XML in the same worker pass."""
        timestamper = None
        tst_size = 0
        if self.settings.tsa_url:
            # deferred: only B-T signing (a TSA configured) needs the time-stamp client
            from hocbaso.signing.tsa_client import tsa_client

            timestamper = tsa_client(self.settings.tsa_url, timeout=self.settings.tsa_timeout)
            tst_size = timestamper.token_size() + 256  # certificates may vary a little between responses
        if self._reserve is None or tst_size:
            self._reserve = self._reserve_for(tst_size)
        style = self.settings.stamp_style
        done = 0

        def complete(job: SignJob) -> tuple[SignJob, dt.datetime]:
            when = dt.datetime.now(VIETNAM).replace(microsecond=0)
            text = job.stamp_text
            if job.box is not None and text is None and self.stamp_text is not None:
                text = self.stamp_text(when)
            return dataclasses.replace(job, stamp_text=text, reason=job.reason or self.settings.reason,
                                       location=job.location or self.settings.location), when

        # Large batches: the documents' updates are prepared in worker processes (no key needed there), in
        # order, while this process makes the raw signatures (where the key is) of the ones before.
        stream, ready = None, None
        if prepare is not None or (len(jobs) >= PARALLEL_MIN and prepare_workers() > 1):
            stream = (prepare or prepare_many)([complete(job) for job in jobs], reserve=self._reserve,
                                               stamp_style=style)
            if self.concurrent:  # every raw signature is requested at once: have every update ready first
                stream, ready = None, list(stream)

        async def one(index: int, job: SignJob):
            if stream is not None:
                prepared = next(stream)
            elif ready is not None:
                prepared, ready[index] = ready[index], None
            else:
                job, when = complete(job)
                prepared = prepare_update(job.pdf, job, when=when, reserve=self._reserve, stamp_style=style)
            attrs = self.template.signed_attributes(prepared.digest)
            signature = await self.raw_signer.async_sign_raw(attrs, SHA256)
            if timestamper is not None:  # its time stamp asked now, on the client's threads; finished once it came
                return prepared, attrs, signature, timestamper.submit(hashlib.sha256(signature).digest())
            return finish(index, prepared, attrs, signature, None)

        def finish(index: int, prepared: Prepared, attrs: bytes, signature: bytes, token: bytes | None) -> bytes:
            nonlocal done
            result = fill_signature(prepared, self.template.content_info(attrs, signature, token))
            done += 1
            if each is not None:
                each(index, result)
            if progress:
                progress(done, len(jobs))
            return result

        if not self.concurrent:
            results = []
            finished = 0  # with a TSA: the documents before this one are finished (their time stamps came)
            for index, job in enumerate(jobs):
                results.append(await one(index, job))
                while timestamper is not None and finished < len(results) and results[finished][3].done():
                    prepared, attrs, signature, token = results[finished]
                    results[finished] = finish(finished, prepared, attrs, signature, token.result())
                    finished += 1
        else:
            chunk = getattr(self.raw_signer, "chunk_size", None) or len(jobs)
            results = []
            for start in range(0, len(jobs), chunk):
                part = jobs[start:start + chunk]
                if hasattr(self.raw_signer, "start_chunk"):
                    self.raw_signer.start_chunk(len(part))
                results += await asyncio.gather(*(one(start + offset, job) for offset, job in enumerate(part)))
        if timestamper is None:
            return results
        # B-T: each signature's time stamp was asked as soon as the signature was made (``threads`` in flight),
        # while the next documents were prepared and signed, not one round trip after another
        try:
            for index, made in enumerate(results):
                if isinstance(made, tuple):
                    prepared, attrs, signature, token = made
                    results[index] = finish(index, prepared, attrs, signature,
                                            await asyncio.wrap_future(token))
        except BaseException:
            for made in results:
                if isinstance(made, tuple):
                    made[3].cancel()
            raise
        return results


def signature_fields(pdf: bytes) -> dict[str, bool]:
    """The document's signature fields: name → whether it holds a signature. Lets a resumed batch skip
    documents that already carry its signature."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        acroform = doc.Root.get("/AcroForm")
        found = {}
        for item in (acroform.get("/Fields") or []) if acroform is not None else []:
            if item.get("/FT") == pikepdf.Name.Sig:
                found[str(item.get("/T", ""))] = item.get("/V") is not None
        return found
