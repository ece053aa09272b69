"""A password the principal set is changed first: until then every portal page leads to Đổi mật khẩu."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

MUST_CHANGE = "hocbaso_must_change_password"  # session flag, set at sign-in (accounts.temporary_password_mark)


class TemporaryPasswordMiddleware:
    """A user signed in with a password the principal set (``TemporaryPassword``) reaches only Đổi mật khẩu,
    signing out and the language switch until they choose their own; every other portal page leads there."""

    ALLOWED = ("portal:password_change", "portal:logout", "portal:set_language")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get(MUST_CHANGE) and request.user.is_authenticated:
            allowed = {reverse(name) for name in self.ALLOWED}
            if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                return redirect("portal:password_change")
        return self.get_response(request)
