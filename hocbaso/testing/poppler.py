"""Poppler's ``pdfsig`` and ``pdftotext`` (not our code) as a second opinion on a PDF we wrote."""

import re
import subprocess
from pathlib import Path

import pytest

from hocbaso.testing.tools import require_program


def pdfsig(data: bytes, tmp_path: Path, name: str = "doc.pdf") -> list[dict]:
    """Poppler's pdfsig report, one dict per signature (keys as pdfsig prints them)."""
    require_program("pdfsig", "poppler-utils")
    path = tmp_path / name
    path.write_bytes(data)
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    signatures: list[dict] = []
    for line in out.splitlines():
        if re.match(r"^Signature #\d+:", line):
            signatures.append({})
        elif signatures and line.strip().startswith("- "):
            key, _, value = line.strip()[2:].partition(":")
            signatures[-1][key.strip()] = value.strip()
    return signatures


def pdftext(data: bytes, tmp_path: Path, name: str = "text.pdf") -> str:
    """Poppler's ``pdftotext`` of a PDF, whitespace collapsed to single spaces (page order kept)."""
    require_program("pdftotext", "poppler-utils")
    path = tmp_path / name
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())
