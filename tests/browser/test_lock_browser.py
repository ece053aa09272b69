"""The principal on a 360-pixel-wide phone, in real Chromium: locks a class, thinks better of it and cancels the
queued job; locks it for real; then opens it again (mở chốt) with a reason because it was locked too early.
Every step is screenshotted to screenshots/<test>/."""

import pytest
from django.urls import reverse

from browsing import fits_the_phone, log_in, phone_page

from hocbaso.assessment.selectors import is_locked
from hocbaso.audit.models import AuditEntry
from hocbaso.jobs.models import Job, JobState
from hocbaso.jobs.services import worker_loop
from hocbaso.testing.lifecycle import lifecycle_school

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def test_principal_cancels_a_queued_lock_then_locks_and_unlocks_with_a_reason(live_server, world, settings,
                                                                              new_context, shot):
    settings.JOBS_INLINE = False
    w = lifecycle_school(world)
    page = phone_page(new_context)
    dialogs, console = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.on("console", lambda message: console.append(message.text))
    log_in(page, live_server.url, "hieutruong")
    dashboard = live_server.url + reverse("portal:school_dashboard", args=[w.year.pk])

    # Lock 4A: the job waits in the queue; the principal cancels it from its progress page.
    page.goto(dashboard)
    page.locator('#classes tr[data-class="4A"] form button').click()
    page.wait_for_selector("#job-cancel")
    assert dialogs == ["Chốt dữ liệu lớp 4A?"]  # the confirmation, from portal/page.js (no inline handler)
    assert "Đang chờ" in page.inner_text("#job-state") and fits_the_phone(page)
    shot(page, "lock-queued")
    page.click("#job-cancel button")
    page.wait_for_selector(".flash .ok")
    assert "Đã hủy tác vụ." in page.inner_text(".flash") and page.inner_text("#job-state") == "Đã hủy"
    assert page.locator("#job-cancel").count() == 0
    shot(page, "lock-cancelled")
    assert worker_loop(once=True) == 0 and not is_locked(w.class4a)
    assert Job.objects.get().state == JobState.CANCELLED

    # Lock it for real: the worker runs the job while the page polls; the cancel button goes away at the end.
    page.goto(dashboard)
    page.locator('#classes tr[data-class="4A"] form button').click()
    page.wait_for_selector("#job-cancel")
    assert worker_loop(once=True) == 1
    page.locator("#job-percent", has_text="100%").wait_for()
    page.wait_for_selector("#job-cancel", state="hidden")
    assert is_locked(w.class4a)

    # Locked too early: the class page offers mở chốt; a reason is required, then the class is open again.
    page.goto(live_server.url + reverse("portal:class_detail", args=[w.class4a.pk]))
    page.click("#class-unlock summary")
    page.fill("#unlock-reason", "Chốt sớm: giáo viên chủ nhiệm còn bổ sung nhận xét")
    assert fits_the_phone(page)
    shot(page, "unlock-form")
    page.click("#class-unlock-form button")
    page.wait_for_selector(".flash .ok")
    assert "Đã mở chốt dữ liệu lớp 4A" in page.inner_text(".flash") and page.locator("#class-unlock").count() == 0
    shot(page, "unlocked")
    assert not is_locked(w.class4a)
    # Every page passed the Content-Security-Policy (Chromium reports a refused script or style on the console).
    assert not [text for text in console if "Content Security Policy" in text], console
    entry = AuditEntry.objects.get(action="data.unlock")
    assert entry.actor == w.owner.user and "Chốt sớm" in entry.data["reason"]
