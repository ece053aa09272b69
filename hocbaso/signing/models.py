"""Who can sign (chứng thư số of teachers, principals and the school's seal) and the subject teachers'
sign-offs of their subjects' year-end results (one signature per class and subject).

The crypto and PDF layer (``ca.py``, ``signers.py``, ``pades.py``) has no database; this module records
which identity belongs to whom and what was signed.
"""

from cryptography import x509
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import models
from django.db.models import Q


class IdentityKind(models.TextChoices):
    BUILTIN = "builtin", "Chứng thư số do hệ thống cấp"
    PKCS11 = "pkcs11", "USB token / HSM (PKCS#11)"
    CSC = "csc", "Ký số từ xa (CSC)"
    REMOTE = "remote", "Ký số từ xa, xác nhận trên điện thoại (SmartCA, MySign)"


class SigningIdentity(models.Model):
    """Chứng thư số: one signer's certificate and where its key lives.

    ``staff`` set: a person (homeroom teacher, subject teacher, principal). ``staff`` empty: the school's
    organisation seal (con dấu) of ``school``. ``config`` holds what the kind needs to reach the key:
    nothing for built-in (the key is under ``DATA_DIR/pki/identities/<identity_id>``, encrypted under the
    PIN), ``module``/``token_label``/``key_label`` for PKCS#11, ``service_url``/``credential_id`` for CSC,
    ``service``/``user_id``/``credential_id`` for a remote account confirmed on the phone (the relying party's
    credentials are the deployment's, in settings, never here).
    """

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, related_name="signing_identities")
    staff = models.ForeignKey("directory.Staff", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="signing_identities")
    kind = models.CharField(max_length=10, choices=IdentityKind.choices, default=IdentityKind.BUILTIN)
    identity_id = models.CharField(max_length=100, blank=True)
    certificate_pem = models.TextField()
    subject = models.CharField(max_length=300)
    config = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)
    failed_pins = models.PositiveSmallIntegerField(default=0)
    blocked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Thu hồi: a replaced certificate is revoked, never deleted (what it signed before stays verifiable).
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    revocation_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "chứng thư số"
        constraints = [
            models.UniqueConstraint(fields=["staff"], condition=Q(active=True, staff__isnull=False),
                                    name="one_active_identity_per_person"),
            models.UniqueConstraint(fields=["school"], condition=Q(active=True, staff__isnull=True),
                                    name="one_active_seal_per_school"),
        ]

    def __str__(self):
        return self.subject

    @property
    def holder(self) -> str:
        """Who the certificate names, for people: "name · title · organisation", never its raw RFC 4514 subject."""
        return subject_words(self.subject)


def subject_words(subject: str) -> str:
    """"Lê Thị Hoa · Giáo viên · Trường Tiểu học …" from an RFC 4514 subject ("UID=…,CN=…,title=…,O=…"); the
    subject as it is when it does not parse or names none of them."""
    try:
        name = x509.Name.from_rfc4514_string(subject, {"title": NameOID.TITLE, "UID": NameOID.USER_ID})
    except ValueError:
        return subject
    parts = []
    for oid in (NameOID.COMMON_NAME, NameOID.TITLE, NameOID.ORGANIZATIONAL_UNIT_NAME, NameOID.ORGANIZATION_NAME):
        parts += [str(a.value) for a in name.get_attributes_for_oid(oid) if str(a.value) not in parts]
    return " · ".join(parts) or subject


class SubjectSignoff(models.Model):
    """Ký xác nhận kết quả môn học: a subject teacher's signature over their subject's year-end results for
    a whole class. ``payload`` is the signed data (every pupil's rating, score and comment); the signed PDF
    holds it as an attachment and is kept under ``pdf`` (a path inside ``DATA_DIR``)."""

    school_class = models.ForeignKey("directory.SchoolClass", on_delete=models.PROTECT, related_name="signoffs")
    subject = models.CharField(max_length=30)
    teacher = models.ForeignKey("directory.Staff", on_delete=models.PROTECT, related_name="signoffs")
    identity = models.ForeignKey(SigningIdentity, on_delete=models.PROTECT, related_name="signoffs")
    payload = models.JSONField()
    payload_sha256 = models.CharField(max_length=64)
    pdf = models.CharField(max_length=300)
    pdf_sha256 = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    current = models.BooleanField(default=True, help_text="False once a correction changed the subject's results.")

    class Meta:
        verbose_name = "ký xác nhận kết quả môn học"
        constraints = [models.UniqueConstraint(fields=["school_class", "subject"], condition=Q(current=True),
                                               name="one_current_signoff_per_class_subject")]

    def as_signer(self) -> dict:
        return {"name": self.teacher.full_name, "role": "Giáo viên bộ môn", "subject": self.subject,
                "signed_at": self.signed_at.isoformat(), "pdf_sha256": self.pdf_sha256}


class RekeyApproval(models.Model):
    """Phê duyệt cấp lại chứng thư số: the principal, with their own PIN, lets a colleague who lost the PIN of
    ``identity`` replace it once, within a day (``signing.services.rekey_approve``)."""

    identity = models.ForeignKey(SigningIdentity, on_delete=models.PROTECT, related_name="rekey_approvals")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "phê duyệt cấp lại chứng thư số"
