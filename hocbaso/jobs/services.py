"""Submitting, claiming, running and following long jobs.

Execution: ``HOCBASO_JOBS=inline`` runs a job at once in the caller's process (tests, CLI); with a broker
(``HOCBASO_BROKER_URL``) the job is sent through Celery to the ``hocbaso worker`` processes (``jobs.broker``),
several, on several machines; otherwise it waits for the home-made loop of ``hocbaso worker`` or the worker
thread that ``hocbaso serve`` starts for the zero-setup install. The periodic kinds (``job_handler(every=…)``:
the automatic lock, the orphan-file sweep, the archive time-stamp renewal) are queued by celery beat with a
broker, and by those loops without one (``periodic_queue_due``).
A handler reports progress through ``Progress``; progress survives a page reload because it is
stored on the row, which stays the source of truth whoever runs the job. A job whose worker stopped sending
heartbeats is claimed again; handlers are written to resume (they skip what is already done), so a rerun never
does anything twice, and its progress continues from where the page last showed it.
"""

import logging
import os
import socket
import threading
import time
import traceback
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from hocbaso.audit.services import log_action
from hocbaso.jobs.models import Job, JobState, PeriodicRun
from hocbaso.jobs.registry import HANDLERS, PERIODIC, QUEUES
from hocbaso.jobs.selectors import active_job

log = logging.getLogger(__name__)
# With a broker, these arguments travel only in the broker's message, never on the job's row: a sealed PIN is
# then on the row not even while the job waits, and a job redelivered after its worker died still has it.
MESSAGE_ONLY_ARGS = ("pin",)
FINISHED = (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


def stale_after() -> timedelta:
    """How old a running job's heartbeat may be before another worker takes the job over."""
    return timedelta(seconds=settings.JOB_STALE_SECONDS)


class JobCancelled(Exception):
    pass


class Progress:
    """Passed to handlers: ``progress.total(n)``, ``progress.step(k, message)``; raises JobCancelled on cancel."""

    def __init__(self, job: Job):
        self.job = job
        self._last_write = None
        # A job taken over from a dead worker: its handler counts only what is left, the page went on from here.
        self._before = (job.done, job.total) if job.attempts > 1 else None

    def total(self, n: int) -> None:
        """``n`` steps to go. On a resumed job the total stays what the page showed and the steps left are
        counted from its end, so the bar never goes back."""
        if self._before is not None:
            done, total = self._before
            if total - n >= done:
                self.job.done, n = total - n, total
            else:
                n = done + n
        self.job.total = n
        Job.objects.filter(pk=self.job.pk).update(total=n, done=self.job.done, heartbeat_at=timezone.now())

    def say(self, message: str) -> None:
        """Show ``message`` on the job's page now, without a step (a wait: "Đang chờ xác nhận…"); raises
        JobCancelled when the job was cancelled meanwhile."""
        now = timezone.now()
        self._last_write = now
        Job.objects.filter(pk=self.job.pk).update(message=message[:300], heartbeat_at=now)
        if Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
            raise JobCancelled()

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
    """Queue a job (JSON arguments only). Inline mode runs it before returning; with a broker it is sent to the
    workers once the caller's transaction commits."""
    if kind not in HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    inline = run_inline if run_inline is not None else getattr(settings, "JOBS_INLINE", False)
    brokered = not inline and bool(settings.BROKER_URL)
    message_only = {k: v for k, v in args.items() if k in MESSAGE_ONLY_ARGS} if brokered else {}
    job = Job.objects.create(kind=kind, args={k: v for k, v in args.items() if k not in message_only},
                             created_by=by, school_code=school_code)
    if inline:
        transaction.on_commit(lambda: job_run(Job.objects.get(pk=job.pk)))
    elif brokered:
        queue = QUEUES[kind](args, by) if kind in QUEUES else None
        transaction.on_commit(lambda: _job_send(job, message_only, queue or settings.BROKER_QUEUE))
    return job


def _job_send(job: Job, message_only: dict, queue: str) -> None:
    """Hand the job to the broker; a broker that cannot be reached fails the job on its page, not the request."""
    from hocbaso.jobs import broker  # deferred: Celery loads only in processes that have a broker configured

    try:
        broker.job_send(job.pk, message_only, queue)
    except Exception as error:  # the job's page says what happened; the request that queued it has committed
        log.exception("job %s could not be sent to the broker", job.pk)
        Job.objects.filter(pk=job.pk, state=JobState.QUEUED).update(
            state=JobState.FAILED, finished_at=timezone.now(), error=str(error)[-4000:],
            message="Không gửi được tác vụ tới hàng đợi (máy chủ hàng đợi không trả lời). Hãy thử lại sau.")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def job_claim(*, worker: str | None = None) -> Job | None:
    """Claim the oldest queued (or abandoned) job; returns None when there is none.
    The conditional UPDATE guarantees one job goes to one worker."""
    stale = timezone.now() - stale_after()
    candidates = (Job.objects.filter(Q(state=JobState.QUEUED) | Q(state=JobState.RUNNING, heartbeat_at__lt=stale))
                  .order_by("created_at").values_list("pk", "state", "heartbeat_at")[:10])
    for pk, state, heartbeat in candidates:
        claimed = _claim(pk, state, heartbeat, worker or worker_name())
        if claimed:
            return claimed
    return None


def _claim(pk: int, state: str, heartbeat, worker: str) -> Job | None:
    now = timezone.now()
    claimed = Job.objects.filter(pk=pk, state=state, heartbeat_at=heartbeat).update(
        state=JobState.RUNNING, worker=worker, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1)
    return Job.objects.get(pk=pk) if claimed else None


def job_take(pk: int, *, worker: str | None = None) -> tuple[str, Job | None]:
    """A broker's delivery of job ``pk``: ``("run", job)`` when this worker may run it (queued, or running with a
    heartbeat older than ``stale_after()``: its worker died), else ``("finished", None)``, ``("gone", None)`` or
    ``("busy", None)`` (another worker is on it: look again later, in case that worker dies)."""
    row = Job.objects.filter(pk=pk).values("state", "heartbeat_at").first()
    if row is None:
        return "gone", None
    if row["state"] in FINISHED:
        return "finished", None
    if row["state"] == JobState.RUNNING and row["heartbeat_at"] >= timezone.now() - stale_after():
        return "busy", None
    claimed = _claim(pk, row["state"], row["heartbeat_at"], worker or worker_name())
    return ("run", claimed) if claimed else ("busy", None)


@contextmanager
def heartbeat(job: Job):
    """While the block runs, a thread marks ``job`` alive every quarter of ``stale_after()``, so a long step of its
    handler is not mistaken for a dead worker and a dead worker's job is taken over soon."""
    stop = threading.Event()
    every = stale_after().total_seconds() / 4

    def beat():
        try:
            while not stop.wait(every):
                Job.objects.filter(pk=job.pk, state=JobState.RUNNING, worker=job.worker).update(
                    heartbeat_at=timezone.now())
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"hocbaso-heartbeat-{job.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def job_execute(pk: int, message_only: dict | None = None) -> str:
    """Run job ``pk`` as a broker delivered it (see ``job_take``); returns what happened: ``ran``, ``finished``,
    ``gone`` or ``busy``. ``message_only`` are the arguments that travelled only in the message (a sealed PIN):
    given to the handler, never written to the row."""
    outcome, job = job_take(pk)
    if job is None:
        return outcome
    job.args = {**job.args, **(message_only or {})}
    with heartbeat(job):
        job_run(job)
    return "ran"


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


def periodic_queue_due(*, now=None) -> list[Job]:
    """Queue a job of every periodic kind that is due (no user; run by whichever loop claims it), and move its
    next run ``every`` seconds on. A kind seen for the first time is due at once. Each run is claimed with a
    conditional UPDATE of its ``PeriodicRun`` row, so of several processes looking at the same moment one queues
    it; a kind whose previous job is still queued or running is not queued again (as beat's tick). Returns the
    jobs queued."""
    now = now or timezone.now()
    queued = []
    for kind, every in sorted(PERIODIC.items()):
        run, _ = PeriodicRun.objects.get_or_create(kind=kind, defaults={"due_at": now})
        if run.due_at > now:
            continue
        if not PeriodicRun.objects.filter(pk=run.pk, due_at=run.due_at).update(
                due_at=now + timedelta(seconds=every)):
            continue  # another process claimed this run
        if active_job(kind) is not None:
            continue
        job = job_submit(kind=kind, args={}, by=None, run_inline=False)
        PeriodicRun.objects.filter(pk=run.pk).update(last_job=job)
        queued.append(job)
    return queued


def worker_loop(*, once: bool = False, idle_sleep: float = 1.0, stop=None, periodic: bool = False) -> int:
    """Claim and run jobs until stopped (or, with ``once``, until the queue is empty). Returns jobs run.
    ``periodic``: also queue the periodic kinds when they are due (looked at every
    ``HOCBASO_PERIODIC_CHECK_SECONDS``), for the installs without a broker (and so without celery beat)."""
    ran, next_check = 0, 0.0
    while stop is None or not stop.is_set():
        if not connection.in_atomic_block:  # (a test's transaction, or a caller's: not ours to close)
            close_old_connections()
        if periodic and time.monotonic() >= next_check:
            next_check = time.monotonic() + settings.PERIODIC_CHECK_SECONDS
            try:
                periodic_queue_due()
            except Exception:  # the loop goes on running jobs; the next look tries again
                log.exception("periodic jobs could not be queued")
        job = job_claim()
        if job is None:
            if once:
                break
            time.sleep(idle_sleep)
            continue
        with heartbeat(job):  # a long step (a remote signature's wait) is not taken for a dead loop's
            job_run(job)
        ran += 1
    return ran
