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
    folder, current = os.path.dirname(drafts[0]), drafts[0].rsplit("/", 1)[-1]
    record = current.rsplit("-", 1)[0]
    earlier = f"{folder}/{record}-0.pdf"  # the rendered step before the teacher's signature: history, kept
    assert current == f"{record}-1.pdf" and default_storage.exists(earlier)
    old_orphan = default_storage.save(f"{folder}/{record}-2.pdf", ContentFile(b"%PDF-1.7 killed"))
    uncommitted = default_storage.save(f"{folder}/67000000-2425-NOROWFORTHIS-0.pdf", ContentFile(b"%PDF-1.7 x"))
    new_orphan = default_storage.save(f"{folder}/{record}-2.pdf", ContentFile(b"%PDF-1.7 running"))
    for name in [*drafts, earlier, old_orphan, uncommitted]:
        _age(name, 3)

    assert sorted(orphan_files_sweep()) == sorted([old_orphan, uncommitted])
    assert not default_storage.exists(old_orphan) and not default_storage.exists(uncommitted)
    assert default_storage.exists(new_orphan) and default_storage.exists(earlier)
    assert all(default_storage.exists(name) for name in drafts)
    entry = AuditEntry.objects.get(action="files.orphans.sweep")
    assert entry.actor_id is None and entry.data["removed"] == 2
    assert orphan_files_sweep() == []  # nothing left to remove; no second entry
    assert AuditEntry.objects.filter(action="files.orphans.sweep").count() == 1
