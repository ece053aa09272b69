"""What a page shown in Vietnamese must not say: English interface words (Django's own error pages, a button left
untranslated) and a certificate's raw subject. Read by the crawl over every URL and persona
(``portal/tests/test_authorization.py``) and by the error pages' tests."""

import html
import json
import re

# Whole words or phrases of an English interface; pupils' and schools' names never contain them. Key names
# ("Delete", "Enter", "Tab") are what the keyboard says and stay.
ENGLISH = ("Forbidden", "Not Found", "Server Error", "Bad Request", "Page not found", "Internal", "Submit", "Save",
           "Cancel", "Loading", "Sign in", "Sign out", "Log in", "Log out", "Username", "Password", "Search",
           "This field is required", "Enter a valid", "Please", "Error", "Warning", "Download", "Upload",
           "CSRF verification failed", "Django", "Traceback", "You are not", "Home page", "Back")
ENGLISH_RE = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in ENGLISH) + r")(?![\w-])")
RAW_SUBJECT_RE = re.compile(r"(?<![\w])(CN|UID|title|O|OU)=[^,<\s]")


def visible_text(page: str) -> str:
    """The text a reader sees: no scripts, styles, tags or attribute values."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<!--.*?-->", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def english_on_page(response) -> list[str]:
    """The English words and raw certificate subjects a Vietnamese answer shows (HTML or JSON), or []."""
    kind = response.get("Content-Type", "")
    if getattr(response, "streaming", False):
        return []
    if kind.startswith("text/html"):
        text = visible_text(response.content.decode())
    elif kind.startswith("application/json"):
        text = " ".join(str(v) for v in _strings(json.loads(response.content or b"null")))
    else:
        return []
    return sorted(set(ENGLISH_RE.findall(text)) | {m.group(0) for m in RAW_SUBJECT_RE.finditer(text)})


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def refusal_without_reason(response) -> bool:
    """A 403 page that does not show why (the error page's reason paragraph empty or missing)."""
    if response.status_code != 403 or not response.get("Content-Type", "").startswith("text/html"):
        return False
    found = re.search(r'id="error-reason"[^>]*>(.*?)</p>', response.content.decode(), re.S)
    return not (found and found.group(1).strip())
