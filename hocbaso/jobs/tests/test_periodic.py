"""The periodic jobs without a broker (issue 20: "a sweep of orphan files left by killed batches" and the automatic
lock were celery beat's only): the loop of ``hocbaso serve``'s thread and of ``hocbaso worker`` queues each
periodic kind when it is due, each run claimed once (a conditional UPDATE), whatever the number of processes."""

import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from hocbaso.jobs.models import Job, JobState, PeriodicRun
from hocbaso.jobs.registry import PERIODIC
from hocbaso.jobs.services import periodic_queue_due, worker_loop
from hocbaso.jobs.tests.scripts import year_past_lock_date
from hocbaso.testing.batches import child_environment, child_query, hocbaso, job_row

KINDS = {"records.lock_due": 3600, "records.orphans_sweep": 86400, "records.archive_renew": 86400}


def test_the_periodic_kinds_are_the_lock_the_orphan_sweep_and_the_archive_renewal():
    assert PERIODIC == KINDS


def test_each_kind_is_queued_when_due_then_not_before_its_period(db):
    now = timezone.now()
    first = periodic_queue_due(now=now)
    assert sorted(job.kind for job in first) == sorted(KINDS)
    assert all(job.created_by_id is None and job.state == JobState.QUEUED for job in first)
    assert {r.kind: r.due_at - now for r in PeriodicRun.objects.all()} == {
        kind: timedelta(seconds=every) for kind, every in KINDS.items()}
    assert periodic_queue_due(now=now + timedelta(minutes=59)) == []
    assert worker_loop(once=True) == 3
    assert set(Job.objects.values_list("state", flat=True)) == {JobState.DONE}
    assert Job.objects.get(kind="records.lock_due").result == {"summary": "Đã chốt tự động 0 năm học.", "done": 0}

    # An hour on: only the hourly lock; a day on: all three.
    assert [job.kind for job in periodic_queue_due(now=now + timedelta(hours=1))] == ["records.lock_due"]
    worker_loop(once=True)
    assert sorted(job.kind for job in periodic_queue_due(now=now + timedelta(days=1, seconds=1))) == sorted(KINDS)
    assert Job.objects.count() == 7


def test_a_kind_still_queued_or_running_is_not_queued_a_second_time(db):
    now = timezone.now()
    periodic_queue_due(now=now)  # three jobs queued, nobody runs them
    assert periodic_queue_due(now=now + timedelta(days=2)) == []
    assert Job.objects.count() == 3
    assert PeriodicRun.objects.get(kind="records.lock_due").due_at == now + timedelta(days=2, hours=1)


def test_a_process_that_read_the_schedule_before_another_claimed_the_run_does_not_queue_it(db, monkeypatch):
    """Two web processes look at the same moment: both read the row due; the conditional UPDATE of the first
    moves it on, the second's UPDATE (on the due time it read) changes nothing, so it queues nothing."""
    now = timezone.now()
    for kind in KINDS:
        PeriodicRun.objects.create(kind=kind, due_at=now - timedelta(seconds=5))
    read_by_the_second = {run.kind: run for run in PeriodicRun.objects.all()}
    assert len(periodic_queue_due(now=now)) == 3  # the first process
    monkeypatch.setattr(PeriodicRun.objects, "get_or_create",
                        lambda kind, defaults: (read_by_the_second[kind], False))
    assert periodic_queue_due(now=now) == []
    assert Job.objects.count() == 3


def test_the_loop_queues_them_only_when_asked_and_goes_on_when_the_schedule_fails(db, monkeypatch, settings):
    settings.PERIODIC_CHECK_SECONDS = 3600
    assert worker_loop(once=True) == 0 and not Job.objects.exists()  # `hocbaso worker --once`, the tests
    assert worker_loop(once=True, periodic=True) == 3

    from hocbaso.jobs import services

    def broken(**kwargs):
        raise RuntimeError("database away")

    monkeypatch.setattr(services, "periodic_queue_due", broken)
    Job.objects.update(state=JobState.QUEUED)
    assert worker_loop(once=True, periodic=True) == 3  # the failed look is logged; the queued jobs still run


@pytest.mark.parametrize("broker", ["", "redis://127.0.0.1:1/0"])
def test_serve_starts_the_job_thread_with_the_periodic_jobs_only_without_a_broker(db, settings, monkeypatch, broker):
    """``hocbaso serve``, the zero-setup start: its job thread queues the periodic jobs; with a broker it starts no
    thread (the workers run the jobs, ``hocbaso beat`` queues the periodic ones)."""
    import io

    from django.core.management import call_command

    settings.BROKER_URL = broker
    started = []
    monkeypatch.setattr("threading.Thread.start", lambda self: started.append((self.name, self._kwargs)))
    from hocbaso.core.management.commands import serve

    monkeypatch.setattr(serve, "call_command", lambda *a, **k: None)  # migrate, runserver
    call_command("serve", "--no-demo", stdout=io.StringIO())
    assert started == ([] if broker else [("hocbaso-worker", {"periodic": True})])


YEAR_PAST_LOCK_DATE = year_past_lock_date("67000198")


@pytest.mark.slow
def test_two_broker_less_worker_processes_lock_a_year_past_its_lock_date_once(tmp_path):
    """Two ``hocbaso worker`` processes without a broker (as two ``hocbaso serve`` threads would): the year past
    its lock date is locked by the automatic lock with no user, and each periodic kind ran exactly once."""
    with child_environment(tmp_path, HOCBASO_JOBS="worker", HOCBASO_PERIODIC_CHECK_SECONDS="1") as env:
        env.pop("HOCBASO_BROKER_URL", None)
        hocbaso(env, "migrate", "-v", "0")
        hocbaso(env, "shell", "-v", "0", "-c", YEAR_PAST_LOCK_DATE)
        children = [subprocess.Popen([sys.executable, "-m", "hocbaso", "worker"], env=env,
                                     stdout=subprocess.DEVNULL, stderr=open(tmp_path / f"worker-{n}.log", "wb"))
                    for n in range(2)]
        try:
            deadline = time.monotonic() + 120
            done = []
            while time.monotonic() < deadline:
                done = child_query(env, "SELECT kind FROM jobs_job WHERE state = 'done'")
                if len(done) >= 3:
                    break
                time.sleep(0.5)
            time.sleep(3)  # both loops look again (every second): a second run would be queued now
            jobs = child_query(env, "SELECT id, kind, state, created_by_id FROM jobs_job ORDER BY kind")
        finally:
            for child in children:
                child.terminate()
                child.wait(timeout=30)
        logs = "\n".join((tmp_path / f"worker-{n}.log").read_text(errors="replace") for n in range(2))
        assert sorted(kind for _, kind, _, _ in jobs) == sorted(KINDS), (jobs, logs)
        assert {(state, by) for _, _, state, by in jobs} == {("done", None)}, (jobs, logs)
        lock = [pk for pk, kind, _, _ in jobs if kind == "records.lock_due"][0]
        assert job_row(env, lock)["result"] == {"summary": "Đã chốt tự động 1 năm học.", "done": 1}
        assert child_query(env, "SELECT locked_by_id FROM assessment_datalock WHERE school_class_id IS NULL") == [
            (None,)]
