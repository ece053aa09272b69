"""Run pyHanko's coroutines from synchronous code, whatever the calling thread is doing."""

import asyncio
import concurrent.futures


def run_sync(coroutine):
    """``asyncio.run(coroutine)``, or the same on a short-lived helper thread when this thread already
    runs an event loop (an async view, Playwright's sync API in tests), where ``asyncio.run`` refuses."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="hocbaso-sign") as pool:
        return pool.submit(asyncio.run, coroutine).result()
