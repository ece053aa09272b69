"""Job kinds and their handlers. A handler is ``fn(job, progress) -> JSON-able result``.

A kind may also name the broker queue its job goes to (``queue``: a function of the job's arguments and the user
who queues it, returning a queue name or None for the default one: the jobs that sign with a PKCS#11 token go to
the one worker that holds the token) and a period (``every``, seconds) at which celery beat queues it, for the
kinds that need no user (the automatic lock, the orphan-file sweep)."""

from collections.abc import Callable

HANDLERS: dict[str, Callable] = {}
QUEUES: dict[str, Callable] = {}
PERIODIC: dict[str, int] = {}


def job_handler(kind: str, *, queue: Callable | None = None, every: int | None = None):
    """Register a handler for a job kind (decorator)."""
    def register(fn):
        HANDLERS[kind] = fn
        if queue is not None:
            QUEUES[kind] = queue
        if every is not None:
            PERIODIC[kind] = every
        return fn
    return register
