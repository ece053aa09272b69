"""The security headers every page of the site carries (OWASP ASVS 14.4), added in one place.

- ``Content-Security-Policy``: scripts, styles, images, fonts and connections from this site only, no inline
  script, handler or style attribute (the pages keep their behaviour in static files, ``portal/page.js``), no
  plug-ins, no framing, forms posting only here. A script injected past the templates' escaping does not run.
- ``Cache-Control: no-store`` on every answer the site draws (pages, JSON, downloads) unless the view chose its
  own caching: they carry pupils' names, evaluations and records, which must stay out of shared caches and of
  the browser's disk on a shared computer. Static files are answered by WhiteNoise before this middleware and
  keep their long caching.
- ``Strict-Transport-Security`` when the site is served over HTTPS (``SITE_URL`` starts with ``https://``) and
  ``HOCBASO_HSTS_SECONDS`` is not 0; it is sent even when a TLS proxy speaks plain HTTP to the server (a browser
  heeds it only over HTTPS).
"""

from django.conf import settings

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
    "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
])


def security_headers(response):
    """``response`` with the site's security headers (see the module); headers a view set itself are kept."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("Cache-Control", "no-store")
    if settings.HSTS_SECONDS and settings.SITE_URL.startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security", f"max-age={settings.HSTS_SECONDS}")
    return response


class SecurityHeadersMiddleware:
    """After WhiteNoise in MIDDLEWARE (static files keep their caching); the public verification pages' short
    path (``verify.middleware``) adds the same headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return security_headers(self.get_response(request))
