"""The clerk imports the school's pupil list from Excel on a 360-pixel-wide phone, in real Chromium: a file with
mistakes shows every problem by sheet, row and column and writes nothing; the corrected file shows a preview;
confirming writes it and returns to the data page. Every step is screenshotted to screenshots/<test>/."""

import datetime as dt

import pytest
from django.urls import reverse

from browsing import fits_the_phone, log_in, phone_page

from hocbaso.audit.models import AuditEntry
from hocbaso.directory.models import Enrolment, Pupil, Role
from hocbaso.exchange.transfer.services import transfer_package_build
from hocbaso.records.models import ImportedRecord
from hocbaso.signing.services import identity_for, signer_open
from hocbaso.testing.exchange import (PUPIL_HEADERS, flip_in_signed_pdf, members, pupil_row, read, receiving_school,
                                      rezip, xlsx)
from hocbaso.testing.lifecycle import lifecycle_school
from hocbaso.testing.people import SEAL_PIN, make_staff
from hocbaso.testing.triggers import immutability_triggers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_the_clerk_imports_the_pupil_list_on_a_phone(live_server, world, django_user_model, new_context, shot):
    make_staff(django_user_model, world.school, "vanthu", "Bùi Thị Hân", Role.CLERK)
    page = phone_page(new_context)
    log_in(page, live_server.url, "vanthu")
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


@pytest.fixture(scope="module", autouse=True)
def _triggers_back(triggers_back_after_the_module):
    """See ``immutability_triggers`` in conftest.py."""


@pytest.fixture
def package_sent(world, django_user_model, settings):
    """4A issued at the sending school, a transfer package of Ánh Tuyết; the receiving school's principal and
    its class 5A for 2025-2026."""
    w = receiving_school(lifecycle_school(world), django_user_model)
    transfer = transfer_package_build(pupil=w.pupil, by=w.owner.user,
                                      seal_signer=signer_open(identity_for(school=w.school), SEAL_PIN))
    w.package = read(transfer.file)
    yield w
    immutability_triggers(present=False)


def test_the_receiving_principal_checks_a_package_on_a_phone_and_a_changed_byte_is_refused(
        live_server, package_sent, new_context, shot):
    w = package_sent
    page = phone_page(new_context)
    log_in(page, live_server.url, "hieutruong2")
    receive = live_server.url + reverse("exchange:transfer_receive", args=[w.next_year.pk])
    page.goto(receive)

    files = members(w.package)
    record = next(name for name in files if name.startswith("records/"))
    tampered = rezip({**files, record: flip_in_signed_pdf(files[record])})
    page.set_input_files("#id_file", files=[{"name": "goi.zip", "mimeType": "application/zip", "buffer": tampered}])
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#problems")
    assert "Không nhận gói chuyển trường này" in page.inner_text("#problems") and fits_the_phone(page)
    assert not ImportedRecord.objects.exists()
    shot(page, "refused")

    page.set_input_files("#id_file", files=[{"name": "goi.zip", "mimeType": "application/zip", "buffer": w.package}])
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#preview")
    text = page.inner_text("#preview")
    assert w.pupil.full_name in text and "Lê Thị Hoa" in text and "Đoàn Trung Quế" in text and fits_the_phone(page)
    assert "Ngày sinh: 02/09/2014" in text
    shot(page, "verified-history")
    page.select_option("#id_class", str(w.class5a.pk))
    page.click("#confirm")
    page.wait_for_url(live_server.url + reverse("exchange:hub", args=[w.next_year.pk]))
    assert "Đã nhận học sinh" in page.inner_text(".flash")
    assert Enrolment.objects.filter(school_class=w.class5a, pupil=w.pupil, transferred_in=True).exists()
    shot(page, "received")
