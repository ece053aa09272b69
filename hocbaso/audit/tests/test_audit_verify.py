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
