"""The year-end archive in the browser: the principal starts the archive job (its progress shows on the
portal's job page) and downloads the finished file."""

from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hocbaso.directory.models import SchoolYear
from hocbaso.exchange.archive.tasks import KIND_ARCHIVE
from hocbaso.exchange.pages import require, year_for
from hocbaso.jobs.models import Job, JobState
from hocbaso.jobs.selectors import active_job
from hocbaso.jobs.services import job_submit
from hocbaso.records.guards import principal_only
from hocbaso.web.downloads import stored_file_response
from hocbaso.web.permissions import exchange_access


@login_required
@require_POST
def archive(request, year_id: int):
    """Start (or show the running) year-end archive job."""
    year, access = year_for(request, year_id)
    require(access.lead, principal_only(year.school))
    job = active_job(KIND_ARCHIVE, school_year=year.pk) or job_submit(
        kind=KIND_ARCHIVE, args={"school_year": year.pk, "back": reverse("exchange:hub", args=[year.pk]) + "#luu-tru"},
        by=request.user, school_code=year.school.code)
    return redirect("portal:job", job.pk)


@login_required
@require_GET
def archive_download(request, job_id: int):
    job = Job.objects.filter(pk=job_id, kind=KIND_ARCHIVE, state=JobState.DONE).first()
    year = SchoolYear.objects.select_related("school").filter(pk=(job.args or {}).get("school_year")).first() \
        if job else None
    access = exchange_access(request.user, year.school) if year else None
    if year is None or not access.visible:
        raise Http404(_("Không tìm thấy bản lưu trữ."))
    require(access.lead, principal_only(year.school))
    name = (job.result or {}).get("file")
    if not name or not default_storage.exists(name):
        raise Http404(_("Tệp lưu trữ không còn trên máy chủ."))
    response = stored_file_response(name, filename=Path(name).name, content_type="application/zip")
    response["X-Content-SHA256"] = job.result.get("sha256", "")
    return response
