"""Benchmark: saving a 35-pupil grade-4 class's whole year-end sheet through the grid's save path.

The sheet is every subject of grade 4 (rating, the periodic test score where TT27 has one, comment)
and the 5 qualities and 10 competences (rating, comment): 35 × (12 + 15) = 945 cells rows, sent as
one batch exactly as the browser sends them (with the revision each row was loaded with). Target:
≤ 150 ms on the server (issue 6).

Measured over ``--runs`` repetitions each, every repetition changing every row, as the median and the
90th percentile of the wall time, the median CPU time of this process per save (``time.process_time``:
what the machine's other users cannot inflate, so the figure to compare on a shared machine) and the
number of SQL queries per save (Django's ``CaptureQueriesContext``):
  endpoint  POST /api/lop/<id>/danh-gia/cuoi_nam/ through Django's test client (JSON parsing,
            session, permissions, grid_save, evaluations_save, audit log, JSON answer);
  service   hocbaso.portal.services.grid_save alone (what the endpoint calls);
  core      hocbaso.assessment.services.evaluations_save alone (the one write path).
The first save (every row created) is measured on 5 fresh classes and reported on its own line.

    .venv/bin/python bench/bench_grid_save.py [--runs 20] [--profile] [--check]

SQLite by default (a fresh file in a temporary folder, WAL, as in production); with DATABASE_URL set,
a fresh test database on that server (created and dropped by Django's test machinery).
"""

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET_MS = 150.0
PUPILS = 35
FIRST_SAVES = 5  # fresh classes whose first save (every row created) is measured
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Khánh", "Lan", "Linh", "Long",
         "Mai", "Minh", "Nam", "Ngọc", "Nhung", "Phúc", "Phương", "Quân", "Quỳnh", "Sơn", "Tâm", "Thảo", "Thủy",
         "Trang", "Trung", "Tuấn", "Tú", "Uyên", "Vân", "Vy", "Yến"]


def setup_django(tmp: Path):
    if not os.getenv("DATABASE_URL"):
        os.environ["HOCBASO_DATA_DIR"] = str(tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocbaso.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    if os.getenv("DATABASE_URL"):
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        return lambda: connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return lambda: None


def build_school():
    """The school, its year and a homeroom teacher (who teaches every class of the benchmark)."""
    from django.contrib.auth import get_user_model

    from hocbaso.directory.models import (TWO_LEVEL_GOVERNMENT_FROM, Commune, Province, Role, School, SchoolPlacement,
                                          SchoolYear, Staff, StaffRole)

    province = Province.objects.create(code="68", name="Tỉnh Lâm Đồng")
    commune = Commune.objects.create(province=province, code="24712", name="xã Trường Xuân")
    school = School.objects.create(code="67000190", name="Trường Tiểu học Đo Tốc Độ")
    SchoolPlacement.objects.create(school=school, since=TWO_LEVEL_GOVERNMENT_FROM, province=province, commune=commune)
    year = SchoolYear.objects.create(school=school, name="2024-2025", start_date=dt.date(2024, 9, 5),
                                     end_date=dt.date(2025, 5, 31))
    user = get_user_model().objects.create_user(username="gvcn.bench", password="bench-password")
    teacher = Staff.objects.create(user=user, full_name="Lê Thị Hoa", school=school)
    StaffRole.objects.create(staff=teacher, role=Role.HOMEROOM_TEACHER)
    return year, teacher, user


def build_class(year, teacher, name: str):
    from hocbaso.directory.models import Enrolment, Pupil, SchoolClass

    klass = SchoolClass.objects.create(school_year=year, grade=4, name=name, homeroom_teacher=teacher)
    for i in range(PUPILS):
        pupil = Pupil.objects.create(school=year.school, full_name=f"Nguyễn Văn {GIVEN[i]}", gender="male",
                                     birth_date=dt.date(2014, 1 + i % 12, 1 + i % 28), birthplace="Đắk Nông")
        Enrolment.objects.create(pupil=pupil, school_class=klass, registry_number=f"{i + 1}/2020",
                                 joined_on=dt.date(2020, 9, 5))
    return klass


def sheet_entries(klass, run: int, revisions: dict) -> list[dict]:
    """The whole year-end sheet as the browser sends it; ``run`` varies every value so every row changes."""
    from hocbaso.web.permissions import SHEET_TRAITS
    from hocbaso.tt27 import catalogue

    subject_rating, trait_rating = "THC"[run % 3], "TĐC"[run % 3]
    entries = []
    for enrolment in klass.enrolments.order_by("pk"):
        for subject in enrolment.subjects():
            values = {"rating": subject_rating, "comment": f"Nhận xét {run} môn {subject}."}
            if catalogue.has_periodic_test(4, subject, "cuoi_nam"):
                values["score"] = 5 + run % 6
            key = f"{enrolment.pk}|{subject}"
            entries.append({"id": key, "sheet": subject, "key": "s", "enrolment": enrolment.pk,
                            "revision": revisions.get(key, 0), "values": values})
        for kind, table in (("quality", catalogue.QUALITIES), ("competence", catalogue.COMPETENCES)):
            for code in table:
                key = f"{enrolment.pk}|{kind}:{code}"
                entries.append({"id": key, "sheet": SHEET_TRAITS, "key": f"{kind}:{code}", "enrolment": enrolment.pk,
                                "revision": revisions.get(key, 0),
                                "values": {"rating": trait_rating, "comment": f"Nhận xét {run}."}})
    return entries


def percentile(values: list[float], pct: float) -> float:
    """The ``pct``-th percentile by linear interpolation between the closest ranks."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def remember(entries, results, revisions):
    for entry, result in zip(entries, results):
        assert result["status"] == "saved", result
        revisions[entry["id"]] = result["revision"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="print where the service's time goes")
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 when the endpoint's median exceeds {TARGET_MS:g} ms")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hocbaso-bench-") as tmp:
        teardown = setup_django(Path(tmp))
        try:
            return run(args)
        finally:
            teardown()


def run(args) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from hocbaso.assessment.services import evaluations_save
    from hocbaso.web.permissions import class_access
    from hocbaso.portal.services import grid_save

    year, teacher, user = build_school()
    klass = build_class(year, teacher, "4A")
    fresh = [build_class(year, teacher, f"4{letter}") for letter in "BCDEFGHIKL"[:FIRST_SAVES]]
    client = Client()
    client.force_login(user)
    revisions: dict = {}
    counter = iter(range(1, 10_000))

    def timed(call):
        """(wall ms, CPU ms, queries, result) of one call."""
        with CaptureQueriesContext(connection) as queries:
            started, cpu = time.perf_counter(), time.process_time()
            result = call()
            cpu, elapsed = time.process_time() - cpu, time.perf_counter() - started
        return elapsed * 1000, cpu * 1000, len(queries.captured_queries), result

    def endpoint(school_class=None):
        """One save of the whole sheet; of 4A (every row changed), or the first save of ``school_class``."""
        target = school_class or klass
        entries = sheet_entries(target, next(counter), revisions)
        body = json.dumps({"entries": entries})
        address = reverse("portal:api_evaluations", args=[target.pk, "cuoi_nam"])
        measured = timed(lambda: client.post(address, data=body, content_type="application/json"))
        response = measured[3]
        assert response.status_code == 200, response.content[:500]
        remember(entries, response.json()["results"], revisions)
        return measured[:3], len(entries)

    def service():
        entries = sheet_entries(klass, next(counter), revisions)
        access = class_access(user, klass)
        measured = timed(lambda: grid_save(school_class=klass, period="cuoi_nam", entries=entries, user=user,
                                           access=access))
        remember(entries, measured[3], revisions)
        return measured[:3]

    def core():
        entries = sheet_entries(klass, next(counter), revisions)
        flat = []
        for e in entries:
            item = {"enrolment": e["enrolment"], "period": "cuoi_nam", "revision": e["revision"], **e["values"]}
            if e["key"] == "s":
                item["subject"] = e["sheet"]
            else:
                item["kind"], item["code"] = e["key"].split(":")
            flat.append(item)
        measured = timed(lambda: evaluations_save(entries=flat, by=user))
        report = measured[3]
        for e in entries:
            key = (e["enrolment"], "cuoi_nam", e["sheet"]) if e["key"] == "s" else \
                (e["enrolment"], "cuoi_nam", *e["key"].split(":"))
            revisions[e["id"]] = report.revisions[key]
        return measured[:3]

    _first, cells = endpoint()
    for _ in range(2):  # warm caches (query compilation, connection) before measuring
        endpoint()
    first_runs = [endpoint(other)[0] for other in fresh]
    endpoint_runs = [endpoint()[0] for _ in range(args.runs)]
    service_runs = [service() for _ in range(args.runs)]
    core_runs = [core() for _ in range(args.runs)]
    median = statistics.median(run[0] for run in endpoint_runs)
    print(f"hocbaso grid save benchmark — {connection.vendor}, {PUPILS} pupils, grade 4, year-end sheet: "
          f"{cells} rows ({PUPILS} × 12 subjects + 15 qualities/competences), {args.runs} runs each")
    print(f"  {'':40s} {'median':>8s} {'p90':>8s} {'min':>8s} {'max':>8s} {'CPU med':>8s} {'queries':>8s}  (ms)")
    for name, runs in ((f"endpoint, first save ({len(fresh)} new classes)", first_runs),
                       ("endpoint (HTTP POST, all rows changed)", endpoint_runs),
                       ("grid_save service", service_runs), ("evaluations_save alone", core_runs)):
        wall, cpu = [r[0] for r in runs], [r[1] for r in runs]
        print(f"  {name:40s} {statistics.median(wall):8.1f} {percentile(wall, 90):8.1f} {min(wall):8.1f} "
              f"{max(wall):8.1f} {statistics.median(cpu):8.1f} {max(r[2] for r in runs):8d}")
    verdict = "within" if median <= TARGET_MS else "OVER"
    cpu_median = statistics.median(run[1] for run in endpoint_runs)
    print(f"  target ≤ {TARGET_MS:g} ms on the server: {verdict} (endpoint median {median:.1f} ms wall, "
          f"{cpu_median:.1f} ms CPU)")
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        endpoint()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        with CaptureQueriesContext(connection) as queries:
            endpoint()
        print("SQL of one endpoint save:")
        for query in queries.captured_queries:
            print(f"  {query['time']:>6s} s  {query['sql'][:150]}")
    return 1 if args.check and median > TARGET_MS else 0


if __name__ == "__main__":
    sys.exit(main())
