"""A Sở officer on a 360-pixel-wide touch phone, in real Chromium, drills down the dashboards: province → commune →
school → class, tapping a row's link at each level; every page fits the phone, its charts load as SVG, and the
class's page gives its counts (offices read aggregates only, no pupil's name). Screenshots go to screenshots/<test>/."""

import io
import time

import pytest
from django.core.cache import cache
from django.core.management import call_command

from browsing import fits_the_phone, log_in, phone_page

from hocbaso.directory.models import Enrolment, Province, Role, School, SchoolClass, Staff, StaffRole
from hocbaso.testing.people import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_for_charts(page, seconds: float = 30) -> None:
    """The page's charts have loaded (polled: the CSP forbids the eval that ``wait_for_function`` needs). A
    chart that failed fails the test: reading a dashboard writes nothing once its figures are stored
    (``reports.selectors._figures_store``), so a page's charts no longer store the summary at the same moment."""
    deadline = time.time() + seconds
    while not charts_loaded(page):
        assert time.time() < deadline, "charts did not load"
        broken = page.evaluate("Array.from(document.querySelectorAll('img.chart'))"
                               ".filter(i => i.complete && i.naturalWidth === 0).map(i => i.src)")
        assert not broken, f"charts failed: {broken}"
        page.wait_for_timeout(100)


def charts_loaded(page) -> bool:
    return page.evaluate("Array.from(document.querySelectorAll('img.chart')).every("
                         "i => i.complete && i.naturalWidth > 0)")


def test_province_officer_drills_down_to_one_class_on_a_phone(live_server, django_user_model, new_context, shot):
    cache.clear()
    call_command("generate_province", "--small", "--code", "92", stdout=io.StringIO())
    province = Province.objects.get(code="92")
    user = django_user_model.objects.create_user(username="so92", password=PASSWORD)
    StaffRole.objects.create(staff=Staff.objects.create(user=user, full_name="Cán bộ Sở", province=province),
                             role=Role.PROVINCE_OFFICER)
    school = School.objects.filter(placements__province=province).order_by("code").first()
    commune = school.placements.get().commune
    klass = SchoolClass.objects.filter(school_year__school=school).order_by("grade", "name").first()

    page = phone_page(new_context)
    log_in(page, live_server.url, "so92")
    page.locator("#statistics-link").tap()
    page.wait_for_url("**/thong-ke/")
    assert province.name in page.inner_text("#board-title")
    assert page.locator("#outcome-table tbody tr").count() == 3  # the three communes
    wait_for_charts(page)
    assert fits_the_phone(page) and charts_loaded(page)
    shot(page, "province")

    page.locator(f'#outcome-table tr[data-key="{commune.code}"] a').tap()
    page.wait_for_url(f"**/thong-ke/xa/{commune.code}/**")
    assert commune.name in page.inner_text("#board-title")
    assert province.name in page.inner_text("#crumbs")
    assert fits_the_phone(page)
    shot(page, "commune")

    page.locator(f'#outcome-table tr[data-key="{school.code}"] a').tap()
    page.wait_for_url(f"**/thong-ke/truong/{school.code}/**")
    assert school.name in page.inner_text("#board-title")
    wait_for_charts(page)
    assert fits_the_phone(page) and charts_loaded(page)
    shot(page, "school")

    page.locator(f'#outcome-table tr[data-key="{klass.pk}"] a').tap()
    page.wait_for_url(f"**/thong-ke/lop/{klass.pk}/**")
    assert f"Lớp {klass.name}" in page.inner_text("#board-title")
    pupils = Enrolment.objects.filter(school_class=klass).count()
    assert page.locator("#pupil-table").count() == 0 and page.locator("#names-hidden").count() == 1  # counts only
    assert page.inner_text("#fig-pupils") == str(pupils)
    assert page.locator("#crumbs a").count() == 3  # province, commune, school: the way back up
    assert fits_the_phone(page)
    shot(page, "class")
    page.locator("#crumbs a").first.tap()
    page.wait_for_url("**/thong-ke/tinh/92/**")
    assert province.name in page.inner_text("#board-title")
