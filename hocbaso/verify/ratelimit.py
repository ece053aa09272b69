"""Token buckets in the database, so a limit holds across several server processes.

Numbers (README "Public verification"): a lookup code has 2^50 ≈ 1.1 × 10^15 possible values
(10 random base-32 symbols; the check symbol adds none). Each IP may make at most
``LOOKUPS_PER_IP_PER_HOUR`` code lookups an hour (burst ``LOOKUP_BURST``), and each code
accepts ``FACTOR_TRIES_PER_CODE_PER_HOUR`` second-factor attempts an hour.
"""

import fcntl
import os
import threading
from contextlib import contextmanager

from django.db import connection, transaction
from django.utils import timezone

from hocbaso.verify.models import TokenBucket
from hocbaso.web.addresses import address_key, client_ip  # noqa: F401 (client_ip: the views' import)


def ip_key(ip: str) -> str:
    """A keyed hash of the address (an IPv6 address by its /64, ``web.addresses``): buckets and logs never hold
    the address itself."""
    return address_key(ip)


BUCKET_UPSERT = {
    # One statement: insert a full bucket less one token, or refill the existing bucket by the time elapsed
    # and take a token if there is one. In SET every expression reads the row as it was; the row is locked
    # by the statement, so concurrent takes from several processes are serialised without a transaction.
    "sqlite": """
        INSERT INTO verify_tokenbucket (key, tokens, updated_at, allowed) VALUES (%(key)s, %(first)s, %(now)s,
                                                                                 %(first_allowed)s)
        ON CONFLICT (key) DO UPDATE SET
            allowed = ({refilled} >= 1),
            tokens = {refilled} - (CASE WHEN {refilled} >= 1 THEN 1 ELSE 0 END),
            updated_at = excluded.updated_at
        RETURNING allowed""".format(refilled="MIN(%(capacity)s, tokens + MAX(0.0, (julianday(excluded.updated_at) "
                                             "- julianday(updated_at)) * 86400.0) * %(rate)s)"),
    "postgresql": """
        INSERT INTO verify_tokenbucket (key, tokens, updated_at, allowed) VALUES (%(key)s, %(first)s, %(now)s,
                                                                                 %(first_allowed)s)
        ON CONFLICT (key) DO UPDATE SET
            allowed = ({refilled} >= 1),
            tokens = {refilled} - (CASE WHEN {refilled} >= 1 THEN 1 ELSE 0 END),
            updated_at = EXCLUDED.updated_at
        RETURNING allowed""".format(refilled="LEAST(%(capacity)s::double precision, verify_tokenbucket.tokens + "
                                             "GREATEST(0.0, EXTRACT(EPOCH FROM (EXCLUDED.updated_at - "
                                             "verify_tokenbucket.updated_at))::double precision) * "
                                             "%(rate)s::double precision)"),
}


def bucket_take(key: str, *, capacity: float, per_hour: float) -> bool:
    """Take one token from the bucket ``key`` (``capacity`` tokens, refilled at ``per_hour``); False when it
    is empty. One atomic statement (an upsert), so it is cheap and holds the database's write lock only for
    that statement; the limit is shared by every process using the database."""
    sql = BUCKET_UPSERT.get(connection.vendor)
    if sql is None:  # another database: the portable, slower way
        return _bucket_take_orm(key, capacity=float(capacity), rate=float(per_hour) / 3600.0)
    params = bucket_params(key, capacity=capacity, per_hour=per_hour,
                           now=connection.ops.adapt_datetimefield_value(timezone.now()))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        (allowed,) = cursor.fetchone()
    return bool(allowed)


def bucket_params(key: str, *, capacity: float, per_hour: float, now) -> dict:
    """The parameters of the ``BUCKET_UPSERT`` statements (``now`` already adapted for the database)."""
    capacity = float(capacity)
    return {"key": key, "first": capacity - 1.0 if capacity >= 1 else capacity, "first_allowed": capacity >= 1,
            "now": now, "capacity": capacity, "rate": float(per_hour) / 3600.0}


def _bucket_take_orm(key: str, *, capacity: float, rate: float) -> bool:
    now = timezone.now()
    with transaction.atomic():
        TokenBucket.objects.bulk_create([TokenBucket(key=key, tokens=capacity, updated_at=now)],
                                        ignore_conflicts=True)
        bucket = TokenBucket.objects.select_for_update().get(key=key)
        elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
        tokens = min(capacity, bucket.tokens + elapsed * rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        TokenBucket.objects.filter(pk=bucket.pk).update(tokens=tokens, updated_at=now, allowed=allowed)
    return allowed


# ---- one turn of writes per lookup ------------------------------------------------------------------

_lock_files = threading.local()


def _sqlite_lock_file() -> int | None:
    """This thread's descriptor of the lock file beside the SQLite database (None for an in-memory one)."""
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:") or not os.path.isfile(name):
        return None
    path = name + "-lookups.lock"
    fds = getattr(_lock_files, "fds", None)
    if fds is None:
        fds = _lock_files.fds = {}
    if path not in fds:  # one descriptor per thread: flock excludes open files, not processes
        fds[path] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    return fds[path]


@contextmanager
def sqlite_turn(raw):
    """``raw`` (a sqlite3 connection in autocommit mode) inside BEGIN IMMEDIATE … COMMIT, its turn taken on the
    lock file first (see ``write_turn``); rolled back if the block raises."""
    fd = _sqlite_lock_file()
    if fd is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        raw.execute("BEGIN IMMEDIATE")
        try:
            yield raw
        except BaseException:
            if raw.in_transaction:  # SQLite may have rolled back already (a failed statement)
                raw.execute("ROLLBACK")
            raise
        raw.execute("COMMIT")
    finally:
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)


@contextmanager
def write_turn():
    """The rate-limit takes and the log line of a public lookup or file check, written together.

    SQLite has one write lock for the whole database: one transaction takes it once instead of once per
    statement. Server processes that want it at the same moment first queue on an OS file lock beside the
    database (``flock``), which hands over to the next waiter the moment it is released; SQLite's own busy
    handler would instead sleep 1, 2, 5 … ms before trying the database lock again, and under load those
    sleeps, not the CPU, bounded the lookups per second. PostgreSQL locks rows and wakes waiters itself; there
    the turn is one transaction whose commit does not wait for the WAL flush (synchronous_commit off for it
    alone: an fdatasync cost 3.7 ms a commit on the benchmark machine). A crash may lose the bookkeeping of the
    last fraction of a second, never corrupt it, as with SQLite's synchronous=NORMAL. Inside a caller's
    transaction the turn is just part of it."""
    if connection.vendor == "postgresql":
        if connection.in_atomic_block:
            yield
            return
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            yield
        return
    if connection.vendor != "sqlite":
        yield
        return
    fd = _sqlite_lock_file()
    if fd is None:
        with transaction.atomic():
            yield
        return
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with transaction.atomic():
            yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
