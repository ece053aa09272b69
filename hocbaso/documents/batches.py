"""Rendering many pupil-years in batches on every core: the batch plan, the worker pool and its chunks.

Records travel to the workers as JSON text; each worker keeps one ``Renderer`` (``render.py``) and compiles
a chunk of records as one typst document (``Renderer.years``).
"""

import json
import re
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import chain, islice, repeat

import orjson

from hocbaso.core.jsontext import json_text
from hocbaso.core.workers import available_cpus, worker_pool
from hocbaso.documents.render import Renderer
from hocbaso.tt27.record_format import json_text_is_nfc

BATCH = 32  # at most this many pupil-years compiled as one typst document by render_many (see Renderer.years)

_worker: Renderer | None = None


def _worker_start() -> None:
    global _worker
    _worker = Renderer()


# The same 19 digits in a row as "[0-9]{19}", written with its first digit apart: the regex engine then skips to
# the next digit at C speed (0.04 ms over a 9 kB record text against 0.08).
_LONG_DIGITS = re.compile(r"[0-9][0-9]{18}")


def _loads(text: str):
    """A record's JSON text decoded as ``json.loads`` decodes it: with orjson (a record in 0.05 ms against 0.2),
    except a text with 19 digits in a row somewhere (orjson turns an integer beyond 64 bits into a float) or one
    that orjson refuses (1e400)."""
    if not _LONG_DIGITS.search(text):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def _render_chunk(jobs: list[tuple], renderer: Renderer | None = None) -> list[tuple]:
    """Render one chunk of ``render_many``'s jobs in one batch (``Renderer.years``)."""
    renderer = renderer or _worker or Renderer()
    with_boxes = jobs[0][4]
    results = renderer.years([(_loads(text), verify_url, copy_number)
                              for _key, text, verify_url, copy_number, _boxes in jobs],
                             normalized=all(json_text_is_nfc(job[1]) for job in jobs))
    return [(job[0], pdf, boxes) if with_boxes else (job[0], pdf) for job, (pdf, boxes) in zip(jobs, results)]


def _jobs(items: Iterable, with_boxes: bool) -> Iterator[tuple]:
    for item in items:
        key, record, *rest = item
        verify_url = rest[0] if rest else None
        copy_number = rest[1] if len(rest) > 1 else None
        yield key, record if isinstance(record, str) else json_text(record), verify_url, copy_number, with_boxes


def batch_size(count: int, workers: int | None = None) -> int:
    """The ``chunksize`` for ``render_many`` over ``count`` records: ``BATCH``, or less so that every worker gets
    at least two batches (a class of 40 on two workers: batches of 10, not one of 32 beside one of 8)."""
    workers = workers or available_cpus()
    return max(1, min(BATCH, -(-count // (2 * workers))))


def batch_plan(count: int, workers: int | None = None) -> list[int]:
    """The batch sizes for ``render_many`` over ``count`` records (its ``chunksize``): ``batch_size``, except
    that a long run starts with one small batch per worker and ends with two rounds of smaller ones.

    Every worker waits for its first batch to be built, and at the end the others wait for the last one: with
    batches of 32 (about half a second each) the workers sat idle for a second of a school's render. A small
    batch costs more per record (8 records about 15 % more typst time than 32), so only those few are small, and
    none with one worker."""
    workers = workers or available_cpus()
    size = batch_size(count, workers)
    small = max(1, size // 4)
    head, tail = [small] * workers, [max(1, size // 2)] * workers + [small] * workers
    middle = count - sum(head) - sum(tail)
    if workers == 1 or small == size or middle < 2 * workers * size:  # one process: nobody waits for anybody
        return [size] * (count // size) + ([count % size] if count % size else [])
    return head + [size] * (middle // size) + ([middle % size] if middle % size else []) + tail


def render_many(items: Iterable, workers: int | None = None, *, with_boxes: bool = False,
                chunksize: int | Sequence[int] = BATCH) -> Iterator[tuple]:
    """Render many pupil-years on ``workers`` processes (default: every CPU), one ``Renderer`` each.

    ``items``: ``(key, record)``, ``(key, record, verify_url)`` or ``(key, record, verify_url,
    copy_number)``; keys and records must be JSON-able (records travel to the workers as JSON text; a record
    may be given as that text already, a ``str``). Yields ``(key, pdf_bytes)``, or ``(key, pdf_bytes, boxes)``
    with ``with_boxes``, in the order of ``items``. Every ``chunksize`` items are rendered as one batch
    (``Renderer.years``); ``chunksize`` may be a list of sizes, taken in turn, the last repeated (see
    ``batch_plan``). Each PDF has the pages, attachment and metadata ``render_year`` gives the record, and its
    bytes depend on the items and the batch sizes only (not on the number of workers). With one worker
    everything runs in this process.

    The workers start (in a helper thread) while the first batch's items are taken, and ``items`` is consumed
    in the caller's thread while they render (a generator may build the records, even with database queries,
    as they are needed): building record n+1 overlaps rendering record n. An exception raised by ``items``
    reaches the caller at that point."""
    workers = workers or available_cpus()
    jobs = _jobs(items, with_boxes)
    plan = [chunksize] if isinstance(chunksize, int) else list(chunksize) or [BATCH]
    sizes = chain(plan, repeat(plan[-1]))
    if workers == 1:
        renderer, chunk, size = Renderer(), [], next(sizes)
        for job in jobs:
            chunk.append(job)
            if len(chunk) >= size:
                yield from _render_chunk(chunk, renderer)
                chunk, size = [], next(sizes)
        if chunk:
            yield from _render_chunk(chunk, renderer)
        return
    # The first batch's records are built while the workers start (the first pool of a process starts the
    # forkserver too: about 0.3 s here).
    starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render-pool-start")
    starting = starter.submit(worker_pool, workers, initializer=_worker_start)
    starter.shutdown(wait=False)
    size = next(sizes)
    try:
        first = list(islice(jobs, size))
    except BaseException:
        starting.result().terminate()
        raise
    with starting.result() as pool:
        pending: deque = deque()
        chunk: list[tuple] = []
        for job in chain(first, jobs):
            chunk.append(job)
            if len(chunk) >= size:
                pending.append(pool.apply_async(_render_chunk, (chunk,)))
                chunk, size = [], next(sizes)
            while pending and pending[0].ready():
                yield from pending.popleft().get()
        if chunk:
            pending.append(pool.apply_async(_render_chunk, (chunk,)))
        while pending:
            yield from pending.popleft().get()
