"""The rate limit holds across two separate server processes sharing one database."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

SETUP = r"""
import datetime as dt
from django.contrib.auth import get_user_model
from django.utils import timezone
from hocbaso.directory.models import Commune, Enrolment, Province, Pupil, School, SchoolClass, SchoolPlacement, SchoolYear
from hocbaso.records.models import IssuedRecord
p = Province.objects.create(code="68", name="Tỉnh Lâm Đồng")
x = Commune.objects.create(province=p, code="24730", name="xã Trường Xuân")
s = School.objects.create(code="67000199", name="Trường Tiểu học Thử Nghiệm")
SchoolPlacement.objects.create(school=s, since=dt.date(2025, 7, 1), province=p, commune=x)
y = SchoolYear.objects.create(school=s, name="2024-2025", start_date=dt.date(2024, 9, 5), end_date=dt.date(2025, 5, 31))
c = SchoolClass.objects.create(school_year=y, grade=4, name="4A")
pu = Pupil.objects.create(school=s, full_name="Nguyễn Thị Ánh Tuyết", gender="female", birth_date=dt.date(2014, 9, 2), birthplace="x")
e = Enrolment.objects.create(pupil=pu, school_class=c, registry_number="1", joined_on=dt.date(2024, 9, 5))
u = get_user_model().objects.create_user("hieutruong", password="x" * 12)
IssuedRecord.objects.create(record_id="67000199-2425-TEST", lookup_code="{code}", enrolment=e, school_code=s.code,
    school_year=y.name, class_name="4A", pupil_name=pu.full_name, pupil_birth_date=pu.birth_date,
    effective_date=dt.date(2025, 6, 1), issued_at=timezone.now(), issued_by=u, sha256="f" * 64, pdf="x.pdf",
    record={{}}, signers=[])
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, deadline: float) -> None:
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"server on {port} did not start")


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
def test_limit_is_shared_by_two_gunicorn_processes(tmp_path):
    from hocbaso.records.codes import new_lookup_code

    code = new_lookup_code()
    env = {**os.environ, "HOCBASO_DATA_DIR": str(tmp_path), "VERIFY_STATUS_BURST": "6",
           "VERIFY_STATUS_PER_HOUR": "1", "DJANGO_SETTINGS_MODULE": "hocbaso.settings"}
    if os.environ.get("DATABASE_URL"):
        # A database of this test's own on the same server, so the two processes share it.
        name = f"hocbaso_twoproc_{os.getpid()}"
        base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        subprocess.run(["psql", base + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True,
                       capture_output=True)
        subprocess.run(["psql", base + "/postgres", "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
        env["DATABASE_URL"] = f"{base}/{name}"
    python = sys.executable
    subprocess.run([python, "-m", "hocbaso", "migrate", "-v", "0"], env=env, check=True)
    subprocess.run([python, "-m", "hocbaso", "shell", "-c", SETUP.format(code=code)], env=env, check=True)
    gunicorn = str(Path(python).with_name("gunicorn"))
    ports = [free_port(), free_port()]
    servers = [subprocess.Popen([gunicorn, "hocbaso.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}", "--log-level",
                                 "warning"], env=env) for port in ports]
    try:
        deadline = time.time() + 30
        for port in ports:
            wait_for(port, deadline)
        answers = [status_of(f"http://127.0.0.1:{ports[i % 2]}/tra-cuu/{code}/") for i in range(8)]
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)
        if os.environ.get("DATABASE_URL"):  # the test's own database goes with it
            subprocess.run(["psql", base + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                           check=True, capture_output=True)
    # Six tokens in all, taken alternately from two processes: the 7th and 8th are refused.
    assert answers == [200] * 6 + [429, 429]
    if not os.environ.get("DATABASE_URL"):  # SQLite: the processes queued on the lock file beside the database
        assert (tmp_path / "hocbaso.sqlite3-lookups.lock").exists()
