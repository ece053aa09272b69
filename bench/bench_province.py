"""A province slice issued through Celery workers: records/s with 1 and with 2 worker processes beside the
one-process pipeline, on PostgreSQL and S3 storage (issue 20).

    .venv/bin/python bench/bench_province.py --database-url postgres://postgres@127.0.0.1:5432/NEWDB
        [--schools 20] [--pupils 950] [--workers 1,2] [--broker redis://127.0.0.1:6379/6] [--s3 auto|URL]
        [--s3-access-key KEY --s3-secret-key SECRET] [--data-dir DIR] [--keep]

Setup (untimed): a new PostgreSQL database (dropped at the end unless ``--keep``), a bucket on the S3 server
(``--s3 auto`` starts ``moto_server`` on loopback), the built-in CA in the bucket (``HOCBASO_PKI_IN_STORAGE``),
then one province slice per run (so every run issues records nobody signed yet): ``--schools`` schools of
``--pupils`` pupils in classes of 35, year-end evaluations filled and assessed, every class locked, a built-in
certificate for every homeroom teacher, the principal and the seal.

Timed, per run, the same jobs the portal's pages queue (``records.tasks``): every class's ``portal.class_sign``
(render and the homeroom teacher's signature), then every school's ``portal.school_sign``, then every school's
``portal.issue`` (registry and sealed class packages):

  pipeline   the jobs run one after another in this process (``run_inline``), each using every core for
             rendering and signing (``HOCBASO_SIGN_WORKERS`` unset): the one-process pipeline of today
  celery N   N ``hocbaso worker`` processes on the broker, each with ``HOCBASO_SIGN_WORKERS=1`` (one core per
             worker), the jobs of a stage queued at once

Printed: the exact command, an estimate of the whole bench's duration after the first school is built (and
again after the pipeline run), then per run: records, seconds, records/s, the load average before and after, the
CPU seconds (and ms per record) of the workers (with their children), of PostgreSQL (the backends of the
benchmark's database, sampled), of the S3 server (``--s3 auto``'s moto_server) and of Redis (the whole server:
other users count too), each as a share of a core, the three stages' seconds; then a summary, the
2-worker/1-worker ratio and the command for the full size. On 2 cores the 2-worker run should approach 2× the
1-worker run, less what the database and the broker take.

Unattended at full size: each slice is built just before its run, and the run's files are deleted from the
bucket after it (the CA stays), since moto_server holds every object in memory (~0.65 MB a record: ~12 GB
during a 19,000-record run, reused by the next runs). With less memory free, give ``--s3 URL`` (and ``--s3-access-key``/``--s3-secret-key``)
of an S3 server that stores on disk. Not part of the test suite.
"""

import argparse
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

PIN = "246810"
CLASS_SIZE = 35


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_of(names: tuple[str, ...]) -> float:
    """CPU seconds (with reaped children) of every process on the machine whose command is one of ``names``."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        comm, fields = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
        if comm.split(":")[0].split()[0] in names:
            total += sum(int(v) for v in fields[11:15]) / tick
    return total


def tree_cpu(pid: int) -> float:
    """CPU seconds of process ``pid`` and every descendant still alive, with their reaped children."""
    tick, total, todo = os.sysconf("SC_CLK_TCK"), 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/stat") as handle:
                stat = handle.read()
            with open(f"/proc/{current}/task/{current}/children") as handle:
                todo += [int(c) for c in handle.read().split()]
        except OSError:
            continue
        total += sum(int(v) for v in stat[stat.rindex(")") + 2:].split()[11:15]) / tick
    return total


class BackendCPU:
    """CPU seconds of the PostgreSQL backends serving database ``name`` (the server's other users left out),
    sampled every half second from ``pg_stat_activity`` and ``/proc``: a backend that ends between two samples
    loses at most its last half second."""

    def __init__(self, url: str):
        import psycopg

        self.conn = psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)
        self.own = self.conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        self.first, self.last, self.stop = {}, {}, threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self, initial: bool = False) -> None:
        rows = self.conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> %s",
                                 [self.own]).fetchall()
        for (pid,) in rows:
            cpu = tree_cpu(pid)
            self.first.setdefault(pid, cpu if initial else 0.0)  # a backend opened during the run: all of it
            self.last[pid] = cpu

    def _loop(self) -> None:
        while not self.stop.wait(0.5):
            self._sample()

    def start(self) -> None:
        self._sample(initial=True)  # the backends already open count from now
        self.thread.start()

    def finish(self) -> float:
        self.stop.set()
        self.thread.join()
        self._sample()
        self.conn.close()
        return sum(self.last[pid] - self.first.get(pid, 0.0) for pid in self.last)


def province_build(prefix: str, schools: int, pupils: int, on_first=None) -> list:
    """``schools`` schools (codes ``<prefix>NNNNN``) ready to sign; returns their school years. ``on_first`` is
    called with the seconds the first school took to build (the duration estimate)."""
    import datetime as dt

    from django.contrib.auth import get_user_model

    from hocbaso.assessment.services import evaluations_save
    from hocbaso.directory.models import (Commune, Enrolment, Province, Pupil, Role, School, SchoolClass,
                                          SchoolPlacement, SchoolYear)
    from hocbaso.records.locks import data_lock
    from hocbaso.records.outcomes import year_results_assess
    from hocbaso.signing.services import identity_issue
    from hocbaso.testing.lifecycle import year_end_entries
    from hocbaso.testing.people import make_staff

    users = get_user_model()
    province, _ = Province.objects.get_or_create(code="68", defaults={"name": "Tỉnh Lâm Đồng"})
    commune, _ = Commune.objects.get_or_create(province=province, code="24790", defaults={"name": "phường Đà Lạt"})
    years, started = [], time.perf_counter()
    for s in range(schools):
        code = f"{prefix}{s:05d}"
        school = School.objects.create(code=code, name=f"Trường Tiểu học Số {prefix}-{s + 1}")
        SchoolPlacement.objects.create(school=school, since=dt.date(2025, 7, 1), province=province, commune=commune)
        year = SchoolYear.objects.create(school=school, name="2024-2025", start_date=dt.date(2024, 9, 5),
                                         end_date=dt.date(2025, 5, 31), lock_date=dt.date(2099, 5, 31))
        principal = make_staff(users, school, f"ht{code}", f"Hiệu Trưởng {code}", Role.PRINCIPAL,
                               password=None)
        identity_issue(staff=principal, pin=PIN, by=principal.user)
        identity_issue(school=school, pin=PIN, by=principal.user)
        for c in range(math.ceil(pupils / CLASS_SIZE)):
            grade, name = 1 + c % 5, f"{1 + c % 5}{'ABCDEFGH'[c // 5]}"
            teacher = make_staff(users, school, f"gv{code}{name.lower()}", f"Giáo Viên {name}",
                                 Role.HOMEROOM_TEACHER, password=None)
            identity_issue(staff=teacher, pin=PIN, by=principal.user)
            klass = SchoolClass.objects.create(school_year=year, grade=grade, name=name, homeroom_teacher=teacher)
            numbers = range(c * CLASS_SIZE, min(pupils, (c + 1) * CLASS_SIZE))
            # One INSERT for the class's pupils and one for their enrolments (the slice's build is untimed, but
            # a row at a time made a full slice take over an hour on a loaded machine).
            class_pupils = Pupil.objects.bulk_create(
                Pupil(school=school, identity_number=f"06{prefix[-1]}{s:03d}{n:06d}", full_name=f"Học Sinh {n}",
                      gender="male" if n % 2 else "female", birth_date=dt.date(2019 - grade, 1 + n % 12, 2),
                      birthplace="Tỉnh Lâm Đồng") for n in numbers)
            enrolments = Enrolment.objects.bulk_create(
                Enrolment(pupil=pupil, school_class=klass, registry_number=f"{n + 1}/2020",
                          joined_on=dt.date(2024, 9, 5)) for n, pupil in zip(numbers, class_pupils))
            evaluations_save(entries=[e for en in enrolments for e in year_end_entries(en)], by=teacher.user)
            year_results_assess(enrolments=enrolments, by=teacher.user)
            data_lock(school_year=year, school_class=klass, by=principal.user)
        years.append(year)
        print(f"  {code}: {pupils} pupils", flush=True)
        if s == 0 and on_first is not None:
            on_first(time.perf_counter() - started)
    return years


def stage_submit(kind: str, years: list, inline: bool) -> list[int]:
    """The jobs of one stage, queued as the portal's pages queue them (their PIN sealed)."""
    from hocbaso.jobs.services import job_submit
    from hocbaso.records.progress import KIND_CLASS_SIGN
    from hocbaso.signing.job_pins import pin_seal

    jobs = []
    for year in years:
        if kind == KIND_CLASS_SIGN:
            for klass in year.classes.select_related("homeroom_teacher__user"):
                user = klass.homeroom_teacher.user
                pin = pin_seal(PIN, kind=kind, target=f"class:{klass.pk}", user_id=user.pk)
                jobs.append(job_submit(kind=kind, args={"class_id": klass.pk, "pin": pin}, by=user,
                                       school_code=year.school.code, run_inline=inline).pk)
        else:
            from django.contrib.auth import get_user_model

            user = get_user_model().objects.get(username=f"ht{year.school.code}")
            pin = pin_seal(PIN, kind=kind, target=f"year:{year.pk}", user_id=user.pk)
            jobs.append(job_submit(kind=kind, args={"school_year": year.pk, "pin": pin}, by=user,
                                   school_code=year.school.code, run_inline=inline).pk)
    return jobs


def stage_wait(pks: list[int]) -> None:
    from hocbaso.jobs.models import Job

    while True:
        states = dict(Job.objects.filter(pk__in=pks).values_list("pk", "state"))
        failed = [pk for pk, state in states.items() if state in ("failed", "cancelled")]
        if failed:
            job = Job.objects.get(pk=failed[0])
            raise SystemExit(f"job {job} failed: {job.message}\n{job.error}")
        if all(state == "done" for state in states.values()):
            return
        time.sleep(0.2)


def run(years: list, workers: int, env: dict, folder: Path, moto_pid: int | None) -> dict:
    """Issue ``years`` through the pipeline (``workers`` 0) or ``workers`` Celery workers; returns the figures."""
    from hocbaso.records.models import IssuedRecord
    from hocbaso.records.progress import KIND_CLASS_SIGN, KIND_ISSUE, KIND_SCHOOL_SIGN

    children = []
    for n in range(workers):
        log = open(folder / f"worker-{workers}-{n}.log", "wb")
        children.append(subprocess.Popen([sys.executable, "-m", "hocbaso", "worker"], stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True,
                                         env={**env, "HOCBASO_SIGN_WORKERS": "1"}))
    time.sleep(3 if workers else 0)  # the workers start (Django, Celery) before the clock does
    backends = BackendCPU(env["DATABASE_URL"])
    load0, redis0, own0 = os.getloadavg()[0], cpu_of(("redis-server",)), tree_cpu(os.getpid())
    workers0 = [tree_cpu(c.pid) for c in children]
    moto0 = tree_cpu(moto_pid) if moto_pid else 0.0
    backends.start()
    started = time.perf_counter()
    stages = {}
    for kind in (KIND_CLASS_SIGN, KIND_SCHOOL_SIGN, KIND_ISSUE):
        stage_started = time.perf_counter()
        stage_wait(stage_submit(kind, years, inline=not workers))
        stages[kind.split(".")[-1]] = time.perf_counter() - stage_started
    seconds = time.perf_counter() - started
    per_worker = [tree_cpu(c.pid) - cpu0 for c, cpu0 in zip(children, workers0)]
    figures = {"seconds": seconds, "db_cpu": backends.finish(),
               "redis_cpu": cpu_of(("redis-server",)) - redis0,
               "s3_cpu": tree_cpu(moto_pid) - moto0 if moto_pid else float("nan"),
               "workers_cpu": sum(per_worker) if workers else tree_cpu(os.getpid()) - own0,
               "per_worker": per_worker, "stages": stages,
               "load": (load0, os.getloadavg()[0]),
               "records": IssuedRecord.objects.filter(school_code__in=[y.school.code for y in years]).count()}
    for child in children:
        os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
    return figures


# Worker CPU a record when issuing (the last runs on the shared machine: 120–180 ms, an upper bound); the first
# estimate of the duration uses it before anything is measured here.
PRIOR_CPU_PER_RECORD = 0.15
MOTO_MB_PER_RECORD = 0.65  # moto_server's memory a record of a run (five drafts, the class package's share)


def bucket_empty(s3, bucket: str) -> tuple[int, int]:
    """Delete what a run left in the bucket (drafts, signed files, packages; the CA and the keys under ``pki/``
    stay for the next runs): moto_server keeps every object in memory (~0.65 MB a record measured: 12 GB for a
    run of 19,000 records). Its process keeps most of that memory for the next run's files (RSS 1.5, 1.8, 1.9 GB
    after three 2,000-record runs, where each run added 1.3 GB before). Returns (files, bytes)."""
    count = size = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [item for item in page.get("Contents", []) if not item["Key"].startswith("pki/")]
        for start in range(0, len(keys), 1000):
            batch = keys[start:start + 1000]
            s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k["Key"]} for k in batch], "Quiet": True})
            count, size = count + len(batch), size + sum(k["Size"] for k in batch)
    return count, size


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as handle:
            return next(int(line.split()[1]) for line in handle if line.startswith("VmRSS")) / 1024
    except (OSError, StopIteration):
        return float("nan")


def command_line() -> str:
    import shlex

    return shlex.join([sys.executable, *sys.argv])


def full_size_command() -> str:
    """The issue's full size, to run from the repository's root on a quiet machine and read the next morning."""
    return ("nohup nice .venv/bin/python bench/bench_province.py --database-url "
            "postgres://postgres@127.0.0.1:5432/hocbaso_province_full --schools 20 --pupils 950 --workers 1,2 "
            "> province-full.log 2>&1 &")


def estimate_print(first_school: float, args, runs: list[int], cpus: int) -> None:
    """The first estimate of the whole bench: the slices at the first school's pace, the runs at the prior CPU per
    record spread over the cores the run can use (the pipeline every core, N workers N cores)."""
    records = args.schools * args.pupils
    build = first_school * args.schools * len(runs)
    issue = sum(records * PRIOR_CPU_PER_RECORD / min(w or cpus, cpus) for w in runs)
    print(f"  estimate: {(build + issue) / 60:.0f} min in all on an idle machine ({build / 60:.0f} min building "
          f"{len(runs)} slices at {first_school:.0f} s a school, {issue / 60:.0f} min issuing {records} records "
          f"× {len(runs)} runs at ~{1000 * PRIOR_CPU_PER_RECORD:.0f} ms of CPU a record); more under load"
          + (f"; moto_server will hold ~{records * MOTO_MB_PER_RECORD / 1024:.1f} GB of files during a run"
             if args.s3 == "auto" else ""), flush=True)


def report_print(label: str, figures: dict) -> None:
    n = figures["records"]
    print(f"{label:24} {n:6} records in {figures['seconds']:7.1f} s: {n / figures['seconds']:6.1f} records/s; "
          f"CPU s (ms/record): workers {figures['workers_cpu']:.1f} ({1000 * figures['workers_cpu'] / n:.0f}), "
          f"PostgreSQL {figures['db_cpu']:.1f} ({1000 * figures['db_cpu'] / n:.0f}), "
          f"S3 server {figures['s3_cpu']:.1f} ({1000 * figures['s3_cpu'] / n:.0f}), "
          f"Redis {figures['redis_cpu']:.1f}; load {figures['load'][0]:.2f} → {figures['load'][1]:.2f}", flush=True)
    seconds = figures["seconds"]
    per_process = [(f"worker {i + 1}", cpu) for i, cpu in enumerate(figures["per_worker"])] or \
        [("this process (with its signing pool)", figures["workers_cpu"])]
    per_process += [("PostgreSQL (this database's backends)", figures["db_cpu"]), ("S3 server", figures["s3_cpu"]),
                    ("Redis (whole server)", figures["redis_cpu"])]
    print("  CPU per process: " + "; ".join(f"{name} {cpu:.1f} s = {cpu / seconds:.2f} of a core"
                                            for name, cpu in per_process), flush=True)
    print("  stages (s): " + ", ".join(f"{kind} {sec:.1f}" for kind, sec in figures["stages"].items())
          + f"; slice built in {figures.get('build_seconds', float('nan')):.0f} s", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="postgres://…/NEWDB (created, then dropped)")
    parser.add_argument("--schools", type=int, default=20)
    parser.add_argument("--pupils", type=int, default=950, help="pupils per school")
    parser.add_argument("--workers", default="1,2", help="Celery worker counts to run, beside the pipeline")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--s3", default="auto", help="an S3 server's URL, or auto: start moto_server on loopback")
    parser.add_argument("--s3-access-key", default="testing")
    parser.add_argument("--s3-secret-key", default="testing")
    parser.add_argument("--data-dir", default=tempfile.gettempdir())
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",") if n.strip()]

    folder = Path(tempfile.mkdtemp(prefix="hocbaso-province-", dir=args.data_dir))
    moto = None
    endpoint = args.s3
    if endpoint == "auto":
        port = free_port()
        moto = subprocess.Popen([str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p",
                                 str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        endpoint = f"http://127.0.0.1:{port}"
    bucket = f"hocbaso-province-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hocbaso.settings", "HOCBASO_DATA_DIR": str(folder / "data"),
           "DATABASE_URL": args.database_url, "HOCBASO_BROKER_URL": args.broker,
           "HOCBASO_BROKER_QUEUE": bucket, "HOCBASO_JOBS": "worker", "HOCBASO_S3_BUCKET": bucket,
           "HOCBASO_S3_ENDPOINT_URL": endpoint, "HOCBASO_S3_REGION": "us-east-1",
           "HOCBASO_S3_ACCESS_KEY": args.s3_access_key, "HOCBASO_S3_SECRET_KEY": args.s3_secret_key,
           "HOCBASO_PKI_IN_STORAGE": "1"}
    os.environ.update(env)
    sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]
    from bench_issue import _postgres_setup

    drop = _postgres_setup(args.database_url)
    try:
        import boto3

        s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=args.s3_access_key,
                          aws_secret_access_key=args.s3_secret_key, region_name="us-east-1")
        for _ in range(50):
            try:
                s3.create_bucket(Bucket=bucket)
                break
            except Exception:  # the S3 server is still starting
                time.sleep(0.2)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        runs = [0, *counts]
        cpus = os.cpu_count() or 1
        print(f"province slice: {args.schools} schools × {args.pupils} pupils per run, {len(runs)} runs "
              f"({', '.join('pipeline' if not w else f'{w} worker(s)' for w in runs)}); {cpus} CPUs, "
              f"load {os.getloadavg()[0]:.2f}; {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}", flush=True)
        print(f"command: {command_line()}", flush=True)
        results, began = {}, time.perf_counter()
        for n, workers in enumerate(runs):
            label = "pipeline (1 process)" if not workers else f"celery, {workers} worker(s)"
            print(f"building slice {n + 1}/{len(runs)} (untimed)", flush=True)
            built = time.perf_counter()
            years = province_build(f"68{n}", args.schools, args.pupils,
                                   on_first=(lambda s: estimate_print(s, args, runs, cpus)) if n == 0 else None)
            build_seconds = time.perf_counter() - built
            figures = results[workers] = run(years, workers, env, folder, moto and moto.pid)
            figures["build_seconds"] = build_seconds
            report_print(label, figures)
            emptied = bucket_empty(s3, bucket)
            print(f"  bucket emptied of this run's {emptied[0]} files ({emptied[1] / 1e6:.0f} MB, "
                  f"{emptied[1] / 1e3 / figures['records']:.0f} kB a record)"
                  + (f"; S3 server memory {rss_mb(moto.pid):.0f} MB after" if moto else ""), flush=True)
            if n == 0 and len(runs) > 1:
                left = sum(build_seconds + figures["seconds"] / min(w, cpus) for w in runs[1:])
                print(f"  estimate: the remaining {len(runs) - 1} runs take about {left / 60:.0f} min "
                      f"(slice built in {build_seconds:.0f} s; a run of N workers ≈ this run / N)", flush=True)
        rate = {w: r["records"] / r["seconds"] for w, r in results.items()}
        print(f"summary ({time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}, {(time.perf_counter() - began) / 60:.0f} min in all):")
        for workers, r in results.items():
            label = "pipeline (1 process)" if not workers else f"celery, {workers} worker(s)"
            print(f"  {label:24} {rate[workers]:6.1f} records/s, worker CPU {1000 * r['workers_cpu'] / r['records']:.0f} "
                  f"ms/record" + (f" = {rate[workers] / rate[0]:.2f}× the pipeline" if workers and 0 in rate else ""))
        if 1 in results and 2 in results:
            print(f"scaling 2 workers / 1 worker: {rate[2] / rate[1]:.2f}×; 1 worker / pipeline: "
                  f"{rate[1] / rate[0]:.2f}×")
        print(f"full size, unattended (the issue's 20 schools × 950 pupils; from the repository's root, on a quiet "
              f"machine with ~13 GB of memory free for moto_server):\n  "
              f"{full_size_command()}", flush=True)
        return 0
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop()
        if moto is not None:
            moto.kill()  # moto_server (werkzeug) does not stop on SIGTERM
            moto.wait()


if __name__ == "__main__":
    sys.exit(main())
