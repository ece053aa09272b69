"""signer_open's wrong-PIN limit under concurrent attempts (issue 17, finding 12)."""

import threading
from contextlib import nullcontext
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from hocbaso.signing import ca as ca_module
from hocbaso.signing.errors import WrongPinError
from hocbaso.signing.models import SigningIdentity
from hocbaso.signing.services import identity_for, identity_issue, signer_open
from hocbaso.testing.people import TEACHER_PIN

ATTEMPTS = 24


@pytest.mark.django_db(transaction=True)
def test_24_concurrent_wrong_pins_get_no_more_than_the_allowed_evaluations(world, settings, monkeypatch):
    """24 requests with a wrong PIN, released at once from 24 threads (each its own database connection): the
    key is tried at most SIGN_PIN_ATTEMPTS (5) times, the identity ends blocked, and the right PIN then waits
    too. Before the fix the count was read, the key tried, and the count written: 7 evaluations of 24."""
    identity_issue(staff=world.member, pin=TEACHER_PIN, by=world.owner.user)
    identity = identity_for(staff=world.member)
    evaluations, lock = [], threading.Lock()
    real_unlock = ca_module.Identity.unlock

    def counted_unlock(self, pin, pepper=None):  # the real key derivation, counted
        with lock:
            evaluations.append(pin)
        return real_unlock(self, pin, pepper)

    monkeypatch.setattr(ca_module.Identity, "unlock", counted_unlock)
    start = threading.Barrier(ATTEMPTS)

    statements = threading.Lock()

    def one_at_a_time(execute, sql, params, many, context):
        with statements:
            return execute(sql, params, many, context)

    def attempt(n):
        # SQLite's in-memory test database shares one cache between threads, where a second writer fails at
        # once instead of waiting as a database file's busy timeout makes it: there the statements take turns,
        # as they do on a file, and reading rows takes no table lock; the key derivations still run at once.
        # PostgreSQL runs everything at once.
        turns = nullcontext()
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA read_uncommitted = 1")
            turns = connection.execute_wrapper(one_at_a_time)
        start.wait()
        try:
            with turns:
                signer_open(SigningIdentity.objects.get(pk=identity.pk), f"{n:06d}")
        except WrongPinError as error:
            return str(error)
        finally:
            connections.close_all()
        return "opened"

    with ThreadPoolExecutor(ATTEMPTS) as pool:
        answers = list(pool.map(attempt, range(100000, 100000 + ATTEMPTS)))
    assert len(evaluations) <= settings.SIGN_PIN_ATTEMPTS == 5, len(evaluations)
    assert "opened" not in answers and sum("quá số lần" in a for a in answers) >= ATTEMPTS - 5
    identity.refresh_from_db()
    assert identity.blocked_until is not None
    with pytest.raises(WrongPinError, match="quá số lần"):
        signer_open(identity, TEACHER_PIN)
