"""Small signed sheets (one table plus the JSON it shows, attached): what a subject teacher signs for a class,
and the manifest of a class's issued records that the school's seal signs."""

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
FONTS = HERE.parent / "documents" / "fonts"


def sheet_pdf(*, left: str, right: str, title: str, subtitle: str, columns: list[str], widths: list[str],
              rows: list[list[str]], signer_title: str, signer_name: str, attachment: str, payload: dict) -> bytes:
    """A4 PDF of one table with ``payload`` attached as ``attachment`` (JSON, sorted keys, UTF-8).
    ``widths``: typst column widths as text ("auto", "1fr", "2fr", "3cm")."""
    import typst

    view = {"left": left, "right": right, "title": title, "subtitle": subtitle, "columns": columns,
            "widths": widths, "rows": [[str(cell) for cell in row] for row in rows],
            "signer_title": signer_title, "signer_name": signer_name}
    return typst.compile(str(HERE / "templates" / "sheet.typ"), root=str(HERE), font_paths=[str(FONTS)],
                         ignore_system_fonts=True,
                         sys_inputs={"view": json.dumps(view, ensure_ascii=False), "attachment": attachment,
                                     "payload": payload_json(payload)})


def payload_json(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, indent=1)
