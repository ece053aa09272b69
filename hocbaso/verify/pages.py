"""The public status page, rendered once per answer and kept in each server process.

The page of a record is a pure function of its public answer (``StatusAnswer``: the masked record and its
state, read from the database on every request), so the cache is keyed by the whole answer: when a record is
superseded or withdrawn the answer changes and so does the key; no entry is ever invalidated, none can be
stale, and several server processes need not agree on anything. The key includes the language the page is shown in
(Vietnamese unless the visitor chose English). Only the CSRF token (of the second-factor form and of the language
switch) differs per visitor: the page is rendered with a placeholder that each request replaces with its own token.
Answers without a record (unknown or mistyped codes) are not kept, so guessing codes cannot fill the cache.
"""

import secrets
import threading

from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from hocbaso.verify.services import StatusAnswer

MAX_PAGES = 2000  # about 3 KB each
_PLACEHOLDER = "csrf" + secrets.token_hex(16)  # letters and digits only: HTML escaping leaves it alone
_pages: dict[str, str] = {}
_lock = threading.Lock()


def status_html(answer: StatusAnswer, csrf_token: str) -> str:
    """The status page of ``answer`` with ``csrf_token`` in its second-factor form."""
    if not answer.record:
        return render_to_string("verify/status.html", _context(answer, csrf_token))
    key = f"{translation.get_language()}:{answer!r}"
    html = _pages.get(key)
    if html is None:
        html = render_to_string("verify/status.html", _context(answer, _PLACEHOLDER))
        with _lock:
            while _pages and len(_pages) >= MAX_PAGES:  # the oldest first
                del _pages[next(iter(_pages))]
            _pages[key] = html
    return html.replace(_PLACEHOLDER, csrf_token)


def _context(answer: StatusAnswer, csrf_token: str) -> dict:
    next_url = reverse("verify:status", args=[answer.code]) if answer.code else reverse("verify:lookup")
    return {"answer": answer, "code": answer.code, "csrf_token": csrf_token, "next_url": next_url}


def status_page(request, answer: StatusAnswer) -> HttpResponse:
    """The HTTP response for ``answer``: 404 for an unknown or mistyped code, 200 otherwise."""
    token = get_token(request)  # the second-factor form and the language switch
    return HttpResponse(status_html(answer, token),
                        status=404 if answer.status in ("unknown", "invalid") else 200)


def cached_pages() -> int:
    """How many pages this process keeps (for tests)."""
    return len(_pages)


def forget_pages() -> None:
    with _lock:
        _pages.clear()
