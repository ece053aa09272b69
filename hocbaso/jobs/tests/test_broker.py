"""Jobs through Celery with a real worker process on a real broker (issue 20). They run when
``HOCBASO_TEST_BROKER`` names a Redis database of the tests' own (``.ci/run``'s second job pass sets
``redis://127.0.0.1:6379/5``); each test uses queues of its own, so runs sharing the server do not meet.

The worker and the commands run as child processes on a data folder and a database of their own
(``testing.batches``), as in production: the test's process only reads the job's row.

Acceptance: "Killing a Celery worker during a school signing job and starting another: the job finishes, every
record signed exactly once (pyHanko), the progress page continuous."
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter

import pytest

from hocbaso.jobs.tests.scripts import year_past_lock_date
from hocbaso.testing.batches import SETUP, child_environment, child_query, hocbaso, job_row, signatures, state_of
from hocbaso.testing.people import PRINCIPAL_PIN, TEACHER_PIN

BROKER = os.environ.get("HOCBASO_TEST_BROKER", "")
pytestmark = pytest.mark.skipif(not BROKER, reason="HOCBASO_TEST_BROKER is not set (.ci/run sets it)")

SCHOOL, YEAR = "67000199", "2024-2025"
CHUNK = 50
CLASSES = ("4A", "4B")
STALE = 4  # HOCBASO_JOB_STALE_SECONDS in the children: a dead worker's job is taken over after 4 s

# Run in the child: queue the principal's school signing job as the portal's page does (PIN sealed).
SUBMIT = r"""
from django.contrib.auth import get_user_model
from hocbaso.directory.models import SchoolYear
from hocbaso.jobs.services import job_submit
from hocbaso.signing.job_pins import pin_seal
year = SchoolYear.objects.get(school__code="{school}", name="{year}")
user = get_user_model().objects.get(username="hieutruong")
pin = pin_seal("{pin}", kind="{kind}", target=f"year:{{year.pk}}", user_id=user.pk)
job = job_submit(kind="{kind}", args={{"school_year": year.pk, "pin": pin}}, by=user, school_code="{school}")
print(job.pk)
"""


@pytest.fixture
def env(tmp_path):
    queue = f"hocbaso-test-{uuid.uuid4().hex[:12]}"
    with child_environment(tmp_path, HOCBASO_BROKER_URL=BROKER, HOCBASO_BROKER_QUEUE=queue,
                           HOCBASO_PKCS11_QUEUE=f"{queue}-pkcs11", HOCBASO_JOB_STALE_SECONDS=str(STALE),
                           HOCBASO_BROKER_VISIBILITY_TIMEOUT="4", HOCBASO_SIGN_CHUNK=str(CHUNK),
                           HOCBASO_JOBS="worker") as env:
        env.pop("HOCBASO_TEST_BROKER", None)
        yield env
    broker_forget(queue)


def broker_forget(queue: str) -> None:
    """Remove ``queue`` and ``<queue>-pkcs11`` from the test broker, with the bindings kombu leaves behind."""
    import redis

    client = redis.Redis.from_url(BROKER)
    for pattern in (f"_kombu.binding*{queue}*", f"{queue}*"):
        for key in client.scan_iter(pattern):
            client.delete(key)
    client.close()


class Workers:
    """``hocbaso worker`` processes started by a test, each in a process group of its own; all killed at the end."""

    def __init__(self, env, folder):
        self.env, self.folder, self.started = env, folder, []

    def start(self, *args):
        log = open(self.folder / f"worker-{len(self.started)}.log", "wb")
        child = subprocess.Popen([sys.executable, "-m", "hocbaso", "worker", *args], env=self.env, stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=True)
        self.started.append((child, log))
        return child

    def kill(self, child):
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=30)

    def logs(self) -> str:
        return "\n".join((self.folder / f"worker-{n}.log").read_text(errors="replace")
                         for n in range(len(self.started)))

    def close(self):
        for child, log in self.started:
            if child.poll() is None:
                self.kill(child)
            log.close()


@pytest.fixture
def workers(env, tmp_path):
    started = Workers(env, tmp_path)
    yield started
    started.close()


def wait_for_job(env, pk, until, workers, deadline_s=240, samples=None):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        row = job_row(env, pk)
        if samples is not None:
            samples.append((row["done"], row["total"]))
        if until(row):
            return row
        time.sleep(0.05)
    raise AssertionError(f"job {pk} did not get there: {job_row(env, pk)}\n{workers.logs()}")


@pytest.mark.slow
def test_killed_worker_job_is_finished_by_another_signing_every_record_once(env, workers):
    pupils = 2 * CHUNK + 10  # three chunks: the kill lands after the first
    hocbaso(env, "shell", "-v", "0", "-c", SETUP.format(school=SCHOOL, year=YEAR, classes=CLASSES, pupils=pupils,
                                                         principal_pin=PRINCIPAL_PIN, teacher_pin=TEACHER_PIN))
    pk = int(hocbaso(env, "shell", "-v", "0", "-c", SUBMIT.format(
        school=SCHOOL, year=YEAR, pin=PRINCIPAL_PIN, kind="portal.school_sign")).strip().splitlines()[-1])
    queued = job_row(env, pk)
    assert queued["state"] == "queued" and "pin" not in queued["args"]  # the sealed PIN is in the message only

    samples = []
    first = workers.start()
    at_kill = wait_for_job(env, pk, lambda row: 0 < row["done"] < row["total"], workers, samples=samples)
    workers.kill(first)
    assert at_kill["state"] == "running" and at_kill["total"] == pupils
    killed = state_of(env)
    signed_before = {d["record_id"]: d for d in killed["drafts"] if d["state"] == "principal_signed"}
    assert at_kill["done"] <= len(signed_before) < pupils

    workers.start()
    final = wait_for_job(env, pk, lambda row: row["state"] in ("done", "failed", "cancelled"), workers,
                         samples=samples)
    assert final["state"] == "done", (final, workers.logs())
    assert final["attempts"] == 2 and final["result"]["done"] == pupils - len(signed_before)
    # The progress page: one bar from 0 to the school's records, never going back, across both workers.
    assert {total for _, total in samples if total} == {pupils}
    assert all(a[0] <= b[0] for a, b in zip(samples, samples[1:])), samples
    assert samples[-1] == (pupils, pupils)

    drafts = state_of(env)
    assert len(drafts["drafts"]) == pupils and {d["state"] for d in drafts["drafts"]} == {"principal_signed"}
    for draft in drafts["drafts"]:
        assert draft["fields"] == ["GVCN", "HT"], draft
        assert [field for field, _ in signatures(draft["pdf"])] == ["GVCN", "HT"], draft["record_id"]
        if draft["record_id"] in signed_before:  # signed by the killed worker: left alone
            assert draft["sha256"] == signed_before[draft["record_id"]]["sha256"]
    record_ids = Counter(d["record_id"] for d in drafts["drafts"])
    assert drafts["audit"]["record.sign.ht"] == record_ids  # one principal's signing per record, no more


def queued_messages(queue: str) -> list[dict]:
    """The messages waiting in ``queue`` on the test broker (kombu's Redis layout: a list of JSON envelopes)."""
    import base64
    import json

    import redis

    client = redis.Redis.from_url(BROKER)
    try:
        return [json.loads(base64.b64decode(json.loads(raw)["body"])) for raw in client.lrange(queue, 0, -1)]
    finally:
        client.delete(queue)
        client.close()


def test_job_submit_routes_token_signing_to_the_pkcs11_queue(school, settings, django_capture_on_commit_callbacks):
    from hocbaso.jobs.models import Job
    from hocbaso.jobs.services import job_submit
    from hocbaso.records.progress import KIND_ISSUE, KIND_SCHOOL_SIGN
    from hocbaso.signing.models import IdentityKind, SigningIdentity

    queue = f"hocbaso-test-{uuid.uuid4().hex[:12]}"
    settings.BROKER_URL, settings.BROKER_QUEUE, settings.PKCS11_QUEUE = BROKER, queue, f"{queue}-pkcs11"
    settings.JOBS_INLINE = False
    SigningIdentity.objects.filter(school=school.school, staff=None).update(kind=IdentityKind.PKCS11)  # the seal
    user = school.owner.user
    with django_capture_on_commit_callbacks(execute=True):
        issue = job_submit(kind=KIND_ISSUE, args={"school_year": school.year.pk, "pin": "sealed-token"}, by=user)
        sign = job_submit(kind=KIND_SCHOOL_SIGN, args={"school_year": school.year.pk, "pin": "sealed-2"}, by=user)
    assert Job.objects.get(pk=issue.pk).args == {"school_year": school.year.pk}  # no PIN on the row
    token = queued_messages(f"{queue}-pkcs11")
    default = queued_messages(queue)
    # The seal is on a token: issuance waits for the token's worker; the principal's own key is built in.
    assert [(args, kwargs["message_only"]) for args, kwargs, _ in token] == [([issue.pk], {"pin": "sealed-token"})]
    assert [(args, kwargs["message_only"]) for args, kwargs, _ in default] == [([sign.pk], {"pin": "sealed-2"})]
    broker_forget(queue)


YEAR_PAST_LOCK_DATE = year_past_lock_date("67000199")


def test_beat_tick_locks_the_years_past_their_lock_date(env, workers):
    """``hocbaso beat`` sends ``hocbaso.periodic`` for the automatic lock; a real worker runs it as a job."""
    hocbaso(env, "shell", "-v", "0", "-c", YEAR_PAST_LOCK_DATE)
    schedule = hocbaso(env, "shell", "-v", "0", "-c", "from hocbaso.jobs.broker import app, run_periodic; "
                       "print(sorted((e['task'], e['args'][0], e['schedule']) "
                       "for e in app.conf.beat_schedule.values())); "
                       "run_periodic.apply_async(args=['records.lock_due'])")  # what beat sends each hour
    assert "('hocbaso.periodic', 'records.lock_due', 3600.0)" in schedule
    workers.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not child_query(env, "SELECT id FROM jobs_job WHERE state = 'done'"):
        time.sleep(0.1)
    [(pk,)] = child_query(env, "SELECT id FROM jobs_job WHERE kind = 'records.lock_due'")
    job = job_row(env, pk)
    assert (job["state"], job["created_by_id"], job["result"]) == (
        "done", None, {"summary": "Đã chốt tự động 1 năm học.", "done": 1}), (job, workers.logs())
    assert child_query(env, "SELECT locked_by_id FROM assessment_datalock WHERE school_class_id IS NULL") == [(None,)]


def test_a_broker_that_does_not_answer_fails_the_job_on_its_page(env):
    """The request that queued the job has committed; the job's page says the queue did not answer."""
    env = {**env, "HOCBASO_BROKER_URL": "redis://127.0.0.1:1/0"}  # nothing listens on port 1
    out = hocbaso(env, "shell", "-v", "0", "-c", "from hocbaso.jobs.services import job_submit; "
                  "job = job_submit(kind='records.lock_due', args={}, by=None); job.refresh_from_db(); "
                  "print(job.state, '|', job.message)", timeout=120)
    assert out.strip().splitlines()[-1] == (
        "failed | Không gửi được tác vụ tới hàng đợi (máy chủ hàng đợi không trả lời). Hãy thử lại sau.")
