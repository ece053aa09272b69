"""Compression bombs, built in milliseconds without ever holding what they expand to, and a way to measure
what reading one costs: ``measured(code)`` runs ``code`` in a fresh Python process with Django set up and
reports its time and how far its peak memory (``ru_maxrss``) rose above the start.

The child process runs under an address-space limit (``RLIMIT_AS``) of its start plus ``ceiling`` MB, so an
unprotected reader fails there with ``MemoryError`` instead of taking the machine's memory: on the code
before the caps, the tests see a refusal missing, or a peak far above 200 MB, or the time limit passed."""

import io
import json
import os
import subprocess
import sys
import textwrap
import zipfile
import zlib
from pathlib import Path

import pikepdf

MB = 1024 * 1024
_ZEROS = bytes(MB)


def _deflate_blocks(size_mb: int) -> bytes:
    """Raw deflate of ``size_mb`` MiB of zero bytes: one compressed MiB repeated (each block is flushed, so
    it does not depend on the previous), and the final empty block."""
    squeezer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = squeezer.compress(_ZEROS) + squeezer.flush(zlib.Z_FULL_FLUSH)
    return block * size_mb + squeezer.flush(zlib.Z_FINISH)


def zlib_bomb(size_mb: int) -> bytes:
    """A zlib stream (a PDF's FlateDecode) that inflates to ``size_mb`` MiB of zeros, about 1 KB per MiB."""
    adler = ((size_mb * MB) % 65521) << 16 | 1  # the Adler-32 of n zero bytes: A stays 1, B is n
    return b"\x78\xda" + _deflate_blocks(size_mb) + adler.to_bytes(4, "big")


def pdf_with_attachment_bomb(size_mb: int, name: str = "hocbaso-record.json") -> bytes:
    """A one-page PDF whose attachment ``name`` declares nothing and inflates to ``size_mb`` MiB."""
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        stream = pikepdf.Stream(pdf, b"")
        stream.write(zlib_bomb(size_mb), filter=pikepdf.Name.FlateDecode)
        stream.Type = pikepdf.Name.EmbeddedFile
        spec = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Filespec, F=pikepdf.String(name),
                                                    UF=pikepdf.String(name), EF=pikepdf.Dictionary(F=stream)))
        pdf.Root.Names = pikepdf.Dictionary(EmbeddedFiles=pikepdf.Dictionary(
            Names=pikepdf.Array([pikepdf.String(name), spec])))
        out = io.BytesIO()
        pdf.save(out, stream_decode_level=pikepdf.StreamDecodeLevel.none, compress_streams=False)
        return out.getvalue()


def zip_with_bomb(members: dict[str, bytes], bomb_name: str, size_mb: int, *, declared_mb: int | None = None) -> bytes:
    """A ZIP with ``members`` stored and ``bomb_name`` deflated from ``size_mb`` MiB of zeros; its headers
    declare ``declared_mb`` MiB (the true size unless given), with the true CRC either way."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    raw = _deflate_blocks(size_mb)
    crc = 0
    for _ in range(size_mb):
        crc = zlib.crc32(_ZEROS, crc)
    declared = (declared_mb if declared_mb is not None else size_mb) * MB
    return _append_member(buffer.getvalue(), bomb_name.encode(), raw, crc, declared)


def _append_member(zip_bytes: bytes, name: bytes, raw: bytes, crc: int, size: int) -> bytes:
    """``zip_bytes`` with one more deflated member, written by hand (zipfile would compress the real bytes)."""
    end = zip_bytes.rindex(b"PK\x05\x06")
    count = int.from_bytes(zip_bytes[end + 10:end + 12], "little")
    directory_size = int.from_bytes(zip_bytes[end + 12:end + 16], "little")
    directory_at = int.from_bytes(zip_bytes[end + 16:end + 20], "little")
    files, directory = zip_bytes[:directory_at], zip_bytes[directory_at:directory_at + directory_size]
    offset = len(files)
    fields = (20).to_bytes(2, "little") + (0).to_bytes(2, "little") + (8).to_bytes(2, "little") + bytes(4) + \
        crc.to_bytes(4, "little") + len(raw).to_bytes(4, "little") + size.to_bytes(4, "little") + \
        len(name).to_bytes(2, "little") + bytes(2)
    local = b"PK\x03\x04" + fields + name + raw
    central = b"PK\x01\x02" + (20).to_bytes(2, "little") + fields + bytes(2 + 2 + 2 + 4) + \
        offset.to_bytes(4, "little") + name
    directory += central
    files += local
    tail = b"PK\x05\x06" + bytes(4) + (count + 1).to_bytes(2, "little") + (count + 1).to_bytes(2, "little") + \
        len(directory).to_bytes(4, "little") + len(files).to_bytes(4, "little") + bytes(2)
    return files + directory + tail


def xlsx_with_sheet_xml(sheet_xml: bytes) -> bytes:
    """A minimal workbook whose one sheet is ``sheet_xml`` (deflated, as Excel writes)."""
    parts = {
        "[Content_Types].xml": b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
        b'org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-pac'
        b'kage.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
        b'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocumen'
        b't.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.o'
        b'rg/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocu'
        b'ment/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.o'
        b'rg/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        b'<sheets><sheet name="DanhSach" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformat'
        b's.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


_SHEET_HEAD = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/' \
              b'spreadsheetml/2006/main"><sheetData>'


def xlsx_cell_flood(rows: int, columns: int = 20) -> bytes:
    """A workbook of ``rows`` × ``columns`` cells without references (each ``<c><v>1</v></c>``): a few hundred
    KB that openpyxl holds as millions of objects."""
    row = b"<row>" + b"<c><v>1</v></c>" * columns + b"</row>"
    return xlsx_with_sheet_xml(_SHEET_HEAD + row * rows + b"</sheetData></worksheet>")


def xlsx_far_cell() -> bytes:
    """A workbook with a header and one cell at the sheet's last row and column: reading its rows creates
    17 billion cells."""
    return xlsx_with_sheet_xml(_SHEET_HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>STT</t></is></c>'
                               b'<c r="B1" t="inlineStr"><is><t>H\xe1\xbb\x8d v\xc3\xa0 t\xc3\xaan</t></is></c></row>'
                               b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>')


def xlsx_merge_bomb(ref: str = "A1:XFD1048576") -> bytes:
    """A workbook whose one merged range covers ``ref`` (the whole sheet unless given): openpyxl creates a cell
    for each."""
    return xlsx_with_sheet_xml(_SHEET_HEAD + b'<row r="1"><c r="A1"><v>1</v></c></row></sheetData>'
                               b'<mergeCells count="1"><mergeCell ref="' + ref.encode() + b'"/></mergeCells>'
                               b'</worksheet>')


_CHILD = """
import json, os, resource, sys, time
import django
django.setup()
{prelude}
def _peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
def _status(key):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(key + ":")) * 1024
resource.setrlimit(resource.RLIMIT_AS, (_status("VmSize") + {ceiling} * 1024 * 1024,
                                        resource.getrlimit(resource.RLIMIT_AS)[1]))
start_peak, start_rss = _peak(), _status("VmRSS")
for name in sys.argv[1:]:
    data = open(name, "rb").read()
    started = time.monotonic()
    try:
{code}
        outcome = {{"result": repr(result)}}
    except MemoryError:
        outcome = {{"error": "MemoryError"}}
    except BaseException as error:
        outcome = {{"error": type(error).__name__, "message": str(error)}}
    seconds = time.monotonic() - started
    del data
    result = None
    import gc
    gc.collect()
    outcome.update(seconds=seconds, peak_mb=_peak() - start_peak,
                   kept_mb=(_status("VmRSS") - start_rss) / 1024 / 1024)
    print("MEASURED " + os.path.basename(name) + " " + json.dumps(outcome, ensure_ascii=False), flush=True)
"""


def measured_each(code: str, inputs: dict[str, bytes], *, prelude: str = "", ceiling: int = 700,
                  timeout: float = 60, tmp_path: Path) -> dict[str, dict]:
    """Run ``code`` (statements that set ``result`` from ``data``) on each input in turn, in one fresh process
    after ``prelude`` (imports, warm-up: not measured). For each input: ``{"result" or "error", "seconds",
    "peak_mb", "kept_mb"}``, where ``peak_mb`` is how far the process's peak resident memory has risen above
    what it was after the prelude (so far: a bound on this input's own peak too) and ``kept_mb`` how much more
    it still holds once the input is dropped (the worker's memory back to normal, or not). Inputs not reached
    when the ``timeout`` kills the process count as ``{"error": "timeout"}``."""
    folder = tmp_path / "inputs"
    folder.mkdir(exist_ok=True)
    for name, data in inputs.items():
        (folder / name).write_bytes(data)
    script = _CHILD.format(prelude=textwrap.dedent(prelude), ceiling=ceiling,
                           code=textwrap.indent(textwrap.dedent(code), " " * 8))
    # the child's own SQLite database in tmp_path, whatever database the suite runs on
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="hocbaso.settings", MALLOC_ARENA_MAX="2", HOCBASO_DATA_DIR=str(tmp_path / "data"))
    command = [sys.executable, "-c", script, *(str(folder / name) for name in inputs)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env,
                              cwd=Path(__file__).resolve().parents[2])
        stdout, stderr = done.stdout, done.stderr
    except subprocess.TimeoutExpired as expired:
        stdout = (expired.stdout or b"").decode() if isinstance(expired.stdout, bytes) else expired.stdout or ""
        stderr = ""
    found = {}
    for line in stdout.splitlines():
        if line.startswith("MEASURED "):
            name, _space, outcome = line[len("MEASURED "):].partition(" ")
            found[name] = json.loads(outcome)
    missing = {"error": "timeout", "seconds": timeout, "peak_mb": None, "kept_mb": None}
    assert found or not stderr.strip(), f"the measured process failed:\n{stderr[-3000:]}"
    return {name: found.get(name, missing) for name in inputs}


def measured(code: str, data: bytes, *, prelude: str = "", ceiling: int = 700, timeout: float = 60,
             tmp_path: Path) -> dict:
    """``measured_each`` of one input."""
    return measured_each(code, {"input": data}, prelude=prelude, ceiling=ceiling, timeout=timeout,
                         tmp_path=tmp_path)["input"]
