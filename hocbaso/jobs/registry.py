"""Job kinds and their handlers. A handler is ``fn(job, progress) -> JSON-able result``."""

from collections.abc import Callable

HANDLERS: dict[str, Callable] = {}


def job_handler(kind: str):
    """Register a handler for a job kind (decorator)."""
    def register(fn):
        HANDLERS[kind] = fn
        return fn
    return register
