"""Gia hạn dấu thời gian lưu trữ: the archive time stamps of issued records renewed before their TSA's certificate
expires (PAdES B-LTA, docs/long-term-validation.md).

``archive_timestamps_renew`` finds each issued record's latest file (the issued one, or its last renewal), reads its
last document time stamp (``signing.ltv.ltv_summary``) and, when that TSA certificate expires within
``HOCBASO_ARCHIVE_RENEW_DAYS`` (or there is none yet), appends validation data for it and a new document time
stamp (``signing.ltv.archive_renew``). The issued bytes never change: the renewed file is written beside them and
its hash entered in ``IssuedRenewal`` (insert only), a continuation of the same version that the public check also
recognises. Run daily by celery beat (``records.archive_renew``) or by ``hocbaso archive-renew`` from cron."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hocbaso.audit.services import Action, log_actions
from hocbaso.core.files import file_read, file_write
from hocbaso.records.issuance import LTV_STEP
from hocbaso.records.models import IssuedRecord, IssuedRenewal
from hocbaso.signing.ltv import archive_renew, ltv_summary
from hocbaso.signing.publication import ltv_session


@dataclass
class RenewalReport:
    checked: int = 0
    renewed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    no_tsa: bool = False


def archive_timestamps_renew(*, within_days: int | None = None, now: dt.datetime | None = None, by=None,
                             records=None) -> RenewalReport:
    """Renew the archive time stamp of every issued record (or of ``records``) whose last document time stamp's TSA
    certificate expires within ``within_days`` (``HOCBASO_ARCHIVE_RENEW_DAYS``), or that has none yet. Needs a TSA
    (``HOCBASO_TSA_URL``); without one nothing is done and ``no_tsa`` says so. One record's failure (its file
    unreadable, the TSA's chain revoked) is reported and the others go on; each renewal is its own transaction,
    logged (``by``: the user, or none for the periodic job)."""
    report = RenewalReport()
    if not settings.TSA_URL:
        report.no_tsa = True
        return report
    days = settings.ARCHIVE_RENEW_DAYS if within_days is None else within_days
    horizon = (now or timezone.now()) + dt.timedelta(days=days)
    queryset = IssuedRecord.objects.all() if records is None else records
    issued_rows = list(queryset.order_by("pk").only("pk", "record_id", "pdf", "sha256", "school_code"))
    renewals: dict[int, IssuedRenewal] = {}
    counts: dict[int, int] = {}
    for renewal in IssuedRenewal.objects.filter(issued__in=[r.pk for r in issued_rows]).order_by("pk"):
        renewals[renewal.issued_id] = renewal
        counts[renewal.issued_id] = counts.get(renewal.issued_id, 0) + 1
    session = None
    for issued in issued_rows:
        report.checked += 1
        last, count = renewals.get(issued.pk), counts.get(issued.pk, 0)
        name, digest = (last.pdf, last.sha256) if last is not None else (issued.pdf, issued.sha256)
        try:
            data = file_read(name)
            summary = ltv_summary(data)
            expires = dt.datetime.fromisoformat(summary["tsa_expires"]) if summary["tsa_expires"] else None
            if expires is not None and expires > horizon:
                continue
            session = session or ltv_session()  # one per run: each TSA's chain is fetched once
            renewed = archive_renew(data, session)
        except Exception as error:  # reported per record; the job goes on with the others
            report.failed.append((issued.record_id, str(error)[:300]))
            continue
        after = ltv_summary(renewed)
        new_name = file_write(f"{name.rsplit('/', 1)[0]}/{issued.record_id}-{LTV_STEP + 1 + count}.pdf", renewed)
        new_digest = hashlib.sha256(renewed).hexdigest()
        with transaction.atomic():
            IssuedRenewal.objects.create(
                issued=issued, sha256=new_digest, previous_sha256=digest, pdf=new_name,
                archive_timestamp=dt.datetime.fromisoformat(after["archive_timestamp"]),
                tsa_expires=dt.datetime.fromisoformat(after["tsa_expires"]))
            log_actions([Action("record.archive_renew", "issuedrecord", issued.record_id, {"sha256": digest},
                                {"sha256": new_digest, "archive_timestamp": after["archive_timestamp"],
                                 "tsa_expires": after["tsa_expires"]}, school_code=issued.school_code)], actor=by)
        report.renewed.append(issued.record_id)
    return report


def latest_file(issued: IssuedRecord) -> tuple[str, str]:
    """The file of ``issued`` to hand out: its last renewal (the issued bytes plus newer archive time stamps), else
    the issued file itself; as (storage name, SHA-256). Both are the same version and both match the registry."""
    last = IssuedRenewal.objects.filter(issued=issued).order_by("-pk").values_list("pdf", "sha256").first()
    return tuple(last) if last is not None else (issued.pdf, issued.sha256)


def issued_by_hash(digest: str) -> tuple[IssuedRecord | None, IssuedRenewal | None]:
    """The issued record a file's SHA-256 belongs to: the issued file itself, or one of its renewals."""
    issued = IssuedRecord.objects.filter(sha256=digest).first()
    if issued is not None:
        return issued, None
    renewal = IssuedRenewal.objects.select_related("issued").filter(sha256=digest).first()
    return (renewal.issued, renewal) if renewal is not None else (None, None)
