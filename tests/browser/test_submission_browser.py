"""Nộp học bạ lên Sở, in real Chromium on 360-pixel-wide phones: the principal downloads the school's "Gói nộp" (one
file: every class's signed record XMLs with its sealed manifest); a Sở officer uploads that very file, as
downloaded, and sees it accepted in one step with the counts; the same file with one record altered is refused
whole, naming the class and the pupil, and nothing of it is recorded. Screenshots in screenshots/<test>/."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from browsing import fits_the_phone, log_in, phone_page

from hocbaso.records.models import ClassPackage, Extract, PackageReceipt
from hocbaso.signing.xml_packages import sha256
from hocbaso.testing.exchange import members, rezip
from hocbaso.testing.lifecycle import lifecycle_school, sign_and_issue
from hocbaso.testing.triggers import immutability_triggers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module", autouse=True)
def _triggers_back(triggers_back_after_the_module):
    """See ``immutability_triggers`` in conftest.py."""


@pytest.fixture
def issued_school(people):
    w = lifecycle_school(people)
    sign_and_issue(w)
    yield w
    immutability_triggers(present=False)


def _one_record_altered(data: bytes) -> bytes:
    """The school's file with one byte of one record XML changed inside 4A's package (the index's hash of the
    class package updated, as a careful forger would; the sealed manifest cannot be)."""
    outer = members(data)
    index = json.loads(outer["submission.json"])
    entry = index["packages"][0]
    inner = members(outer[entry["file"]])
    name = next(n for n in sorted(inner) if n.startswith("records/"))
    inner[name] = inner[name].replace(b"<score>9</score>", b"<score>10</score>", 1)
    outer[entry["file"]] = rezip(inner, compression=zipfile.ZIP_DEFLATED)
    entry["sha256"] = sha256(outer[entry["file"]])
    outer["submission.json"] = json.dumps(index, ensure_ascii=False).encode()
    return rezip(outer)


def test_the_school_s_submission_uploaded_as_downloaded_is_accepted_in_one_step(
        live_server, issued_school, new_context, shot, tmp_path):
    w = issued_school
    school = phone_page(new_context)
    log_in(school, live_server.url, "hieutruong")
    school.goto(live_server.url + reverse("exchange:hub", args=[w.year.pk]))
    assert fits_the_phone(school)
    shot(school, "data-page")
    with school.expect_download() as waiting:
        school.click("#submission")
    download = waiting.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    data = path.read_bytes()
    assert path.name == f"nop-phong-so-{w.school.code}-{w.year.name}.zip" or path.name.startswith("nop-phong-so")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "submission.json" in archive.namelist() and len(archive.namelist()) == 2
    assert Extract.objects.filter(channel="submission.download").count() == 3

    office = phone_page(new_context)
    log_in(office, live_server.url, "so")
    office.goto(live_server.url + reverse("exchange:receive"))
    assert fits_the_phone(office)

    altered = tmp_path / "nop-bi-sua.zip"
    altered.write_bytes(_one_record_altered(data))
    office.set_input_files("#id_files", str(altered))
    office.click("#receive-submit")
    office.wait_for_selector(".banner.error")
    refused = office.inner_text(".banner.error")
    assert "Lớp 4A" in refused and "học bạ của" in refused and "không khớp mã băm SHA-256" in refused
    assert "0 học bạ trong 0 gói hợp lệ; 1 gói bị từ chối." in office.inner_text("main")
    assert "Đã ghi nhận 0 gói mới là đã nhận." in office.inner_text("#recorded")
    assert not PackageReceipt.objects.exists() and fits_the_phone(office)
    shot(office, "refused")

    office.set_input_files("#id_files", str(path))  # the very file the school downloaded
    office.click("#receive-submit")
    office.wait_for_selector(".school-counts")
    text = office.inner_text("main")
    assert "3 học bạ trong 1 gói hợp lệ; 0 gói bị từ chối." in text and w.school.name in text
    assert "Đã ghi nhận 1 gói mới là đã nhận." in office.inner_text("#recorded")
    assert office.locator(".banner.error").count() == 0 and fits_the_phone(office)
    assert PackageReceipt.objects.get().package == ClassPackage.objects.get(school_class=w.class4a)
    shot(office, "accepted")
