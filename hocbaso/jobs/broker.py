"""Celery for the long jobs, when a broker is configured (``HOCBASO_BROKER_URL``: Redis, or RabbitMQ the same way).

Celery carries only "run job N": the job's row (``jobs.models.Job``) stays the source of truth for its state,
progress, cancel and result, exactly as without a broker. One task, ``hocbaso.job``, runs every kind through
``jobs.services.job_execute``:

- **acks late**: a message is acknowledged when its job has finished; a worker killed mid-job leaves it
  unacknowledged and the broker gives it to another worker after ``HOCBASO_BROKER_VISIBILITY_TIMEOUT``;
- **nothing twice**: the delivery claims the row with a conditional UPDATE; a job still running elsewhere (fresh
  heartbeat) is looked at again after ``HOCBASO_JOB_STALE_SECONDS`` (a retry), a dead worker's job is taken over
  and its handler resumes (each handler skips what is committed);
- **routing**: a kind may name its queue (``job_handler(kind, queue=…)``): jobs signing with a PKCS#11 token go to
  ``HOCBASO_PKCS11_QUEUE``, consumed only by the worker on the token's machine;
- **beat**: the kinds registered with ``every=`` seconds are queued periodically by ``hocbaso beat``
  (``hocbaso.periodic``), as jobs with no user (the automatic lock, the orphan-file sweep).

Workers run the solo pool with a concurrency of 1, so a worker holds one message at a time (a busy worker does
not keep a second job from an idle one), one job at a time per process: a job already uses every core for rendering and
signing (``core.workers``), so the way to more throughput is more ``hocbaso worker`` processes or machines.
"""

from celery import Celery
from django.conf import settings
from django.db import close_old_connections, connection

from hocbaso.jobs.registry import PERIODIC
from hocbaso.jobs.selectors import active_job
from hocbaso.jobs.services import job_execute, job_submit

app = Celery("hocbaso")
app.conf.update(
    broker_url=settings.BROKER_URL,
    broker_connection_retry_on_startup=True,
    broker_transport_options={
        "visibility_timeout": settings.BROKER_VISIBILITY_TIMEOUT,
        # Look for messages of dead workers often enough for the timeout to mean what it says.
        "unacked_restore_interval": max(1, min(10, settings.BROKER_VISIBILITY_TIMEOUT // 2)),
        "unacked_restore_throttle": 1,
        # A worker killed while it held the restore lock holds it no longer than the timeout (kombu: 5 minutes).
        "unacked_mutex_expire": max(1, min(300, settings.BROKER_VISIBILITY_TIMEOUT)),
    },
    task_default_queue=settings.BROKER_QUEUE,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    task_ignore_result=True,
    worker_prefetch_multiplier=1,
    worker_hijack_root_logger=False,
    timezone=settings.TIME_ZONE,
    beat_schedule={f"hocbaso:{kind}": {"task": "hocbaso.periodic", "schedule": float(every), "args": [kind]}
                   for kind, every in PERIODIC.items()},
)


@app.task(name="hocbaso.job", bind=True, max_retries=None)
def run_job(self, job_id: int, message_only: dict | None = None, queue: str | None = None):
    """Deliver job ``job_id`` (see the module's text)."""
    if not connection.in_atomic_block:
        close_old_connections()
    outcome = job_execute(job_id, message_only)
    if outcome == "busy":
        raise self.retry(countdown=settings.JOB_STALE_SECONDS, queue=queue or settings.BROKER_QUEUE)
    return outcome


@app.task(name="hocbaso.periodic")
def run_periodic(kind: str):
    """Beat's tick for ``kind``: a job with no user, run here at once, unless one of that kind is still on."""
    if not connection.in_atomic_block:
        close_old_connections()
    if active_job(kind) is None:
        job_submit(kind=kind, args={}, by=None, run_inline=True)


def job_send(job_id: int, message_only: dict, queue: str) -> None:
    """Send job ``job_id`` to ``queue``."""
    run_job.apply_async(args=[job_id], kwargs={"message_only": message_only, "queue": queue}, queue=queue)


def worker_start(*, queues: list[str], name: str) -> None:
    """Run a Celery worker on ``queues`` in this process until it is stopped (``hocbaso worker``)."""
    app.worker_main(["worker", "--pool=solo", "--concurrency=1", "--loglevel=INFO", "--without-gossip",
                     "--without-mingle", "--without-heartbeat", "-Q", ",".join(queues), "-n", name])


def beat_start(*, schedule: str) -> None:
    """Run celery beat in this process until it is stopped (``hocbaso beat``)."""
    app.Beat(schedule=schedule, loglevel="INFO").run()
