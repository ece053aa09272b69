"""Every extract recorded (the 2026 draft circular: each electronic copy or extract can be traced to its origin):
``extract_record`` writes who took which issued version in which form, through which channel. The verification
app records its downloads and API answers here (docs/record-xml.md, "Extracts")."""

import hashlib

from hocbaso.records.models import Extract, IssuedRecord


def extract_record(*, issued: IssuedRecord, form: str, channel: str, data: bytes = b"", by=None) -> Extract:
    """Record that ``issued`` left the system as ``form`` (``ExtractForm``) through ``channel``; ``data`` is what
    was served (its SHA-256 is kept), ``by`` the user if one is signed in (none after a public lookup's second
    factor)."""
    user = by if by is not None and getattr(by, "is_authenticated", False) else None
    return Extract.objects.create(issued=issued, form=form, channel=channel, by=user,
                                  sha256=hashlib.sha256(data).hexdigest() if data else "")


def extracts_of(issued: IssuedRecord):
    """The extracts of a record, newest first."""
    return Extract.objects.filter(issued=issued).order_by("-at")
