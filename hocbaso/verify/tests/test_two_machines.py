"""Issue 20, acceptance: "A second web process started against the same database and S3 bucket (another data
folder, no shared disk) serves every download and verification of records issued by the first." Runs when
``HOCBASO_TEST_S3`` names a loopback S3 server (``.ci/run`` starts ``moto_server``).

Machine A (a data folder of its own) signs and issues a school's records into the bucket with the console
commands; machine B (gunicorn, another data folder, the same database and bucket) answers the public lookup,
serves the signed PDF after the second factor and checks the file; B's data folder holds no record file."""

import hashlib
import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from hocbaso.testing.batches import SETUP, child_environment, hocbaso
from hocbaso.testing.people import PRINCIPAL_PIN, TEACHER_PIN
from hocbaso.testing.s3 import s3_bucket

S3 = os.environ.get("HOCBASO_TEST_S3", "")
pytestmark = pytest.mark.skipif(not S3, reason="HOCBASO_TEST_S3 is not set (.ci/run starts moto_server and sets it)")
SCHOOL, YEAR = "67000199", "2024-2025"

ISSUED = r"""
import json
from hocbaso.records.models import IssuedRecord
print(json.dumps([{"code": r.lookup_code, "born": r.pupil_birth_date.strftime("%d/%m/%Y"),
                   "last4": (r.identity_number or "")[-4:], "sha256": r.sha256,
                   "pdf": r.pdf} for r in IssuedRecord.objects.order_by("record_id")]))
"""


@pytest.fixture
def bucket():
    with s3_bucket(S3, access_key="testing", secret_key="testing", prefix="hocbaso-two") as (name, client):
        yield name, client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_second_web_process_serves_downloads_and_checks_of_the_first(tmp_path, bucket):
    name, client = bucket
    s3 = {"HOCBASO_S3_BUCKET": name, "HOCBASO_S3_ENDPOINT_URL": S3, "HOCBASO_S3_REGION": "us-east-1",
          "HOCBASO_S3_ACCESS_KEY": "testing", "HOCBASO_S3_SECRET_KEY": "testing", "PIN_HT": PRINCIPAL_PIN}
    with child_environment(tmp_path / "a", **s3) as env_a:
        if "DATABASE_URL" not in env_a:  # SQLite: one database file, outside both data folders
            env_a["DATABASE_URL"] = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        env_b = {**env_a, "HOCBASO_DATA_DIR": str(tmp_path / "b" / "data")}
        hocbaso(env_a, "migrate", "-v", "0")
        hocbaso(env_a, "shell", "-v", "0", "-c", SETUP.format(school=SCHOOL, year=YEAR, classes=("4A",), pupils=3,
                                                               principal_pin=PRINCIPAL_PIN, teacher_pin=TEACHER_PIN))
        scope = ["--school", SCHOOL, "--year", YEAR, "--user", "hieutruong"]
        hocbaso(env_a, "sign", *scope, "--pin-env", "PIN_HT")
        hocbaso(env_a, "issue", *scope, "--no-package")
        issued = json.loads(hocbaso(env_a, "shell", "-v", "0", "-c", ISSUED).strip().splitlines()[-1])
        assert len(issued) == 3
        keys = {item["Key"] for item in client.list_objects_v2(Bucket=name).get("Contents", [])}
        assert {r["pdf"] for r in issued} <= keys  # the signed files are in the bucket

        port = free_port()
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        server = subprocess.Popen([gunicorn, "hocbaso.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}", "--log-level",
                                   "warning"], env=env_b)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.time() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{base}/tra-cuu/", timeout=5).close()
                    break
                except OSError:
                    assert time.time() < deadline and server.poll() is None, "machine B did not start"
                    time.sleep(0.2)
            for record in issued:
                opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
                page = opener.open(f"{base}/tra-cuu/{record['code']}/", timeout=30).read().decode()
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
                form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "xac_minh": record["born"],
                                                 "so_cuoi": record["last4"]}).encode()
                opener.open(urllib.request.Request(f"{base}/tra-cuu/{record['code']}/", data=form,
                                                   headers={"Referer": base + "/"}), timeout=30).read()
                with opener.open(f"{base}/tra-cuu/{record['code']}/tai-ve/", timeout=30) as download:
                    assert download.headers["Content-Type"] == "application/pdf"
                    pdf = download.read()
                assert hashlib.sha256(pdf).hexdigest() == record["sha256"]
                check = urllib.request.Request(f"{base}/api/v1/files/check", data=pdf,
                                               headers={"Content-Type": "application/pdf"})
                verdict = json.loads(opener.open(check, timeout=60).read())
                assert verdict["verdict"] == "authentic_current", verdict
        finally:
            server.terminate()
            server.wait(timeout=30)
        files_b = tmp_path / "b" / "data" / "files"
        assert not files_b.exists() or not any(path.is_file() for path in files_b.rglob("*"))
