"""The clerk imports the school's pupil list from Excel on a 360-pixel-wide phone, in real Chromium: a file with
mistakes shows every problem by sheet, row and column and writes nothing; the corrected file shows a preview;
confirming writes it and returns to the data page. Every step is screenshotted to screenshots/<test>/."""

import datetime as dt

import pytest
from django.urls import reverse

from hocbaso.audit.models import AuditEntry
from hocbaso.conftest import make_staff
from hocbaso.directory.models import Pupil, Role
from hocbaso.exchange.tests.helpers import PUPIL_HEADERS, pupil_row, xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "matkhau-an-toan"
PHONE = {"width": 360, "height": 740}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_clerk_imports_the_pupil_list_on_a_phone(live_server, world, django_user_model, new_context, shot):
    make_staff(django_user_model, world.school, "vanthu", "Bùi Thị Hân", Role.CLERK)
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto(live_server.url + reverse("portal:login"))
    page.fill("#id_username", "vanthu")
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(live_server.url + reverse("portal:home"))
    page.goto(live_server.url + reverse("exchange:hub", args=[world.year.pk]))
    assert fits_the_phone(page)
    shot(page, "data-page")
    page.click("text=Nhập danh sách học sinh")
    page.wait_for_selector("#upload-form")

    before = (Pupil.objects.count(), AuditEntry.objects.count())
    bad = xlsx({"DS": [PUPIL_HEADERS,
                       pupil_row(1, "4A", "067214009991", "Lê Văn Một", "31/02/2014"),
                       pupil_row(2, "9Z", "067214009992", "Lê Văn Hai", dt.date(2014, 3, 3))]})
    page.set_input_files("#id_file", files=[{"name": "danh-sach.xlsx", "mimeType": XLSX, "buffer": bad}])
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#problems")
    rows = page.locator("#problems tbody tr")
    assert rows.count() == 2
    assert "Ngày không tồn tại" in rows.nth(0).inner_text() and "9Z" in rows.nth(1).inner_text()
    cells = rows.nth(0).locator("td")  # sheet, row, column, message: all four shown on the phone
    assert [cells.nth(i).inner_text().strip() for i in range(3)] == ["DS", "2", "E (Ngày sinh)"]
    assert all(cells.nth(i).is_visible() for i in range(4))
    assert page.locator("#confirm").count() == 0 and fits_the_phone(page)
    assert (Pupil.objects.count(), AuditEntry.objects.count()) == before
    shot(page, "problems")

    good = xlsx({"DS": [PUPIL_HEADERS,
                        pupil_row(1, "4A", "067214009991", "Lê Văn Một", dt.date(2014, 2, 2)),
                        pupil_row(2, "4B", "067214009992", "Lê Văn Hai", dt.date(2014, 3, 3))]})
    page.set_input_files("#id_file", files=[{"name": "danh-sach.xlsx", "mimeType": XLSX, "buffer": good}])
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#confirm")
    assert "Sẽ thêm 2" in page.inner_text("#report-summary") and Pupil.objects.count() == before[0]
    shot(page, "preview")

    page.click("#confirm")
    page.wait_for_url(live_server.url + reverse("exchange:hub", args=[world.year.pk]))
    assert "Đã thêm 2" in page.inner_text(".flash") and fits_the_phone(page)
    assert Pupil.objects.filter(identity_number__in=["067214009991", "067214009992"]).count() == 2
    shot(page, "written")
