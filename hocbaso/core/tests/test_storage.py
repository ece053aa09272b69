"""Every file the app writes and serves goes through Django's storage: the local folder by default, an
S3-compatible bucket when configured (issue 20). Each test runs on both: the bucket on a real S3-protocol server on
loopback when ``HOCBASO_TEST_S3`` names it (``.ci/run`` starts ``moto_server`` and sets it), a bucket of the test's
own; on the local folder always."""

import hashlib
import os
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from hocbaso.core.files import FileWriter, file_read, file_stream, file_write, files_read
from hocbaso.records.models import IssuedRecord, RecordDraft
from hocbaso.records.orphans import orphan_files_sweep
from hocbaso.testing.lifecycle import sign_and_issue
from hocbaso.testing.s3 import s3_bucket

S3 = os.environ.get("HOCBASO_TEST_S3", "")


@pytest.fixture(params=["local", "s3"])
def storage(request, settings):
    """The default storage: the test's own folder, or a bucket of its own on the loopback S3 server."""
    if request.param == "local":
        yield "local"
        return
    if not S3:
        pytest.skip("HOCBASO_TEST_S3 is not set (.ci/run starts moto_server and sets it)")
    with s3_bucket(S3, access_key="testing", secret_key="testing", settings=settings) as (bucket, _):
        yield bucket


def stored_keys(bucket: str) -> set[str]:
    import boto3

    client = boto3.client("s3", endpoint_url=S3, aws_access_key_id="testing", aws_secret_access_key="testing",
                          region_name="us-east-1")
    return {item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])}


def test_file_write_stores_and_never_overwrites(storage, settings):
    assert file_write("tests/a.pdf", b"%PDF first") == "tests/a.pdf"
    second = file_write("tests/a.pdf", b"%PDF second")
    assert second != "tests/a.pdf" and second.startswith("tests/a")
    assert (file_read("tests/a.pdf"), file_read(second)) == (b"%PDF first", b"%PDF second")
    assert files_read(["tests/a.pdf", second, "tests/a.pdf"]) == [b"%PDF first", b"%PDF second", b"%PDF first"]
    with pytest.raises(FileNotFoundError):  # a missing file, said the same way by both storages
        file_read("tests/none.pdf")
    writer = FileWriter()
    writer.submit("x", "tests/b.pdf", b"%PDF b")
    assert writer.results() == [("x", "tests/b.pdf", hashlib.sha256(b"%PDF b").hexdigest())]
    writer.close()
    if storage != "local":  # in the bucket, not in the data folder
        assert {"tests/a.pdf", second, "tests/b.pdf"} <= stored_keys(storage)
        assert not os.path.exists(os.path.join(settings.MEDIA_ROOT, "tests"))


def fetched(response) -> tuple[bytes, str]:
    """A download's bytes and Content-Disposition: streamed by the app, or (from a bucket) fetched by a plain HTTP
    client from the pre-signed address the app redirected to, as a browser would."""
    if response.status_code == 200:
        return b"".join(response.streaming_content), response["Content-Disposition"]
    assert response.status_code == 302 and response["Location"].startswith(S3 + "/"), response
    with urllib.request.urlopen(response["Location"], timeout=30) as answer:
        return answer.read(), answer.headers["Content-Disposition"]


@pytest.mark.slow
def test_issued_record_is_downloaded_streaming_and_its_file_checked(storage, school, client):
    sign_and_issue(school)
    issued = IssuedRecord.objects.first()
    if storage != "local":
        assert issued.pdf in stored_keys(storage)
    page = client.post(reverse("verify:status", args=[issued.lookup_code]),
                       {"xac_minh": issued.pupil_birth_date.strftime("%d/%m/%Y"),
                            "so_cuoi": (issued.identity_number or "")[-4:]})
    assert page.status_code == 200
    pdf = client.get(reverse("verify:download", args=[issued.lookup_code]))
    # From the bucket: a redirect to the object's pre-signed address; on the file system: streamed.
    assert pdf.status_code == (200 if storage == "local" else 302)
    if storage != "local":  # a download the app streams reads the object as it arrives, not whole into memory
        from botocore.response import StreamingBody

        handle = file_stream(issued.pdf)
        assert isinstance(handle, StreamingBody)
        handle.close()
    content, disposition = fetched(pdf)
    assert hashlib.sha256(content).hexdigest() == issued.sha256
    assert disposition == f'attachment; filename="hoc-ba-{issued.record_id}-v{issued.version}.pdf"'
    verdict = client.post(reverse("verify:api_file"), content, content_type="application/pdf").json()
    assert verdict["verdict"] == "authentic_current", verdict

    # The orphan sweep lists the storage's folders (an S3 prefix alike) and keeps every file a row names.
    draft = RecordDraft.objects.first()
    orphan = default_storage.save(draft.pdf, ContentFile(b"%PDF killed"))  # a killed rerun's file: a free name
    assert orphan != draft.pdf
    assert orphan_files_sweep(now=timezone.now() + timedelta(days=2)) == [orphan]
    assert not default_storage.exists(orphan)
    assert all(default_storage.exists(name) for name in RecordDraft.objects.values_list("pdf", flat=True))
    assert default_storage.exists(draft.pdf.replace("-2.pdf", "-1.pdf"))  # the teacher-signed step stays
    assert default_storage.exists(issued.pdf)


@pytest.fixture
def pki_in_storage(storage, settings):
    settings.PKI_IN_STORAGE = True
    return storage


@pytest.mark.slow
def test_built_in_ca_in_the_storage_signs_with_keys_never_on_disk(pki_in_storage, school, settings):
    """``HOCBASO_PKI_IN_STORAGE``: the CA and every holder's key live in the storage, encrypted; signing reads them
    from there (nothing under the pki folder on this machine's disk) and the signatures validate against the
    root read from the storage."""
    from hocbaso.signing.pki_store import StoredFolder, pki_folder
    from hocbaso.signing.validate import configured_trust_roots, validate_pdf

    sign_and_issue(school)
    assert not os.path.exists(settings.PKI_DIR)  # no pki folder on this machine
    folder = pki_folder()
    assert isinstance(folder, StoredFolder)
    keys = [folder / "ca" / "root-key.pem", folder / "ca" / "issuing-key.pem"]
    ids = default_storage.listdir("pki/identities")[0]
    assert len(ids) == 4  # homeroom teacher, English teacher, principal, seal
    keys += [folder / "identities" / i / "key.pem" for i in ids]
    for key in keys:
        assert key.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----"), key
    if pki_in_storage != "local":
        assert {f"pki/identities/{i}/key.pem" for i in ids} <= stored_keys(pki_in_storage)
    roots = configured_trust_roots()
    assert any(isinstance(root, bytes) and root.startswith(b"-----BEGIN CERTIFICATE") for root in roots)
    issued = IssuedRecord.objects.first()
    report = validate_pdf(file_read(issued.pdf))
    assert len(report["signatures"]) == 3 and report["trusted"] and not report["altered"], report  # with the seal


def test_stored_downloads_redirect_to_short_lived_signed_addresses(storage, world, client, settings):
    """The archive and the certified copy (a pupil's Vietnamese name in its file name): after the view's checks,
    from a bucket a 302 to a pre-signed address valid ``HOCBASO_S3_URL_EXPIRY`` seconds, whose answer is the exact
    bytes under the same name; with the setting at 0, or on the file system, streamed. Someone the view refuses
    gets no address."""
    from hocbaso.exchange.models import CertifiedCopy
    from hocbaso.jobs.models import Job

    settings.S3_URL_EXPIRY = 120
    pdf, archive = b"%PDF-1.7\n" + os.urandom(300_000), b"PK\x03\x04" + os.urandom(200_000)
    copy = CertifiedCopy.objects.create(pupil=world.pupil, school=world.school, number=1,
                                        sha256=hashlib.sha256(pdf).hexdigest(), issued_at=timezone.now(),
                                        issued_by=world.owner.user, file=file_write("copies/test/1.pdf", pdf))
    job = Job.objects.create(kind="exchange.archive", args={"school_year": world.year.pk}, state="done",
                             created_by=world.owner.user, school_code=world.school.code,
                             result={"file": file_write("archives/test/luu-tru.zip", archive),
                                     "sha256": hashlib.sha256(archive).hexdigest()})
    downloads = [(reverse("exchange:copy_download", args=[copy.pk]), pdf, "ban-sao-1-Nguyễn-Thị-Ánh-Tuyết.pdf"),
                 (reverse("exchange:archive_download", args=[job.pk]), archive, "luu-tru.zip")]
    client.force_login(world.owner.user)
    for url, data, name in downloads:
        response = client.get(url)
        assert response.status_code == (200 if storage == "local" else 302)
        if storage != "local":
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(response["Location"]).query)
            assert query["X-Amz-Expires"] == ["120"] and query["X-Amz-Signature"], query
            assert response["Cache-Control"] == "no-store"
            # The object is private: its address without the signature is refused by the server. (moto_server
            # checks no query-string signature, so an expired or altered one is not refused there; AWS, MinIO
            # and Ceph refuse both, and test_signed_urls checks that on LocalStack's S3, which does too.)
            bare = urllib.parse.urlsplit(response["Location"])._replace(query="").geturl()
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(bare, timeout=30)
            assert refused.value.code == 403
        assert fetched(response) == (data, content_disposition_header(True, name))
    assert "filename*=utf-8''ban-sao-1-Nguy%E1%BB%85n-Th%E1%BB%8B-%C3%81nh-Tuy%E1%BA%BFt.pdf" in \
        content_disposition_header(True, downloads[0][2])

    settings.S3_URL_EXPIRY = 0  # a bucket the browsers cannot reach: the web process streams
    response = client.get(downloads[0][0])
    assert response.status_code == 200 and b"".join(response.streaming_content) == pdf

    settings.S3_URL_EXPIRY = 120
    client.force_login(world.outsider.user)  # another school's teacher
    for url, _data, _name in downloads:
        response = client.get(url)
        assert response.status_code == 404 and not response.has_header("Location")
    client.force_login(world.member.user)  # a homeroom teacher of the school: not for them
    for url, _data, _name in downloads:
        response = client.get(url)
        assert response.status_code == 403 and not response.has_header("Location")
