"""A homeroom teacher signs the class with one PIN on a 360-pixel-wide phone, in real Chromium, and follows the
background job's progress bar through a page reload to 100 %.

The job is not run inline: it waits in the queue (the progress page says so, and a reload keeps it), then a
worker runs it while the page polls. Every step is screenshotted to screenshots/<test>/.
"""


import pytest
from django.urls import reverse

from browsing import fits_the_phone, log_in, phone_page, run_and_wait

from hocbaso.jobs.models import Job, JobState
from hocbaso.jobs.services import worker_loop
from hocbaso.records.locks import data_lock
from hocbaso.records.models import DraftState, RecordDraft
from hocbaso.records.signatures import subject_signoff
from hocbaso.signing.services import identity_for, signer_open
from hocbaso.testing.lifecycle import lifecycle_school
from hocbaso.testing.people import ENGLISH_PIN, PRINCIPAL_PIN, SEAL_PIN, TEACHER_PIN
from hocbaso.testing.triggers import immutability_triggers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



@pytest.fixture
def ready_to_sign(world, settings):
    """4A locked by the principal and English signed off: only the homeroom teacher's signature is missing."""
    settings.JOBS_INLINE = False
    w = lifecycle_school(world)
    data_lock(school_year=w.year, school_class=w.class4a, by=w.owner.user)
    subject_signoff(school_class=w.class4a, subject="ngoai_ngu_1", by=w.english.user,
                    signer=signer_open(identity_for(staff=w.english), ENGLISH_PIN))
    return w


def percent(page) -> str:
    return page.inner_text("#job-percent")


def test_homeroom_teacher_signs_the_class_with_one_pin_and_follows_the_progress(live_server, ready_to_sign,
                                                                                new_context, shot):
    w = ready_to_sign
    page = phone_page(new_context)
    log_in(page, live_server.url, "gvcn4a")
    page.click("text=4A")
    page.wait_for_selector("#class-sign-form")
    assert page.inner_text("#class-stage") == "Đã chốt" and fits_the_phone(page)
    shot(page, "class-page")

    # A wrong PIN: the Vietnamese message, on the signing page, and nothing queued.
    page.fill("#class-sign-form input[name=pin]", "000000")
    page.click("#class-sign")
    page.wait_for_selector("#pin-error")
    assert "Mã PIN ký số không đúng" in page.inner_text("#pin-error") and not Job.objects.exists()
    assert fits_the_phone(page)
    shot(page, "wrong-pin")

    # The right PIN, once: the progress page of a queued job.
    page.fill("#sign-form input[name=pin]", TEACHER_PIN)
    page.click("#sign-form button[type=submit]")
    page.wait_for_selector("#job-bar")
    job = Job.objects.get()
    assert page.url == live_server.url + reverse("portal:job", args=[job.pk])
    assert job.state == JobState.QUEUED and TEACHER_PIN not in str(job.args)
    assert percent(page) == "0%" and "Đang chờ" in page.inner_text("#job-state") and fits_the_phone(page)
    shot(page, "queued")

    # Reload while it waits: the page is drawn from the job's row.
    page.reload()
    page.wait_for_selector("#job-bar")
    assert percent(page) == "0%" and "Đang chờ" in page.inner_text("#job-state")

    # A worker runs the job while the page polls; the bar reaches 100 % without touching the page.
    assert worker_loop(once=True) == 1
    page.locator("#job-percent", has_text="100%").wait_for()
    page.wait_for_selector("#job-summary:not([hidden])")
    assert page.inner_text("#job-summary") == "Đã ký 3 học bạ của lớp 4A."
    shot(page, "done")

    # And after a reload, still 100 %, the job finished, nothing left waiting.
    page.reload()
    page.wait_for_selector("#job-bar")
    assert percent(page) == "100%" and page.inner_text("#job-state") == "Hoàn tất"
    assert page.get_attribute("#job-bar", "aria-valuenow") == "100" and fits_the_phone(page)
    shot(page, "done-after-reload")
    job.refresh_from_db()
    assert job.state == JobState.DONE and "pin" not in job.args
    assert RecordDraft.objects.filter(enrolment__school_class=w.class4a, state=DraftState.TEACHER_SIGNED).count() == 3

    # Back on the class page: every record signed by the teacher, waiting for the principal.
    page.click("#job-done a")
    page.wait_for_selector("#class-stage")
    assert page.inner_text("#class-stage") == "GVCN đã ký"
    shot(page, "class-signed")


@pytest.fixture(scope="module", autouse=True)
def _triggers_back(triggers_back_after_the_module):
    """See ``immutability_triggers`` in conftest.py."""


@pytest.fixture
def teacher_signed(ready_to_sign):
    from hocbaso.records.signatures import class_sign

    w = ready_to_sign
    class_sign(school_class=w.class4a, by=w.member.user, signer=signer_open(identity_for(staff=w.member), TEACHER_PIN))
    yield w
    immutability_triggers(present=False)


def test_principal_signs_and_issues_from_the_dashboard_on_a_phone(live_server, teacher_signed, new_context, shot):
    from hocbaso.records.models import IssuedRecord

    w = teacher_signed
    page = phone_page(new_context)
    log_in(page, live_server.url, "hieutruong")
    page.click("#dashboard-link")
    page.wait_for_selector("#classes")
    assert page.get_attribute('#classes tr[data-class="4A"]', "data-stage") == "teacher_signed"
    assert fits_the_phone(page)
    shot(page, "dashboard")

    page.fill("#sign_pin", PRINCIPAL_PIN)
    page.click("#sign-school")
    assert run_and_wait(page) == "Hiệu trưởng đã ký 3 học bạ."
    shot(page, "school-signed")
    page.click("#job-done a")
    page.wait_for_selector("#classes")
    assert page.get_attribute('#classes tr[data-class="4A"]', "data-stage") == "principal_signed"

    page.fill("#issue_pin", SEAL_PIN)
    page.click("#issue")
    assert run_and_wait(page) == "Đã phát hành 3 học bạ."
    page.click("#job-done a")
    page.wait_for_selector("#classes")
    assert page.get_attribute('#classes tr[data-class="4A"]', "data-stage") == "issued"
    shot(page, "issued")
    assert IssuedRecord.objects.count() == 3

    # The issued record, as the class page's link serves it.
    page.goto(live_server.url + reverse("portal:class_detail", args=[w.class4a.pk]))
    href = page.get_attribute("a.record-link", "href")
    response = page.request.get(live_server.url + href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.headers["x-record-kind"] == "issued" and response.body().startswith(b"%PDF")


def test_a_correction_is_filed_and_approved_on_a_phone(live_server, ready_to_sign, new_context, shot):
    from hocbaso.records.models import CorrectionRequest, CorrectionStatus

    w = ready_to_sign
    teacher = phone_page(new_context)
    log_in(teacher, live_server.url, "gvcn4a")
    teacher.goto(live_server.url + reverse("portal:class_detail", args=[w.class4a.pk]))
    teacher.click("text=Đề nghị điều chỉnh")
    teacher.select_option("select[name=hs]", str(w.enrolment.pk))  # the form reloads for the chosen pupil
    teacher.wait_for_selector("#correction-form")
    teacher.select_option("#id_field", "subjects.toan.score")
    teacher.fill("#id_new_value", "8")
    teacher.fill("#id_reason", "Cộng nhầm điểm bài kiểm tra cuối năm")
    assert fits_the_phone(teacher)
    shot(teacher, "teacher-form")
    teacher.click("#correction-form button[type=submit]")
    teacher.wait_for_selector(".flash .ok")
    assert "Chờ phê duyệt" in teacher.inner_text("#list")
    shot(teacher, "teacher-sent")

    principal = phone_page(new_context)
    log_in(principal, live_server.url, "hieutruong")
    principal.click("#dashboard-link")
    principal.wait_for_selector("#corrections .correction")
    assert "Cộng nhầm điểm" in principal.inner_text("#corrections") and fits_the_phone(principal)
    shot(principal, "principal-pending")
    principal.fill("#corrections input[name=note]", "Đã kiểm tra bài")
    principal.click("#corrections button.approve")
    principal.wait_for_selector(".flash .ok")
    assert "Đã duyệt" in principal.inner_text(".flash")
    shot(principal, "principal-approved")
    correction = CorrectionRequest.objects.get()
    assert correction.status == CorrectionStatus.APPROVED and correction.decision_note == "Đã kiểm tra bài"
    assert w.enrolment.subject_evaluations.get(period="cuoi_nam", subject="toan").score == 8
