"""The year-end archive keeps the renewals of the archive time stamps (docs/long-term-validation.md): the renewed
files and their rows go into ``work.json``, are checked when the archive is opened (each continues the issued file
or an earlier renewal, its signatures valid) and come back on restore, where the renewed file verifies as the same
record and version."""

import json
import os
import subprocess
import sys
import zipfile

import pytest
from django.core.files.storage import default_storage

from hocbaso.exchange.archive.read import _renewal_problems
from hocbaso.exchange.archive.write import archive_build
from hocbaso.records.models import IssuedRecord, IssuedRenewal
from hocbaso.records.renewal import archive_timestamps_renew
from hocbaso.testing.exchange import members
from hocbaso.testing.lifecycle import sign_and_issue
from hocbaso.verify.tests.test_long_term_validation import long_lived  # noqa: F401  (the fixture)


@pytest.fixture
def renewed_archive(long_lived, tmp_path):  # noqa: F811
    w = long_lived
    sign_and_issue(w)
    issued = IssuedRecord.objects.filter(enrolment=w.enrolment).get()
    report = archive_timestamps_renew(within_days=50 * 365, records=IssuedRecord.objects.filter(pk=issued.pk))
    assert report.renewed == [issued.record_id]
    w.issued, w.renewal = issued, IssuedRenewal.objects.get(issued=issued)
    w.archive = tmp_path / "luu-tru.zip"
    w.manifest = archive_build(school_year=w.year, out=w.archive, by=w.owner.user)
    return w


def test_the_archive_carries_the_renewal_and_refuses_one_that_does_not_continue_the_issued_file(renewed_archive):
    w = renewed_archive
    files = members(w.archive.read_bytes())
    work = json.loads(files["work.json"])
    [row] = work["renewals"]
    assert (row["record_id"], row["sha256"], row["previous_sha256"]) == (w.issued.record_id, w.renewal.sha256,
                                                                         w.issued.sha256)
    assert w.manifest["counts"]["renewals"] == 1
    path = next(f["path"] for f in work["files"] if f["storage"] == w.renewal.pdf)
    registry = json.loads(files["registry.json"])["issued"]
    with zipfile.ZipFile(w.archive) as archive:
        assert _renewal_problems(archive, registry, work, files["pki/ca-root.pem"]) == []
        # a renewal said to extend another record's file, or pointing at a file that is not a continuation
        other = next(r for r in registry if r["record_id"] != w.issued.record_id)
        bad = {**work, "renewals": [{**row, "previous_sha256": other["sha256"]}]}
        [problem] = _renewal_problems(archive, registry, bad, files["pki/ca-root.pem"])
        assert "không phải bản phát hành (hoặc bản gia hạn trước) thêm dấu thời gian" in problem
        stray = {**work, "renewals": [{**row, "record_id": "khong-co"}]}
        assert "không có học bạ hoặc tệp tương ứng" in _renewal_problems(archive, registry, stray, None)[0]
    with default_storage.open(w.renewal.pdf, "rb") as handle:
        assert files[path] == handle.read()


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")),
                    reason="restores into its own SQLite data folder; the PostgreSQL pass would repeat it unchanged")
def test_a_restored_archive_brings_the_renewal_back_and_the_renewed_file_verifies(renewed_archive, tmp_path):
    w = renewed_archive
    env = {**os.environ, "HOCBASO_DATA_DIR": str(tmp_path / "moi")}
    for name in ("DATABASE_URL", "HOCBASO_PKI_DIR", "HOCBASO_TRUST_ROOTS", "HOCBASO_TSA_URL"):
        env.pop(name, None)

    def run(*args):
        return subprocess.run([sys.executable, "-m", "hocbaso", *args], env=env, capture_output=True, text=True)

    files = members(w.archive.read_bytes())
    ca_root = tmp_path / "ca-root.pem"
    ca_root.write_bytes(files["pki/ca-root.pem"])
    restored = run("restore", str(w.archive), "--trust", str(ca_root))
    assert restored.returncode == 0, restored.stderr
    assert "1 bản gia hạn dấu thời gian lưu trữ" in restored.stdout
    dumped = run("shell", "-v", "0", "-c", "import json; from hocbaso.records.models import IssuedRenewal; "
                 "print(json.dumps([[r.issued.record_id, r.sha256, r.previous_sha256, r.pdf, "
                 "r.archive_timestamp.isoformat(), r.created_at.isoformat()] for r in IssuedRenewal.objects.all()]))")
    assert dumped.returncode == 0, dumped.stderr
    r = w.renewal
    assert json.loads(dumped.stdout) == [[w.issued.record_id, r.sha256, r.previous_sha256, r.pdf,
                                          r.archive_timestamp.isoformat(), r.created_at.isoformat()]]
    # the renewed file verifies in the restored installation: the same record and version, current, intact
    path = next(f["path"] for f in json.loads(files["work.json"])["files"] if f["storage"] == r.pdf)
    target = tmp_path / "gia-han.pdf"
    target.write_bytes(files[path])
    checked = run("verify", str(target), "--trust-root", str(ca_root))
    assert checked.returncode == 0, checked.stderr + checked.stdout
    report = json.loads(checked.stdout)
    assert report["registry_match"] and report["record_id"] == w.issued.record_id and report["version"] == 1
    assert report["status"] == "current" and report["intact"] and report["ltv"]["document_timestamps"] == 2
    assert "gia hạn dấu thời gian lưu trữ" in report["reason"]
