"""What the browser tests do again and again: sign in, reach a grid cell, wait for a save or a background job,
check that a page fits a phone."""

import datetime as dt

from django.urls import reverse

from hocbaso.directory.models import Enrolment, Pupil
from hocbaso.testing.people import PASSWORD

PHONE = {"width": 360, "height": 740}


def phone_page(new_context, **options):
    """A new page in a 360-pixel-wide phone's browser."""
    return new_context(viewport=PHONE, is_mobile=True, has_touch=True, **options).new_page()


def log_in(page, base, username, shot=None, *, password=PASSWORD, shot_name="login"):
    """Sign in through the login form and land on the home page (a screenshot of the filled form with ``shot``)."""
    page.goto(base + reverse("portal:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    if shot:
        shot(page, shot_name)
    page.click("button.primary")
    page.wait_for_url(base + reverse("portal:home"))


def fits_the_phone(page) -> bool:
    """Nothing sticks out sideways: the page needs no horizontal scrolling."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def cell(page, row: int, col: str):
    return page.locator(f'#grid tbody tr:nth-child({row + 1}) td[data-col="{col}"]')


def wait_saved(page):
    page.locator("#sync-state[data-state='saved']").wait_for(state="attached")


def run_and_wait(page, *, timeout: float = 30_000) -> str:
    """Run the queued job in a worker, wait for the progress page to show it finished; its summary."""
    from hocbaso.jobs.services import worker_loop

    page.wait_for_selector("#job-bar")
    assert worker_loop(once=True) == 1
    page.locator("#job-percent", has_text="100%").wait_for(timeout=timeout)
    page.wait_for_selector("#job-summary:not([hidden])")
    return page.inner_text("#job-summary")


def pupils_join_4a(world, names) -> None:
    """The shared fixture's class 4A with these pupils besides its own (born in January 2014, one a day)."""
    for i, name in enumerate(names):
        pupil = Pupil.objects.create(school=world.school, full_name=name, gender="male" if i % 2 else "female",
                                     birth_date=dt.date(2014, 1, 1 + i), birthplace="Đắk Nông")
        Enrolment.objects.create(pupil=pupil, school_class=world.class4a, registry_number=f"{i}/2020",
                                 joined_on=dt.date(2024, 9, 5))
