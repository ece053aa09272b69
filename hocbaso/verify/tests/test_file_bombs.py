"""Finding 1 of the hardening review: a 1 MB PDF whose attachment is a compression bomb took an anonymous
worker to 2 GB through the public file check. Now every stream and attachment is decoded in chunks under a
cap (``hocbaso.core.limits``) and the file is refused, in Vietnamese, naming what was too big.

The memory test runs the attack through the API view in a fresh process (``hocbaso.testing.bombs.measured``)
and reads that process's peak memory: the refusal must come in under 2 s with the peak under 200 MB above
what the process held before the upload."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hocbaso.core.limits import TooLarge
from hocbaso.documents import extract_records
from hocbaso.testing.bombs import measured, pdf_with_attachment_bomb
from hocbaso.verify.models import RecordLookup

pytestmark = pytest.mark.slow  # each measured attack runs in a fresh process

# 1 GiB of zeros in a 1 MB PDF: what the 10 MiB upload limit let through ten times over.
BOMB_MB = 1024

PRELUDE = """
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
client = Client()
import pyhanko.sign.validation, pikepdf  # the file check's libraries loaded before the start is measured
client.post("/api/v1/files/check", b"%PDF-1.7 warm-up", content_type="application/pdf")
"""
ATTACK = """
response = client.post("/api/v1/files/check", data, content_type="application/pdf")
result = (response.status_code, response.json())
"""


def test_attachment_bomb_through_the_file_check_is_refused_fast_and_small(tmp_path):
    bomb = pdf_with_attachment_bomb(BOMB_MB)
    assert len(bomb) < 2 * 1024 * 1024
    outcome = measured(ATTACK, bomb, prelude=PRELUDE, tmp_path=tmp_path, timeout=30)
    assert "result" in outcome, outcome
    status, answer = eval(outcome["result"])  # the repr of (status, JSON dict) written by the child
    assert status == 413, outcome
    assert answer["error"] == "too_large"
    assert "Tệp đính kèm trong PDF quá lớn khi giải nén" in answer["message"]
    assert outcome["seconds"] < 2, outcome
    assert outcome["peak_mb"] < 200, outcome
    assert outcome["kept_mb"] < 50, outcome  # and the worker's memory is back to what it was


def test_attachment_bomb_on_the_page_is_refused_in_vietnamese_and_not_logged_as_a_check(client, db):
    page = client.post(reverse("verify:file"),
                       {"tep": SimpleUploadedFile("hoc-ba.pdf", pdf_with_attachment_bomb(64), "application/pdf")})
    assert page.status_code == 413
    text = page.content.decode()
    assert "Hệ thống không kiểm tra tệp này" in text and "quá lớn khi giải nén" in text
    assert not RecordLookup.objects.exists()


def test_attachment_over_the_record_cap_is_refused_by_the_record_reader():
    """The record reader (``extract_records``, used by transfers and ``hocbaso verify``) caps an attachment at
    4 MB, whatever the file check's stream cap (32 MB) let through."""
    with pytest.raises(TooLarge, match="Dữ liệu học bạ đính kèm"):
        extract_records(pdf_with_attachment_bomb(40))
