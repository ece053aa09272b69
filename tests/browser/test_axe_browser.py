"""Accessibility: axe-core (axe-playwright-python) over every page of the authorization matrix that answers a page,
as a persona who may see it (the homeroom teacher, the subject teacher, the principal, the clerk, the commune and
province officers, an anonymous visitor), in Vietnamese, in real Chromium: no serious or critical violation."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from django.urls import reverse

from hocbaso.portal.tests.test_authorization import CASES, matrix_world  # noqa: F401 - the fixture
from hocbaso.testing.people import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Who looks at each page: the first of these the matrix lets in.
LOOKERS = ("member", "english", "owner", "clerk", "commune", "province", "anonymous")
SKIP = {"portal:logout", "portal:login_code", "<unnamed favicon.ico>"}
IMPACTS = {"serious", "critical"}


def _pages(world):
    """(persona, path) for every GET case that answers 200 to one of LOOKERS."""
    out = []
    for case in CASES:
        if case.method != "get" or case.name in SKIP or case.name.startswith("api") or ":api" in case.name:
            continue
        expect = case.expect or {p: 200 for p in LOOKERS}
        persona = next((p for p in LOOKERS if expect.get(p) == 200), None)
        if persona is None:
            continue
        query = case.query(world) if callable(case.query) else case.query
        out.append((persona, reverse(case.name, args=case.args(world)) + query))
    return out


def test_every_page_passes_axe_with_no_serious_or_critical_violation(live_server, matrix_world, browser):
    axe = Axe()
    found = {}
    pages = _pages(matrix_world)
    assert len(pages) > 30
    # the error pages: a refusal (the homeroom teacher may not export the pupil list) and a missing page
    pages += [("member", reverse("exchange:export", args=[matrix_world.year.pk, "danh-sach-hoc-sinh"])),
              ("member", "/khong-co-trang-nay/")]
    by_persona: dict[str, list[str]] = {}
    for persona, path in pages:
        by_persona.setdefault(persona, []).append(path)
    for persona, paths in by_persona.items():
        context = browser.new_context(locale="vi-VN", bypass_csp=True)  # axe is injected as a script
        page = context.new_page()
        if persona != "anonymous":
            page.goto(live_server.url + reverse("portal:login"))
            page.fill("#id_username", getattr(matrix_world, persona).user.username)
            page.fill("#id_password", PASSWORD)
            page.click("button.primary")
            page.wait_for_load_state()
        for path in paths:
            try:
                answer = page.goto(live_server.url + path)
            except PlaywrightError as error:  # a download (Excel, PDF, ZIP) is no page
                assert "Download is starting" in str(error), error
                continue
            if not answer or "text/html" not in answer.headers.get("content-type", ""):
                continue
            results = axe.run(page)
            bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                   for v in results.response["violations"] if v["impact"] in IMPACTS]
            if bad:
                found[f"{persona} {path}"] = bad
        context.close()
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
