"""Test helper: switching off the registry's immutability triggers for a live-server test's teardown."""

import importlib

from django.db import connection

TRIGGERS = importlib.import_module("hocbaso.records.migrations.0002_issued_record_triggers")
REGISTRY_TRIGGERS = importlib.import_module("hocbaso.records.migrations.0006_immutable_registry")


def immutability_triggers(present: bool) -> None:
    """Drop (or put back) the database triggers that forbid deleting issued records and withdrawals. A live-server
    test is transactional and its teardown empties every table, which issued records refuse: a test that issues
    drops the triggers as it ends, and ``triggers_back_after_the_module`` puts them back for the tests that
    follow."""
    vendor = connection.vendor
    backward = {"sqlite": REGISTRY_TRIGGERS.SQLITE_BACKWARD + TRIGGERS.SQLITE_BACKWARD,
                "postgresql": REGISTRY_TRIGGERS.POSTGRES_BACKWARD + TRIGGERS.POSTGRES_BACKWARD}[vendor]
    forward = {"sqlite": TRIGGERS.SQLITE_FORWARD + REGISTRY_TRIGGERS.SQLITE_FORWARD,
               "postgresql": TRIGGERS.POSTGRES_FORWARD + REGISTRY_TRIGGERS.POSTGRES_FORWARD}[vendor]
    with connection.cursor() as cursor:
        for sql in backward + (forward if present else []):
            cursor.execute(sql)
