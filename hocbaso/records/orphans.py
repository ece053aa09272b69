"""Files a killed batch left behind: a signing or rendering batch writes its chunk's PDFs, then commits their rows;
killed between the two, the files stay in the storage with no row naming them (the rerun writes new ones, under
another name when the old one is taken). The sweep (``orphan_files_sweep``, queued daily by celery beat as
``records.orphans_sweep``) removes such files under ``drafts/`` once they are older than a day, so a batch running
now keeps its files.

A draft's file is ``<record id>-<step>.pdf`` (0 rendered, 1 the teacher's signature, 2 the principal's; a suffix
when the storage had to pick a free name). The earlier steps of a draft stay: they are the record's history, not
orphans. A file is an orphan when no draft and no issued record names it and it is not an earlier step of its
record's current draft: a step at or after the current one (written, never committed), or a record with no draft."""

import re
from datetime import timedelta

from django.core.files.storage import default_storage
from django.utils import timezone

from hocbaso.audit.services import log_action
from hocbaso.records.models import IssuedRecord, IssuedRenewal, RecordDraft

FOLDER = "drafts"
DRAFT_FILE = re.compile(r"^(?P<record>.+)-(?P<step>\d+)(_[A-Za-z0-9]+)?\.pdf$")
GRACE = timedelta(days=1)


def _stored(folder: str):
    """Every file name under ``folder`` in the storage (the file system or an S3 bucket alike)."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _stored(f"{folder}/{sub}")


def orphan_files_sweep(*, older_than: timedelta = GRACE, now=None) -> list[str]:
    """Remove the orphan files under ``drafts/`` older than ``older_than``; returns their names (logged, no user)."""
    cutoff = (now or timezone.now()) - older_than
    current = {}  # record id → the step of the draft's committed file
    for name in RecordDraft.objects.values_list("pdf", flat=True):
        found = DRAFT_FILE.match(name.rsplit("/", 1)[-1])
        if found:
            current[found["record"]] = max(int(found["step"]), current.get(found["record"], -1))
    named = set(RecordDraft.objects.values_list("pdf", flat=True)) | set(IssuedRecord.objects.values_list("pdf",
                                                                                                       flat=True))
    named |= set(IssuedRenewal.objects.values_list("pdf", flat=True))  # an archive time stamp's renewal
    removed = []
    for name in _stored(FOLDER):
        found = DRAFT_FILE.match(name.rsplit("/", 1)[-1])
        if name in named or found is None or int(found["step"]) < current.get(found["record"], -1):
            continue
        if default_storage.get_modified_time(name) < cutoff:
            default_storage.delete(name)
            removed.append(name)
    if removed:
        log_action("files.orphans.sweep", actor=None, data={"removed": len(removed), "first": removed[:20]})
    return removed
