"""The visible signature stamp, drawn with a Type 3 font built from cached glyph outlines.

Why Type 3: embedding a TrueType subset means running a font subsetter for every signature (about 40 ms
per document with pyHanko); the stamp needs only a few dozen glyphs. Each glyph's outline is turned into a
small PDF content stream once per process; a stamp then only assembles the glyphs it uses, with widths and a
ToUnicode map so that the stamp's text can still be copied and searched (pdftotext shows it).

Vietnamese needs no shaping here: every NFC-composed Vietnamese letter has its own glyph in the font.
"""

from __future__ import annotations

import unicodedata
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR = FONTS / "NotoSerif-Regular-vi.ttf"
BOLD = FONTS / "NotoSerif-Bold-vi.ttf"


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class _PdfPen(BasePen):
    """Records an outline as PDF path operators, scaled to 1000 units per em (quadratics become cubics)."""

    def __init__(self, glyph_set, scale: float):
        super().__init__(glyph_set)
        self.scale = scale
        self.ops: list[str] = []

    def _p(self, *points) -> str:
        s = self.scale
        return " ".join(f"{round(x * s)} {round(y * s)}" for x, y in points)

    def _moveTo(self, pt):
        self.ops.append(f"{self._p(pt)} m")

    def _lineTo(self, pt):
        self.ops.append(f"{self._p(pt)} l")

    def _curveToOne(self, pt1, pt2, pt3):
        self.ops.append(f"{self._p(pt1, pt2, pt3)} c")

    def _closePath(self):
        self.ops.append("h")


@dataclass
class Glyph:
    width: int  # advance in 1000 units per em
    proc: bytes  # the Type 3 glyph procedure (d1 + path + fill)
    stream: bytes = b""  # the procedure as a finished (compressed) PDF stream body, built once


class OutlineFont:
    """A TrueType font whose glyphs are served as Type 3 procedures, each built once and cached."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.tt = TTFont(str(path), lazy=True)
        self.scale = 1000.0 / self.tt["head"].unitsPerEm
        self.cmap = self.tt.getBestCmap()
        self.glyph_set = self.tt.getGlyphSet()
        self.hmtx = self.tt["hmtx"]
        head = self.tt["head"]
        s = self.scale
        self.bbox = [round(head.xMin * s), round(head.yMin * s), round(head.xMax * s), round(head.yMax * s)]
        self.ascent = round(self.tt["hhea"].ascent * s)
        self.descent = round(self.tt["hhea"].descent * s)
        self._glyphs: dict[str, Glyph] = {}

    def glyph(self, char: str) -> Glyph:
        found = self._glyphs.get(char)
        if found is None:
            found = self._glyphs[char] = self._build(char)
        return found

    def _build(self, char: str) -> Glyph:
        name = self.cmap.get(ord(char)) or self.cmap.get(ord("?"))
        width = round(self.hmtx[name][0] * self.scale)
        pen = _PdfPen(self.glyph_set, self.scale)
        self.glyph_set[name].draw(pen)
        if pen.ops:
            bounds = _bounds(pen.ops)
            proc = f"{width} 0 {bounds} d1\n" + "\n".join(pen.ops) + "\nf"
        else:
            proc = f"{width} 0 0 0 0 0 d1"
        data = proc.encode("ascii")
        return Glyph(width, data, stream("", data, True))

    def text_width(self, text: str, size: float) -> float:
        return sum(self.glyph(ch).width for ch in text) * size / 1000.0


def _bounds(ops: list[str]) -> str:
    xs, ys = [], []
    for op in ops:
        parts = op.split()[:-1]
        xs += [int(v) for v in parts[0::2]]
        ys += [int(v) for v in parts[1::2]]
    return f"{min(xs)} {min(ys)} {max(xs)} {max(ys)}"


@lru_cache(maxsize=4)
def outline_font(path: str) -> OutlineFont:
    """One cached ``OutlineFont`` per font file and process."""
    return OutlineFont(Path(path))


@dataclass(frozen=True)
class StampStyle:
    """How a stamp looks. Colours are DeviceRGB triples; sizes in points."""

    regular: str = str(REGULAR)
    bold: str = str(BOLD)
    color: tuple[float, float, float] = (0.6, 0.0, 0.0)  # dark red, like a seal's ink
    border_width: float = 0.8
    max_size: float = 10.0
    min_size: float = 4.0
    padding: float = 4.0
    leading: float = 1.25
    compress: bool = True


@dataclass
class StampObjects:
    """A stamp as PDF objects to be numbered by the writer.

    ``appearance`` is the form XObject's dictionary body (without /Length) and stream; ``fonts`` maps a
    resource name to (font dictionary template, [glyph procedure streams], ToUnicode stream). In templates
    ``{ref:KEY}`` marks where the writer puts the reference to object KEY.
    """

    content: bytes
    bbox: tuple[float, float]
    fonts: list = field(default_factory=list)


class _Type3Builder:
    """Assigns single-byte codes to characters of one font in one stamp."""

    def __init__(self, font: OutlineFont):
        self.font = font
        self.codes: dict[str, int] = {}

    def encode(self, text: str) -> bytes:
        out = bytearray()
        for ch in text:
            code = self.codes.get(ch)
            if code is None:
                code = 32 if ch == " " else 33 + len([c for c in self.codes if c != " "])
                if code > 255:
                    raise ValueError("too many distinct characters in one stamp")
                self.codes[ch] = code
            out.append(code)
        return bytes(out)


def _tounicode(codes: dict[str, int]) -> bytes:
    lines = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
             "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
             "1 begincodespacerange", "<00> <FF>", "endcodespacerange"]
    items = sorted((code, ch) for ch, code in codes.items())
    for start in range(0, len(items), 100):
        chunk = items[start:start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{code:02X}> <{ch.encode('utf-16-be').hex().upper()}>" for code, ch in chunk]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


def fit_lines(lines: list[tuple[str, bool]], width: float, height: float, style: StampStyle) -> float:
    """The largest font size (≤ style.max_size) at which every line fits the box; at least style.min_size."""
    regular, bold = outline_font(style.regular), outline_font(style.bold)
    usable_w = max(width - 2 * style.padding, 1.0)
    usable_h = max(height - 2 * style.padding, 1.0)
    widest = max((bold if is_bold else regular).text_width(text, 1.0) for text, is_bold in lines) or 1.0
    size = min(style.max_size, usable_w / widest, usable_h / (len(lines) * style.leading))
    return max(size, style.min_size)


def build_stamp(text: str, width: float, height: float, style: StampStyle = StampStyle()) -> StampObjects:
    """The appearance of a stamp of ``width`` × ``height`` points showing ``text``.

    Guarantees: the text is NFC-normalised; each line fits the box (the size shrinks down to
    ``style.min_size``); the first line is bold; lines are left-aligned and vertically centred; a thin frame
    in the stamp's colour surrounds it. Characters missing from the font are drawn as '?'.
    """
    text = unicodedata.normalize("NFC", text)
    raw_lines = [line.strip() for line in text.splitlines() if line.strip()] or [" "]
    lines = [(line, i == 0) for i, line in enumerate(raw_lines)]
    size = fit_lines(lines, width, height, style)
    regular, bold = outline_font(style.regular), outline_font(style.bold)
    builders = {False: _Type3Builder(regular), True: _Type3Builder(bold)}
    r, g, b = style.color
    ops = [f"q {_num(r)} {_num(g)} {_num(b)} RG {_num(r)} {_num(g)} {_num(b)} rg"]
    if style.border_width > 0:
        half = style.border_width / 2
        ops.append(f"{_num(style.border_width)} w {_num(half)} {_num(half)} {_num(width - 2 * half)} "
                   f"{_num(height - 2 * half)} re S")
    line_height = size * style.leading
    block = line_height * len(lines)
    top = (height + block) / 2
    ascent_share = regular.ascent / (regular.ascent - regular.descent)
    ops.append("BT")
    for index, (line, is_bold) in enumerate(lines):
        baseline = top - index * line_height - line_height * ascent_share
        name = "/FB" if is_bold else "/FR"
        encoded = builders[is_bold].encode(line)
        ops.append(f"{name} {_num(size)} Tf 1 0 0 1 {_num(style.padding)} {_num(baseline)} Tm "
                   f"<{encoded.hex().upper()}> Tj")
    ops.append("ET Q")
    content = "\n".join(ops).encode("ascii")
    fonts = []
    for is_bold, name in ((False, "FR"), (True, "FB")):
        builder = builders[is_bold]
        if not builder.codes:
            continue
        fonts.append((name, builder.font, dict(builder.codes)))
    return StampObjects(content=content, bbox=(width, height), fonts=fonts)


def type3_objects(font: OutlineFont, codes: dict[str, int], compress: bool = True):
    """The font dictionary (a template with ``{proc:CODE}`` and ``{tounicode}`` placeholders), the glyph
    procedures by code as finished stream bodies, and the ToUnicode stream data, for one Type 3 font."""
    first, last = min(codes.values()), max(codes.values())
    by_code = {code: ch for ch, code in codes.items()}
    widths = " ".join(str(font.glyph(by_code[c]).width) if c in by_code else "0" for c in range(first, last + 1))
    differences = " ".join(f"{c} /g{c}" for c in sorted(by_code))
    procs = {c: font.glyph(ch).stream for c, ch in by_code.items()}
    bbox = " ".join(str(v) for v in font.bbox)
    template = (f"<< /Type /Font /Subtype /Type3 /FontBBox [{bbox}] /FontMatrix [0.001 0 0 0.001 0 0] "
                f"/CharProcs << " + " ".join(f"/g{c} {{proc:{c}}}" for c in sorted(by_code)) + " >> "
                f"/Encoding << /Type /Encoding /Differences [{differences}] >> /FirstChar {first} "
                f"/LastChar {last} /Widths [{widths}] /Resources << >> /ToUnicode {{tounicode}} >>")
    return template, procs, _tounicode(codes)


def stream(body_dict: str, data: bytes, compress: bool) -> bytes:
    """A PDF stream object body; compressed with Flate when that makes it smaller."""
    if compress and len(data) > 64:
        packed = zlib.compress(data, 6)
        if len(packed) < len(data):
            return (f"<< {body_dict} /Filter /FlateDecode /Length {len(packed)} >>\nstream\n".encode("ascii")
                    + packed + b"\nendstream")
    return f"<< {body_dict} /Length {len(data)} >>\nstream\n".encode("ascii") + data + b"\nendstream"
