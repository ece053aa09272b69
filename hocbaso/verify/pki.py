"""The built-in CA's public revocation services (``docs/long-term-validation.md``): its CRLs and its OCSP responder,
at the URLs its certificates name (``signing.revocation``'s paths under ``SITE_URL``). No login, no session: a
verifier anywhere fetches them, today or in 30 years."""

import base64
import binascii

from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from hocbaso.signing.publication import crl_current, ocsp_respond

OCSP_REQUEST_MAX = 16 * 1024  # a request for one certificate is about 100 bytes


def _der(data: bytes, kind: str, max_age: int) -> HttpResponse:
    response = HttpResponse(data, content_type=kind)
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


@require_GET
def crl(request):
    """The issuing CA's CRL (DER, ``application/pkix-crl``)."""
    return _der(crl_current(), "application/pkix-crl", 3600)


@require_GET
def root_crl(request):
    """The root's CRL (the issuing CAs it revoked): what a verifier needs for the issuing CA at a past time."""
    return _der(crl_current(root=True), "application/pkix-crl", 3600)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def ocsp(request, encoded: str = ""):
    """RFC 6960: a DER request in a POST body (``application/ocsp-request``), or base64 in the URL of a GET."""
    if request.method == "POST":
        body = request.body[:OCSP_REQUEST_MAX + 1]
    else:
        try:
            body = base64.b64decode(encoded.replace("%2B", "+").replace("%2F", "/").replace("%3D", "="),
                                    validate=True)
        except (binascii.Error, ValueError):
            return HttpResponseBadRequest("not base64")
    if len(body) > OCSP_REQUEST_MAX:
        return HttpResponseBadRequest("request too large")
    return _der(ocsp_respond(body), "application/ocsp-response", 300)
