"""Password rules with their messages in the portal's own catalogue (Vietnamese, English on request)."""

from django.contrib.auth import hashers, password_validation
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's minimum length, saying so in Vietnamese: Django 5.2's Vietnamese catalogue holds this message in
    an older wording, so the refusal came out in English."""

    def get_error_message(self):
        return _("Mật khẩu quá ngắn: cần ít nhất %(n)d ký tự.") % {"n": self.min_length}

    def get_help_text(self):
        return _("Mật khẩu cần ít nhất %(n)d ký tự.") % {"n": self.min_length}


class Argon2PasswordHasher(hashers.Argon2PasswordHasher):
    """Argon2id with OWASP's first recommended setting (19 MiB, 2 passes, 1 lane) instead of Django's (100 MiB,
    2 passes, 8 lanes), which took 0.6–1.1 s of a sign-in on the 2-core machine under load and most of the phone's
    "sign in to home" budget (bench/bench_budgets.py). Same algorithm name: a stored hash of Django's setting still
    verifies and is rewritten with this one at its owner's next sign-in (``must_update``)."""

    time_cost = 2
    memory_cost = 19456
    parallelism = 1
