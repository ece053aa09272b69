"""Long jobs (render a school, sign a class, issue…) as rows: an outbox that workers claim.

A worker claims a queued job with a conditional UPDATE (healthchecks' pattern), so two workers
never run the same job. Arguments are JSON only (pretix's rule): primary keys, never objects.
"""

from django.conf import settings
from django.db import models


class JobState(models.TextChoices):
    QUEUED = "queued", "Đang chờ"
    RUNNING = "running", "Đang chạy"
    DONE = "done", "Hoàn tất"
    FAILED = "failed", "Lỗi"
    CANCELLED = "cancelled", "Đã hủy"


class Job(models.Model):
    kind = models.CharField(max_length=60)
    args = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED, db_index=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    school_code = models.CharField(max_length=8, blank=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=80, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)

    class Meta:
        verbose_name = "tác vụ nền"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.get_state_display()})"

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0


class PeriodicRun(models.Model):
    """When a periodic kind (``job_handler(every=…)``) is next due, for the broker-less loops (``hocbaso serve``'s
    thread, ``hocbaso worker`` without a broker): a loop that moves ``due_at`` on with a conditional UPDATE is the
    one that queues the run, so two web processes never queue it twice. With a broker, celery beat does this."""

    kind = models.CharField(max_length=60, unique=True)
    due_at = models.DateTimeField()
    last_job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "tác vụ định kỳ"

    def __str__(self):
        return f"{self.kind} (next {self.due_at:%Y-%m-%d %H:%M})"
