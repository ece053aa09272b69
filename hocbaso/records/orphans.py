"""Files a killed batch left behind: a signing or rendering batch writes its chunk's PDFs, then commits their rows;
killed between the two, the files stay in the storage with no row naming them (the rerun writes new ones). The
sweep (``orphan_files_sweep``, queued daily by celery beat as ``records.orphans_sweep``) removes the files under
``drafts/`` that no draft and no issued record names, once they are older than a day, so a batch running now
keeps its files."""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.utils import timezone

from hocbaso.audit.services import log_action
from hocbaso.records.models import IssuedRecord, RecordDraft

FOLDER = "drafts"
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
    named = set(RecordDraft.objects.values_list("pdf", flat=True)) | set(IssuedRecord.objects.values_list("pdf",
                                                                                                       flat=True))
    removed = []
    for name in _stored(FOLDER):
        if name not in named and default_storage.get_modified_time(name) < cutoff:
            default_storage.delete(name)
            removed.append(name)
    if removed:
        log_action("files.orphans.sweep", actor=None, data={"removed": len(removed), "first": removed[:20]})
    return removed
