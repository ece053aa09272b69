"""audit_verify names the first changed, deleted or reordered entry."""

from django.db import connection

from hocbaso.audit.models import AuditEntry
from hocbaso.audit.services import audit_verify, log_action


def fill(user, n=5):
    for i in range(n):
        log_action("evaluation.change", actor=user, target_type="subjectevaluation", target_id=i,
                   before={"score": i}, after={"score": i + 1})


def test_clean_chain_verifies(world):
    fill(world.member.user)
    report = audit_verify()
    assert report.ok and report.checked == 5


def test_changed_row_is_named(world):
    fill(world.member.user)
    entry = AuditEntry.objects.get(seq=3)
    with connection.cursor() as cursor:  # behind the application's back
        cursor.execute(f"UPDATE {AuditEntry._meta.db_table} SET after = %s WHERE id = %s", ['{"score": 10}', entry.pk])
    report = audit_verify()
    assert not report.ok and report.broken_seq == 3 and report.checked == 2


def test_deleted_row_is_named(world):
    fill(world.member.user)
    AuditEntry.objects.filter(seq=2).delete()
    report = audit_verify()
    assert not report.ok and report.broken_seq == 2


def test_deleted_tail_is_detected(world):
    fill(world.member.user)
    AuditEntry.objects.filter(seq=5).delete()
    report = audit_verify()
    assert not report.ok and report.broken_seq == 5


def test_reordered_rows_are_detected(world):
    fill(world.member.user)
    a, b = AuditEntry.objects.get(seq=2), AuditEntry.objects.get(seq=4)
    AuditEntry.objects.filter(pk=a.pk).update(seq=-1)
    AuditEntry.objects.filter(pk=b.pk).update(seq=2)
    AuditEntry.objects.filter(pk=a.pk).update(seq=4)
    report = audit_verify()
    assert not report.ok and report.broken_seq == 2


def test_changed_actor_is_detected(world):
    fill(world.member.user)
    AuditEntry.objects.filter(seq=1).update(actor_name="Người khác")
    assert audit_verify().broken_seq == 1


def test_report_says_what_is_wrong(world):
    fill(world.member.user)
    AuditEntry.objects.filter(seq=3).update(after={"score": 99})
    report = audit_verify()
    assert report.kind == "changed" and report.entry["seq"] == 3 and report.previous["seq"] == 2


def test_deleted_row_report_names_its_neighbours(world):
    fill(world.member.user)
    AuditEntry.objects.filter(seq=3).delete()
    report = audit_verify()
    assert report.kind == "missing" and report.entry is None
    assert report.previous["seq"] == 2 and report.following["seq"] == 4


def test_swapped_rows_report_where_the_entry_went(world):
    fill(world.member.user)
    a, b = AuditEntry.objects.get(seq=2), AuditEntry.objects.get(seq=4)
    AuditEntry.objects.filter(pk=a.pk).update(seq=-1)
    AuditEntry.objects.filter(pk=b.pk).update(seq=2)
    AuditEntry.objects.filter(pk=a.pk).update(seq=4)
    report = audit_verify()
    assert report.kind == "reordered" and report.moved_to == 4 and report.entry["target_id"] == "3"


def test_first_row_moved_away_is_detected(world):
    fill(world.member.user)
    AuditEntry.objects.filter(seq=1).update(seq=100)
    report = audit_verify()
    assert not report.ok and report.broken_seq == 1 and report.kind == "reordered" and report.moved_to == 100


def test_entry_appended_behind_the_head_is_detected(world):
    from hocbaso.audit.models import AuditHead
    from hocbaso.audit.services import entry_hash

    fill(world.member.user, n=2)
    last = AuditEntry.objects.get(seq=2)
    forged = dict(prev_hash=last.hash, seq=3, at=last.at, actor_id=None, actor_name="x", action="forged",
                  school_code="", target_type="", target_id="", before=None, after=None, data={})
    AuditEntry.objects.create(hash=entry_hash(**forged), **forged)
    report = audit_verify()
    assert not report.ok and report.broken_seq == 3 and report.kind == "extra"
    AuditHead.objects.all().delete()
    assert audit_verify().kind == "head_missing"
