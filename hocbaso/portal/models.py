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
