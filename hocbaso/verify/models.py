"""Public verification: rate-limit buckets and the log of lookups a principal can read."""

from django.db import models


class TokenBucket(models.Model):
    """A token bucket per key (hashed IP, lookup code …), shared by every server process through the database."""

    key = models.CharField(max_length=100, unique=True)
    tokens = models.FloatField()
    updated_at = models.DateTimeField()
    allowed = models.BooleanField(default=True)  # whether the last take got a token (returned by the upsert)

    class Meta:
        verbose_name = "giới hạn truy cập"


class LookupKind(models.TextChoices):
    STATUS = "status", "Xem tình trạng"
    FULL = "full", "Xem toàn văn / tải PDF"
    FILE = "file", "Kiểm tra tệp"


class RecordLookup(models.Model):
    """Nhật ký tra cứu: who looked up which issued record, when, and whether it succeeded.
    No personal data: the IP is stored as a keyed hash."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    issued_record = models.ForeignKey("records.IssuedRecord", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="lookups")
    school_code = models.CharField(max_length=8, blank=True, db_index=True)
    kind = models.CharField(max_length=10, choices=LookupKind.choices)
    ok = models.BooleanField()
    via_api = models.BooleanField(default=False)
    ip_hash = models.CharField(max_length=32)

    class Meta:
        verbose_name = "lượt tra cứu"
        ordering = ["-at"]
