"""What the exchange app keeps: transfer packages with their expiring links and the certified copies (bản sao) it
issued. The records a school received with a transferred pupil are part of the pupil's history and live in
``records.models.ImportedRecord``. Formats: docs/exchange.md."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Transfer(models.Model):
    """Gói chuyển trường: a pupil's issued records sealed by the sending school, downloadable through a link
    with a random token until ``expires_at``. Only the token's SHA-256 is stored: the link is shown once."""

    pupil = models.ForeignKey("directory.Pupil", on_delete=models.PROTECT, related_name="transfers")
    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="transfers_out")
    token_sha256 = models.CharField(max_length=64, unique=True)
    file = models.CharField(max_length=300, help_text="Storage name of the package (ZIP).")
    sha256 = models.CharField(max_length=64)
    records = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField()
    downloads = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "gói chuyển trường"
        ordering = ["-created_at"]

    def __str__(self):
        return f"Chuyển trường: {self.pupil} ({self.school})"

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()


class CertifiedCopy(models.Model):
    """Bản sao học bạ: the pupil's whole history rendered with "BẢN SAO — Lần cấp: N" and signed by the
    principal. ``number`` counts the pupil's copies (1, 2, …); ``sha256`` identifies the signed file."""

    pupil = models.ForeignKey("directory.Pupil", on_delete=models.PROTECT, related_name="certified_copies")
    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="certified_copies")
    number = models.PositiveSmallIntegerField("lần cấp")
    sha256 = models.CharField(max_length=64, unique=True)
    file = models.CharField(max_length=300)
    records = models.JSONField(default=list, help_text="The copied records: record_id, version, school_year.")
    signers = models.JSONField(default=list)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "bản sao học bạ"
        ordering = ["pupil", "number"]
        constraints = [models.UniqueConstraint(fields=["pupil", "number"], name="copy_number_unique")]

    def __str__(self):
        return f"Bản sao số {self.number} — {self.pupil}"


class CopyRequest(models.Model):
    """Đề nghị cấp bản sao: the school office records who asks for a copy of a pupil's học bạ and why; the
    principal then signs the copy (``CertifiedCopy``), which closes the request."""

    pupil = models.ForeignKey("directory.Pupil", on_delete=models.PROTECT, related_name="copy_requests")
    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="copy_requests")
    requester = models.CharField("người đề nghị", max_length=200)
    reason = models.TextField("lý do", blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    copy = models.OneToOneField(CertifiedCopy, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="request")

    class Meta:
        verbose_name = "đề nghị cấp bản sao"
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"Đề nghị bản sao — {self.pupil} ({self.requester})"
