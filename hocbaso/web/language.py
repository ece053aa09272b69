"""Vietnamese first: the language is the one the user chose with the switcher, else Vietnamese.

Django's LocaleMiddleware also follows the browser's Accept-Language, which on the many phones set
to English would show teachers an English portal they never asked for. This one reads only the
language cookie that ``set_language`` writes. It stands where ``django.middleware.locale.LocaleMiddleware``
would in MIDDLEWARE; the public verification pages' short path (``verify.middleware``) chooses the same way.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


def chosen_language(request) -> str:
    """The language the user chose with the switcher (its cookie), else the default, Vietnamese."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return chosen if chosen in {code for code, _name in settings.LANGUAGES} else settings.LANGUAGE_CODE


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()
