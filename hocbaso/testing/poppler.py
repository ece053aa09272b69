"""Poppler's ``pdfsig`` (not our code) as a second opinion on a signed PDF."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest


def pdfsig(data: bytes, tmp_path: Path, name: str = "doc.pdf") -> list[dict]:
    """Poppler's pdfsig report, one dict per signature (keys as pdfsig prints them)."""
    if shutil.which("pdfsig") is None:
        pytest.skip("pdfsig is not installed (Debian package poppler-utils)")
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
