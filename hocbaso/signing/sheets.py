"""Small signed sheets (one table plus the JSON it shows, attached): what a subject teacher signs for a class,
and the manifest of a class's issued records that the school's seal signs."""

import json
import threading
from pathlib import Path

import typst

HERE = Path(__file__).resolve().parent
FONTS = HERE.parent / "documents" / "fonts"


def sheet_pdf(*, left: str, right: str, title: str, subtitle: str, columns: list[str], widths: list[str],
              rows: list[list[str]], signer_title: str, signer_name: str, attachment: str, payload: dict,
              authority: str = "") -> bytes:
    """A4 PDF of one table with ``payload`` attached as ``attachment`` (JSON, sorted keys, UTF-8).
    ``widths``: typst column widths as text ("auto", "1fr", "2fr", "3cm"). ``authority``: the managing body
    printed above ``left`` (the school's name), as a record's header does."""
    view = {"authority": authority, "left": left, "right": right, "title": title, "subtitle": subtitle, "columns": columns,
            "widths": widths, "rows": [[str(cell) for cell in row] for row in rows],
            "signer_title": signer_title, "signer_name": signer_name}
    inputs = {"view": json.dumps(view, ensure_ascii=False), "attachment": attachment,
              "payload": payload_json(payload)}
    global _compiler
    with _compiler_lock:  # one compiler per process (fonts and template loaded once); not re-entrant
        if _compiler is None:
            _compiler = typst.Compiler(str(HERE / "templates" / "sheet.typ"), root=str(HERE),
                                       font_paths=[str(FONTS)], ignore_system_fonts=True)
        return _compiler.compile(sys_inputs=inputs)


_compiler = None
_compiler_lock = threading.Lock()


def payload_json(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, indent=1)
