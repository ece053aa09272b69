"""The installable app (PWA): its manifest, its service worker, and the page the worker shows for a page it did not
keep. Public, like the login page: they hold nothing of any user.

The worker is ``static/portal/sw.js`` served at ``/sw.js`` (so that its scope is the whole site, not ``/static/``),
preceded by the list of files it keeps at install and a version: the hash of the worker and of those files, so a
new release replaces it and its cache of static files. See docs/web-app.md, "An app that survives the network"."""

import hashlib
import json
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

STATIC_DIR = Path(__file__).resolve().parent / "static"
SHELL = ("portal/site.css", "portal/page.js", "portal/grid.js", "portal/icons/icon-192.png",
         "portal/icons/icon-512.png")
# The pages the worker keeps after they were opened (a grid, its class, the home page), as path patterns.
KEPT_PAGES = (r"^/$", r"^/lop/\d+/$", r"^/lop/\d+/nhap/[^/]+/[^/]+/$", r"^/api/lop/\d+/danh-gia/[^/]+/$")


@require_GET
def manifest(request):
    """The web app manifest: installable as “Học bạ số”, in Vietnamese, opening on the home page."""
    data = {
        "name": _("Học bạ số"), "short_name": _("Học bạ số"), "lang": "vi", "dir": "ltr",
        "description": _("Nhập đánh giá, ký và tra cứu học bạ số của trường tiểu học."),
        "start_url": reverse("portal:home"), "scope": "/", "display": "standalone",
        "background_color": "#f5f7fa", "theme_color": "#0b5cad",
        "icons": [{"src": static(f"portal/icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png",
                   "purpose": "any maskable"} for size in (192, 512)],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "no-cache"
    return response


def _file_bytes(name: str) -> bytes:
    path = finders.find(name) or STATIC_DIR / name
    try:
        return Path(path).read_bytes()
    except OSError:
        return b""


@require_GET
def service_worker(request):
    """``/sw.js``: the worker with its configuration on top (what to keep at install, which pages to keep)."""
    source = (STATIC_DIR / "portal" / "sw.js").read_text(encoding="utf-8")
    precache = [static(name) for name in SHELL] + [reverse("portal:offline"), reverse("portal:manifest")]
    digest = hashlib.sha256(source.encode("utf-8"))
    for name in SHELL:
        digest.update(_file_bytes(name))
    digest.update(json.dumps(precache).encode("utf-8"))
    config = {"version": digest.hexdigest()[:16], "precache": precache, "offline": reverse("portal:offline"),
              "static": static(""), "kept": list(KEPT_PAGES), "logout": reverse("portal:logout"),
              "login": reverse("portal:login")}
    body = f"/* configuration, written by hocbaso.portal.app_views */\nself.HOCBASO = {json.dumps(config)};\n{source}"
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"  # the browser checks for a new worker on every visit
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline(request):
    """Ngoại tuyến: shown by the worker for a page it did not keep while there is no network."""
    return render(request, "portal/offline.html")
