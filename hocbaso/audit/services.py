"""Writing to and checking the audit log (nhật ký thay đổi)."""

import hashlib
import json
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from hocbaso.audit.models import AuditEntry, AuditHead

GENESIS = "0" * 64
SYSTEM_ACTOR = "hệ thống"


@dataclass(frozen=True)
class Action:
    """One change to log: what happened, to what, with its before/after values."""

    action: str
    target_type: str = ""
    target_id: str = ""
    before: object = None
    after: object = None
    data: dict | None = None
    school_code: str = ""


def _canonical(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(*, prev_hash: str, seq: int, at, actor_id, actor_name: str, action: str, school_code: str,
               target_type: str, target_id: str, before, after, data) -> str:
    """The SHA-256 that chains an entry to its predecessor; any field change alters it."""
    body = _canonical([seq, at.isoformat(), actor_id, actor_name, action, school_code, target_type,
                       target_id, before, after, data])
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def _actor_fields(actor) -> tuple:
    if actor is None:
        return None, SYSTEM_ACTOR
    name = getattr(getattr(actor, "staff", None), "full_name", "") or actor.get_username()
    return actor.pk, name


def log_actions(actions: list[Action], *, actor) -> list[AuditEntry]:
    """Append the actions to the chain in order, atomically, attributed to ``actor``."""
    if not actions:
        return []
    actor_id, actor_name = _actor_fields(actor)
    with transaction.atomic():
        AuditHead.objects.get_or_create(id=1)
        head = AuditHead.objects.select_for_update().get(id=1)
        at = timezone.now()
        seq, prev = head.seq, head.hash
        entries = []
        for item in actions:
            seq += 1
            # JSON round trip so what is hashed is exactly what the database returns later.
            before, after, data = json.loads(_canonical([item.before, item.after, item.data or {}]))
            digest = entry_hash(prev_hash=prev, seq=seq, at=at, actor_id=actor_id, actor_name=actor_name,
                                action=item.action, school_code=item.school_code, target_type=item.target_type,
                                target_id=str(item.target_id), before=before, after=after, data=data)
            entries.append(AuditEntry(seq=seq, at=at, actor_id=actor_id, actor_name=actor_name, action=item.action,
                                      school_code=item.school_code, target_type=item.target_type,
                                      target_id=str(item.target_id), before=before, after=after, data=data,
                                      prev_hash=prev, hash=digest))
            prev = digest
        _insert_entries(entries)
        head.seq, head.hash = seq, prev
        head.save(update_fields=["seq", "hash"])
    return entries


def _insert_entries(entries: list[AuditEntry]) -> None:
    """INSERT the entries with one prepared statement (``bulk_create`` costs ~0.2 ms a row in SQL building)."""
    connection = connections[DEFAULT_DB_ALIAS]  # the real object: the proxy costs a lookup per value
    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    params = [[f.get_db_prep_save(getattr(entry, f.attname), connection) for f in fields] for entry in entries]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", params)


def log_action(action: str, *, actor, target_type: str = "", target_id="", before=None, after=None,
               data: dict | None = None, school_code: str = "") -> AuditEntry:
    """Append one entry (pretix-style ``log_action``)."""
    return log_actions([Action(action, target_type, str(target_id), before, after, data, school_code)],
                       actor=actor)[0]


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


def audit_verify() -> ChainReport:
    """Walk the chain; report the first entry whose hash, link or position does not hold."""
    prev, expected_seq, checked = GENESIS, 1, 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=5000):
        if entry.seq != expected_seq:
            return ChainReport(False, checked, expected_seq,
                               f"thiếu hoặc sai thứ tự mục: mong đợi #{expected_seq}, gặp #{entry.seq}")
        if entry.prev_hash != prev:
            return ChainReport(False, checked, entry.seq, "liên kết tới mục trước không khớp")
        digest = entry_hash(prev_hash=prev, seq=entry.seq, at=entry.at, actor_id=entry.actor_id,
                            actor_name=entry.actor_name, action=entry.action, school_code=entry.school_code,
                            target_type=entry.target_type, target_id=entry.target_id, before=entry.before,
                            after=entry.after, data=entry.data)
        if digest != entry.hash:
            return ChainReport(False, checked, entry.seq, "nội dung mục đã bị thay đổi")
        prev, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    head = AuditHead.objects.filter(id=1).first()
    if head and (head.seq != checked or head.hash != prev):
        return ChainReport(False, checked, checked + 1 if head.seq > checked else head.seq,
                           "các mục cuối của nhật ký đã bị xóa")
    return ChainReport(True, checked)
