"""Certified copies through the web pages: request → the principal signs with a PIN (a job) → download, numbered."""

import hashlib
import json

from django.urls import reverse

from hocbaso.directory.models import Role
from hocbaso.exchange.models import CertifiedCopy, CopyRequest
from hocbaso.jobs.models import JobState
from hocbaso.records.models import Extract, IssuedRecord
from hocbaso.signing.job_pins import ARG
from hocbaso.testing.exchange import job_of, login
from hocbaso.testing.lifecycle import sign_and_issue
from hocbaso.testing.people import PRINCIPAL_PIN, make_staff
from hocbaso.verify.files import file_check


def test_copy_request_signed_by_the_principal_as_a_job_then_downloaded_numbered(client, school, inline_jobs):
    w = school
    sign_and_issue(w)
    page = reverse("exchange:copies", args=[w.year.pk])
    clerk = make_staff(type(w.owner.user), w.school, "vanthu2", "Bùi Thị Hân", Role.CLERK)
    login(client, clerk)
    assert client.post(page, {"enrolment": w.enrolment.pk, "requester": " "}).status_code == 200
    assert CopyRequest.objects.count() == 0
    assert client.post(page, {"enrolment": w.enrolment.pk, "requester": "Trần Thị Lan (mẹ)",
                              "reason": "Mất bản chính"}).status_code == 302
    request = CopyRequest.objects.get()
    assert request.requested_by == clerk.user
    assert client.get(reverse("exchange:copy_sign", args=[request.pk])).status_code == 403  # the clerk does not sign

    login(client, w.owner)
    sign = reverse("exchange:copy_sign", args=[request.pk])
    assert "Ký bản sao" in client.get(sign).content.decode()
    assert "Mã PIN" in client.post(sign, {"pin": "000000"}).content.decode() and not CertifiedCopy.objects.exists()
    job = job_of(inline_jobs(client, sign, {"pin": PRINCIPAL_PIN}))
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.message
    assert ARG not in job.args and PRINCIPAL_PIN not in json.dumps(job.args)  # the sealed PIN left the row
    copy = CertifiedCopy.objects.get()
    request.refresh_from_db()
    assert request.copy == copy and copy.number == 1
    assert client.get(reverse("portal:job", args=[job.pk])).content.decode().count(page) >= 1  # back to the copies
    downloaded = b"".join(client.get(reverse("exchange:copy_download", args=[copy.pk])).streaming_content)
    assert hashlib.sha256(downloaded).hexdigest() == copy.sha256
    assert file_check(downloaded).verdict == "authentic_copy"
    # every extract recorded: signed by the principal (the job), then downloaded by them from the page
    issued = IssuedRecord.objects.get(enrolment=w.enrolment)
    assert list(Extract.objects.filter(issued=issued).order_by("pk").values_list("form", "channel", "by", "sha256")) \
        == [("certified_copy", "copies.copy_issue:1", w.owner.user.pk, copy.sha256),
            ("certified_copy", "copies.download:1", w.owner.user.pk, copy.sha256)]
    again = client.post(sign, {"pin": PRINCIPAL_PIN}).content.decode()  # a request gives one copy
    assert "đã được cấp bản sao (lần cấp 1)" in again and CertifiedCopy.objects.count() == 1
    assert "lần cấp 1" in client.get(page).content.decode()
