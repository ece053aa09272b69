"""The pre-signed download addresses (``core.files.file_url``, the 302 of ``web.downloads``) checked by an S3 server
that verifies SigV4 query signatures and ``X-Amz-Expires``, as AWS, MinIO and Ceph do: a fresh address serves the
file, an expired one and one whose key, signature or named file was changed are refused (403).

``moto_server`` (the other storage tests' server) cannot tell: it checks no query-string signature, and in its
authenticated mode (``INITIAL_NO_AUTH_ACTION_COUNT``) it answers every pre-signed request with a 500. ``s3rver``
(npm) checks the expiry but not the SigV4 signature. LocalStack's S3 (``localstack-core`` from PyPI, run on the
host, ``S3_SKIP_SIGNATURE_VALIDATION=0``) checks both: ``.ci/run`` installs and starts it and sets
``HOCBASO_TEST_S3_SIGNING`` to its address; on a developer's machine without it these tests are skipped (under
CI they fail: ``testing.tools.tool_missing``). LocalStack serves an object to a request with no signature at all
(it enforces no bucket ACL); ``test_storage`` checks that refusal on moto_server.
"""

import os
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.utils.http import content_disposition_header

from hocbaso.core.files import file_url, file_write
from hocbaso.testing.s3 import s3_bucket
from hocbaso.testing.tools import tool_missing
from hocbaso.web.downloads import stored_file_response

SERVER = os.environ.get("HOCBASO_TEST_S3_SIGNING", "")
# LocalStack signs and checks with its default key pair (any access key it does not know maps to secret "test").


@pytest.fixture
def signing_bucket(settings):
    if not SERVER:
        tool_missing("no S3 server that checks pre-signed signatures (HOCBASO_TEST_S3_SIGNING; .ci/run starts "
                     "LocalStack's S3)")
    settings.S3_URL_EXPIRY = 120
    with s3_bucket(SERVER, access_key="test", secret_key="test", prefix="hocbaso-signed", settings=settings) as (
            bucket, _):
        yield bucket


def fetch(url: str) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read(), dict(refused.headers)


def with_query(url: str, **changes) -> str:
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query = [(k, changes.get(k, v)) for k, v in query]
    return parts._replace(query=urllib.parse.urlencode(query, quote_via=urllib.parse.quote)).geturl()


def test_a_fresh_address_serves_the_file_and_a_changed_one_is_refused(signing_bucket):
    record, other = b"%PDF-1.7\n" + os.urandom(50_000), b"%PDF-1.7\n" + os.urandom(50_000)
    name = file_write("issued/test/hoc-ba.pdf", record)
    other_name = file_write("issued/test/hoc-ba-khac.pdf", other)
    response = stored_file_response(name, filename="hoc-ba-Nguyễn-Văn-An.pdf", content_type="application/pdf")
    assert response.status_code == 302
    url = response["Location"]

    status, body, headers = fetch(url)
    assert (status, body) == (200, record)
    assert headers["Content-Disposition"] == content_disposition_header(True, "hoc-ba-Nguyễn-Văn-An.pdf")

    signature = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["X-Amz-Signature"][0]
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    other_key = urllib.parse.urlsplit(url)._replace(
        path=urllib.parse.urlsplit(url).path.replace(name.rsplit("/", 1)[-1], other_name.rsplit("/", 1)[-1])).geturl()
    assert other_key != url
    changed = {
        "another object's key": other_key,
        "a changed signature": with_query(url, **{"X-Amz-Signature": flipped}),
        "another file name": with_query(url, **{"response-content-disposition": "attachment; filename=khac.pdf"}),
        "a longer validity": with_query(url, **{"X-Amz-Expires": "604800"}),
    }
    for what, address in changed.items():
        status, body, _ = fetch(address)
        assert status == 403, f"{what}: {status} {body[:300]!r}"
        assert record not in body and other not in body
    assert fetch(url)[:2] == (200, record)  # the untouched address still works


def test_an_expired_address_is_refused(signing_bucket, settings):
    data = os.urandom(20_000)
    name = file_write("copies/test/ban-sao.pdf", data)
    settings.S3_URL_EXPIRY = 2
    url = file_url(name, filename="ban-sao.pdf", content_type="application/pdf")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["X-Amz-Expires"] == ["2"]
    assert fetch(url)[:2] == (200, data)
    time.sleep(3.5)
    status, body, _ = fetch(url)
    assert status == 403 and b"expired" in body, body[:300]
