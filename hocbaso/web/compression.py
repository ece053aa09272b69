"""Compressed answers: brotli when the browser accepts it, else gzip, for pages, JSON and the static files the
app serves itself.

On a slow 3G phone the bytes are the time: the qualities sheet's HTML is about 105 kB raw, some 10 kB compressed.
Text-like answers (HTML, JSON, JavaScript, CSS, SVG, XML, plain text) of at least ``MIN_SIZE`` bytes are
compressed; files that are compressed already (PDF, XLSX, ZIP, images) are not. Static files: in production
WhiteNoise serves the ``.br``/``.gz`` files ``collectstatic`` wrote (CompressedManifestStaticFilesStorage, brotli
installed); in development (``hocbaso serve``, WhiteNoise reading the apps' folders) this middleware compresses
them on the way out.

BREACH (a secret in a compressed page guessed byte by byte from the sizes of answers that reflect the attacker's
input): the only secret our pages carry is the CSRF token, which Django masks afresh on every answer, so its bytes
never repeat between answers; the session id is a cookie, never in a body. Gzip answers also carry Django's random
padding (``max_random_bytes``, "Heal the Breach"). Passwords, PINs and codes are never echoed into a page.

First in MIDDLEWARE, so that it wraps the public verification's short path too.
"""

import brotli
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string

MIN_SIZE = 200
MAX_STREAMED = 2 * 1024 * 1024  # a static file read whole to compress it; larger ones go as they are
COMPRESSIBLE = ("text/", "application/json", "application/javascript", "application/manifest+json",
                "image/svg+xml", "application/xml", "application/problem+json")
BROTLI_QUALITY = 5  # about gzip -6's time for ~15 % fewer bytes on our pages


def accepted_encodings(header: str) -> set[str]:
    """The encodings of ``br`` and ``gzip`` an Accept-Encoding header allows (``q=0`` refuses one)."""
    found = set()
    for part in header.lower().split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if name.strip() in ("br", "gzip") and q > 0:
            found.add(name.strip())
    return found


def compressible(response) -> bool:
    kind = response.get("Content-Type", "").split(";")[0].strip().lower()
    return (kind.startswith(COMPRESSIBLE) and not response.has_header("Content-Encoding")
            and response.status_code != 206)


class CompressionMiddleware:
    """Brotli or gzip for text-like answers (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not compressible(response):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        encodings = accepted_encodings(request.headers.get("Accept-Encoding", ""))
        if not encodings:
            return response
        if response.streaming:
            size = response.get("Content-Length")
            if size is None or not size.isdigit() or int(size) > MAX_STREAMED:
                return response
            content = b"".join(response.streaming_content)
            if hasattr(response, "close"):
                response.close()
        else:
            content = response.content
        if len(content) < MIN_SIZE:
            if response.streaming:
                response.streaming_content = [content]
            return response
        if "br" in encodings:
            body, encoding = brotli.compress(content, quality=BROTLI_QUALITY), "br"
        else:
            body, encoding = compress_string(content, max_random_bytes=100), "gzip"
        if len(body) >= len(content):
            body, encoding = content, None
        if response.streaming:
            response.streaming_content = [body]
        else:
            response.content = body
        response.headers["Content-Length"] = str(len(body))
        if encoding:
            response.headers["Content-Encoding"] = encoding
            etag = response.get("ETag")
            if etag and etag.startswith('"'):
                response.headers["ETag"] = "W/" + etag
        return response
