"""Security headers and the session's lifetime (issue 17, finding 13): a Content-Security-Policy without
'unsafe-inline' that every page passes, no-store on pages with personal data, HSTS over HTTPS, a working day's
sign-in."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

import hocbaso
from hocbaso.web.headers import CONTENT_SECURITY_POLICY

TEMPLATES = sorted(Path(hocbaso.__file__).parent.glob("*/templates/**/*.html"))
INLINE = [
    ("an inline script", re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)),
    ("an event-handler attribute", re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)),
    ("a style attribute", re.compile(r"<[^>]*\sstyle\s*=", re.I)),
    ("a <style> element", re.compile(r"<style[\s>]", re.I)),
    ("a javascript: address", re.compile(r"javascript:", re.I)),
]


def test_the_policy_refuses_inline_code_and_foreign_sources():
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY and "'unsafe-eval'" not in CONTENT_SECURITY_POLICY
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: f"{p.parent.parent.parent.name}/{p.name}")
def test_no_template_has_code_the_policy_would_block(template):
    """What script-src 'self' and style-src 'self' refuse: the pages keep their behaviour in static files
    (portal/page.js) and their looks in style sheets."""
    text = template.read_text()
    found = [what for what, pattern in INLINE if pattern.search(text)]
    assert not found, f"{template}: {found}"


def test_pages_carry_the_policy_and_no_store(client, world):
    client.force_login(world.member.user)
    for url in (reverse("portal:home"), reverse("portal:class_detail", args=[world.class4a.pk]),
                reverse("portal:grid", args=[world.class4a.pk, "cuoi_nam", "toan"]),
                reverse("portal:api_evaluations", args=[world.class4a.pk, "cuoi_nam"]) + "?sheet=toan"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
        assert response["Cache-Control"] == "no-store", url
        assert "Strict-Transport-Security" not in response  # SITE_URL is http:// in the tests
    client.logout()
    login = client.get(reverse("portal:login"))
    assert login["Content-Security-Policy"] == CONTENT_SECURITY_POLICY and "no-store" in login["Cache-Control"]


def test_hsts_when_the_site_is_served_over_https(client, settings):
    settings.SITE_URL = "https://hocba.example.vn"
    response = client.get(reverse("portal:login"))
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    settings.HSTS_SECONDS = 0
    assert "Strict-Transport-Security" not in client.get(reverse("portal:login"))


def test_a_sign_in_lasts_a_working_day(client, world):
    assert settings.SESSION_COOKIE_AGE == 10 * 3600
    client.force_login(world.member.user)
    session = client.session
    assert 9.9 * 3600 < session.get_expiry_age() <= 10 * 3600
