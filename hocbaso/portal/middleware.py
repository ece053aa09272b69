"""Vietnamese first: the language is the one the user chose with the switcher, else Vietnamese.

Django's LocaleMiddleware also follows the browser's Accept-Language, which on the many phones set
to English would show teachers an English portal they never asked for. This one reads only the
language cookie that ``set_language`` writes. It stands where ``django.middleware.locale.LocaleMiddleware``
would in MIDDLEWARE; the public verification pages' short path (``verify.middleware``) chooses the same way.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation


def chosen_language(request) -> str:
    """The language the user chose with the switcher (its cookie), else the default, Vietnamese."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return chosen if chosen in {code for code, _name in settings.LANGUAGES} else settings.LANGUAGE_CODE


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()


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
