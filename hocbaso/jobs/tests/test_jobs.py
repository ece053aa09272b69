import threading

import pytest

from hocbaso.jobs.models import Job, JobState
from hocbaso.jobs.registry import job_handler
from hocbaso.jobs.services import Progress, job_cancel, job_claim, job_run, job_submit, worker_loop

CALLS = []


@job_handler("test.count")
def count(job, progress):
    progress.total(job.args["n"])
    for i in range(job.args["n"]):
        CALLS.append(i)
        progress.step(1, f"mục {i + 1}")
    return {"counted": job.args["n"]}


@job_handler("test.fail")
def fail(job, progress):
    raise RuntimeError("hỏng rồi")


def test_submit_claim_run_records_progress_and_result(world):
    CALLS.clear()
    job = job_submit(kind="test.count", args={"n": 3}, by=world.owner.user, run_inline=False)
    assert job.state == JobState.QUEUED
    claimed = job_claim(worker="w1")
    assert claimed.pk == job.pk and claimed.state == JobState.RUNNING
    assert job_claim(worker="w2") is None  # one job, one worker
    finished = job_run(claimed)
    assert (finished.state, finished.done, finished.total, finished.result) == (JobState.DONE, 3, 3, {"counted": 3})
    assert finished.percent == 100 and CALLS == [0, 1, 2]


def test_failure_is_recorded_not_raised(world):
    job = job_submit(kind="test.fail", args={}, by=world.owner.user, run_inline=False)
    done = job_run(job_claim())
    assert done.pk == job.pk and done.state == JobState.FAILED
    assert "hỏng rồi" in done.message and "RuntimeError" in done.error


def test_unknown_kind_is_refused(world):
    with pytest.raises(ValueError):
        job_submit(kind="nope", args={}, by=world.owner.user)


def test_cancel_a_queued_job(world):
    job = job_submit(kind="test.count", args={"n": 1}, by=world.owner.user, run_inline=False)
    job_cancel(job=job)
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and job_claim() is None


def test_abandoned_running_job_is_claimed_again(world):
    from datetime import timedelta

    from django.utils import timezone

    job = job_submit(kind="test.count", args={"n": 1}, by=world.owner.user, run_inline=False)
    job_claim(worker="died")
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=10))
    again = job_claim(worker="alive")
    assert again.pk == job.pk and again.worker == "alive" and again.attempts == 2


def test_worker_loop_once_drains_the_queue(world):
    for n in (1, 2):
        job_submit(kind="test.count", args={"n": n}, by=world.owner.user, run_inline=False)
    assert worker_loop(once=True) == 2
    assert set(Job.objects.values_list("state", flat=True)) == {JobState.DONE}


@pytest.mark.django_db(transaction=True)
def test_inline_mode_runs_after_commit(django_user_model):
    user = django_user_model.objects.create_user("u", password="x" * 10)
    job = job_submit(kind="test.count", args={"n": 2}, by=user, run_inline=True)
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.result == {"counted": 2}


def test_stop_event_ends_the_loop(db):
    stop = threading.Event()
    stop.set()
    assert worker_loop(stop=stop) == 0


def test_apps_register_their_job_kinds_when_django_starts():
    """JobsConfig.ready imports every installed app's ``tasks`` module: the portal's lifecycle kinds are known
    to the web process and to ``hocbaso worker`` alike."""
    from hocbaso.jobs.registry import HANDLERS

    assert {"portal.lock_class", "portal.lock_year", "portal.class_sign", "portal.school_sign",
            "portal.issue"} <= set(HANDLERS)


@job_handler("test.resumable")
def resumable(job, progress):
    """Counts only what is left (``args["left"]``), as the lifecycle handlers do after a restart."""
    progress.total(job.args["left"])
    for _ in range(job.args["left"]):
        progress.step(1)
    return {"left": job.args["left"]}


def test_a_job_taken_over_continues_its_progress_bar(world):
    """A dead worker's job resumes where the page showed it: the total stays, the bar never goes back."""
    from datetime import timedelta

    from django.utils import timezone

    job = job_submit(kind="test.resumable", args={"left": 60}, by=world.owner.user, run_inline=False)
    job_claim(worker="died")
    # The dead worker had shown 50 of 110 (its handler counted 110) when it stopped beating.
    Job.objects.filter(pk=job.pk).update(done=50, total=110, heartbeat_at=timezone.now() - timedelta(minutes=10))
    again = job_claim(worker="alive")
    Progress(again).total(60)
    again.refresh_from_db()
    assert (again.done, again.total) == (50, 110)
    finished = job_run(again)
    assert (finished.state, finished.done, finished.total) == (JobState.DONE, 110, 110)


def test_job_take_runs_a_queued_job_once_and_leaves_a_live_one(world):
    from hocbaso.jobs.services import job_take

    job = job_submit(kind="test.count", args={"n": 1}, by=world.owner.user, run_inline=False)
    outcome, taken = job_take(job.pk, worker="w1")
    assert outcome == "run" and taken.worker == "w1"
    assert job_take(job.pk, worker="w2") == ("busy", None)  # its worker is alive: look again later
    job_run(taken)
    assert job_take(job.pk, worker="w2") == ("finished", None)
    assert job_take(10 ** 9) == ("gone", None)


QUIET = []


@job_handler("test.quiet")
def quiet(job, progress):
    """One long step without progress; meanwhile another loop looks for work."""
    import time

    from django.db import connection

    time.sleep(1.0)
    QUIET.append(job_claim(worker="other"))
    connection.close()
    return {}


@pytest.mark.django_db(transaction=True)
def test_the_loop_keeps_a_long_step_of_its_job_alive(django_user_model, settings):
    """Without a broker, ``hocbaso worker`` and the thread of ``serve`` mark their job alive while its handler
    works (as a Celery delivery does): a long step is not taken over by another loop as a dead worker's job."""
    settings.JOB_STALE_SECONDS = 0.4  # a heartbeat every 0.1 s; stale after 0.4 s
    QUIET.clear()
    user = django_user_model.objects.create_user("u", password="x" * 10)
    job = job_submit(kind="test.quiet", args={}, by=user, run_inline=False)
    assert worker_loop(once=True) == 1
    assert QUIET == [None]  # the other loop found nothing to take over
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.attempts == 1
