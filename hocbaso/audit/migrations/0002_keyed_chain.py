"""The audit chain becomes keyed (HMAC-SHA-256 with ``audit_key()``, a secret outside the database). The entries
written before, chained with plain SHA-256, are re-chained with the key as far as their old chain verifies; from
a first broken entry on nothing is touched, so ``hocbaso audit verify`` still names it."""

import datetime as dt
import hashlib
import hmac

from django.db import migrations

from hocbaso.audit.services import GENESIS, _canonical, audit_key


def _body(e) -> str:
    at = e.at if isinstance(e.at, dt.datetime) else dt.datetime.fromisoformat(str(e.at))
    return _canonical([e.seq, at.isoformat(), e.actor_id, e.actor_name, e.action, e.school_code, e.target_type,
                       e.target_id, e.before, e.after, e.data])


def rechain(apps, schema_editor):
    AuditEntry, AuditHead = apps.get_model("audit", "AuditEntry"), apps.get_model("audit", "AuditHead")
    key = audit_key()
    old_prev, new_prev, expected = GENESIS, GENESIS, 1
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        body = _body(entry)
        if (entry.seq != expected or entry.prev_hash != old_prev
                or hashlib.sha256((old_prev + body).encode("utf-8")).hexdigest() != entry.hash):
            return  # broken here already: left as it is, for verify to name
        new_hash = hmac.new(key, (new_prev + body).encode("utf-8"), hashlib.sha256).hexdigest()
        old_prev = entry.hash
        AuditEntry.objects.filter(pk=entry.pk).update(prev_hash=new_prev, hash=new_hash)
        new_prev, expected = new_hash, expected + 1
    AuditHead.objects.filter(id=1, seq=expected - 1, hash=old_prev).update(hash=new_prev)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(rechain, migrations.RunPython.noop)]
