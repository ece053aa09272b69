from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path


def favicon(request):
    """Browsers ask /favicon.ico whatever the page links; the icon is a static file (hashed and cached in
    production), resolved at request time so that a missing manifest never breaks the start."""
    return HttpResponsePermanentRedirect(static("web/favicon.ico"))


urlpatterns = [
    path("favicon.ico", favicon),
    path("", include("hocbaso.verify.urls")),
    path("", include("hocbaso.reports.urls")),
    path("", include("hocbaso.portal.urls")),
    path("", include("hocbaso.exchange.urls")),
]

# The error pages: Vietnamese (or the chosen language), the refusal's own reason (hocbaso.web.errors).
handler403 = "hocbaso.web.errors.forbidden"
handler404 = "hocbaso.web.errors.not_found"
handler500 = "hocbaso.web.errors.server_error"
