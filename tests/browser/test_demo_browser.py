"""Acceptance of issue 6, tried as a new user would: the README's first command (``./dev.sh start``) loads the demo
school with ``hocbaso demo`` and prints its accounts; with those accounts, in real Chromium,

(The demo school's year 2025-2026 as ``demo_build`` leaves it, before ``demo_issue`` issues it.)

1. the demo homeroom teacher of 4A (``gvcn.4a``) enters year-end evaluations by keyboard in the grid and opens the
   class summary;
2. the demo principal (``hieutruong``) locks 4A from the dashboard; the subject teachers sign off their subjects
   (in Python: their screens have their own browser tests); the homeroom teacher signs the class with the demo PIN;
3. the principal signs and issues the class from the dashboard and downloads an issued record.

Every step is screenshotted to screenshots/<test>/. ``demo_build`` is the demo's data exactly as ``hocbaso demo``
builds it; the certificates of 4A's signers are issued with the demo PIN as ``hocbaso demo`` does for every signer
(``demo_issue`` also signs the 23 other classes, which this test does not need).
"""

import pytest
from django.urls import reverse

import browsing
from browsing import cell, phone_page, wait_saved
from hocbaso.testing.triggers import immutability_triggers

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]



@pytest.fixture(scope="module", autouse=True)
def _triggers_back(triggers_back_after_the_module):
    """See ``immutability_triggers`` in hocbaso/testing/triggers.py."""


@pytest.fixture
def demo(settings):
    from hocbaso.demo.builder import SCHOOL_CODE, SCHOOL_YEAR, demo_build
    from hocbaso.demo.lifecycle import DEMO_PIN
    from hocbaso.directory.models import SchoolClass, Staff
    from hocbaso.records.selectors import subjects_needing_signoff
    from hocbaso.signing.services import identity_issue

    settings.JOBS_INLINE = False  # jobs wait in the queue; the test runs the worker, as a real one would
    demo_build()
    four_a = SchoolClass.objects.select_related("school_year__school", "homeroom_teacher").get(
        school_year__school__code=SCHOOL_CODE, school_year__name=SCHOOL_YEAR, name="4A")
    principal = Staff.objects.get(user__username="hieutruong")
    for staff in {principal, four_a.homeroom_teacher, *subjects_needing_signoff(four_a).values()}:
        identity_issue(staff=staff, pin=DEMO_PIN, by=principal.user)
    identity_issue(school=four_a.school_year.school, pin=DEMO_PIN, by=principal.user)
    yield four_a
    immutability_triggers(present=False)  # issued records refuse the live server's flush


def log_in(page, base, username, shot=None):
    from hocbaso.demo.builder import PASSWORD

    browsing.log_in(page, base, username, shot, password=PASSWORD, shot_name=f"login-{username}")


def run_and_wait(page) -> str:
    summary = browsing.run_and_wait(page, timeout=60_000)
    page.wait_for_timeout(500)  # the bar's width transition (0.4 s), for the screenshot
    return summary


def stage(page, name: str) -> str:
    return page.get_attribute(f'#classes tr[data-class="{name}"]', "data-stage")


def test_demo_teacher_enters_and_sees_the_summary_then_the_principal_locks_signs_and_issues(
        live_server, demo, new_context, shot):
    from hocbaso.assessment.models import SubjectEvaluation, TraitEvaluation
    from hocbaso.demo.lifecycle import DEMO_PIN
    from hocbaso.directory.selectors import class_pupils
    from hocbaso.records.models import IssuedRecord
    from hocbaso.records.selectors import subjects_needing_signoff
    from hocbaso.records.signatures import subject_signoff
    from hocbaso.signing.services import identity_for, signer_open

    four_a, base = demo, live_server.url
    pupils = list(class_pupils(four_a))
    first, second = pupils[0], pupils[1]

    # 1. The homeroom teacher: Toán of the first two pupils by keyboard, one quality, then the summary.
    teacher = new_context().new_page()
    log_in(teacher, base, "gvcn.4a", shot)
    shot(teacher, "teacher-home")
    teacher.click("text=4A")
    teacher.wait_for_selector("#class-stage")
    shot(teacher, "teacher-class")
    teacher.goto(base + reverse("portal:grid", args=[four_a.pk, "cuoi_nam", "toan"]))
    teacher.wait_for_selector("#grid tbody tr")
    assert teacher.locator("#grid tbody tr").count() == len(pupils)
    cell(teacher, 0, "s:rating").click()
    teacher.keyboard.type("HT")  # a letter writes the rating and goes down
    cell(teacher, 0, "s:score").click()
    teacher.keyboard.type("7")
    teacher.keyboard.press("Enter")
    teacher.keyboard.type("10")
    teacher.keyboard.press("Enter")
    cell(teacher, 0, "s:comment").click()
    teacher.keyboard.type("Cần cẩn thận hơn khi tính.")
    teacher.keyboard.press("Enter")
    wait_saved(teacher)
    shot(teacher, "teacher-grid-saved")
    toan = {r.enrolment_id: r for r in SubjectEvaluation.objects.filter(
        enrolment__in=[first, second], period="cuoi_nam", subject="toan")}
    assert (toan[first.pk].rating, toan[first.pk].score, toan[first.pk].comment) == ("H", 7,
                                                                                   "Cần cẩn thận hơn khi tính.")
    assert (toan[second.pk].rating, toan[second.pk].score) == ("T", 10)
    assert toan[first.pk].updated_by.username == "gvcn.4a"

    teacher.goto(base + reverse("portal:grid", args=[four_a.pk, "cuoi_nam", "pham_chat_nang_luc"]))
    teacher.wait_for_selector("#grid tbody tr")
    cell(teacher, 0, "quality:cham_chi:rating").click()
    teacher.keyboard.type("d")  # Đ typed without the bar, as on a phone keyboard
    wait_saved(teacher)
    shot(teacher, "teacher-qualities-saved")
    assert TraitEvaluation.objects.get(enrolment=first, period="cuoi_nam", kind="quality",
                                       code="cham_chi").rating == "Đ"

    teacher.goto(base + reverse("portal:summary", args=[four_a.pk, "cuoi_nam"]))
    teacher.wait_for_selector("#summary")
    counts = [int(x) for x in teacher.locator("#outcome-counts [data-outcome]").all_inner_texts()]
    assert sum(counts) == len(pupils)
    shot(teacher, "teacher-summary")

    # 2. The principal locks 4A from the dashboard (a background job with its progress page).
    principal = phone_page(new_context)
    principal.on("dialog", lambda dialog: dialog.accept())
    log_in(principal, base, "hieutruong", shot)
    principal.click("#dashboard-link")  # the current year's (2026-2027); then the finished year's
    principal.wait_for_selector("#classes")
    principal.goto(base + reverse("portal:school_dashboard", args=[four_a.school_year_id]))
    principal.wait_for_selector("#classes")
    assert stage(principal, "4A") in ("entering", "complete")
    shot(principal, "principal-dashboard")
    principal.locator('#classes tr[data-class="4A"] form button').click()
    assert "4A" in run_and_wait(principal)
    shot(principal, "principal-locked")
    principal.goto(base + reverse("portal:school_dashboard", args=[four_a.school_year_id]))
    principal.wait_for_selector("#classes")
    assert stage(principal, "4A") == "locked"

    # The subject teachers of 4A sign off their subjects; then the homeroom teacher signs the class.
    for subject, staff in subjects_needing_signoff(four_a).items():
        subject_signoff(school_class=four_a, subject=subject, by=staff.user,
                        signer=signer_open(identity_for(staff=staff), DEMO_PIN))
    teacher.goto(base + reverse("portal:class_detail", args=[four_a.pk]))
    teacher.wait_for_selector("#class-sign-form")
    shot(teacher, "teacher-ready-to-sign")
    teacher.fill("#class-sign-form input[name=pin]", DEMO_PIN)
    teacher.click("#class-sign")
    assert run_and_wait(teacher) == f"Đã ký {len(pupils)} học bạ của lớp 4A."
    shot(teacher, "teacher-signed")

    # 3. The principal signs and issues, and downloads an issued record of 4A.
    principal.goto(base + reverse("portal:school_dashboard", args=[four_a.school_year_id]))
    principal.wait_for_selector("#classes")
    assert stage(principal, "4A") == "teacher_signed"
    principal.fill("#sign_pin", DEMO_PIN)
    principal.click("#sign-school")
    assert run_and_wait(principal) == f"Hiệu trưởng đã ký {len(pupils)} học bạ."
    shot(principal, "principal-signed")
    principal.click("#job-done a")
    principal.wait_for_selector("#classes")
    principal.fill("#issue_pin", DEMO_PIN)
    principal.click("#issue")
    assert run_and_wait(principal) == f"Đã phát hành {len(pupils)} học bạ."
    principal.click("#job-done a")
    principal.wait_for_selector("#classes")
    assert stage(principal, "4A") == "issued"
    shot(principal, "principal-issued")
    assert IssuedRecord.objects.filter(enrolment__school_class=four_a).count() == len(pupils)

    principal.goto(base + reverse("portal:class_detail", args=[four_a.pk]))
    principal.wait_for_selector("a.record-link")
    shot(principal, "principal-class-issued")
    response = principal.request.get(base + principal.get_attribute("a.record-link", "href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.headers["x-record-kind"] == "issued" and response.body().startswith(b"%PDF")
    (shot.folder / "issued-record.pdf").write_bytes(response.body())
