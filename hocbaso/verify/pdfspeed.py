"""Faster token readers for pyHanko's PDF parser, for validating uploaded files within the time budget.

pyHanko's parser is pure Python and reads one byte at a time. Full validation of a two-signature học bạ
spends most of its time there: the difference analysis reads every object of the signed revision, and a
signature's ``/Contents`` is a hex string of tens of kilobytes read several times. ``install()`` replaces
three small readers with versions that scan with ``bytes.find``/regular expressions:

- ``generic.read_hex_string_from_stream``: ``<...>`` holding only hex digits and whitespace;
- ``misc._read_until_class`` (behind ``read_until_delimiter``/``read_until_whitespace``): the same bytes
  read, the same stream position and the same end-of-stream flag;
- ``generic._decode_name``: names without ``#`` escapes.

Anything else (comments or bad tokens in a hex string, a missing ``>``, escaped or non-ASCII names) goes to
pyHanko's own function, so every result and every error stays pyHanko's; ``test_pdfspeed`` checks the
readers against the originals. Idempotent; ``uninstall()`` puts the originals back.
"""

import binascii
import re

_PLAIN = re.compile(rb"[0-9A-Fa-f \n\r\t\f\x00]*")
_WHITESPACE = b" \n\r\t\f\x00"
_CHUNK = 1 << 16


def _fast_reader(original, pdf_string):
    def read_hex_string_from_stream(stream):
        start = stream.tell()
        stream.read(1)  # the "<"
        body = bytearray()
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            end = chunk.find(b">")
            if end >= 0:
                body += chunk[:end]
                break
            body += chunk
        else:  # pragma: no cover - the loop always breaks
            pass
        if not chunk or end < 0 or not _PLAIN.fullmatch(body):
            stream.seek(start)
            return original(stream)
        digits = bytes(body).translate(None, _WHITESPACE)
        if len(digits) % 2:
            digits += b"0"
        stream.seek(start + 1 + len(body) + 1)
        return pdf_string(binascii.unhexlify(digits))

    read_hex_string_from_stream.original = original
    return read_hex_string_from_stream


def _fast_until_class(original):
    patterns: dict[bytes, re.Pattern] = {}

    def _read_until_class(class_chars: bytes, stream, maxchars=None):
        pattern = patterns.get(class_chars)
        if pattern is None:
            pattern = patterns[class_chars] = re.compile(b"[" + re.escape(class_chars) + b"]")
        start = stream.tell()
        if maxchars:
            chunk = stream.read(maxchars)
            found = pattern.search(chunk)
            if found:
                stream.seek(start + found.start() + 1)
                return chunk[:found.start()], False
            return chunk, len(chunk) < maxchars
        data = b""
        size = 64
        while True:
            chunk = stream.read(size)
            if not chunk:
                return data, True
            found = pattern.search(chunk)
            if found:
                stream.seek(start + len(data) + found.start() + 1)
                return data + chunk[:found.start()], False
            data += chunk
            size = min(size * 4, _CHUNK)

    _read_until_class.original = original
    return _read_until_class


_PLAIN_NAME = re.compile(rb"[\x21-\x7e]*")


def _fast_decode_name(original, name_object):
    def _decode_name(name_bytes: bytes):
        if b"#" in name_bytes or not _PLAIN_NAME.fullmatch(name_bytes):
            return original(name_bytes)
        for byte in b"()<>[]{}/%":  # never in a name read by read_until_delimiter; pyHanko refuses them
            if byte in name_bytes:
                return original(name_bytes)
        return name_object("/" + name_bytes.decode("ascii"))

    _decode_name.original = original
    return _decode_name


def install() -> None:
    from pyhanko.pdf_utils import generic, misc  # deferred: pyhanko is heavy; only a file's full validation needs it

    if getattr(generic.read_hex_string_from_stream, "original", None) is None:
        generic.read_hex_string_from_stream = _fast_reader(generic.read_hex_string_from_stream, generic.pdf_string)
    if getattr(misc._read_until_class, "original", None) is None:
        misc._read_until_class = _fast_until_class(misc._read_until_class)
    if getattr(generic._decode_name, "original", None) is None:
        generic._decode_name = _fast_decode_name(generic._decode_name, generic.NameObject)


def uninstall() -> None:
    from pyhanko.pdf_utils import generic, misc  # deferred: pyhanko is heavy; only a file's full validation needs it

    for module, name in ((generic, "read_hex_string_from_stream"), (misc, "_read_until_class"),
                         (generic, "_decode_name")):
        original = getattr(getattr(module, name), "original", None)
        if original is not None:
            setattr(module, name, original)
