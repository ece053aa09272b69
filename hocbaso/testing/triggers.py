"""Test helper: switching off the registry's immutability triggers for a live-server test's teardown."""

import importlib

from django.db import connection

TRIGGERS = importlib.import_module("hocbaso.records.migrations.0002_issued_record_triggers")
REGISTRY_TRIGGERS = importlib.import_module("hocbaso.records.migrations.0006_immutable_registry")
RENEWAL_TRIGGERS = importlib.import_module("hocbaso.records.migrations.0008_issued_renewal")  # uses 0002's function


def immutability_triggers(present: bool) -> None:
    """Drop (or put back) the database triggers that forbid deleting issued records and withdrawals. A live-server
    test is transactional and its teardown empties every table, which issued records refuse: a test that issues
    drops the triggers as it ends, and ``triggers_back_after_the_module`` puts them back for the tests that
    follow."""
    vendor = connection.vendor
    modules = [TRIGGERS, REGISTRY_TRIGGERS, RENEWAL_TRIGGERS]  # forward in this order, backward in reverse
    prefix = {"sqlite": "SQLITE", "postgresql": "POSTGRES"}[vendor]
    backward = [sql for module in reversed(modules) for sql in getattr(module, f"{prefix}_BACKWARD")]
    forward = [sql for module in modules for sql in getattr(module, f"{prefix}_FORWARD")]
    with connection.cursor() as cursor:
        for sql in backward + (forward if present else []):
            cursor.execute(sql)
