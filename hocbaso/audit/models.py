"""An append-only, hash-chained log of every change to the school's data.

Each entry's hash covers its own content and the previous entry's hash, so a changed,
deleted or reordered entry breaks the chain from that point on (see ``audit.services.audit_verify``).
"""

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    seq = models.BigIntegerField(unique=True, help_text="Position in the chain, 1, 2, 3 …")
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    actor_name = models.CharField(max_length=150, help_text="Kept even if the account is renamed.")
    action = models.CharField(max_length=60)
    school_code = models.CharField(max_length=8, blank=True, db_index=True)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = "mục nhật ký"
        ordering = ["seq"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.target_type}:{self.target_id} ({self.actor_name})"


class AuditHead(models.Model):
    """A single row locked while appending, so concurrent writers extend the chain one at a time."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
