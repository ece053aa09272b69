"""Finding 7 of the hardening review: the chain had no secret and lived only in the database, so deleting the tail
(and adjusting the head row), wiping the log, or editing an entry and recomputing the chain all passed
``hocbaso audit verify``. The chain is now keyed with a secret outside the database and its head is sealed into
an anchor store outside the database; each tamper below is detected and named."""

import hashlib
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from hocbaso.audit.models import AuditEntry, AuditHead
from hocbaso.audit.services import (GENESIS, _canonical, audit_key, audit_seal, audit_verify, entry_hash,
                                    log_action)


@pytest.fixture
def anchored(world, settings, tmp_path):
    """Eight entries, sealed after the sixth (the store in a folder of the test's own)."""
    settings.AUDIT_ANCHOR_DIR = tmp_path / "anchors"
    for i in range(8):
        log_action("evaluation.change", actor=world.member.user, target_type="subjectevaluation", target_id=i,
                   before={"score": i}, after={"score": i + 1})
        if i == 5:
            assert audit_seal().seq == 6
    assert audit_verify().ok
    return world


def _fields(entry) -> dict:
    return dict(seq=entry.seq, at=entry.at, actor_id=entry.actor_id, actor_name=entry.actor_name,
                action=entry.action, school_code=entry.school_code, target_type=entry.target_type,
                target_id=entry.target_id, before=entry.before, after=entry.after, data=entry.data)


def _recompute_from(seq: int, hasher) -> None:
    """Re-chain every entry from ``seq`` on with ``hasher(prev_hash, fields)`` and fix the head row to match."""
    prev = AuditEntry.objects.get(seq=seq - 1).hash if seq > 1 else GENESIS
    for entry in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
        digest = hasher(prev, _fields(entry))
        AuditEntry.objects.filter(pk=entry.pk).update(prev_hash=prev, hash=digest)
        prev = digest
    AuditHead.objects.filter(id=1).update(hash=prev)


def _plain_sha256(prev, fields) -> str:
    """The chain's formula before it was keyed: what the attacker of the review recomputed."""
    body = _canonical([fields["seq"], fields["at"].isoformat(), fields["actor_id"], fields["actor_name"],
                       fields["action"], fields["school_code"], fields["target_type"], fields["target_id"],
                       fields["before"], fields["after"], fields["data"]])
    return hashlib.sha256((prev + body).encode("utf-8")).hexdigest()


def test_an_edited_entry_is_named(anchored):
    AuditEntry.objects.filter(seq=4).update(after={"score": 99})
    report = audit_verify()
    assert (report.ok, report.kind, report.broken_seq) == (False, "changed", 4)


def test_a_deleted_entry_is_named(anchored):
    AuditEntry.objects.filter(seq=3).delete()
    report = audit_verify()
    assert (report.ok, report.kind, report.broken_seq) == (False, "missing", 3)


def test_a_deleted_tail_with_the_head_row_adjusted_is_detected(anchored):
    AuditEntry.objects.filter(seq__gte=5).delete()
    last = AuditEntry.objects.get(seq=4)
    AuditHead.objects.filter(id=1).update(seq=4, hash=last.hash)  # the database now agrees with itself
    report = audit_verify()
    assert (report.ok, report.kind, report.broken_seq, report.checked) == (False, "tail_missing", 5, 4)


def test_a_wiped_log_is_detected(anchored):
    AuditEntry.objects.all().delete()
    AuditHead.objects.all().delete()
    report = audit_verify()
    assert (report.ok, report.kind) == (False, "wiped") and "6 mục" in report.reason


def test_an_edited_entry_with_the_chain_recomputed_is_detected(anchored):
    """Without the key, the recomputed chain does not verify: the edited entry is named."""
    AuditEntry.objects.filter(seq=2).update(actor_name="Người khác")
    _recompute_from(2, _plain_sha256)
    report = audit_verify()
    assert (report.ok, report.kind, report.broken_seq) == (False, "changed", 2)


def test_a_chain_recomputed_with_a_leaked_key_differs_from_the_seal(anchored):
    AuditEntry.objects.filter(seq=2).update(actor_name="Người khác")
    _recompute_from(2, lambda prev, fields: entry_hash(prev_hash=prev, key=audit_key(), **fields))
    report = audit_verify()
    # The chain holds together; the sealed entry #6 no longer has its sealed hash: rewritten at or before it.
    assert (report.ok, report.kind, report.broken_seq) == (False, "rewritten", 6)


def test_the_last_entries_after_the_seal_are_still_checked_by_the_key(anchored):
    AuditEntry.objects.filter(seq=8).update(action="forged")
    _recompute_from(8, _plain_sha256)
    assert audit_verify().kind == "changed"


def test_a_forged_anchor_is_refused(anchored, settings):
    path = settings.AUDIT_ANCHOR_DIR / "anchors.jsonl"
    line = json.loads(path.read_text().splitlines()[0])
    path.write_text(json.dumps({**line, "seq": 100}) + "\n")  # claims more entries than there were
    report = audit_verify()
    assert (report.ok, report.kind) == (False, "anchor_invalid")


def test_sealing_refuses_a_log_that_does_not_verify(anchored):
    from hocbaso.audit.services import AuditTampered

    AuditEntry.objects.filter(seq=7).update(after={"score": 0})
    with pytest.raises(AuditTampered):
        audit_seal()


def test_the_commands_seal_with_the_installation_and_name_a_wiped_log(world, settings, tmp_path):
    settings.AUDIT_ANCHOR_DIR = tmp_path / "anchors"
    settings.PKI_DIR = tmp_path / "pki"
    log_action("evaluation.change", actor=world.member.user, target_type="subjectevaluation", target_id=1)
    out = io.StringIO()
    call_command("audit", "seal", stdout=out)
    assert "Đã niêm phong nhật ký đến mục #1" in out.getvalue()
    anchor = json.loads((settings.AUDIT_ANCHOR_DIR / "anchors.jsonl").read_text())
    assert anchor["seal"]["format"] == "hocbaso.seal/1"
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert "khớp bản niêm phong ngoài cơ sở dữ liệu đến mục #1" in out.getvalue()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table}")
        cursor.execute(f"DELETE FROM {AuditHead._meta.db_table}")
    out = io.StringIO()
    with pytest.raises(CommandError, match="xóa sạch"):
        call_command("audit", "verify", stdout=out)
    assert "NHẬT KÝ THAY ĐỔI ĐÃ BỊ CAN THIỆP" in out.getvalue()


def test_a_seal_signature_that_does_not_hold_is_named(world, settings, tmp_path):
    settings.AUDIT_ANCHOR_DIR = tmp_path / "anchors"
    settings.PKI_DIR = tmp_path / "pki"
    log_action("evaluation.change", actor=world.member.user, target_type="subjectevaluation", target_id=1)
    call_command("audit", "seal", stdout=io.StringIO())
    path = settings.AUDIT_ANCHOR_DIR / "anchors.jsonl"
    line = json.loads(path.read_text())
    line["seal"]["signature"] = line["seal"]["signature"][::-1]
    path.write_text(json.dumps(line) + "\n")
    with pytest.raises(CommandError, match="kho niêm phong"):
        call_command("audit", "verify", stdout=io.StringIO())
