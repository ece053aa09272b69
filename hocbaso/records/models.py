"""The registry of issued records (sổ đăng ký học bạ số) and the correction requests.

An issued record never changes: ``IssuedRecord`` refuses save/delete in code, and database
triggers (migrations 0002 and 0006) refuse UPDATE, DELETE, SQLite's INSERT OR REPLACE and PostgreSQL's
TRUNCATE through raw SQL too, for the registry and its withdrawals. A correction after
issuance creates a new version whose ``supersedes`` points at the old one; the old one stays
verifiable and is reported as superseded.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ImmutableRecordError(Exception):
    """Raised on any attempt to change or delete an issued record."""

    def __init__(self, record_id: str = ""):
        super().__init__(f"Học bạ {record_id} đã phát hành và không thể sửa hoặc xóa; "
                         "mọi điều chỉnh phải qua yêu cầu điều chỉnh được hiệu trưởng phê duyệt.")


class IssuedQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRecordError()

    def delete(self):
        raise ImmutableRecordError()


class IssuedRecord(models.Model):
    """One issued pupil-year record, version 1, 2, …"""

    record_id = models.CharField("mã số định danh học bạ", max_length=40, unique=True)
    lookup_code = models.CharField("mã tra cứu", max_length=13, unique=True)
    enrolment = models.ForeignKey("directory.Enrolment", on_delete=models.PROTECT, related_name="issued_records")
    version = models.PositiveSmallIntegerField(default=1)
    supersedes = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="superseded_by")
    correction = models.ForeignKey("records.CorrectionRequest", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="issued_versions")
    school_code = models.CharField(max_length=8, db_index=True)
    school_year = models.CharField(max_length=9)
    class_name = models.CharField(max_length=20)
    pupil_name = models.CharField(max_length=120)
    pupil_birth_date = models.DateField()
    identity_number = models.CharField(max_length=12, null=True, blank=True)
    effective_date = models.DateField("ngày hiệu lực")
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sha256 = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the final signed PDF.")
    pdf = models.CharField(max_length=300, help_text="Storage name of the final signed PDF.")
    record = models.JSONField(help_text="The embedded hocbaso.record/1 document, issuance block included.")
    signers = models.JSONField(default=list, help_text="Who signed: name, role, certificate subject, time.")

    objects = IssuedQuerySet.as_manager()

    class Meta:
        verbose_name = "học bạ đã phát hành"
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "version"], name="issued_version_unique"),
            models.CheckConstraint(condition=Q(version=1, supersedes__isnull=True) | Q(version__gt=1, supersedes__isnull=False),
                                   name="issued_version_chain"),
        ]

    def __str__(self):
        return f"{self.record_id} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableRecordError(self.record_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError(self.record_id)


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", "Chờ phê duyệt"
    APPROVED = "approved", "Đã phê duyệt"
    REJECTED = "rejected", "Từ chối"


class CorrectionRequest(models.Model):
    """Đơn đề nghị điều chỉnh: a teacher asks to change one field; the principal decides."""

    enrolment = models.ForeignKey("directory.Enrolment", on_delete=models.PROTECT, related_name="corrections")
    field = models.CharField("trường dữ liệu", max_length=120,
                             help_text="A path in the record format, e.g. subjects.toan.score or homeroom_comment.")
    old_value = models.JSONField("giá trị cũ", null=True, blank=True)
    new_value = models.JSONField("giá trị mới", null=True, blank=True)
    reason = models.TextField("lý do")
    status = models.CharField(max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        verbose_name = "yêu cầu điều chỉnh"
        ordering = ["-requested_at"]

    def __str__(self):
        return f"Điều chỉnh {self.field} — {self.enrolment.pupil} ({self.get_status_display()})"


class RecordWithdrawal(models.Model):
    """Thu hồi: an issued record declared void (e.g. issued to the wrong pupil). The record itself stays unchanged."""

    issued_record = models.OneToOneField(IssuedRecord, on_delete=models.PROTECT, related_name="withdrawal")
    reason = models.TextField("lý do thu hồi")
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "thu hồi học bạ"


class DraftState(models.TextChoices):
    RENDERED = "rendered", "Chờ giáo viên chủ nhiệm ký"
    TEACHER_SIGNED = "teacher_signed", "GVCN đã ký, chờ hiệu trưởng ký"
    PRINCIPAL_SIGNED = "principal_signed", "Hiệu trưởng đã ký, chờ phát hành"
    ISSUED = "issued", "Đã phát hành"
    DISCARDED = "discarded", "Đã hủy (dữ liệu đã điều chỉnh)"


OPEN_STATES = (DraftState.RENDERED, DraftState.TEACHER_SIGNED, DraftState.PRINCIPAL_SIGNED)


class RecordDraft(models.Model):
    """Bản học bạ chờ phát hành: one pupil-year version on its way from rendering through the homeroom
    teacher's and the principal's signatures to issuance. Its identifier, lookup code and effective date are
    fixed when it is rendered (they are printed on it); each signature writes a new file (``pdf``), so an
    interrupted batch resumes from the last committed state without signing anything twice."""

    enrolment = models.ForeignKey("directory.Enrolment", on_delete=models.PROTECT, related_name="drafts")
    version = models.PositiveSmallIntegerField(default=1)
    record_id = models.CharField(max_length=40, unique=True)
    lookup_code = models.CharField(max_length=13, unique=True)
    supersedes = models.ForeignKey(IssuedRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    correction = models.ForeignKey(CorrectionRequest, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="drafts")
    effective_date = models.DateField()
    record = models.JSONField()
    boxes = models.JSONField(help_text="Signature boxes: {role: [page, x1, y1, x2, y2]}.")
    state = models.CharField(max_length=20, choices=DraftState.choices, default=DraftState.RENDERED)
    pdf = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64)
    signers = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    teacher_signed_at = models.DateTimeField(null=True, blank=True)
    principal_signed_at = models.DateTimeField(null=True, blank=True)
    issued = models.OneToOneField(IssuedRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="draft")

    class Meta:
        verbose_name = "học bạ chờ phát hành"
        constraints = [models.UniqueConstraint(fields=["enrolment"], condition=Q(state__in=OPEN_STATES),
                                               name="one_open_draft_per_enrolment")]
        indexes = [models.Index(fields=["state", "enrolment"])]


class ClassPackage(models.Model):
    """Gói học bạ của lớp: a class's issued records with a manifest signed by the school's seal, ready to
    submit to the province office. A new package is made whenever the class's issued set changes."""

    school_class = models.ForeignKey("directory.SchoolClass", on_delete=models.PROTECT, related_name="packages")
    file = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64)
    xml_file = models.CharField(max_length=300, blank=True, default="",
                                help_text="The package in XML (signing.xml_packages); empty for records issued "
                                          "before the record XML.")
    xml_sha256 = models.CharField(max_length=64, blank=True, default="")
    records = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "gói học bạ của lớp"
        ordering = ["-created_at"]


class PackageReceipt(models.Model):
    """Gói đã nhận: an education office checked one of this installation's class packages, as submitted by the
    school, and found it sound (the office's receive page records it). The dashboards count it as received."""

    package = models.OneToOneField(ClassPackage, on_delete=models.PROTECT, related_name="receipt")
    received_at = models.DateTimeField(auto_now_add=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "gói học bạ đã nhận"


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
        db_table = "exchange_importedrecord"  # created by the exchange app (migration 0001), moved here unchanged

    def __str__(self):
        return f"{self.record_id} v{self.version} ({self.school_name})"


class IssuedRenewal(models.Model):
    """Gia hạn dấu thời gian lưu trữ: the issued record's file with one more archive time stamp appended
    (``records.archive.archive_timestamps_renew``), before the last one's TSA certificate expires.

    The issued bytes never change: the renewed file is those bytes plus an incremental update, so the registry keeps
    the original ``IssuedRecord.sha256`` and records each renewal's hash here as a continuation of the same version.
    A file with either hash is recognised by the public check. Insert only: refused save/delete in code and
    UPDATE/DELETE by database triggers (migration 0008), like the registry."""

    issued = models.ForeignKey(IssuedRecord, on_delete=models.PROTECT, related_name="renewals")
    sha256 = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the renewed file.")
    previous_sha256 = models.CharField(max_length=64, help_text="The file it extends (the issued one or a renewal).")
    pdf = models.CharField(max_length=300, help_text="Storage name of the renewed file.")
    archive_timestamp = models.DateTimeField(help_text="The new document time stamp's time.")
    tsa_expires = models.DateTimeField(help_text="The new time stamp's TSA certificate expires then.")
    created_at = models.DateTimeField(default=timezone.now)

    objects = IssuedQuerySet.as_manager()

    class Meta:
        verbose_name = "gia hạn dấu thời gian lưu trữ"
        ordering = ["pk"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableRecordError(self.issued.record_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError(self.issued.record_id)
class ExtractForm(models.TextChoices):
    PDF = "pdf", "Tệp PDF đã ký số"
    XML = "xml", "Dữ liệu XML có chữ ký số"
    JSON = "json", "Dữ liệu JSON (API)"
    COPY = "certified_copy", "Bản sao học bạ (có chữ ký của hiệu trưởng)"
    PACKAGE = "package", "Gói hồ sơ có đóng dấu (chuyển trường, nộp cơ quan quản lý)"
    SECTOR = "sector", "Dữ liệu gửi CSDL ngành (kết quả cả năm)"


class Extract(models.Model):
    """Bản trích xuất: each time an issued record leaves the system (a download, the API serving it), who, when,
    which version (the registry's row) and which form, so a copy can be traced to its origin. Insert only."""

    issued = models.ForeignKey(IssuedRecord, on_delete=models.PROTECT, related_name="extracts")
    form = models.CharField(max_length=20, choices=ExtractForm.choices)
    channel = models.CharField(max_length=40, help_text="Where it left: the lookup page, the API, …")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                           related_name="+", help_text="Empty: someone who passed the lookup's second factor.")
    at = models.DateTimeField(default=timezone.now)
    sha256 = models.CharField(max_length=64, blank=True, help_text="Of the bytes served.")

    class Meta:
        verbose_name = "bản trích xuất học bạ"
        indexes = [models.Index(fields=["issued", "at"])]
