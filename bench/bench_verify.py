"""Load benchmark of public verification against the production server on loopback (issue 5, item 6).

    .venv/bin/python bench/bench_verify.py [--workers 3] [--connections 8] [--seconds 10] [--data-dir DIR]

1. Builds the demo school in a temporary HOCBASO_DATA_DIR (``hocbaso demo``: about 870 records rendered,
   signed by the homeroom teacher and the principal, and issued; about 90 s), then ``hocbaso collectstatic``.
   ``--data-dir DIR`` reuses (or builds once into) DIR instead, to rerun quickly.
2. Starts gunicorn as in production (README "Chạy trong môi trường thật"): HOCBASO_PRODUCTION=1, a SECRET_KEY,
   ALLOWED_HOSTS=127.0.0.1, DEBUG off, static files from WhiteNoise, 2-4 gthread workers with ``--reuse-port``
   (a listening socket per worker, so the kernel spreads the connections over the workers), on 127.0.0.1
   only. The rate limits (VERIFY_*) are set very high: every request still takes a token from the
   database-backed bucket and writes the lookup log, but none is refused.
3. A load generator in this process (asyncio protocol callbacks, pre-built request bytes, HTTP/1.1 keep-alive,
   closed loop over ``--connections`` connections; it reads every response to its last byte and counts any
   status but 200 as an error; every request and every byte stays on loopback, and each phase stops after
   ``--seconds``) measures requests/s and p50/p99 latency for the lookup page ``/tra-cuu/<code>/`` and the
   JSON API ``/api/v1/records/<code>``, with codes drawn at random from the issued records. It also prints the
   CPU time per request of the gunicorn processes (/proc/<pid>/stat) and of the load generator itself, which
   share the machine's cores: on a busy machine these say more than requests/s.
4. The median time of a file check through the API (``POST /api/v1/files/check``, the PDF as the body) for
   an issued two-signature PDF (answered from the registry by its SHA-256) and for a two-signature PDF that
   is not in the registry (full signature validation: a demo record rendered again under a new record
   number and lookup code, signed by the same teacher and principal, not issued).

Targets (issue 5, 2-core machine): lookup >= 500 req/s with p99 <= 100 ms; registry-matched file check
<= 20 ms median; full validation of an unknown two-signature file <= 60 ms median. Prints PASS/FAIL for
each, and exits 1 if any fails. This file is not part of the test suite.
"""

import argparse
import asyncio
import os
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"

TARGET_LOOKUP_RPS, TARGET_LOOKUP_P99_MS = 500.0, 100.0
TARGET_REGISTRY_MS, TARGET_FULL_MS = 20.0, 60.0
HIGH = str(10**9)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def secret_key(data_dir: Path) -> str:
    """The deployment's SECRET_KEY, kept beside the demo: the CA passphrase and the PIN pepper derive from it."""
    path = data_dir / ".bench-secret-key"
    if not path.exists():
        path.write_text("bench-" + os.urandom(24).hex())
    return path.read_text().strip()


def server_env(data_dir: Path, port: int, database_url: str | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG", "DJANGO_SETTINGS_MODULE")}
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update({
        "DJANGO_SETTINGS_MODULE": "hocbaso.settings", "HOCBASO_DATA_DIR": str(data_dir),
        "HOCBASO_PRODUCTION": "1", "SECRET_KEY": secret_key(data_dir), "ALLOWED_HOSTS": HOST, "DEBUG": "0",
        "SITE_URL": f"http://{HOST}:{port}", "LOG_LEVEL": "ERROR", "DB_CONN_MAX_AGE": "60",
        # high enough never to refuse, while every request still goes through the bucket table
        **{f"VERIFY_{name}": HIGH for name in ("STATUS_BURST", "STATUS_PER_HOUR", "FACTOR_IP_BURST",
                                               "FACTOR_IP_PER_HOUR", "FACTOR_CODE_BURST", "FACTOR_CODE_PER_HOUR",
                                               "FILE_BURST", "FILE_PER_HOUR")},
    })
    return env


BENCH_DATABASE = "hocbaso_bench_verify"


def postgres_database(server: str, data_dir: Path, fresh: bool) -> str:
    """A database of the bench's own on the PostgreSQL server ``server`` (postgres://user@host:port), created
    empty when ``fresh`` (or when the data folder has none yet); its URL is kept beside the demo's files."""
    import psycopg

    marker = data_dir / ".bench-database-url"
    url = f"{server.rstrip('/')}/{BENCH_DATABASE}"
    if fresh or not marker.exists():
        with psycopg.connect(f"{server.rstrip('/')}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
            admin.execute(f"CREATE DATABASE {BENCH_DATABASE}")
        marker.write_text(url)
        (data_dir / ".bench-demo-done").unlink(missing_ok=True)
    return marker.read_text().strip()


def drop_postgres_database(server: str) -> None:
    import psycopg

    with psycopg.connect(f"{server.rstrip('/')}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")


def hocbaso(env: dict, *args: str, log: Path | None = None) -> None:
    out = open(log, "ab") if log else subprocess.DEVNULL
    done = subprocess.run([str(BIN / "hocbaso"), *args], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode:
        tail = log.read_text(errors="replace")[-3000:] if log else ""
        sys.exit(f"hocbaso {' '.join(args)} failed ({done.returncode})\n{tail}")


def build(data_dir: Path, env: dict) -> None:
    database = env.get("DATABASE_URL") or (data_dir / "hocbaso.sqlite3").exists()
    if database and (data_dir / ".bench-demo-done").exists():
        print(f"demo: reusing {data_dir}")
    else:
        print(f"demo: building into {data_dir} (hocbaso demo: render, sign, issue) …", flush=True)
        started = time.perf_counter()
        hocbaso(env, "demo", log=data_dir / "demo.log")
        (data_dir / ".bench-demo-done").write_text("ok")
        print(f"demo: built in {time.perf_counter() - started:.0f} s")
    hocbaso(env, "migrate", "-v", "0", log=data_dir / "migrate.log")  # a reused folder may predate a migration
    hocbaso(env, "collectstatic", "--noinput", "-v", "0", log=data_dir / "collectstatic.log")


# ---------------------------------------------------------------------------------------------- the server

def start_gunicorn(env: dict, port: int, workers: int, threads: int, log: Path,
                   worker_class: str = "gthread") -> subprocess.Popen:
    """gunicorn as in production. ``--reuse-port``: each worker listens on a socket of its own and the kernel
    spreads new connections over them; on one shared socket, whichever worker wakes first accepts, and the
    load generator's few keep-alive connections all landed on one worker while the others idled."""
    cmd = [str(BIN / "gunicorn"), "hocbaso.wsgi", "--bind", f"{HOST}:{port}", "--workers", str(workers),
           "--worker-class", worker_class, "--threads", str(threads), "--keep-alive", "30", "--reuse-port",
           "--log-level", "warning", "--error-logfile", str(log)]
    server = subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited ({server.returncode}); see {log}")
        if listening_sockets(port) >= workers:  # every worker is up, so connections spread over all of them
            return server
        time.sleep(0.2)
    stop(server)
    sys.exit("gunicorn did not start within 60 s")


def listening_sockets(port: int) -> int:
    """How many sockets listen on ``port`` (/proc/net/tcp: state 0A)."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(f":{port:04X}") and fields[3] == "0A":
            count += 1
    return count


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# ---------------------------------------------------------------------------------------- the load generator

class Connection:
    """One HTTP/1.1 keep-alive connection for the file checks (a few requests: simple, not lean)."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def request(self, method: str, path: str, body: bytes = b"", content_type: str = "") -> tuple[int, bytes]:
        head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nUser-Agent: bench_verify\r\n"
        if body or method == "POST":
            head += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        data = head.encode() + b"\r\n" + body
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
            try:
                self.writer.write(data)
                await self.writer.drain()
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _response(self) -> tuple[int, bytes]:
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                body += await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            body = await self.reader.read()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class LoadRun:
    """The shared state of one closed-loop load phase: pre-built request bytes, the clock, the results."""

    def __init__(self, requests: list[bytes], seconds: float, warmup: float):
        self.requests = requests
        self.rng = random.Random(5)
        self.started = time.perf_counter()
        self.measure_from, self.stop_at = self.started + warmup, self.started + warmup + seconds
        self.latencies: list[float] = []
        self.errors: dict[int, int] = {}
        self.completed = 0  # responses so far (the CPU figures are per response after the warm-up)
        self.port = 0


class LoadConnection(asyncio.Protocol):
    """One keep-alive connection in a closed loop, driven from the event loop's callbacks (no coroutine per
    request, so that the generator takes little of the CPU it shares with the server): it writes a pre-built
    request, reads the whole response (status line, headers, then exactly Content-Length bytes, or a chunked
    body to its last chunk), records the latency and the status, and sends the next request at once."""

    def __init__(self, run: LoadRun, done: asyncio.Future):
        self.run, self.done = run, done
        self.buffer = bytearray()
        self.transport = None
        self.sent_at = 0.0

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.send()

    def send(self) -> None:
        now = time.perf_counter()
        if now >= self.run.stop_at:
            self.transport.close()
            return
        self.sent_at = now
        self.transport.write(self.run.rng.choice(self.run.requests))

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(buffer[:end + 2]).lower()
        at = head.find(b"\r\ncontent-length:")
        if at >= 0:
            total = end + 4 + int(head[at + 17:head.index(b"\r\n", at + 2)])
            if len(buffer) < total:
                return
        elif b"\r\ntransfer-encoding: chunked\r\n" in head:
            total = self._chunked_end(end + 4)
            if total < 0:
                return
        else:
            raise RuntimeError("a response without Content-Length or chunked body: " + head.decode("latin-1"))
        status = int(buffer[9:12])
        run = self.run
        run.completed += 1
        if self.sent_at >= run.measure_from:
            run.latencies.append(time.perf_counter() - self.sent_at)
            if status != 200:
                run.errors[status] = run.errors.get(status, 0) + 1
        del buffer[:total]
        if b"\r\nconnection: close\r\n" in head:
            self.transport.close()  # connection_lost opens a new connection
        else:
            self.send()

    def _chunked_end(self, at: int) -> int:
        """Where the chunked body starting at ``at`` ends, or -1 if it has not all arrived."""
        buffer = self.buffer
        while True:
            line_end = buffer.find(b"\r\n", at)
            if line_end < 0:
                return -1
            size = int(bytes(buffer[at:line_end]).split(b";")[0], 16)
            at = line_end + 2 + size + 2
            if len(buffer) < at:
                return -1
            if size == 0:
                return at

    def connection_lost(self, exc) -> None:
        if self.done.done():
            return
        if exc is not None and not isinstance(exc, ConnectionError):  # e.g. a response it could not read
            self.done.set_exception(exc)
        elif time.perf_counter() < self.run.stop_at:  # the server closed it: a new connection goes on
            asyncio.get_running_loop().create_task(open_load_connection(self.run, self.done))
        else:
            self.done.set_result(None)


async def open_load_connection(run: LoadRun, done: asyncio.Future) -> None:
    try:
        await asyncio.get_running_loop().create_connection(lambda: LoadConnection(run, done), HOST, run.port)
    except OSError as error:
        if not done.done():
            done.set_exception(error)


def server_cpu_seconds(master: int) -> dict[int, float]:
    """CPU time (user + system) used so far by the gunicorn master and by each live worker (/proc/<pid>/stat),
    by process id."""
    pids = [master]
    try:
        pids += [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        pass
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return seconds


async def load(port: int, paths: list[str], connections: int, seconds: float, warmup: float, master: int) -> dict:
    """Closed loop: each connection sends its next request as soon as the last one is answered. Also the CPU
    time per response of the server's processes and of this load generator after the warm-up."""
    run = LoadRun([f"GET {p} HTTP/1.1\r\nHost: {HOST}:{port}\r\nUser-Agent: bench_verify\r\n\r\n".encode()
                   for p in paths], seconds, warmup)
    run.port = port
    loop = asyncio.get_running_loop()
    done = [loop.create_future() for _ in range(connections)]
    cpu = {}

    def snapshot(name: str) -> None:  # at the end of the warm-up (first requests load code in each worker)
        cpu[name] = (resource.getrusage(resource.RUSAGE_SELF), server_cpu_seconds(master), run.completed)

    loop.call_at(loop.time() + (run.measure_from - time.perf_counter()), snapshot, "from")
    await asyncio.gather(*(open_load_connection(run, d) for d in done))
    await asyncio.gather(*done)
    snapshot("to")
    (mine, server, first), (after, server_after, last) = cpu["from"], cpu["to"]
    by_worker = [server_after[pid] - server[pid] for pid in server_after if pid in server and pid != master]
    server = sum(server_after.values()) - sum(server.values())
    client = after.ru_utime + after.ru_stime - mine.ru_utime - mine.ru_stime
    total = max(last - first, 1)
    latencies = sorted(run.latencies)
    if not latencies:
        sys.exit("no response within the phase")
    return {"requests": len(latencies), "rps": len(latencies) / seconds,
            "p50": 1000 * latencies[len(latencies) // 2],
            "p99": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
            "errors": run.errors, "server_us": 1e6 * server / total, "client_us": 1e6 * client / total,
            # each worker's part of the server's CPU: a worker near 0 % got no connection and idled
            "worker_shares": sorted((100 * w / max(sum(by_worker), 1e-9) for w in by_worker), reverse=True)}


async def file_checks(port: int, pdf: bytes, times: int, expect: str) -> dict:
    conn = Connection(port)
    spent, verdicts = [], set()
    for i in range(times + 2):
        started = time.perf_counter()
        status, body = await conn.request("POST", "/api/v1/files/check", pdf, "application/pdf")
        elapsed = time.perf_counter() - started
        if status != 200:
            sys.exit(f"file check answered {status}: {body[:300]!r}")
        verdicts.add(body.split(b'"verdict": "', 1)[1].split(b'"', 1)[0].decode())
        if i >= 2:  # the first two warm the worker that answers (imports, trust roots)
            spent.append(elapsed)
    conn.close()
    if verdicts != {expect}:
        sys.exit(f"file check gave {verdicts}, expected {expect}")
    return {"median": 1000 * statistics.median(spent), "p90": 1000 * sorted(spent)[int(len(spent) * 0.9)],
            "verdict": expect}


# ------------------------------------------------------------------------------------- what to ask about

def inputs(env: dict) -> tuple[list[str], bytes, bytes]:
    """Issued lookup codes, one issued PDF, and an unknown two-signature PDF made now (read in this process
    from the bench's own database and PKI folder)."""
    os.environ.pop("DATABASE_URL", None)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import datetime as dt

    from django.core.files.storage import default_storage

    from hocbaso.demo.lifecycle import DEMO_PIN
    from hocbaso.directory.models import Staff
    from hocbaso.documents.render import Renderer
    from hocbaso.records.codes import new_lookup_code, new_record_id
    from hocbaso.records.drafts import verify_url_template
    from hocbaso.records.models import IssuedRecord
    from hocbaso.signing.pades import SignJob
    from hocbaso.signing.services import identity_for, signer_open

    codes = list(IssuedRecord.objects.values_list("lookup_code", flat=True))
    if not codes:
        sys.exit("the demo issued no record")
    issued = IssuedRecord.objects.filter(signers__isnull=False).order_by("pk").first()
    with default_storage.open(issued.pdf, "rb") as handle:
        issued_pdf = handle.read()

    # The same pupil's record under a new number and lookup code, signed as class_sign and school_sign sign.
    record = dict(issued.record)
    record["issuance"] = {**record["issuance"], "record_id": new_record_id(issued.school_code, issued.school_year),
                          "lookup_code": new_lookup_code(), "effective_date": dt.date.today().isoformat()}
    pdf, boxes = Renderer().year_with_boxes(record, verify_url=verify_url_template())
    teacher = Staff.objects.get(pk=issued.enrolment.school_class.homeroom_teacher_id)
    principal = Staff.objects.get(user__username="hieutruong")
    with signer_open(identity_for(staff=teacher), DEMO_PIN) as signer:
        [pdf] = signer.sign_batch([SignJob(pdf, "GVCN", box=tuple(boxes["teacher"]))])
    with signer_open(identity_for(staff=principal), DEMO_PIN, seal=True) as signer:
        [pdf] = signer.sign_batch([SignJob(pdf, "HT", box=tuple(boxes["principal"]))])
    return [f"{c}" for c in codes], issued_pdf, pdf


# ------------------------------------------------------------------------------------------------- main

def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (2-4)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--worker-class", default="gthread", choices=("gthread", "sync"),
                        help="gunicorn worker class (sync closes the connection after every response)")
    parser.add_argument("--connections", type=int, default=6, help="concurrent keep-alive connections")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per load phase")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each phase")
    parser.add_argument("--file-checks", type=int, default=30, help="file checks of each kind")
    parser.add_argument("--data-dir", type=Path, help="keep the demo here and reuse it on the next run")
    parser.add_argument("--postgres", metavar="postgres://USER@HOST:PORT",
                        help="put the database on this PostgreSQL server (a database of the bench's own) instead "
                             "of SQLite in the data folder")
    args = parser.parse_args()
    if not 1 <= args.workers <= 8:
        parser.error("--workers between 1 and 8")

    if args.data_dir:
        data_dir = args.data_dir.resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="hocbaso-bench-verify-"))
    port = free_port()
    database_url = postgres_database(args.postgres, data_dir, fresh=not args.data_dir) if args.postgres else None
    env = server_env(data_dir, port, database_url)
    print(f"machine: {os.cpu_count()} CPUs; python {sys.version.split()[0]}; load average before the run "
          f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} (1/5/15 min: anything else running shares the CPUs)")
    build(data_dir, env)
    codes, issued_pdf, unknown_pdf = inputs(env)
    print(f"inputs: {len(codes)} issued lookup codes; issued PDF {len(issued_pdf) // 1024} KiB; "
          f"unknown two-signature PDF {len(unknown_pdf) // 1024} KiB")

    server = start_gunicorn(env, port, args.workers, args.threads, data_dir / "gunicorn.log", args.worker_class)
    where = f"PostgreSQL database {BENCH_DATABASE}" if database_url else f"SQLite in {data_dir}"
    print(f"server: gunicorn hocbaso.wsgi, {args.workers} workers × {args.threads} threads ({args.worker_class}), "
          f"http://{HOST}:{port}, HOCBASO_PRODUCTION=1, {where}")
    try:
        results = asyncio.run(run_all(port, codes, issued_pdf, unknown_pdf, args, server.pid))
    finally:
        stop(server)
        if not args.data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)
            if database_url:
                from django.db import connections

                connections.close_all()
                drop_postgres_database(args.postgres)

    page, api, registry, full = results
    print()
    print(f"{'lookup page  GET /tra-cuu/<code>/':42} {page['rps']:7.0f} req/s   p50 {page['p50']:6.1f} ms   "
          f"p99 {page['p99']:6.1f} ms   ({page['requests']} requests, errors {page['errors'] or 'none'})")
    print(f"{'JSON API     GET /api/v1/records/<code>':42} {api['rps']:7.0f} req/s   p50 {api['p50']:6.1f} ms   "
          f"p99 {api['p99']:6.1f} ms   ({api['requests']} requests, errors {api['errors'] or 'none'})")
    for label, phase in (("lookup page", page), ("JSON API", api)):
        print(f"{'  CPU per request, ' + label:42} server {phase['server_us']:5.0f} µs   "
              f"load generator {phase['client_us']:4.0f} µs   "
              f"workers' shares {' / '.join(f'{share:.0f}' for share in phase['worker_shares'])} %")
    print(f"{'file check, issued PDF (registry match)':42} median {registry['median']:6.1f} ms   "
          f"p90 {registry['p90']:6.1f} ms   verdict {registry['verdict']}")
    print(f"{'file check, unknown PDF (full validation)':42} median {full['median']:6.1f} ms   "
          f"p90 {full['p90']:6.1f} ms   verdict {full['verdict']}")
    print()
    checks = [
        (f"lookup page >= {TARGET_LOOKUP_RPS:.0f} req/s", page["rps"] >= TARGET_LOOKUP_RPS and not page["errors"]),
        (f"lookup page p99 <= {TARGET_LOOKUP_P99_MS:.0f} ms", page["p99"] <= TARGET_LOOKUP_P99_MS),
        (f"JSON API >= {TARGET_LOOKUP_RPS:.0f} req/s", api["rps"] >= TARGET_LOOKUP_RPS and not api["errors"]),
        (f"JSON API p99 <= {TARGET_LOOKUP_P99_MS:.0f} ms", api["p99"] <= TARGET_LOOKUP_P99_MS),
        (f"registry-matched file check <= {TARGET_REGISTRY_MS:.0f} ms median", registry["median"] <= TARGET_REGISTRY_MS),
        (f"full validation of an unknown file <= {TARGET_FULL_MS:.0f} ms median", full["median"] <= TARGET_FULL_MS),
    ]
    for label, ok in checks:
        print(f"{verdict(ok)}  {label}")
    return 0 if all(ok for _, ok in checks) else 1


async def run_all(port, codes, issued_pdf, unknown_pdf, args, master):
    page_paths = [f"/tra-cuu/{c}/" for c in codes]
    api_paths = [f"/api/v1/records/{c}" for c in codes]
    page = await load(port, page_paths, args.connections, args.seconds, args.warmup, master)
    api = await load(port, api_paths, args.connections, args.seconds, args.warmup, master)
    registry = await file_checks(port, issued_pdf, args.file_checks, "authentic_current")
    full = await file_checks(port, unknown_pdf, args.file_checks, "valid_not_issued")
    return page, api, registry, full


if __name__ == "__main__":
    sys.exit(main())
