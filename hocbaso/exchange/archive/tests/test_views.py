"""The year-end archive through the web pages: a job, and the principal downloads a file that checks."""

import hashlib
import io
import zipfile

from django.urls import reverse

from hocbaso.exchange.archive.read import archive_open
from hocbaso.jobs.models import JobState
from hocbaso.testing.exchange import job_of, login
from hocbaso.testing.lifecycle import sign_and_issue


def test_the_archive_is_a_job_and_the_principal_downloads_a_file_that_checks(client, school, inline_jobs):
    w = school
    sign_and_issue(w)
    login(client, w.owner)
    job = job_of(inline_jobs(client, reverse("exchange:archive", args=[w.year.pk])))
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.message
    hub = client.get(reverse("exchange:hub", args=[w.year.pk])).content.decode()
    download = reverse("exchange:archive_download", args=[job.pk])
    assert download in hub
    data = b"".join(client.get(download).streaming_content)
    assert hashlib.sha256(data).hexdigest() == job.result["sha256"]
    contents = archive_open(io.BytesIO(data))
    assert contents.manifest["counts"]["issued"] == 3 and contents.work["subject_evaluations"]
    login(client, w.member)
    assert client.get(download).status_code == 403
    assert zipfile.is_zipfile(io.BytesIO(data))
