"""The public status page, rendered once per answer and kept in each server process.

The page of a record is a pure function of its public answer (``StatusAnswer``: the masked record and its
state, read from the database on every request), so the cache is keyed by the whole answer: when a record is
superseded or withdrawn the answer changes and so does the key; no entry is ever invalidated, none can be
stale, and several server processes need not agree on anything. The key includes the language the page is shown in
(Vietnamese unless the visitor chose English). Only the CSRF token (of the second-factor form and of the language
switch) differs per visitor: the page is rendered with a placeholder that each request replaces with its own token.
Answers without a record (unknown or mistyped codes) are not kept, so guessing codes cannot fill the cache.
"""

import datetime as dt
import secrets
import threading

from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from hocbaso.verify.ltv_status import level_text
from hocbaso.verify.services import STATUS_TEXT, StatusAnswer

MAX_PAGES = 2000  # about 3 KB each
_PLACEHOLDER = "csrf" + secrets.token_hex(16)  # letters and digits only: HTML escaping leaves it alone
_pages: dict[str, str] = {}
_lock = threading.Lock()


def status_html(answer: StatusAnswer, csrf_token: str) -> str:
    """The status page of ``answer`` with ``csrf_token`` in its second-factor form."""
    if not answer.record:
        return render_to_string("verify/status.html", status_context(answer, csrf_token))
    key = f"{translation.get_language()}:{answer!r}"
    html = _pages.get(key)
    if html is None:
        html = render_to_string("verify/status.html", status_context(answer, _PLACEHOLDER))
        with _lock:
            while _pages and len(_pages) >= MAX_PAGES:  # the oldest first
                del _pages[next(iter(_pages))]
            _pages[key] = html
    return html.replace(_PLACEHOLDER, csrf_token)


def status_context(answer: StatusAnswer, csrf_token: str) -> dict:
    """What ``verify/status.html`` is rendered with."""
    next_url = reverse("verify:status", args=[answer.code]) if answer.code else reverse("verify:lookup")
    signers = [{"name": s.get("name"), "role": gettext(s["role"]) if s.get("role") else "",
                "ltv": _signature_ltv(s["ltv"]) if s.get("ltv") is not None else None}
               for s in (answer.record or {}).get("signers") or []]
    ltv = (answer.record or {}).get("ltv")
    return {"answer": answer, "code": answer.code, "csrf_token": csrf_token, "next_url": next_url,
            "t": labels(), "status_text": status_text(answer), "signers": signers,
            "ltv": _file_ltv(ltv) if ltv is not None else None}


def _shown(text: str | None) -> str:
    """An ISO time as people read it in Vietnam (dd/mm/yyyy hh:mm)."""
    if not text:
        return ""
    when = dt.datetime.fromisoformat(text)
    return (timezone.localtime(when) if when.tzinfo else when).strftime("%d/%m/%Y %H:%M")


def _signature_ltv(found: dict) -> str:
    """One signature's long-term validation in words: its level and its signature time stamp (B-T)."""
    stamp = _shown(found.get("timestamp"))
    return f"{level_text(found.get('ltv'))}; " + (gettext("dấu thời gian %(time)s") % {"time": stamp} if stamp
                                                   else gettext("không có dấu thời gian"))


def _file_ltv(found: dict) -> str:
    """The file's: its level, the last archive time stamp and its TSA certificate's expiry."""
    text = level_text(found.get("level"))
    if found.get("archive_timestamp"):
        text += ". " + gettext("Dấu thời gian lưu trữ gần nhất: %(time)s (chứng thư máy chủ dấu thời gian hết hạn "
                               "%(expires)s)") % {"time": _shown(found["archive_timestamp"]),
                                                  "expires": _shown(found.get("tsa_expires"))}
    return text


# The status page's words, translated once per language and process: a {% translate %} tag costs a catalogue
# lookup at every render, and most records are looked up too rarely for their page to be kept (a first render
# with the tags took twice the CPU of the Vietnamese-only page; measured with callgrind).
LABELS = {
    "result": gettext_noop("Kết quả tra cứu"), "code": gettext_noop("Mã tra cứu"),
    "record_id": gettext_noop("Mã số định danh học bạ"), "version": gettext_noop("phiên bản"),
    "school": gettext_noop("Trường"), "school_year": gettext_noop("Năm học"), "pupil": gettext_noop("Học sinh"),
    "effective": gettext_noop("Ngày hiệu lực"), "signers": gettext_noop("Người ký"),
    "ltv": gettext_noop("Kiểm tra dài hạn (LTV)"),
    "full": gettext_noop("Xem toàn văn và tải bản PDF"),
    "full_hint": gettext_noop("Để bảo vệ thông tin cá nhân, hãy nhập ngày sinh (dd/mm/yyyy) và 4 chữ số cuối mã "
                              "định danh cá nhân của học sinh (bỏ trống nếu học sinh chưa có mã định danh)."),
    "factor": gettext_noop("Ngày sinh"), "digits": gettext_noop("4 chữ số cuối mã định danh"),
    "verify": gettext_noop("Xác minh"),
    "again": gettext_noop("← Nhập mã khác"),
}
_labels: dict[str, dict] = {}


def labels() -> dict:
    """``LABELS`` in the active language."""
    language = translation.get_language()
    found = _labels.get(language)
    if found is None:
        found = _labels[language] = {key: gettext(text) for key, text in LABELS.items()}
    return found


def status_text(answer: StatusAnswer) -> str:
    """The sentence that says the record's state, in the active language."""
    text = STATUS_TEXT.get(answer.status)
    if text is None:
        return answer.message
    version = (answer.record or {}).get("superseded_by_version")
    return gettext(text) % {"version": version} if answer.status == "superseded" else gettext(text)


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
