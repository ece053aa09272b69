"""Worker processes for CPU-heavy batch work (rendering with typst, preparing PDF signature updates).

Every pool comes from one forkserver per process: forkserver, not fork, because a typst compiler or a
database connection in this process may own threads or sockets a forked child would lack. The forkserver
preloads the modules the workers run and is started with the workers' environment:

- ``RAYON_NUM_THREADS=1``: typst lays out pages on a rayon thread pool, but every core already runs a worker,
  so extra threads only spin idle and cost CPU;
- jemalloc preloaded when the library is installed: typst allocates and frees a lot, and jemalloc does it
  for about 10-15 % less CPU than glibc's malloc (measured on the học bạ template). Optional and off with
  ``HOCBASO_WORKER_JEMALLOC=0``.

This process's own environment is changed only while the forkserver starts, then restored.
"""

import multiprocessing
import os
import threading

PRELOAD = ["hocbaso.documents.render", "hocbaso.signing.pades"]
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
    if os.environ.get("HOCBASO_WORKER_JEMALLOC", "1") != "0":
        found = next((path for path in JEMALLOC_PATHS if os.path.exists(path)), None)
        preload = os.environ.get("LD_PRELOAD", "")
        if found and "jemalloc" not in preload:
            env["LD_PRELOAD"] = f"{found} {preload}".strip()
    return env


def worker_context():
    """The multiprocessing context for worker pools, its forkserver running (started once per process)."""
    from multiprocessing import forkserver

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
