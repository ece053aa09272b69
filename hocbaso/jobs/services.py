"""Submitting, claiming, running and following long jobs.

Execution: ``HOCBASO_JOBS=inline`` runs a job at once in the caller's process (tests, CLI);
otherwise a job waits for a worker: ``hocbaso worker`` (several may run, on several machines),
or the worker thread that ``hocbaso serve`` starts for the zero-setup install.
A handler reports progress through ``Progress``; progress survives a page reload because it is
stored on the row. A job whose worker stopped sending heartbeats is claimed again; handlers are
written to resume (they skip what is already done), so a rerun never does anything twice.
"""

import logging
import os
import socket
import time
import traceback
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from hocbaso.audit.services import log_action
from hocbaso.jobs.models import Job, JobState
from hocbaso.jobs.registry import HANDLERS

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(seconds=120)


class JobCancelled(Exception):
    pass


class Progress:
    """Passed to handlers: ``progress.total(n)``, ``progress.step(k, message)``; raises JobCancelled on cancel."""

    def __init__(self, job: Job):
        self.job = job
        self._last_write = None

    def total(self, n: int) -> None:
        self.job.total = n
        Job.objects.filter(pk=self.job.pk).update(total=n, heartbeat_at=timezone.now())

    def step(self, k: int = 1, message: str = "") -> None:
        self.job.done += k
        now = timezone.now()
        # Write at most every 0.3 s: progress is for people, not a log.
        if self._last_write is None or (now - self._last_write).total_seconds() >= 0.3 or self.job.done >= self.job.total:
            self._last_write = now
            fields = {"done": self.job.done, "heartbeat_at": now}
            if message:
                fields["message"] = message[:300]
            Job.objects.filter(pk=self.job.pk).update(**fields)
            if Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
                raise JobCancelled()


def job_submit(*, kind: str, args: dict, by, school_code: str = "", run_inline: bool | None = None) -> Job:
    """Queue a job (JSON arguments only). Inline mode runs it before returning."""
    if kind not in HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job.objects.create(kind=kind, args=args, created_by=by, school_code=school_code)
    inline = run_inline if run_inline is not None else getattr(settings, "JOBS_INLINE", False)
    if inline:
        transaction.on_commit(lambda: job_run(Job.objects.get(pk=job.pk)))
    return job


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def job_claim(*, worker: str | None = None) -> Job | None:
    """Claim the oldest queued (or abandoned) job; returns None when there is none.
    The conditional UPDATE guarantees one job goes to one worker."""
    worker = worker or worker_name()
    stale = timezone.now() - STALE_AFTER
    candidates = (Job.objects.filter(Q(state=JobState.QUEUED) | Q(state=JobState.RUNNING, heartbeat_at__lt=stale))
                  .order_by("created_at").values_list("pk", "state", "heartbeat_at")[:10])
    for pk, state, heartbeat in candidates:
        now = timezone.now()
        claimed = Job.objects.filter(pk=pk, state=state, heartbeat_at=heartbeat).update(
            state=JobState.RUNNING, worker=worker, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1)
        if claimed:
            return Job.objects.get(pk=pk)
    return None


def job_run(job: Job) -> Job:
    """Run a claimed (or inline) job to its end, recording the result or the error."""
    if job.state != JobState.RUNNING:
        now = timezone.now()
        Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, started_at=now, heartbeat_at=now,
                                             worker=worker_name(), attempts=F("attempts") + 1)
        job.refresh_from_db()
    try:
        result = HANDLERS[job.kind](job, Progress(job))
    except JobCancelled:
        Job.objects.filter(pk=job.pk).update(state=JobState.CANCELLED, finished_at=timezone.now(),
                                             message="Đã hủy theo yêu cầu.")
    except Exception as error:  # a failed job is reported on its page, not lost
        log.exception("job %s failed", job.pk)
        Job.objects.filter(pk=job.pk).update(state=JobState.FAILED, finished_at=timezone.now(),
                                             error="".join(traceback.format_exception(error))[-4000:],
                                             message=str(error)[:300])
    else:
        Job.objects.filter(pk=job.pk).update(state=JobState.DONE, finished_at=timezone.now(), result=result,
                                             done=F("total"))
    job.refresh_from_db()
    return job


def job_cancel(*, job: Job, by=None, forget: tuple[str, ...] = ()) -> bool:
    """Cancel ``job``: a queued job is cancelled at once (a worker will not claim it), a running one stops at its
    next progress step (handlers are resumable: what was done stays done). ``forget`` names arguments to drop from
    a queued job's row (a sealed PIN). Logged, attributed to ``by``. False when the job had already finished."""
    with transaction.atomic():
        if not Job.objects.filter(pk=job.pk, state__in=[JobState.QUEUED, JobState.RUNNING]).update(
                cancel_requested=True):
            return False
        queued = Job.objects.select_for_update().filter(pk=job.pk, state=JobState.QUEUED).first()
        if queued is not None:
            queued.args = {k: v for k, v in queued.args.items() if k not in forget}
            queued.state, queued.finished_at, queued.message = (JobState.CANCELLED, timezone.now(),
                                                                "Đã hủy theo yêu cầu.")
            queued.save(update_fields=["args", "state", "finished_at", "message"])
        log_action("job.cancel", actor=by, target_type="job", target_id=job.pk, school_code=job.school_code,
                   data={"kind": job.kind, "was": "queued" if queued is not None else "running"})
    job.refresh_from_db()
    return True


def worker_loop(*, once: bool = False, idle_sleep: float = 1.0, stop=None) -> int:
    """Claim and run jobs until stopped (or, with ``once``, until the queue is empty). Returns jobs run."""
    ran = 0
    while stop is None or not stop.is_set():
        if not connection.in_atomic_block:  # (a test's transaction, or a caller's: not ours to close)
            close_old_connections()
        job = job_claim()
        if job is None:
            if once:
                break
            time.sleep(idle_sleep)
            continue
        job_run(job)
        ran += 1
    return ran
