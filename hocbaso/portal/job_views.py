"""A background job's progress in the browser: the page (drawn from the job's row, so a reload shows where it
stands), the JSON it polls, and cancelling."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hocbaso.jobs.models import Job, JobState
from hocbaso.jobs.services import job_cancel as cancel
from hocbaso.portal.lifecycle import JOB_STATES, KIND_NAMES
from hocbaso.portal.views import api_login_required
from hocbaso.signing.job_pins import ARG
from hocbaso.web.permissions import can_cancel_job, can_view_job


def _job_for(request, job_id: int) -> Job:
    job = Job.objects.select_related("created_by__staff").filter(pk=job_id, kind__in=KIND_NAMES).first()
    if job is None or not can_view_job(request.user, job):
        raise Http404(_("Không tìm thấy tác vụ."))
    return job


def _job_back(job: Job) -> str:
    args = job.args or {}
    if args.get("back", "").startswith("/"):
        return args["back"]
    if "class_id" in args:
        return reverse("portal:class_detail", args=[args["class_id"]])
    if "school_year" in args:
        return reverse("portal:school_dashboard", args=[args["school_year"]])
    return reverse("portal:home")


def job_json(job: Job) -> dict:
    finished = job.state in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)
    return {"id": job.pk, "kind": job.kind, "kind_name": str(KIND_NAMES.get(job.kind, job.kind)),
            "state": job.state, "state_name": str(JOB_STATES.get(job.state, job.state)),
            "done": job.done, "total": job.total, "percent": job.percent, "message": job.message,
            "summary": (job.result or {}).get("summary", "") if job.state == JobState.DONE else "",
            "finished": finished, "back_url": _job_back(job)}


@login_required
@require_GET
def job_detail(request, job_id: int):
    """A job's progress: the bar is drawn from the row (so a reload shows where it stands) and refreshed by
    polling ``api_job``."""
    job = _job_for(request, job_id)
    return render(request, "portal/job.html", {"job": job, "data": job_json(job),
                                               "api_url": reverse("portal:api_job", args=[job.pk]),
                                               "can_cancel": can_cancel_job(request.user, job)})


@login_required
@require_POST
def job_cancel(request, job_id: int):
    """Hủy tác vụ: a queued job never runs; a running one stops at its next step (what was done stays done)."""
    job = _job_for(request, job_id)
    if not can_cancel_job(request.user, job):
        raise PermissionDenied(_("Chỉ người đã bắt đầu tác vụ hoặc hiệu trưởng mới hủy được tác vụ."))
    if cancel(job=job, by=request.user, forget=(ARG,)):
        messages.success(request, _("Đã hủy tác vụ.") if job.state == JobState.CANCELLED else
                         _("Đã yêu cầu dừng tác vụ: tác vụ sẽ dừng sau bước đang làm; phần đã xong được giữ nguyên."))
    else:
        messages.error(request, _("Tác vụ đã kết thúc, không còn gì để hủy."))
    return redirect("portal:job", job.pk)


@api_login_required
@require_GET
def api_job(request, job_id: int):
    return JsonResponse(job_json(_job_for(request, job_id)))
