"""Worker processes for CPU-heavy batch work (rendering with typst, preparing PDF signature updates).

Every pool comes from one forkserver per process: forkserver, not fork, because a typst compiler or a
database connection in this process may own threads or sockets a forked child would lack. The forkserver
preloads the modules the workers run and is started with the workers' environment:

- ``RAYON_NUM_THREADS=1``: typst lays out pages on a rayon thread pool, but every core already runs a worker,
  so extra threads only spin idle and cost CPU;
- jemalloc preloaded when the library is installed: typst allocates and frees a lot, and jemalloc does it
  for about 10-15 % less CPU than glibc's malloc (measured on the học bạ template). Optional and off with
  ``HOCBASO_WORKER_JEMALLOC=0`` (``settings.WORKER_JEMALLOC``).

``RAYON_NUM_THREADS`` and ``LD_PRELOAD`` are not configuration: they are the child processes' environment,
set here (an operator's own ``RAYON_NUM_THREADS`` or jemalloc in ``LD_PRELOAD`` is kept). This process's own
environment is changed only while the forkserver starts, then restored.
"""

import multiprocessing
import multiprocessing.pool
from multiprocessing import forkserver
import os
import threading

from django.conf import settings

PRELOAD = ["hocbaso.documents.batches", "hocbaso.signing.pades", "hocbaso.signing.xml_pdf",
           "hocbaso.signing.xml_batches"]
JEMALLOC_PATHS = ("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2",
                  "/usr/lib64/libjemalloc.so.2", "/usr/lib/libjemalloc.so.2", "/usr/local/lib/libjemalloc.so.2")
_lock = threading.Lock()


def available_cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def worker_environment() -> dict[str, str]:
    """The variables set for the workers (see the module's docstring)."""
    env = {}
    if "RAYON_NUM_THREADS" not in os.environ:
        env["RAYON_NUM_THREADS"] = "1"
    if settings.WORKER_JEMALLOC:
        found = next((path for path in JEMALLOC_PATHS if os.path.exists(path)), None)
        preload = os.environ.get("LD_PRELOAD", "")
        if found and "jemalloc" not in preload:
            env["LD_PRELOAD"] = f"{found} {preload}".strip()
    return env


def worker_context():
    """The multiprocessing context for worker pools, its forkserver running (started once per process)."""
    context = multiprocessing.get_context("forkserver")
    with _lock:
        context.set_forkserver_preload(PRELOAD)
        wanted = worker_environment()
        saved = {name: os.environ.get(name) for name in wanted}
        os.environ.update(wanted)
        try:
            forkserver.ensure_running()
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
    return context


class _Pool(multiprocessing.pool.Pool):
    """``multiprocessing.pool.Pool`` whose worker-handler thread does not spin while results arrive.

    CPython's handler thread (since 3.8; measured on 3.11) waits on the result queue's reader as well as on the
    workers' sentinels, but only the result-handler thread reads that queue: while a result is in the pipe and
    not yet read, the worker handler's ``wait()`` returns at once, again and again. With results of tens of
    kilobytes (rendered or prepared PDFs) that loop took 2.4 s of CPU in a 950-document class-signing phase
    and 4.7 s in the school's, more than the signing itself, and held the GIL the main thread needed. The
    handler has nothing to do when a result arrives: the pool's cache notifies it when it empties, and the
    sentinels when a worker exits."""

    def _get_sentinels(self):
        return [self._change_notifier._reader]


def worker_pool(processes: int, initializer=None) -> multiprocessing.pool.Pool:
    """A pool of ``processes`` workers from ``worker_context()`` (see ``_Pool``)."""
    return _Pool(processes, initializer=initializer, context=worker_context())
