"""Lưu trữ cuối năm: archive → restore into a fresh installation, where every restored record passes
``hocbaso verify`` as before and the registry is identical; a damaged archive is refused."""

import datetime as dt
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile

import pytest

from hocbaso.assessment.services import exemption_set, year_result_set
from hocbaso.directory.models import Enrolment, SchoolYear
from hocbaso.exchange.archive.format import ArchiveRefused
from hocbaso.exchange.archive.read import archive_open, audit_check
from hocbaso.exchange.archive.registry import registry_rows
from hocbaso.exchange.archive.restore import archive_restore
from hocbaso.exchange.archive.write import archive_build
from hocbaso.records.completion import award_add
from hocbaso.records.models import IssuedRecord, RecordWithdrawal
from hocbaso.records.outcomes import year_results_assess
from hocbaso.records.selectors import issued_status
from hocbaso.testing.archive import work_projection
from hocbaso.testing.exchange import flip_in_signed_pdf, members, rezip
from hocbaso.testing.lifecycle import correct_and_reissue, sign_and_issue

STATUS = {"current": "current", "superseded": "superseded", "withdrawn": "withdrawn"}


@pytest.fixture
def archived(school, tmp_path):
    """Three records issued (one with an award of Điều 13.1.b, one on an individual plan with an exempted subject),
    one corrected (version 2 supersedes version 1), one withdrawn; archived."""
    w = school
    award_add(enrolment=w.enrolment, kind="dot_xuat", title="Giấy khen của Hiệu trưởng", level=w.school.name,
              awarded_on=dt.date(2025, 3, 26), reason="Nhặt được của rơi trả lại người đánh mất.", by=w.owner.user)
    plan = w.enrolments[2]
    Enrolment.objects.filter(pk=plan.pk).update(individual_plan=True)
    plan.refresh_from_db()
    exemption_set(enrolment=plan, subject="am_nhac", basis="Kế hoạch giáo dục cá nhân ngày 10/9/2024.", by=w.owner.user)
    year_result_set(enrolment=plan, plan_outcome="HTT", by=w.member.user)
    year_results_assess(enrolments=[plan], by=w.member.user)
    sign_and_issue(w)
    correct_and_reissue(w)
    withdrawn = IssuedRecord.objects.exclude(enrolment=w.enrolment).order_by("record_id").first()
    RecordWithdrawal.objects.create(issued_record=withdrawn, reason="Phát hành nhầm.", withdrawn_by=w.owner.user)
    w.archive = tmp_path / "luu-tru.zip"
    w.manifest = archive_build(school_year=w.year, out=w.archive, by=w.owner.user)
    w.status = {r.record_id: issued_status(r)["status"] for r in IssuedRecord.objects.all()}
    return w


def test_the_archive_describes_itself(archived):
    w = archived
    files = members(w.archive.read_bytes())
    manifest = json.loads(files["manifest.json"])
    assert manifest["format"] == "hocbaso.archive/1" and manifest["school"]["code"] == w.school.code
    assert manifest["counts"]["issued"] == 4 and manifest["counts"]["current"] == 3
    listed = {f["path"] for f in manifest["files"]}
    assert listed == set(files) - {"manifest.json", "manifest.seal.json"}
    assert {"directory.json", "registry.json", "audit.json", "pki/ca-root.pem"} <= listed
    assert len([p for p in listed if p.startswith("pdfs/")]) == 4 == len([p for p in listed if p.startswith("records/")])
    registry = json.loads(files["registry.json"])
    assert {r["record_id"] for r in registry["issued"]} == set(w.status)
    v2 = next(r for r in registry["issued"] if r["version"] == 2)
    assert v2["supersedes"] and v2["correction"]["field"] == "subjects.toan.score"
    assert sum(1 for r in registry["issued"] if r["withdrawal"]) == 1
    audit = json.loads(files["audit.json"])
    assert audit and {e["school_code"] for e in audit} == {w.school.code} and audit_check(audit) == []
    directory = json.loads(files["directory.json"])
    assert {c["name"] for c in directory["classes"]} == {"4A", "4B", "1A"}
    work = json.loads(files["work.json"])
    counts = manifest["counts"]
    assert counts["subject_evaluations"] == len(work["subject_evaluations"]) > 0
    assert counts["drafts"] == 4 and counts["signoffs"] == 1 and counts["class_packages"] == 1
    assert counts["locks"] == 1 and counts["year_results"] == 3
    assert counts["awards"] == 1 and work["awards"][0]["kind"] == "dot_xuat" and counts["supplementary"] == 0
    assert counts["exemptions"] == 1 and work["exemptions"][0]["subject"] == "am_nhac"
    for item in work["files"]:  # every draft, sign-off and package file is in the archive, by its hash
        assert hashlib.sha256(files[item["path"]]).hexdigest() == item["sha256"]
    assert archive_open(io.BytesIO(w.archive.read_bytes())).manifest["files"] == manifest["files"]


def test_a_damaged_archive_and_an_existing_year_are_refused_writing_nothing(archived):
    w = archived
    files = members(w.archive.read_bytes())
    pdf = next(p for p in files if p.startswith("pdfs/"))
    damaged = rezip({**files, pdf: flip_in_signed_pdf(files[pdf])}, compression=zipfile.ZIP_DEFLATED)
    with pytest.raises(ArchiveRefused, match=f"Tệp {pdf} không khớp mã băm SHA-256"):
        archive_restore(io.BytesIO(damaged))
    edited = json.loads(files["registry.json"])
    edited["issued"][0]["lookup_code"] = "AAAA-AAAA-AAA"
    with pytest.raises(ArchiveRefused, match="registry.json không khớp mã băm"):
        archive_restore(io.BytesIO(rezip({**files, "registry.json": json.dumps(edited).encode()})))
    with pytest.raises(ArchiveRefused, match="không có trong manifest|không được liệt kê"):
        archive_restore(io.BytesIO(rezip({**files, "them.txt": b"x"})))
    with pytest.raises(ArchiveRefused, match="Năm học 2024-2025 của trường 67000199 đã có"):
        archive_restore(w.archive)
    assert SchoolYear.objects.filter(school=w.school).count() == 1 and IssuedRecord.objects.count() == 4


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")),
                    reason="restores into its own SQLite data folder; the PostgreSQL pass would repeat it unchanged")
def test_archive_restores_into_a_fresh_installation_where_every_record_verifies(archived, tmp_path):
    w = archived
    env = {**os.environ, "HOCBASO_DATA_DIR": str(tmp_path / "moi")}
    for name in ("DATABASE_URL", "HOCBASO_PKI_DIR", "HOCBASO_TRUST_ROOTS"):
        env.pop(name, None)
    run = lambda *args: subprocess.run([sys.executable, "-m", "hocbaso", *args], env=env,  # noqa: E731
                                       capture_output=True, text=True)
    files = members(w.archive.read_bytes())
    pdf = next(p for p in files if p.startswith("pdfs/"))
    damaged = tmp_path / "hong.zip"
    damaged.write_bytes(rezip({**files, pdf: flip_in_signed_pdf(files[pdf])}))
    ca_root = tmp_path / "ca-root.pem"
    ca_root.write_bytes(files["pki/ca-root.pem"])
    refused = run("restore", str(damaged), "--trust", str(ca_root))
    assert refused.returncode != 0 and "không khớp mã băm" in refused.stderr, refused.stderr

    unsealed = run("restore", str(w.archive))  # another installation's seal, and the operator named no key
    assert unsealed.returncode != 0 and "không phải của hệ thống này" in unsealed.stderr, unsealed.stderr
    # The operator names the old installation's CA root; nothing was written by the refusals.
    restored = run("restore", str(w.archive), "--trust", str(ca_root))
    assert restored.returncode == 0, restored.stderr
    assert "4 học bạ" in restored.stdout
    # Accounts come back without a password; the report names them and says how to set one.
    assert "hocbaso changepassword" in restored.stdout and "hieutruong" in restored.stdout
    for path in sorted(p for p in files if p.startswith("pdfs/")):
        record_id = path[len("pdfs/"):-len(".pdf")]
        target = tmp_path / f"{record_id}.pdf"
        target.write_bytes(files[path])
        checked = run("verify", str(target), "--trust-root", str(ca_root))
        assert checked.returncode == 0, checked.stderr
        report = json.loads(checked.stdout)
        assert report["registry_match"] and report["record_id"] == record_id
        assert report["status"] == STATUS[w.status[record_id]] and report["intact"] and report["trusted"]
    dumped = run("shell", "-v", "0", "-c", "import json; from hocbaso.exchange.archive.registry import registry_rows; "
                 f"print(json.dumps(registry_rows('{w.school.code}', '2024-2025'), ensure_ascii=False))")
    assert dumped.returncode == 0, dumped.stderr
    assert json.loads(dumped.stdout) == json.loads(json.dumps(registry_rows(w.school.code, "2024-2025")))
    # The work behind the registry (evaluations, results, locks, drafts, sign-offs, class packages) too.
    dumped = run("shell", "-v", "0", "-c", "import json; from hocbaso.testing.archive import "
                 f"work_projection; print(json.dumps(work_projection('{w.school.code}', '2024-2025'), "
                 "ensure_ascii=False))")
    assert dumped.returncode == 0, dumped.stderr
    here = json.loads(json.dumps(work_projection(w.school.code, "2024-2025")))
    assert json.loads(dumped.stdout) == here and here["subjects"] and here["drafts"] and here["signoffs"]
    has_password = run("shell", "-v", "0", "-c", "from django.contrib.auth import get_user_model; "
                       "print(get_user_model().objects.get(username='hieutruong').has_usable_password())")
    assert has_password.stdout.strip() == "False", has_password.stderr
