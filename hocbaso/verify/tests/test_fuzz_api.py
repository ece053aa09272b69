"""Fuzzing the public verification API: schemathesis generates requests from its OpenAPI description
(``verify/openapi.py``, served at /api/v1/openapi.json), valid and invalid, and Hypothesis sends arbitrary JSON
bodies to the full-record endpoint. No request may get a server error; a lookup writes only its log row."""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from hocbaso.records.models import IssuedRecord
from hocbaso.testing.fuzz import FUZZ_DB

pytestmark = pytest.mark.slow

_django = get_wsgi_application()


def application(environ, start_response):
    """Django's WSGI application as the test client runs it: the request's end does not close the database
    connection, which holds the test's transaction (on PostgreSQL, closing it ends the test)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = _django(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12)


@pytest.fixture
def unlimited(settings):
    """No rate limit, so that every example reaches the code behind it instead of a 429."""
    settings.VERIFY_LIMITS = {key: 10**9 for key in settings.VERIFY_LIMITS}


@schema.parametrize()
@settings(FUZZ_DB, max_examples=20)  # per operation: the lookup, the full record and the file check
def test_the_public_api_never_answers_a_server_error(case, db, unlimited, issue):
    IssuedRecord.objects.exists() or issue()  # one record in the registry for the generated codes to miss or hit
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error])


@FUZZ_DB
@given(body=JSON | st.fixed_dictionaries({"birth_date": JSON, "identity_number": JSON}))
def test_the_full_record_endpoint_takes_any_json_body(client, unlimited, issue, body):
    issued = IssuedRecord.objects.first() or issue()
    response = client.post(reverse("verify:api_full", args=[issued.lookup_code]), json.dumps(body),
                           content_type="application/json")
    assert response.status_code in (200, 400, 404), (body, response.status_code)
    assert IssuedRecord.objects.count() == 1
