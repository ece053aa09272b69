"""Real headless Chromium (Debian's ``chromium``) driven by Playwright against pytest-django's live server.

The tests skip, saying why, only when /usr/bin/chromium is missing (``scripts/system-packages.txt``
lists it, so ./dev.sh and CI install it). Playwright is used only as a driver: ``playwright install``
is never run. Screenshots of every step go to ``screenshots/`` (git-ignored).
"""

import os
from pathlib import Path

import pytest

from hocbaso.testing.triggers import immutability_triggers

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: runs in real headless Chromium (needs /usr/bin/chromium)")


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing: install the Debian package chromium "
                                   "(listed in scripts/system-packages.txt) to run the browser tests")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the tests' own ORM checks are
    # plain synchronous code all the same.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield chromium
            chromium.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def new_context(browser):
    """new_context(**options): a fresh browser profile (its own cookies and localStorage), Vietnamese by default."""
    contexts = []

    def make(**options):
        options.setdefault("locale", "vi-VN")
        options.setdefault("viewport", {"width": 1280, "height": 860})
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shot(request):
    """shot(page, "step"): screenshots/<test name>/<nn>-<step>.png."""
    folder = SCREENSHOTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    counter = iter(range(1, 100))

    def take(page, step: str, full_page: bool = True):
        page.screenshot(path=str(folder / f"{next(counter):02d}-{step}.png"), full_page=full_page)

    take.folder = folder
    return take


@pytest.fixture(scope="module")
def triggers_back_after_the_module(django_db_setup, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        immutability_triggers(present=True)
