"""A short middleware path for the public hot spots: the status page a QR code opens and the status API.

An anonymous GET of ``/tra-cuu/<code>/`` or ``/api/v1/records/<code>`` uses no session, no user and no
messages, and its language is the one the visitor chose with the switcher (the language cookie; Vietnamese
otherwise, whatever the browser's Accept-Language, as in the portal), so it skips the session, locale,
authentication and message middleware and WhiteNoise. It still passes through the security, common (host
check, Content-Length), CSRF (the token and cookie of the second-factor form) and X-Frame-Options middleware,
so its headers and cookies are those of the full stack. Everything else, POST included, takes the full stack.
"""

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import patch_vary_headers

from hocbaso.web.headers import security_headers
from hocbaso.web.language import chosen_language

FAST_VIEWS = {"verify:status", "verify:api_status"}
FAST_PREFIXES = ("/tra-cuu/", "/api/v1/records/")


class PublicVerifyMiddleware:
    """First in MIDDLEWARE: answers the GETs of ``FAST_VIEWS`` through the short chain, hands anything else on."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = not settings.CSRF_USE_SESSIONS  # a CSRF token kept in the session needs the session
        view = convert_exception_to_response(self._view)
        self.chain = SecurityMiddleware(CommonMiddleware(CsrfViewMiddleware(XFrameOptionsMiddleware(view))))

    def __call__(self, request):
        if self.enabled and request.method == "GET" and request.path_info.startswith(FAST_PREFIXES):
            try:
                match = resolve(request.path_info)
            except Resolver404:
                match = None
            if match is not None and match.view_name in FAST_VIEWS:
                request.resolver_match = match
                return self.chain(request)
        return self.get_response(request)

    def _view(self, request):
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        match = request.resolver_match
        response = match.func(request, *match.args, **match.kwargs)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return security_headers(response)
