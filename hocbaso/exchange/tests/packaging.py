"""Changing packages the way an attacker or a broken disk would, for the tests."""

import io
import zipfile

from django.core.files.storage import default_storage


def read(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(files: dict[str, bytes], *, compression=zipfile.ZIP_STORED) -> bytes:
    """A well-formed ZIP (CRCs right) of ``files``: what someone who edits a package with a ZIP tool makes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def flip_in_member(data: bytes, member: str, *, at: float = 0.5) -> bytes:
    """``data`` (a ZIP) with one byte changed inside ``member``'s stored bytes (the ZIP's CRC then disagrees)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
    header = info.header_offset
    name_length = int.from_bytes(data[header + 26:header + 28], "little")
    extra_length = int.from_bytes(data[header + 28:header + 30], "little")
    start = header + 30 + name_length + extra_length
    position = start + int(info.compress_size * at)
    changed = bytearray(data)
    changed[position] ^= 0x01
    return bytes(changed)


def flip_in_signed_pdf(pdf: bytes) -> bytes:
    """One byte changed inside the first compressed stream of a PDF's first revision (covered by a signature)."""
    at = pdf.index(b"stream", pdf.index(b"/FlateDecode")) + 40
    changed = bytearray(pdf)
    changed[at] ^= 0x01
    return bytes(changed)
