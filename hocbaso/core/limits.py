"""Resource limits on input that is decompressed or parsed (PDF streams and attachments, ZIP packages, .xlsx
workbooks): every reader checks the sizes the input declares, then reads in chunks and stops as soon as the
actual bytes pass the cap or the time limit runs out, so a compression bomb costs a few megabytes and a few
milliseconds, never the worker. Over a limit, ``TooLarge`` carries a Vietnamese message naming what was too
big; callers turn it into their usual refusal (never a server error).

The caps are far above what the product writes or a school sends (a record's JSON is tens of kilobytes, a
class package a few megabytes) and far below what hurts a worker; docs/security.md has the figures."""

import time
import zipfile
import zlib

MB = 1024 * 1024
CHUNK = 256 * 1024
# A PDF attachment (a record's JSON, a package's manifest) once decoded, and any other stream of a PDF.
ATTACHMENT_MAX = 4 * MB
PDF_STREAM_MAX = 32 * MB
PDF_ATTACHMENTS_MAX = 50  # embedded files looked at in one PDF
# A ZIP (a class or transfer package, an archive's members as read by the upload pages).
ZIP_MEMBERS_MAX = 2000
ZIP_MEMBER_MAX = 32 * MB
ZIP_TOTAL_MAX = 96 * MB
# Worst expansion of the PDF filters we do not inflate ourselves (LZW, RunLength): a stream under them is read
# only when even that expansion stays under the cap.
_WORST_RATIO = 4096
# Seconds one reader may spend on one input.
TIME_LIMIT = 20.0


def size_text(count: int) -> str:
    """A size as people read it: ``5 MB``, ``1.5 MB``, ``100 KB``."""
    if count >= MB:
        return f"{count / MB:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, count // 1024)} KB"


class TooLarge(ValueError):
    """An input over a resource limit; ``str()`` is the Vietnamese refusal naming what was too big."""


class Deadline:
    """A time limit for reading one input, checked between chunks: ``check()`` raises ``TooLarge`` once it is
    over."""

    def __init__(self, what: str, seconds: float = TIME_LIMIT):
        self.what, self.seconds = what, seconds
        self.end = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise TooLarge(f"{self.what} cần quá nhiều thời gian để đọc (quá {self.seconds:.0f} giây); hệ thống "
                           "không xử lý tệp này.")


def too_big(what: str, limit: int) -> TooLarge:
    return TooLarge(f"{what} quá lớn khi giải nén (tối đa {size_text(limit)}); hệ thống không xử lý tệp này.")


def inflate(raw: bytes, *, limit: int, what: str, deadline: Deadline | None = None) -> bytes:
    """``raw`` zlib-decompressed in chunks, refused with ``TooLarge`` as soon as the output passes ``limit``
    bytes (never more than ``limit + CHUNK`` held); ``zlib.error`` on damaged data."""
    deadline = deadline or Deadline(what)
    inflater = zlib.decompressobj()
    out = bytearray()
    pending = raw
    while pending and not inflater.eof:
        out += inflater.decompress(pending, CHUNK)
        pending = inflater.unconsumed_tail
        if len(out) > limit:
            raise too_big(what, limit)
        deadline.check()
    out += inflater.flush(CHUNK)
    if len(out) > limit:
        raise too_big(what, limit)
    return bytes(out)


def _names(value) -> list[str]:
    """A PDF /Filter value (a name, an array of names, or nothing) as a list of strings."""
    if value is None:
        return []
    if str(value).startswith("/"):
        return [str(value)]
    try:
        return [str(item) for item in value]
    except TypeError:
        return [str(value)]


def pdf_stream_read(stream, *, limit: int = PDF_STREAM_MAX, what: str = "Dữ liệu trong tệp PDF",
                    deadline: Deadline | None = None) -> bytes:
    """The decoded bytes of a pikepdf stream, read only once its decoded size is known to be under ``limit``:
    a FlateDecode stream is first inflated here in chunks with the cap; a stream under filters we cannot
    bound cheaply (LZW, RunLength, chains) only when its raw bytes times their worst expansion stay under the
    cap. Image codecs are not decoded by anything that reads our PDFs, so they are refused here."""
    filters = _names(stream.get("/Filter"))
    raw = stream.read_raw_bytes()
    if not filters:
        if len(raw) > limit:
            raise too_big(what, limit)
        return raw
    if filters == ["/FlateDecode"]:
        try:
            inflate(raw, limit=limit, what=what, deadline=deadline)
        except zlib.error:
            pass  # damaged: qpdf decodes what it can, as before; the size is bounded by what inflated
    elif len(raw) * _WORST_RATIO > limit:
        raise too_big(what, limit)
    return stream.read_bytes()


def pdf_attachment_read(filespec, *, limit: int = ATTACHMENT_MAX, what: str = "Tệp đính kèm trong PDF",
                        deadline: Deadline | None = None) -> bytes:
    """The bytes of a pikepdf attachment (``AttachedFileSpec``), with its declared size (``/Params /Size``)
    and its actual decoded size both capped at ``limit``."""
    stream = filespec.get_file().obj
    params = stream.get("/Params")
    declared = params.get("/Size") if params is not None else None
    try:
        if declared is not None and int(declared) > limit:
            raise too_big(what, limit)
    except (TypeError, ValueError):
        pass  # a size that is not a number says nothing; the actual size is checked below
    return pdf_stream_read(stream, limit=limit, what=what, deadline=deadline)


def pdf_attachments(document, *, limit: int = PDF_ATTACHMENTS_MAX) -> dict:
    """The attachments of a pikepdf document by name (at most ``limit`` of them looked at)."""
    found = {}
    for name, spec in document.attachments.items():
        if len(found) >= limit:
            raise TooLarge(f"Tệp PDF có quá nhiều tệp đính kèm (tối đa {limit}); hệ thống không xử lý tệp này.")
        found[name] = spec
    return found


def zip_check(archive: zipfile.ZipFile, *, what: str = "Tệp ZIP", members: int = ZIP_MEMBERS_MAX,
              member: int = ZIP_MEMBER_MAX, total: int = ZIP_TOTAL_MAX) -> None:
    """Refuse a ZIP by what its directory declares: too many members, a member or the whole too large once
    decompressed."""
    infos = archive.infolist()
    if len(infos) > members:
        raise TooLarge(f"{what} có quá nhiều tệp bên trong ({len(infos)}; tối đa {members}); hệ thống không xử "
                       "lý tệp này.")
    declared = 0
    for info in infos:
        if info.file_size > member:
            raise too_big(f"{what}: tệp {info.filename[:80]} bên trong", member)
        declared += info.file_size
    if declared > total:
        raise too_big(what, total)


def zip_member_read(archive: zipfile.ZipFile, name, *, limit: int = ZIP_MEMBER_MAX, what: str = "Tệp ZIP",
                    deadline: Deadline | None = None) -> bytes:
    """One member's bytes, read in chunks and refused with ``TooLarge`` once past ``limit`` (whatever its
    header declares); zipfile's own errors (bad CRC, damaged data) pass through."""
    deadline = deadline or Deadline(what)
    out = bytearray()
    with archive.open(name) as handle:
        while chunk := handle.read(CHUNK):
            out += chunk
            if len(out) > limit:
                label = name.filename if isinstance(name, zipfile.ZipInfo) else name
                raise too_big(f"{what}: tệp {str(label)[:80]} bên trong", limit)
            deadline.check()
    return bytes(out)


def zip_read_all(archive: zipfile.ZipFile, *, what: str = "Tệp ZIP", members: int = ZIP_MEMBERS_MAX,
                 member: int = ZIP_MEMBER_MAX, total: int = ZIP_TOTAL_MAX):
    """Every member as ``(name, bytes or the exception that reading it raised)``, declared and actual sizes
    capped (``TooLarge`` for the whole ZIP when one is over)."""
    zip_check(archive, what=what, members=members, member=member, total=total)
    deadline = Deadline(what)
    read = 0
    for info in archive.infolist():
        try:
            data = zip_member_read(archive, info, limit=member, what=what, deadline=deadline)
        except TooLarge:
            raise
        except Exception as error:  # CRC mismatch, broken header, bad compression: the caller reports it
            yield info.filename, error
            continue
        read += len(data)
        if read > total:
            raise too_big(what, total)
        yield info.filename, data
