"""The record's lifecycle through the portal's views: lock → subject sign-off → class sign → school sign → issue,
with jobs run inline; wrong PINs; the PIN never stored in clear; record previews; corrections; certificates."""

import json

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from hocbaso.assessment.models import DataLock, YearResult
from hocbaso.jobs.models import Job, JobState
from hocbaso.jobs.selectors import active_job
from hocbaso.jobs.services import job_claim, job_run
from hocbaso.records.models import CorrectionRequest, CorrectionStatus, DraftState, IssuedRecord, RecordDraft
from hocbaso.records.progress import KIND_CLASS_SIGN, class_states
from hocbaso.signing.job_pins import PinUnavailable, pin_open, pin_seal
from hocbaso.signing.models import SigningIdentity, SubjectSignoff
from hocbaso.testing.people import ENGLISH_PIN, PRINCIPAL_PIN, SEAL_PIN, TEACHER_PIN

WRONG_PIN_MESSAGE = "Mã PIN ký số không đúng"


def as_user(client, staff):
    client.force_login(staff.user)
    return client


def job_of(response) -> Job:
    assert response.status_code == 302, response.content.decode()[:2000]
    job = Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert response["Location"] == reverse("portal:job", args=[job.pk])
    return job


def test_the_whole_lifecycle_through_the_views(client, school, inline_jobs):
    w = school
    klass = w.class4a
    dashboard = reverse("portal:school_dashboard", args=[w.year.pk])
    states = {s.school_class.name: s for s in class_states(w.year)}
    assert states["4A"].stage == "complete" and states["4B"].stage == "entering"

    # The principal locks 4A (a job: year results computed, then the lock).
    as_user(client, w.owner)
    job = job_of(inline_jobs(client, reverse("portal:class_lock", args=[klass.pk])))
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.percent == 100 and "4A" in job.result["summary"]
    assert DataLock.objects.filter(school_class=klass).exists()
    page = client.get(reverse("portal:job", args=[job.pk])).content.decode()
    assert "100%" in page and "Đã chốt dữ liệu lớp 4A" in page

    # The homeroom teacher cannot sign yet: English is not signed off.
    as_user(client, w.member)
    text = client.get(reverse("portal:class_detail", args=[klass.pk])).content.decode()
    assert "Ngoại ngữ 1 (Vũ Thị Lan)" in text and 'id="class-sign-form"' not in text

    # The English teacher signs the subject off (one PDF, at once).
    as_user(client, w.english)
    text = client.get(reverse("portal:class_detail", args=[klass.pk])).content.decode()
    signoff_url = reverse("portal:subject_signoff", args=[klass.pk, "ngoai_ngu_1"])
    assert signoff_url in text
    wrong = client.post(signoff_url, {"pin": "000000"})
    assert wrong.status_code == 200 and WRONG_PIN_MESSAGE in wrong.content.decode()
    assert client.post(signoff_url, {"pin": ENGLISH_PIN}).status_code == 302
    assert SubjectSignoff.objects.filter(school_class=klass, subject="ngoai_ngu_1", current=True).exists()

    # The homeroom teacher signs the class with one PIN; a wrong PIN queues nothing.
    as_user(client, w.member)
    text = client.get(reverse("portal:class_detail", args=[klass.pk])).content.decode()
    assert 'id="class-sign-form"' in text and "Ký 3 học bạ" in text
    jobs = Job.objects.count()
    wrong = inline_jobs(client, reverse("portal:class_sign", args=[klass.pk]), {"pin": "999999"})
    assert wrong.status_code == 200 and WRONG_PIN_MESSAGE in wrong.content.decode()
    assert Job.objects.count() == jobs and not RecordDraft.objects.exists()
    job = job_of(inline_jobs(client, reverse("portal:class_sign", args=[klass.pk]), {"pin": TEACHER_PIN}))
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    assert job.done == job.total == 6 and job.percent == 100  # 3 rendered + 3 signed
    assert "pin" not in job.args and TEACHER_PIN not in json.dumps(job.args)
    assert RecordDraft.objects.filter(state=DraftState.TEACHER_SIGNED).count() == 3
    data = client.get(reverse("portal:api_job", args=[job.pk])).json()
    assert (data["state"], data["percent"], data["finished"]) == ("done", 100, True)
    assert data["summary"] == "Đã ký 3 học bạ của lớp 4A."

    # The principal signs the school, then issues with the seal's PIN.
    as_user(client, w.owner)
    text = client.get(dashboard).content.decode()
    assert "Ký 3 học bạ" in text and 'data-stage="teacher_signed"' in text
    wrong = inline_jobs(client, reverse("portal:school_sign", args=[w.year.pk]), {"pin": TEACHER_PIN})
    assert wrong.status_code == 200 and WRONG_PIN_MESSAGE in wrong.content.decode()
    job = job_of(inline_jobs(client, reverse("portal:school_sign", args=[w.year.pk]), {"pin": PRINCIPAL_PIN}))
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.percent == 100, job.error
    assert RecordDraft.objects.filter(state=DraftState.PRINCIPAL_SIGNED).count() == 3
    wrong = inline_jobs(client, reverse("portal:school_issue", args=[w.year.pk]), {"pin": PRINCIPAL_PIN})
    assert wrong.status_code == 200 and WRONG_PIN_MESSAGE in wrong.content.decode()
    job = job_of(inline_jobs(client, reverse("portal:school_issue", args=[w.year.pk]), {"pin": SEAL_PIN}))
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    assert IssuedRecord.objects.count() == 3 and klass.packages.count() == 1
    assert class_states(w.year, [klass])[0].stage == "issued"
    text = client.get(dashboard).content.decode()
    assert '<tr data-class="4A" data-stage="issued">' in text

    # The issued record is what the preview link serves.
    as_user(client, w.member)
    response = client.get(reverse("portal:record_pdf", args=[klass.pk, w.enrolment.pk]))
    issued = IssuedRecord.objects.get(enrolment=w.enrolment)
    with default_storage.open(issued.pdf, "rb") as handle:
        assert response.content == handle.read()
    assert response["Content-Type"] == "application/pdf" and response["X-Record-Kind"] == "issued"
    assert response["Content-Disposition"].startswith("inline;")


def class_sign_queued(client, w) -> Job:
    """4A locked and its English signed off; the homeroom teacher's class-signing job, queued (not run)."""
    from hocbaso.records.locks import data_lock
    from hocbaso.records.signatures import subject_signoff
    from hocbaso.signing.services import identity_for, signer_open

    data_lock(school_year=w.year, school_class=w.class4a, by=w.owner.user)
    subject_signoff(school_class=w.class4a, subject="ngoai_ngu_1", by=w.english.user,
                    signer=signer_open(identity_for(staff=w.english), ENGLISH_PIN))
    as_user(client, w.member)
    return job_of(client.post(reverse("portal:class_sign", args=[w.class4a.pk]), {"pin": TEACHER_PIN}))


def test_the_pin_travels_sealed_and_is_removed_when_the_job_starts(client, school, settings):
    settings.JOBS_INLINE = False
    w = school
    job = class_sign_queued(client, w)
    assert job.state == JobState.QUEUED and set(job.args) == {"class_id", "pin"}
    assert TEACHER_PIN not in json.dumps(job.args)
    # Reloading the progress page while it waits; a second click shows the same job.
    assert "Đang chờ" in client.get(reverse("portal:job", args=[job.pk])).content.decode()
    assert job_of(client.post(reverse("portal:class_sign", args=[w.class4a.pk]), {"pin": TEACHER_PIN})).pk == job.pk
    done = job_run(job_claim())
    assert done.state == JobState.DONE and done.args == {"class_id": w.class4a.pk}
    assert RecordDraft.objects.filter(state=DraftState.TEACHER_SIGNED).count() == 3
    # A job that starts again (its worker died) has no PIN any more and says how to continue.
    Job.objects.filter(pk=job.pk).update(state=JobState.QUEUED)
    again = job_run(job_claim())
    assert again.state == JobState.FAILED and "nhập lại mã PIN" in again.message


def test_a_queued_job_is_cancelled_by_whoever_started_it_and_never_runs(client, school, settings):
    from hocbaso.audit.models import AuditEntry
    from hocbaso.jobs.services import worker_loop

    settings.JOBS_INLINE = False
    w = school
    job = class_sign_queued(client, w)
    page = client.get(reverse("portal:job", args=[job.pk])).content.decode()
    assert 'id="job-cancel"' in page and "Hủy tác vụ" in page
    # Another teacher of the school cannot even see it (the vice principal: see test_authorization).
    as_user(client, w.colleague)
    assert client.post(reverse("portal:job_cancel", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.state == JobState.QUEUED

    as_user(client, w.member)
    response = client.post(reverse("portal:job_cancel", args=[job.pk]), follow=True)
    page = response.content.decode()
    assert "Đã hủy tác vụ." in page and "Đã hủy" in page and 'id="job-cancel"' not in page
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and "pin" not in job.args  # the sealed PIN is dropped too
    entry = AuditEntry.objects.get(action="job.cancel")
    assert entry.actor == w.member.user and entry.target_id == str(job.pk) and entry.data["was"] == "queued"
    assert worker_loop(once=True) == 0 and not RecordDraft.objects.exists()
    # Cancelling again says it is over; the class page offers signing again.
    response = client.post(reverse("portal:job_cancel", args=[job.pk]), follow=True)
    assert "Tác vụ đã kết thúc" in response.content.decode()
    assert active_job(KIND_CLASS_SIGN, class_id=w.class4a.pk) is None


def test_the_principal_stops_a_running_job_at_its_next_step(client, school, settings):
    settings.JOBS_INLINE = False
    w = school
    as_user(client, w.owner)
    job = job_of(client.post(reverse("portal:class_lock", args=[w.class4a.pk])))
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING)
    response = client.post(reverse("portal:job_cancel", args=[job.pk]), follow=True)
    assert "tác vụ sẽ dừng sau bước đang làm" in response.content.decode()
    job.refresh_from_db()
    assert job.state == JobState.RUNNING and job.cancel_requested


def test_the_principal_unlocks_a_class_locked_too_early_from_its_page(client, school, inline_jobs):
    from hocbaso.assessment.selectors import is_locked

    w = school
    as_user(client, w.owner)
    assert 'id="class-unlock-form"' not in client.get(reverse("portal:class_detail", args=[w.class4a.pk])).content.decode()
    job_of(inline_jobs(client, reverse("portal:class_lock", args=[w.class4a.pk])))
    assert is_locked(w.class4a)
    page = client.get(reverse("portal:class_detail", args=[w.class4a.pk])).content.decode()
    assert 'id="class-unlock-form"' in page
    # The homeroom teacher sees no such form and may not unlock.
    as_user(client, w.member)
    assert 'id="class-unlock-form"' not in client.get(reverse("portal:class_detail", args=[w.class4a.pk])).content.decode()
    assert client.post(reverse("portal:class_unlock", args=[w.class4a.pk]), {"reason": "x"}).status_code == 403
    as_user(client, w.owner)
    page = client.post(reverse("portal:class_unlock", args=[w.class4a.pk]), {"reason": ""}, follow=True)
    assert "Hãy ghi lý do mở chốt" in page.content.decode() and is_locked(w.class4a)
    page = client.post(reverse("portal:class_unlock", args=[w.class4a.pk]), {"reason": "Chốt sớm, GVCN còn sửa"},
                       follow=True).content.decode()
    assert "Đã mở chốt dữ liệu lớp 4A" in page and not is_locked(w.class4a)
    assert 'id="class-unlock-form"' not in page


def test_a_sealed_pin_opens_only_for_its_job_user_and_time():
    token = pin_seal("246810", kind="portal.class_sign", target="class:1", user_id=7, now=1000)
    assert pin_open(token, kind="portal.class_sign", target="class:1", user_id=7, now=1001) == "246810"
    for other in ({"kind": "portal.school_sign", "target": "class:1", "user_id": 7},
                  {"kind": "portal.class_sign", "target": "class:2", "user_id": 7},
                  {"kind": "portal.class_sign", "target": "class:1", "user_id": 8}):
        with pytest.raises(PinUnavailable):
            pin_open(token, now=1001, **other)
    with pytest.raises(PinUnavailable, match="hết hạn"):
        pin_open(token, kind="portal.class_sign", target="class:1", user_id=7, now=1000 + 7 * 3600)
    assert "246810" not in token and pin_seal("246810", kind="k", target="t", user_id=1) != pin_seal(
        "246810", kind="k", target="t", user_id=1)


def test_signing_is_refused_on_screen_until_locked_and_signed_off(client, school, inline_jobs):
    w = school
    as_user(client, w.member)
    response = inline_jobs(client, reverse("portal:class_sign", args=[w.class4a.pk]), {"pin": TEACHER_PIN})
    assert response.status_code == 200 and "chưa chốt dữ liệu" in response.content.decode()
    as_user(client, w.english)
    response = client.post(reverse("portal:subject_signoff", args=[w.class4a.pk, "ngoai_ngu_1"]), {"pin": ENGLISH_PIN})
    assert response.status_code == 200 and "chưa chốt dữ liệu" in response.content.decode()
    as_user(client, w.owner)
    response = inline_jobs(client, reverse("portal:school_sign", args=[w.year.pk]), {"pin": PRINCIPAL_PIN})
    assert response.status_code == 200 and "Không có học bạ nào đang chờ hiệu trưởng ký" in response.content.decode()
    assert not Job.objects.exists() and not SubjectSignoff.objects.exists()


def test_locking_the_school_locks_every_class(client, school, inline_jobs):
    as_user(client, school.owner)
    job = job_of(inline_jobs(client, reverse("portal:school_lock", args=[school.year.pk])))
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.total == 4  # three classes, then the lock
    assert DataLock.objects.filter(school_year=school.year, school_class__isnull=True).exists()
    assert all(s.locked for s in class_states(school.year))


def test_dashboard_counts_each_class(client, school):
    as_user(client, school.owner)
    text = client.get(reverse("portal:school_dashboard", args=[school.year.pk])).content.decode()
    assert '<tr data-class="4A" data-stage="complete">' in text
    assert '<tr data-class="4B" data-stage="entering">' in text
    states = {s.school_class.name: s for s in class_states(school.year)}
    a = states["4A"]
    assert a.pupils == 3 and a.complete and not a.locked and a.stages == {"complete": 3}
    assert [(s["subject"], s["done"]) for s in a.signoffs] == [("ngoai_ngu_1", False)]
    assert states["1A"].pupils == 1 and not states["1A"].complete
    # The principal sees the actions; the vice-principal reads the same page without them.
    assert 'id="lock-school"' in text and 'id="sign-school"' in text and 'id="issue"' in text


def test_record_preview_before_issuance_is_rendered_now(client, school):
    as_user(client, school.member)
    response = client.get(reverse("portal:record_pdf", args=[school.class4a.pk, school.enrolment.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["X-Record-Kind"] == "preview" and "xem-truoc" in response["Content-Disposition"]
    # An enrolment of another class is not reachable through 4A's URL.
    assert client.get(reverse("portal:record_pdf", args=[school.class4a.pk, school.enrolment1.pk])).status_code == 404


# ---------------------------------------------------------------------- corrections

def test_a_teacher_files_a_correction_and_the_principal_approves_it(client, school):
    w = school
    url = reverse("portal:corrections", args=[w.class4a.pk])
    as_user(client, w.member)
    text = client.get(url + f"?hs={w.enrolment.pk}").content.decode()
    assert 'value="homeroom_comment"' in text and 'value="subjects.toan.score"' in text
    assert 'value="subjects.ngoai_ngu_1.rating"' not in text  # English is Vũ Thị Lan's
    bad = client.post(url, {"enrolment": w.enrolment.pk, "field": "subjects.toan.score", "new_value": "11",
                            "reason": "Nhầm điểm"})
    assert bad.status_code == 200 and "số nguyên từ 0 đến 10" in bad.content.decode()
    response = client.post(url, {"enrolment": w.enrolment.pk, "field": "subjects.toan.score", "new_value": "8",
                                 "reason": "Nhập nhầm điểm"})
    assert response.status_code == 302
    correction = CorrectionRequest.objects.get()
    assert (correction.field, correction.old_value, correction.new_value) == ("subjects.toan.score", 9, 8)
    assert correction.status == CorrectionStatus.PENDING
    # The homeroom teacher cannot decide; the principal sees it on the dashboard and approves.
    decide = reverse("portal:correction_decide", args=[correction.pk, "duyet"])
    assert client.post(decide).status_code == 403
    as_user(client, w.owner)
    text = client.get(reverse("portal:school_dashboard", args=[w.year.pk])).content.decode()
    assert "Nhập nhầm điểm" in text and decide in text
    response = client.post(decide, {"note": "Đồng ý", "next": reverse("portal:school_dashboard", args=[w.year.pk])})
    assert response.status_code == 302 and response["Location"] == reverse("portal:school_dashboard", args=[w.year.pk])
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.APPROVED
    assert w.enrolment.subject_evaluations.get(period="cuoi_nam", subject="toan").score == 8


def test_rejecting_needs_a_reason_and_a_subject_teacher_files_only_their_subject(client, school):
    w = school
    url = reverse("portal:corrections", args=[w.class4a.pk])
    as_user(client, w.english)
    text = client.get(url + f"?hs={w.enrolment.pk}").content.decode()
    assert 'value="subjects.ngoai_ngu_1.rating"' in text and 'value="subjects.toan.rating"' not in text
    assert 'value="homeroom_comment"' not in text
    refused = client.post(url, {"enrolment": w.enrolment.pk, "field": "subjects.toan.rating", "new_value": "H",
                                "reason": "x"})
    assert refused.status_code == 200 and not CorrectionRequest.objects.exists()
    assert client.post(url, {"enrolment": w.enrolment.pk, "field": "subjects.ngoai_ngu_1.rating", "new_value": "h",
                             "reason": "Chấm lại"}).status_code == 302
    correction = CorrectionRequest.objects.get()
    assert correction.new_value == "H"
    as_user(client, w.owner)
    reject = reverse("portal:correction_decide", args=[correction.pk, "tu-choi"])
    client.post(reject, {"note": ""})
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.PENDING
    page = client.post(reject, {"note": "Bài kiểm tra đúng điểm cũ"}, follow=True).content.decode()
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.REJECTED and "Đã từ chối" in page and "Từ chối" in page


# ---------------------------------------------------------------------- certificates

def test_creating_a_certificate_with_a_pin_typed_twice(client, world):
    url = reverse("portal:certificate")
    as_user(client, world.member)
    assert "Tạo chứng thư số" in client.get(url).content.decode()
    short = client.post(url, {"holder": "self", "self-pin": "12345", "self-pin2": "12345"})
    assert "từ 6 đến 32 chữ số" in short.content.decode()
    differ = client.post(url, {"holder": "self", "self-pin": "123456", "self-pin2": "123457"})
    assert "không giống nhau" in differ.content.decode() and not SigningIdentity.objects.exists()
    assert client.post(url, {"holder": "seal", "seal-pin": "123456", "seal-pin2": "123456"}).status_code == 403
    back = reverse("portal:class_sign", args=[world.class4a.pk])
    response = client.post(url, {"holder": "self", "self-pin": "123456", "self-pin2": "123456", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    identity = SigningIdentity.objects.get(staff=world.member, active=True)
    assert "Lê Thị Hoa" in identity.subject
    # Replacing needs the box ticked.
    again = client.post(url, {"holder": "self", "self-pin": "654321", "self-pin2": "654321"})
    assert "Hãy xác nhận" in again.content.decode()
    assert SigningIdentity.objects.get(staff=world.member, active=True).pk == identity.pk


def test_the_principal_creates_the_school_seal(client, world):
    as_user(client, world.owner)
    response = client.post(reverse("portal:certificate"), {"holder": "seal", "seal-pin": "975310",
                                                           "seal-pin2": "975310"})
    assert response.status_code == 302
    assert SigningIdentity.objects.filter(school=world.school, staff__isnull=True, active=True).exists()
    assert "Con dấu số của trường" in client.get(reverse("portal:certificate")).content.decode()


def test_pages_fit_a_phone(client, school):
    """No fixed widths wider than a 360 px phone on the new pages (the tables scroll inside their card)."""
    as_user(client, school.owner)
    for url in (reverse("portal:school_dashboard", args=[school.year.pk]),
                reverse("portal:corrections", args=[school.class4a.pk]), reverse("portal:certificate")):
        text = client.get(url).content.decode()
        assert 'name="viewport" content="width=device-width' in text
        assert "<table" not in text or 'class="scroll"' in text


def test_year_result_is_computed_by_the_lock(client, school, inline_jobs):
    YearResult.objects.filter(enrolment__school_class=school.class4a).update(outcome=None)
    as_user(client, school.owner)
    job_of(inline_jobs(client, reverse("portal:class_lock", args=[school.class4a.pk])))
    assert not YearResult.objects.filter(enrolment__school_class=school.class4a, outcome__isnull=True).exists()


def test_the_lifecycle_screens_speak_english_on_request(client, school):
    as_user(client, school.owner)
    client.post(reverse("portal:set_language"), {"language": "en", "next": "/"})
    text = client.get(reverse("portal:school_dashboard", args=[school.year.pk])).content.decode()
    assert "Records dashboard" in text and "Lock the whole school" in text and "Complete" in text
    text = client.get(reverse("portal:class_detail", args=[school.class4a.pk])).content.decode()
    assert "The class's records" in text and "View PDF" in text


def test_certificate_page_ignores_a_next_address_off_the_site(client, world):
    as_user(client, world.member)
    text = client.get(reverse("portal:certificate") + "?next=javascript:alert(1)").content.decode()
    assert 'href="javascript:' not in text
    response = client.post(reverse("portal:certificate"), {"holder": "self", "self-pin": "123456",
                                                           "self-pin2": "123456", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("portal:certificate")


def test_a_subject_teacher_sees_only_their_own_requests(client, school):
    w = school
    url = reverse("portal:corrections", args=[w.class4a.pk])
    as_user(client, w.member)
    client.post(url, {"enrolment": w.enrolment.pk, "field": "homeroom_comment", "new_value": "Em rất chăm.",
                      "reason": "Bổ sung nhận xét"})
    assert "Nhận xét của giáo viên chủ nhiệm" in client.get(url).content.decode()  # the field in words
    as_user(client, w.english)
    assert "Bổ sung nhận xét" not in client.get(url).content.decode()
    as_user(client, w.owner)
    assert "Bổ sung nhận xét" in client.get(url).content.decode()
