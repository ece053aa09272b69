"""The portal's own data: a user's second sign-in factor."""

from django.conf import settings
from django.db import models


class TwoFactorDevice(models.Model):
    """An authenticator app (TOTP, RFC 6238) confirmed by the user; sign-in then asks for its code."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="two_factor")
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField()
    last_step = models.BigIntegerField(default=-1, help_text="The last time step accepted; older codes are refused.")
    backup_codes = models.JSONField(default=list, blank=True, help_text="SHA-256 of the unused recovery codes.")
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "xác thực hai bước"

    def __str__(self):
        return f"2FA {self.user}"


class TemporaryPassword(models.Model):
    """Mật khẩu tạm: a password the principal set for a colleague who forgot theirs (or whose account came back
    from an archive without one). Until its holder chooses their own, every portal page leads to Đổi mật khẩu.
    The password itself is not kept here (only in the account, hashed)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="temporary_password")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()

    class Meta:
        verbose_name = "mật khẩu tạm"

    def __str__(self):
        return f"mật khẩu tạm của {self.user}"


class SignInFailure(models.Model):
    """Failed sign-in attempts (passwords and two-factor codes) counted per key: an account (``user:<id>``,
    ``code:<id>``) or an address group (``ip:<hmac>``, IPv6 by /64). See ``portal.throttle``."""

    key = models.CharField(max_length=80, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField()
    blocked_until = models.DateTimeField(null=True, blank=True, help_text="No attempt is counted or checked before.")

    class Meta:
        verbose_name = "lần đăng nhập sai"

    def __str__(self):
        return f"{self.key}: {self.failures}"


class TeacherPhrase(models.Model):
    """Lời nhận xét của riêng giáo viên: a comment a teacher keeps for a sheet (a subject's code, the qualities and
    competences sheet, the year page), offered in the grid's picker besides the school's bank
    (``assessment.phrases``). Added and deleted from the picker (``portal.phrases``), each change logged."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phrases")
    sheet = models.CharField(max_length=40)
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "lời nhận xét của giáo viên"
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "sheet", "text"], name="teacher_phrase_once")]

    def __str__(self):
        return f"{self.user} · {self.sheet}: {self.text[:40]}"
