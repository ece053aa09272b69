import os
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from hocbaso.audit.models import AuditEntry
from hocbaso.records.models import RecordDraft
from hocbaso.records.orphans import orphan_files_sweep
from hocbaso.testing.lifecycle import class_signed


def _age(name: str, days: int) -> None:
    stamp = (timezone.now() - timedelta(days=days)).timestamp()
    os.utime(default_storage.path(name), (stamp, stamp))


def test_orphan_files_sweep_removes_only_old_files_no_row_names(school):
    class_signed(school)
    drafts = list(RecordDraft.objects.values_list("pdf", flat=True))
    assert drafts and all(name.startswith("drafts/") for name in drafts)
    folder = os.path.dirname(drafts[0])
    old_orphan = default_storage.save(f"{folder}/killed-chunk-1.pdf", ContentFile(b"%PDF-1.7 killed"))
    new_orphan = default_storage.save(f"{folder}/running-batch-1.pdf", ContentFile(b"%PDF-1.7 running"))
    for name in [*drafts, old_orphan]:
        _age(name, 3)

    assert orphan_files_sweep() == [old_orphan]
    assert not default_storage.exists(old_orphan)
    assert default_storage.exists(new_orphan) and all(default_storage.exists(name) for name in drafts)
    entry = AuditEntry.objects.get(action="files.orphans.sweep")
    assert entry.actor_id is None and entry.data["removed"] == 1
    assert orphan_files_sweep() == []  # nothing left to remove; no second entry
    assert AuditEntry.objects.filter(action="files.orphans.sweep").count() == 1
