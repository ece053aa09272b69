"""The QR code printed on a học bạ page: the public verification URL of the record, as a small SVG.

Every record rendered carries one, so the symbol is built here without segno's general path (mode analysis,
bit buffers, a function call per module; about 1 ms a code, a fifth of the render workers' non-typst time):
an ASCII text in byte mode, versions 1 to 9, mask pattern 0. The result is the same symbol as
``segno.make(text, error="m", mask=0, micro=False)`` (tests compare every module over many texts) and
segno's own tables and function-pattern helpers are used; anything else (other modes, longer texts,
another mask) goes through segno itself.
"""

import re
from functools import lru_cache
from itertools import zip_longest

import segno
from segno import consts, encoder

QUIET_ZONE = 4  # modules of empty margin around the symbol (ISO/IEC 18004 asks for 4)
_M, _Q, _H = consts.ERROR_LEVEL_M, consts.ERROR_LEVEL_Q, consts.ERROR_LEVEL_H
_FAST_VERSIONS = range(1, 10)  # byte mode's character count takes 8 bits up to version 9
_ALPHANUMERIC = frozenset(chr(c) for c in consts.ALPHANUMERIC_CHARS)
_RUNS = re.compile(rb"\x01+")


def qr_svg(url: str, *, mask: int | None = 0) -> str:
    """An SVG whose black modules encode ``url`` (error correction M, at least), quiet zone included.

    The SVG is drawn as one path of horizontal runs, so the same URL always gives the same text.
    ``mask`` is fixed to pattern 0 by default: choosing the "best" of the eight patterns is most of
    segno's time and any pattern decodes; ``None`` lets segno choose.
    """
    matrix = qr_matrix(url, mask=mask)
    runs = []
    for y, row in enumerate(matrix):
        for run in _RUNS.finditer(bytes(row)):
            runs.append(f"M{run.start() + QUIET_ZONE} {y + QUIET_ZONE}h{run.end() - run.start()}v1h-"
                        f"{run.end() - run.start()}z")
    side = len(matrix) + 2 * QUIET_ZONE
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" shape-rendering="crispEdges">'
            f'<path fill="#000" d="{"".join(runs)}"/></svg>')


def qr_matrix(text: str, *, mask: int | None = 0) -> tuple[bytearray, ...]:
    """The symbol's modules (rows of 0 and 1, no quiet zone): ``segno.make(text, error="m", mask=mask,
    micro=False).matrix``, by the short path when it applies."""
    if mask == 0:
        fast = _byte_mode_symbol(text)
        if fast is not None:
            return fast
    return segno.make(text, error="m", mask=mask, micro=False).matrix


def _byte_mode_symbol(text: str) -> tuple[bytearray, ...] | None:
    # segno writes digits-only and alphanumeric-only texts in their own modes, and non-ASCII in ISO-8859-1
    # or UTF-8: those go through segno.
    if not text or not text.isascii() or all(c in _ALPHANUMERIC for c in text):
        return None
    data = text.encode("ascii")
    length = 4 + 8 + 8 * len(data)  # mode indicator, character count, the bytes
    version = next((v for v in _FAST_VERSIONS if consts.SYMBOL_CAPACITY[v][_M] >= length), None)
    if version is None:
        return None
    error = _M
    for level in (_Q, _H):  # as segno's boost_error: the best level the same version holds
        if consts.SYMBOL_CAPACITY[version][level] < length:
            break
        error = level
    capacity = consts.SYMBOL_CAPACITY[version][error]  # bits, a multiple of 8

    # The data codewords: mode 0100, count, bytes, up to 4 terminator bits, zeros to the next byte (as segno
    # writes them: a whole zero byte when already there, cut off again if the symbol is full), pad codewords.
    bits = (((0b0100 << 8) | len(data)) << (8 * len(data))) | int.from_bytes(data, "big")
    terminated = length + min(4, capacity - length)
    filled = terminated + 8 - terminated % 8
    bits <<= filled - length
    pad = max(0, capacity // 8 - filled // 8)
    codewords = (bits.to_bytes(filled // 8, "big") + (b"\xec\x11" * (pad // 2 + 1))[:pad])[:capacity // 8]

    # Error correction per block (segno's tables), data and then error codewords interleaved.
    data_blocks, error_blocks, offset = [], [], 0
    log, exp = consts.GALIOS_LOG, consts.GALIOS_EXP
    for info in consts.ECC[version][error]:
        count = info.num_total - info.num_data
        generator = consts.GEN_POLY[count]
        for _ in range(info.num_blocks):
            block = codewords[offset:offset + info.num_data]
            offset += info.num_data
            data_blocks.append(block)
            remainder = bytearray(block) + bytearray(count)
            for k in range(len(block)):
                coefficient = remainder[k]
                if coefficient:
                    factor = log[coefficient]
                    for n in range(count):
                        remainder[k + n + 1] ^= exp[factor + generator[n]]
            error_blocks.append(remainder[len(block):])
    message = bytes(c for group in (data_blocks, error_blocks)
                    for column in zip_longest(*group) for c in column if c is not None)

    template, places = _layout(version)
    stream = format(int.from_bytes(message, "big"), f"0{8 * len(message)}b")
    stream += "0" * (len(places) - len(stream))  # remainder bits (7 in versions 2 to 6)
    matrix = tuple(bytearray(row) for row in template)
    for (i, j, flip), bit in zip(places, stream):
        matrix[i][j] = (bit == "1") ^ flip
    encoder.add_format_info(matrix, version, error, 0)
    encoder.add_version_info(matrix, version)
    return matrix


@lru_cache(maxsize=None)
def _layout(version: int) -> tuple[tuple[bytes, ...], tuple[tuple[int, int, int], ...]]:
    """For one version: the function patterns (segno's), and the data modules in placement order, each with
    mask pattern 0's flip ((i + j) even). Every free module of the template is in the encoding region: segno's
    ``make_matrix`` reserves the format areas and the dark module (its mask skips exactly those)."""
    width = version * 4 + 17
    template = encoder.make_matrix(width, width)
    encoder.add_finder_patterns(template, width, width)
    encoder.add_alignment_patterns(template, width, width)
    places = []
    # ISO/IEC 18004 7.7.3, as segno's add_codewords: two-module columns from the right, up and down in turn.
    for right in range(width - 1, 0, -2):
        if right <= 6:
            right -= 1
        for vertical in range(width):
            for z in range(2):
                j = right - z
                upwards = ((right & 2) == 0) ^ (j < 6)
                i = (width - 1 - vertical) if upwards else vertical
                if template[i][j] == 0x2:
                    places.append((i, j, int((i + j) % 2 == 0)))
    return tuple(bytes(row) for row in template), tuple(places)
