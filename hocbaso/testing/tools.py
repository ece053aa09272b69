"""Outside programs the tests use as second opinions (poppler, xmlsec1, SoftHSM2). On a developer's machine a
missing one skips the test; under CI (``CI`` set) it fails it, so an acceptance check never passes by skipping."""

import os
import shutil

import pytest


def tool_missing(reason: str) -> None:
    """Skip the calling test because ``reason`` (a missing program); fail it instead when running under CI."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}: CI must have it (scripts/system-packages.txt)")
    pytest.skip(reason)


def require_program(name: str, package: str) -> str:
    """The path of program ``name``; skip (fail under CI) when the Debian ``package`` is not installed."""
    path = shutil.which(name)
    if path is None:
        tool_missing(f"{name} is not installed (Debian package {package})")
    return path
