"""What the exchange app keeps: transfer packages with their expiring links, the records a school received
with a transferred pupil, and the certified copies (bản sao) it issued. Formats: docs/exchange.md."""

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


class ImportedRecord(models.Model):
    """A record received with a transferred pupil: the signed PDF exactly as the sending school issued it and
    the record embedded in it. Kept as the pupil's history at the receiving school; never changed."""

    pupil = models.ForeignKey("directory.Pupil", on_delete=models.PROTECT, related_name="imported_records")
    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="imported_records",
                               help_text="The receiving school.")
    record_id = models.CharField(max_length=40)
    version = models.PositiveSmallIntegerField()
    lookup_code = models.CharField(max_length=13)
    school_code = models.CharField("mã trường cấp", max_length=8)
    school_name = models.CharField("trường cấp", max_length=200)
    school_year = models.CharField(max_length=9)
    class_name = models.CharField(max_length=20)
    sha256 = models.CharField(max_length=64)
    pdf = models.CharField(max_length=300, help_text="Storage name of the signed PDF as received.")
    record = models.JSONField()
    signers = models.JSONField(default=list, help_text="The PDF's signatures as validated on import.")
    history = models.JSONField(default=list, help_text="The sending school's history rows (quá trình học tập) "
                               "for this school year, from the package's manifest.")
    package_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the transfer package it came in.")
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "học bạ nhận chuyển đến"
        ordering = ["school_year", "version"]
        constraints = [models.UniqueConstraint(fields=["school", "pupil", "record_id"], name="imported_once")]

    def __str__(self):
        return f"{self.record_id} v{self.version} ({self.school_name})"


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
