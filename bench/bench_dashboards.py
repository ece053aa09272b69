"""Benchmark: the offices' dashboards on a province-sized data set (PostgreSQL).

The data set is ``hocbaso generate_province`` (120 communes, 400 primary schools, 6,000 classes, 200,000
pupil-years with year-end evaluations and year results; 60% of the schools have locked). It is generated once
into the database ``DATABASE_URL`` names when province 90 is not there yet (a few minutes), and kept: later runs
reuse it. Targets (issue 23): every dashboard page ≤ 300 ms median, each chart (SVG) and Excel export ≤ 2 s.

Each page is fetched through Django's test client as a Sở officer (session, permissions, the selectors, the
template): the province page (120 communes), one commune, one school, one class; ``--runs`` times each after
one warm-up, as the median and 90th percentile of the wall time, the median CPU time of this process and the SQL
queries per page. No cache serves them: Django's cache is emptied before every fetch ("cold"); the pages read
each school year's figures from the summary table (``reports.YearFigures``), counted again only for the school
years whose data changed (``YearVersion``, raised by triggers). Measured besides, in the same run: the province
page after a change in one school (a year result updated and committed before each fetch, untimed: that school
is counted again), the province page with the summary emptied before each fetch (every school counted: the first
visit after an installation, or after a new catalogue), and a naive ORM aggregation of the province page's
outcome table (per school: count the classes, the pupils and each outcome with ``.count()``), measured
``--naive-runs`` times.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hocbaso_bench_dash .venv/bin/python bench/bench_dashboards.py \
        [--runs 15] [--naive-runs 2] [--check]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PAGE_MS, EXPORT_MS = 300.0, 2000.0
CODE = "90"


def setup_django():
    if not (os.getenv("DATABASE_URL") or "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (created if need be), for example "
                 "postgres://postgres@127.0.0.1:5432/hocbaso_bench_dash")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocbaso.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def data_set():
    """Province 90 (generated when missing) and a Sở officer of it."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from hocbaso.directory.models import Province, Role, Staff, StaffRole

    if not Province.objects.filter(code=CODE).exists():
        print("generating the province (a few minutes) …", flush=True)
        started = time.perf_counter()
        call_command("generate_province", "--code", CODE)
        print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
    province = Province.objects.get(code=CODE)
    user, _ = get_user_model().objects.get_or_create(username="so.bench")
    if not hasattr(user, "staff"):
        staff = Staff.objects.create(user=user, full_name="Cán bộ Sở đo tốc độ", province=province)
        StaffRole.objects.create(staff=staff, role=Role.PROVINCE_OFFICER)
    return province, user


def percentile(values, pct):
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def measure(call, runs: int, before=None):
    """(wall ms list, CPU ms list, queries of the last run) after one warm-up call; ``before()``, untimed, before
    each call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call()
    walls, cpus, queries = [], [], 0
    for _ in range(runs):
        if before is not None:
            before()
        with CaptureQueriesContext(connection) as captured:
            started, cpu = time.perf_counter(), time.process_time()
            call()
            cpus.append((time.process_time() - cpu) * 1000)
            walls.append((time.perf_counter() - started) * 1000)
        queries = len(captured.captured_queries)
    return walls, cpus, queries


def naive_outcome_table(province) -> list[dict]:
    """The province page's outcome table the obvious way: a few ``.count()`` per school, then sums per commune."""
    from hocbaso.assessment.models import YearResult
    from hocbaso.directory.models import Enrolment, SchoolClass
    from hocbaso.directory.selectors import school_places, schools_placed
    from hocbaso.tt27 import catalogue

    communes: dict = {}
    schools = list(schools_placed(province_id=province.pk))
    places = school_places(schools)
    for school in schools:
        row = communes.setdefault(places[school.pk].commune_code,
                                  {"classes": 0, "pupils": 0, **dict.fromkeys(catalogue.OUTCOMES, 0)})
        row["classes"] += SchoolClass.objects.filter(school_year__school=school, school_year__name="2025-2026").count()
        row["pupils"] += Enrolment.objects.filter(school_class__school_year__school=school, status="studying",
                                                  school_class__school_year__name="2025-2026").count()
        for outcome in catalogue.OUTCOMES:
            row[outcome] += YearResult.objects.filter(enrolment__school_class__school_year__school=school,
                                                      enrolment__school_class__school_year__name="2025-2026",
                                                      outcome=outcome).count()
    return list(communes.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--export-runs", type=int, default=3)
    parser.add_argument("--naive-runs", type=int, default=2)
    parser.add_argument("--check", action="store_true", help="exit 1 when a line FAILs")
    args = parser.parse_args()
    setup_django()
    from django.test import Client
    from django.urls import reverse

    from hocbaso.directory.models import Enrolment, SchoolClass
    from hocbaso.directory.selectors import school_places, schools_placed

    province, user = data_set()
    schools = schools_placed(province_id=province.pk)
    pupils = Enrolment.objects.filter(school_class__school_year__school__in=schools).count()
    school = schools.order_by("code").first()
    commune = school_places([school])[school.pk].commune_code
    klass = SchoolClass.objects.filter(school_year__school=school).order_by("grade", "name").first()
    print(f"data set: {schools.count()} schools, {pupils} pupil-years; load average at start "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs", flush=True)
    client = Client()
    client.force_login(user)

    def get(name, *path_args):
        address = reverse(name, args=path_args)

        def call():
            response = client.get(address)
            assert response.status_code == 200, (address, response.status_code)
            return response
        return call

    failed = False
    print(f"{'what':<46}{'median ms':>11}{'p90 ms':>9}{'CPU ms':>9}{'queries':>9}{'target':>9}  verdict")

    def line(label, walls, cpus, queries, target):
        nonlocal failed
        median = statistics.median(walls)
        verdict = "PASS" if median <= target else "FAIL"
        failed |= verdict == "FAIL"
        print(f"{label:<46}{median:>11.1f}{percentile(walls, 90):>9.1f}{statistics.median(cpus):>9.1f}"
              f"{queries:>9}{target:>9.0f}  {verdict}", flush=True)

    from django.core.cache import cache

    from hocbaso.assessment.models import YearResult
    from hocbaso.reports.models import YearFigures

    def cold(call):
        def run():
            cache.clear()
            return call()
        return run

    pages = [("page: province (120 communes)", get("reports:statistics")),
             ("page: commune", get("reports:dashboard", "xa", commune)),
             ("page: school", get("reports:dashboard", "truong", school.code)),
             ("page: class", get("reports:dashboard", "lop", klass.pk))]
    for label, call in pages:
        line(f"{label}, cold", *measure(cold(call), args.runs), PAGE_MS)
    result = YearResult.objects.filter(enrolment__school_class=klass).order_by("pk").first()

    def a_change():  # committed before the page is fetched (not timed)
        result.homeroom_comment = "" if result.homeroom_comment else "Đo tốc độ."
        YearResult.objects.filter(pk=result.pk).update(homeroom_comment=result.homeroom_comment)

    line("page: province, after a change in one school", *measure(cold(pages[0][1]), args.runs, before=a_change),
         PAGE_MS)
    exports = [("chart: outcomes by grade (province)", get("reports:chart", "tinh", CODE, "ket-qua")),
               ("chart: campaign (province)", get("reports:chart", "tinh", CODE, "tien-do")),
               ("Excel: province", get("reports:workbook", "tinh", CODE)),
               ("Excel: commune", get("reports:workbook", "xa", commune))]
    for label, call in exports:
        line(f"{label}, cold", *measure(cold(call), args.export_runs), EXPORT_MS)

    walls, cpus, queries = measure(cold(pages[0][1]), max(args.runs // 3, 3),
                                   before=lambda: YearFigures.objects.all().delete())
    print(f"{'page: province, summary emptied (all counted)':<46}{statistics.median(walls):>11.1f}"
          f"{percentile(walls, 90):>9.1f}{statistics.median(cpus):>9.1f}{queries:>9}{'-':>9}  (for comparison)",
          flush=True)
    pages[0][1]()  # the summary filled again
    walls, cpus, queries = measure(lambda: naive_outcome_table(province), max(args.naive_runs - 1, 1))
    print(f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'naive ORM outcome table (province)':<46}{statistics.median(walls):>11.1f}{percentile(walls, 90):>9.1f}"
          f"{statistics.median(cpus):>9.1f}{queries:>9}{'-':>9}  (for comparison)")
    return 1 if failed and args.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
