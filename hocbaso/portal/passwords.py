"""Password rules with their messages in the portal's own catalogue (Vietnamese, English on request)."""

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's minimum length, saying so in Vietnamese: Django 5.2's Vietnamese catalogue holds this message in
    an older wording, so the refusal came out in English."""

    def get_error_message(self):
        return _("Mật khẩu quá ngắn: cần ít nhất %(n)d ký tự.") % {"n": self.min_length}

    def get_help_text(self):
        return _("Mật khẩu cần ít nhất %(n)d ký tự.") % {"n": self.min_length}
