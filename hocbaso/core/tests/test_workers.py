"""core.workers.worker_pool: results in order, exited workers replaced, and no busy loop while large results
arrive (CPython's own Pool spent 8.4 s of CPU in its worker-handler thread on the 400 results below)."""

import os
import sys
import time

import pytest

from hocbaso.core.workers import _Pool, worker_context, worker_pool

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _large(i: int) -> bytes:
    return bytes([i % 256]) * 300_000


def _pid(_i: int) -> int:
    time.sleep(0.05)
    return os.getpid()


def _thread_cpu(thread) -> float:
    fields = open(f"/proc/self/task/{thread.native_id}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_large_results_arrive_in_order_without_the_worker_handler_spinning():
    with worker_pool(2) as pool:
        results = list(pool.imap(_large, range(400)))
        handler_cpu = _thread_cpu(pool._worker_handler)
    assert [r[0] for r in results] == [i % 256 for i in range(400)] and {len(r) for r in results} == {300_000}
    assert pool._outqueue._reader not in pool._get_sentinels()
    assert handler_cpu < 0.5, f"the worker-handler thread used {handler_cpu:.2f} s of CPU"


def test_exited_workers_are_replaced():
    # Each worker exits after one task: the handler must wake on the exited worker's sentinel to start another,
    # or the tasks after the second would wait forever.
    pool = _Pool(2, maxtasksperchild=1, context=worker_context())
    try:
        pids = pool.map_async(_pid, range(10), chunksize=1).get(timeout=60)
    finally:
        pool.close()
        pool.join()
    assert len(set(pids)) == 10
