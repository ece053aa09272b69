"""Signed files that an app beyond ``records`` logged when it issued them (e.g. exchange's certified copies), found
by SHA-256: each such app registers a finder, and the public file check (``verify.files.file_check``) asks them
before validating signatures, so verify need not know the apps and they need not know verify."""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class KnownFile:
    """What a finder says of a file it logged: the verdict's code (e.g. ``authentic_copy``), the message for
    people, the file's SHA-256, who signed it and the details (the fields ``verify.files.FileVerdict`` shows)."""
    verdict: str
    message: str
    sha256: str
    signatures: list = field(default_factory=list)
    details: dict = field(default_factory=dict)


FINDERS: list[Callable[[str], KnownFile | None]] = []


def known_file_finder(fn: Callable[[str], KnownFile | None]):
    """Register ``fn(sha256) -> KnownFile | None`` (decorator; registering twice keeps one)."""
    if fn not in FINDERS:
        FINDERS.append(fn)
    return fn


def known_file_find(*, sha256: str) -> KnownFile | None:
    """The first registered finder's answer for a file's SHA-256 (hex), else None."""
    for finder in FINDERS:
        found = finder(sha256)
        if found is not None:
            return found
    return None
