"""The public status page's short path: the page kept per answer, and the short middleware chain."""

import re

import pytest
from django.shortcuts import render
from django.test import Client
from django.urls import reverse

from hocbaso.testing.triggers import immutability_triggers
from hocbaso.verify import pages
from hocbaso.verify.models import RecordLookup
from hocbaso.verify.services import lookup_full, lookup_status

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def no_pages_kept():
    pages.forget_pages()
    yield
    pages.forget_pages()


def status_text(client, code) -> str:
    page = client.get(reverse("verify:status", args=[code]))
    assert page.status_code == 200
    return page.content.decode()


def test_kept_page_is_the_page_the_template_renders(rf, issue):
    issued = issue()
    answer = lookup_status(text=issued.lookup_code, ip="203.0.113.1")
    request = rf.get(reverse("verify:status", args=[issued.lookup_code]))
    token = "t0k3n" * 8
    rendered = render(request, "verify/status.html", pages.status_context(answer, token)).content.decode()
    assert TOKEN.search(rendered).group(1) == token
    first = pages.status_html(answer, token)  # rendered and kept
    again = pages.status_html(answer, token)  # from the kept copy
    assert first == again == rendered
    assert pages.cached_pages() == 1


def test_every_visitor_gets_a_token_of_their_own_and_the_form_works(issue):
    issued = issue()
    url = reverse("verify:status", args=[issued.lookup_code])
    tokens = []
    for _ in range(2):
        browser = Client(enforce_csrf_checks=True)
        page = browser.get(url)
        token = TOKEN.search(page.content.decode()).group(1)
        assert "csrftoken" in page.cookies
        tokens.append(token)
        full = browser.post(url, {"xac_minh": "02/09/2014", "so_cuoi": "1234", "csrfmiddlewaretoken": token})
        assert full.status_code == 200 and "Nguyễn Thị Ánh Tuyết" in full.content.decode()
    assert tokens[0] != tokens[1]
    assert pages.cached_pages() == 1
    assert Client(enforce_csrf_checks=True).post(url, {"xac_minh": "02/09/2014",
                                                       "so_cuoi": "1234"}).status_code == 403


def test_a_kept_page_follows_supersession_and_withdrawal(client, issue, world):
    from hocbaso.records.models import RecordWithdrawal

    v1 = issue()
    assert "Học bạ có hiệu lực" in status_text(client, v1.lookup_code)
    assert "Học bạ có hiệu lực" in status_text(client, v1.lookup_code)  # now from the kept page
    v2 = issue(version=2, supersedes=v1)
    assert "đã được thay thế bởi phiên bản 2" in status_text(client, v1.lookup_code)
    assert "Học bạ có hiệu lực" in status_text(client, v2.lookup_code)
    RecordWithdrawal.objects.create(issued_record=v2, reason="Nhầm học sinh", withdrawn_by=world.owner.user)
    text = status_text(client, v2.lookup_code)
    assert "đã bị thu hồi" in text and "Học bạ có hiệu lực" not in text
    assert "đã được thay thế bởi phiên bản 2" in status_text(client, v1.lookup_code)


def test_a_code_issued_after_it_was_looked_up_is_found(client, issue, monkeypatch):
    from hocbaso.records import codes

    code = codes.new_lookup_code()
    assert client.get(reverse("verify:status", args=[code])).status_code == 404
    monkeypatch.setattr("hocbaso.testing.registry.new_lookup_code", lambda: code)
    issue()
    assert "Học bạ có hiệu lực" in status_text(client, code)


def test_unknown_codes_are_not_kept_and_the_kept_pages_are_bounded(client, issue, monkeypatch):
    from hocbaso.records.codes import new_lookup_code

    for _ in range(3):
        assert client.get(reverse("verify:status", args=[new_lookup_code()])).status_code == 404
    assert pages.cached_pages() == 0
    monkeypatch.setattr(pages, "MAX_PAGES", 2)
    records = [issue()]
    for version in (2, 3):
        records.append(issue(version=version, supersedes=records[-1]))
    for issued in records:
        status_text(client, issued.lookup_code)
    assert pages.cached_pages() == 2
    for issued in records:  # an evicted page is rendered again
        assert issued.record_id in status_text(client, issued.lookup_code)


def test_the_short_path_keeps_the_headers_of_the_full_stack(client, issue):
    issued = issue()
    page = client.get(reverse("verify:status", args=[issued.lookup_code]))
    assert page.status_code == 200
    assert not hasattr(page.wsgi_request, "session")  # the session middleware was skipped
    assert page["X-Frame-Options"] == "DENY" and page["X-Content-Type-Options"] == "nosniff"
    assert page["Referrer-Policy"] == "same-origin" and page["Content-Language"] == "vi"
    assert "script-src 'self'" in page["Content-Security-Policy"] and page["Cache-Control"] == "no-store"
    assert int(page["Content-Length"]) == len(page.content)
    assert "Cookie" in page["Vary"] and "csrftoken" in page.cookies and "sessionid" not in page.cookies
    api = client.get(reverse("verify:api_status", args=[issued.lookup_code]))
    assert api.status_code == 200 and api.json()["status"] == "current"
    assert api["X-Frame-Options"] == "DENY" and "csrftoken" not in api.cookies
    assert RecordLookup.objects.filter(kind="status").count() == 2  # both logged


def test_the_short_path_still_checks_the_host_and_leaves_other_requests_alone(client, issue):
    issued = issue()
    url = reverse("verify:status", args=[issued.lookup_code])
    assert client.get(url, HTTP_HOST="evil.example").status_code == 400
    form = client.get(reverse("verify:lookup"))
    assert hasattr(form.wsgi_request, "session")  # the full stack
    full = client.post(url, {"xac_minh": "02/09/2014", "so_cuoi": "1234"})
    assert full.status_code == 200 and hasattr(full.wsgi_request, "session")
    assert "sessionid" in full.cookies  # the download grant


@pytest.fixture(scope="module")
def triggers_back(django_db_setup, django_db_blocker):
    """See ``immutability_triggers``: a transactional test's teardown empties every table."""
    yield
    with django_db_blocker.unblock():
        immutability_triggers(present=True)


@pytest.fixture
def issue_then_triggers_off(triggers_back, issue):
    yield issue
    immutability_triggers(present=False)


@pytest.mark.django_db(transaction=True)
def test_lookups_outside_a_transaction_take_tokens_and_log_in_one_turn(issue_then_triggers_off, settings):
    """Outside a transaction the lookup writes through its short path: one statement on PostgreSQL, the
    sqlite3 connection itself on SQLite. Same tokens, same log lines as Django's way."""
    from hocbaso.records.codes import new_lookup_code
    from hocbaso.verify.models import TokenBucket
    from hocbaso.verify.ratelimit import ip_key
    from hocbaso.verify.services import RateLimited

    settings.VERIFY_LIMITS = {**settings.VERIFY_LIMITS, "status_burst": 2, "status_per_hour": 1}
    issued = issue_then_triggers_off()
    ip = "198.51.100.7"
    assert lookup_status(text=issued.lookup_code, ip=ip).status == "current"
    assert lookup_status(text=new_lookup_code(), ip=ip).status == "unknown"
    with pytest.raises(RateLimited):
        lookup_status(text=issued.lookup_code, ip=ip)
    answer = lookup_status(text=issued.lookup_code.lower(), ip="198.51.100.8", via_api=True)
    assert answer.status == "current" and answer.record["pupil_name_masked"] == "Nguyễn T. Á. Tuyết"
    entries = [(e.kind, e.ok, e.issued_record_id, e.school_code, e.via_api, e.ip_hash)
               for e in RecordLookup.objects.order_by("id")]
    assert entries == [("status", True, issued.pk, "67000199", False, ip_key(ip)),
                       ("status", False, None, "", False, ip_key(ip)),
                       ("status", True, issued.pk, "67000199", True, ip_key("198.51.100.8"))]
    bucket = TokenBucket.objects.get(key=f"status-ip:{ip_key(ip)}")
    assert bucket.allowed is False and 0 <= bucket.tokens < 1


@pytest.mark.django_db(transaction=True)
def test_a_lookup_on_postgresql_does_not_change_how_other_writes_commit(issue_then_triggers_off):
    """The lookup's own commit skips the wait for the disk; the connection's later writes, and a caller's
    transaction around a lookup, keep the database's setting."""
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    issued = issue_then_triggers_off()

    def setting() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    before = setting()
    assert before != "off"
    assert lookup_status(text=issued.lookup_code, ip="198.51.100.9").status == "current"
    assert setting() == before
    assert lookup_full(text=issued.lookup_code, factor="02/09/2014", ip="198.51.100.9",
                       identity_digits="1234") == issued  # write_turn
    assert setting() == before
    with transaction.atomic():
        assert lookup_status(text=issued.lookup_code, ip="198.51.100.9").status == "current"
        assert setting() == before
    assert RecordLookup.objects.filter(issued_record=issued, ok=True).count() == 3
