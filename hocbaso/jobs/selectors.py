"""Reads over the background jobs."""

from django.contrib.auth import get_user_model

from hocbaso.jobs.models import Job, JobState

ACTIVE = (JobState.QUEUED, JobState.RUNNING)


def active_job(kind: str, **target) -> Job | None:
    """The queued or running job of ``kind`` on ``target`` (one at a time; a second click shows the first)."""
    query = Job.objects.filter(kind=kind, state__in=ACTIVE)
    for key, value in target.items():
        query = query.filter(**{f"args__{key}": value})
    return query.order_by("-created_at").first()


def job_creator(job: Job):
    """The user who started ``job`` (with their staff row): whom its handler acts for."""
    return get_user_model().objects.select_related("staff").get(pk=job.created_by_id)
