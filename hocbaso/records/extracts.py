"""Every extract recorded (the 2026 draft circular: each electronic copy or extract can be traced to its origin):
``extract_record`` writes who took which issued version in which form, through which channel.

Where an issued record leaves the system (docs/record-xml.md, "Extracts"):

- ``verify.download`` / ``verify.download_xml``: the lookup page's PDF and XML after the second factor;
- ``verify.api_xml`` / ``verify.api_full``: the public API's signed XML and JSON;
- ``portal.record_pdf``: the school's own staff opening the issued PDF in the portal;
- ``copies.copy_issue:<n>`` / ``copies.download:<n>``: a certified copy (bản sao) signed, then downloaded;
- ``transfer.build:<id>`` / ``transfer.download:<id>``: a transfer package sealed, then fetched by its link;
- the school's submission to the office (``exchange.submission``) logs its own;
- ``exchange.sector_file`` / ``export.sector``: the year's file for the sector database (CSDL ngành), each issued
  record it names (``exchange.sector.services.sector_file_record``).

Not extracts: the year-end archive (a backup of the school's own data, restored only into a hocbaso installation,
logged as ``archive.build``), and the class packages built at issuance (stored, not handed out: they leave only in
the submission)."""

import hashlib

from hocbaso.records.models import Extract, IssuedRecord


def _user(by):
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def extract_record(*, issued: IssuedRecord, form: str, channel: str, data: bytes = b"", by=None,
                   sha256: str = "") -> Extract:
    """Record that ``issued`` left the system as ``form`` (``ExtractForm``) through ``channel``; ``data`` is what
    was served (its SHA-256 is kept; or give ``sha256`` when the bytes are not at hand), ``by`` the user if one is
    signed in (none after a public lookup's second factor or a transfer link)."""
    digest = hashlib.sha256(data).hexdigest() if data else sha256
    return Extract.objects.create(issued=issued, form=form, channel=channel[:40], by=_user(by), sha256=digest)


def extracts_record(*, issued, form: str, channel: str, data: bytes = b"", sha256: str = "", by=None) -> list[Extract]:
    """``extract_record`` for several issued records that left together (one package, one copy, one file), in one
    INSERT; ``data`` or ``sha256`` as there."""
    user = _user(by)
    sha256 = hashlib.sha256(data).hexdigest() if data else sha256
    return Extract.objects.bulk_create([Extract(issued=row, form=form, channel=channel[:40], by=user, sha256=sha256)
                                        for row in issued])


def extracts_of(issued: IssuedRecord):
    """The extracts of a record, newest first."""
    return Extract.objects.filter(issued=issued).order_by("-at")


def school_extracts(school_code: str, *, limit: int = 500):
    """The latest extracts of a school's issued records (for its principal), newest first."""
    return (Extract.objects.filter(issued__school_code=school_code)
            .select_related("issued", "by__staff").order_by("-at", "-pk")[:limit])
