"""The record's lifecycle through the services: lock → subject sign-off → class_sign → school_sign →
records_issue → correction → version 2; checked with Poppler's pdfsig and our validator."""

import hashlib
import io
import os
import re
import shutil
import subprocess
import zipfile

import pytest
from cryptography import x509
from django.core.files.storage import default_storage
from django.db import connection, transaction

from hocbaso.documents import extract_record
from hocbaso.records import issuance, signatures
from hocbaso.records.corrections import correction_approve, correction_reject, correction_request
from hocbaso.records.drafts import record_drafts_prepare
from hocbaso.records.guards import LifecycleRefused
from hocbaso.records.issuance import records_issue
from hocbaso.records.locks import data_lock
from hocbaso.records.models import ClassPackage, DraftState, ImmutableRecordError, IssuedRecord, RecordDraft
from hocbaso.records.packages import class_package_check
from hocbaso.records.selectors import issued_status
from hocbaso.records.signatures import class_sign, school_sign, subject_signoff
from hocbaso.signing.errors import SigningRefused, WrongPinError
from hocbaso.signing.models import SigningIdentity
from hocbaso.signing.services import identity_for, signer_open
from hocbaso.signing.pki_store import pki_folder
from hocbaso.signing.validate import validate_pdf
from hocbaso.signing.xades import xades_verify
from hocbaso.signing.xml_pdf import pdf_xml_read
from hocbaso.testing.lifecycle import class_signed, open_signer, sign_and_issue
from hocbaso.testing.people import ENGLISH_PIN, PRINCIPAL_PIN, SEAL_PIN, TEACHER_PIN
from hocbaso.testing import poppler
from hocbaso.testing.poppler import pdftext
from hocbaso.tt27.record_xml import record_from_xml


def _read(name):
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def pdfsig(data: bytes, tmp_path) -> str:
    path = tmp_path / "check.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout


def test_signing_is_refused_until_locked_and_until_every_subject_is_signed_off(school):
    w = school
    with pytest.raises(LifecycleRefused, match="chưa chốt dữ liệu"):
        class_sign(school_class=w.class4a, by=w.member.user, signer=open_signer(w.member, TEACHER_PIN))
    with pytest.raises(SigningRefused, match="chưa chốt dữ liệu"):
        subject_signoff(school_class=w.class4a, subject="ngoai_ngu_1", by=w.english.user,
                        signer=open_signer(w.english, ENGLISH_PIN))
    data_lock(school_year=w.year, school_class=w.class4a, by=w.owner.user)
    with pytest.raises(LifecycleRefused, match="Ngoại ngữ 1 \\(Vũ Thị Lan\\)"):
        class_sign(school_class=w.class4a, by=w.member.user, signer=open_signer(w.member, TEACHER_PIN))
    with pytest.raises(SigningRefused, match="Chỉ giáo viên dạy môn này"):
        subject_signoff(school_class=w.class4a, subject="ngoai_ngu_1", by=w.member.user,
                        signer=open_signer(w.member, TEACHER_PIN))
    with pytest.raises(LifecycleRefused, match="Chỉ giáo viên chủ nhiệm"):
        class_sign(school_class=w.class4a, by=w.colleague.user, signer=open_signer(w.member, TEACHER_PIN))
    assert not RecordDraft.objects.exists()


def test_a_colleagues_certificate_cannot_sign_the_class(school):
    w = school
    data_lock(school_year=w.year, school_class=w.class4a, by=w.owner.user)
    subject_signoff(school_class=w.class4a, subject="ngoai_ngu_1", by=w.english.user,
                    signer=open_signer(w.english, ENGLISH_PIN))
    with pytest.raises(LifecycleRefused, match="không phải chứng thư số đã đăng ký"):
        class_sign(school_class=w.class4a, by=w.member.user, signer=open_signer(w.english, ENGLISH_PIN))


def test_wrong_pins_are_counted_and_block_the_identity(school, settings):
    settings.SIGN_PIN_ATTEMPTS = 3
    identity = identity_for(staff=school.member)
    for _ in range(3):
        with pytest.raises(WrongPinError):
            signer_open(identity, "000000")
        identity.refresh_from_db()
    assert identity.blocked_until is not None
    with pytest.raises(WrongPinError, match="quá số lần"):
        signer_open(identity, TEACHER_PIN)  # even the right PIN waits


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils (pdfsig) is not installed")
@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils (pdfsig) is not installed")
def test_without_a_tsa_the_seal_signs_over_the_validation_data_and_covers_the_whole_file(school, tmp_path):
    """B-LT without a TSA: the DSS is written in the seal's own revision, so the seal's signature is the last one
    and Poppler finds it covering the whole file (before, the DSS followed it: "Not total document signed")."""
    sign_and_issue(school)
    data = _read(IssuedRecord.objects.order_by("pk").first().pdf)
    report = poppler.pdfsig(data, tmp_path)
    assert [r["Signature Field Name"] for r in report] == ["GVCN", "HT", "DONGDAU"]
    assert [r["Signature Validation"] for r in report] == ["Signature is Valid."] * 3
    assert "Total document signed" in report[2] and "Not total document signed" in report[1]
    result = validate_pdf(data)
    assert result["trusted"] and not result["altered"] and result["document_timestamps"] == []
    assert result["ltv"]["level"] == "B-LT" and [s["ltv"] for s in result["signatures"]] == ["B-LT"] * 3
    assert result["signatures"][2]["covers_whole_file"]
    # the validation data are the seal's to sign: the DSS lies inside its signed byte range, which ends the file
    start, length = map(int, re.findall(rb"/ByteRange \[0 \d+ (\d+) (\d+)", data)[-1])
    assert start + length == len(data) and start < data.rindex(b"/Type /DSS")


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils (pdfsig) is not installed")
def test_issue_a_class_three_signatures_the_signed_xml_registry_and_package(school, deployment_tsa, tmp_path,
                                                                           settings):
    w = school
    report = sign_and_issue(w)
    assert report.done == 3
    issued = list(IssuedRecord.objects.order_by("pupil_name"))
    assert len(issued) == 3 and all(r.version == 1 and r.supersedes is None for r in issued)
    first = issued[0]
    data = _read(first.pdf)
    assert hashlib.sha256(data).hexdigest() == first.sha256
    # Poppler (not our code): three valid signatures (teacher, principal, the school's seal); the last
    # "signature", covering the whole file, is the document time stamp of B-LTA, which Poppler 22 lists but does
    # not check (pyHanko does, below).
    out = pdfsig(data, tmp_path)
    assert out.count("Signature is Valid.") == 3 and out.count("Signature #") == 4
    assert "Total document signed" in poppler.pdfsig(data, tmp_path, "report.pdf")[3]  # the time stamp is last
    assert out.index("Total document signed") > out.index("hocbaso TSA (thử nghiệm)") > out.index("Đoàn Trung Quế")
    assert out.index("Lê Thị Hoa") < out.index("Đoàn Trung Quế")
    result = validate_pdf(data)  # the deployment's own CA is trusted by default (HOCBASO_TRUST_BUILTIN_CA)
    assert [s["signer_name"] for s in result["signatures"]] == ["Lê Thị Hoa", "Đoàn Trung Quế", w.school.name]
    # The record XML inside: the registry's record, with the three XAdES signatures, all intact and trusted.
    xml = pdf_xml_read(data)
    assert record_from_xml(xml) == first.record
    roots = [x509.load_pem_x509_certificate(pki_folder().joinpath("ca", "root.pem").read_bytes())]
    assert [(s["role"], s["intact"], s["trusted"]) for s in xades_verify(xml, roots)] == [
        ("Giáo viên chủ nhiệm", True, True), ("Hiệu trưởng", True, True), ("Đóng dấu trường", True, True)]
    assert [s["role"] for s in first.signers[:3]] == ["Giáo viên chủ nhiệm", "Hiệu trưởng", "Đóng dấu trường"]
    assert result["trusted"] and not result["altered"] and result["lookup_code"] == first.lookup_code
    assert [s["level"] for s in result["signatures"]] == ["B-T"] * 3 and result["ltv"]["level"] == "B-LTA"
    assert [t["valid"] and t["covers_whole_file"] for t in result["document_timestamps"]] == [True]
    # The subject teacher's sign-off is kept with the record.
    assert {"name": "Vũ Thị Lan", "subject": "ngoai_ngu_1"}.items() <= first.signers[-1].items()
    # One flipped byte inside the signed content: pdfsig and our validator both see it.
    at = data.index(b"stream", data.index(b"/FlateDecode")) + 40  # inside the first revision's first stream
    broken = bytearray(data)
    broken[at] ^= 0x01
    assert pdfsig(bytes(broken), tmp_path).count("Signature is Valid.") == 0
    assert not any(s["intact"] for s in validate_pdf(bytes(broken))["signatures"])
    # The class package: manifest sealed by the school, every file matching.
    package = w.class4a.packages.get()
    checked = class_package_check(_read(package.file))
    assert checked["ok"] and len(checked["manifest"]["records"]) == 3
    # Its package in XML: each record's XML (kept from the seal's batch, not read out of the file again) is the
    # one inside the issued file, byte for byte.
    xml_zip = zipfile.ZipFile(io.BytesIO(_read(package.xml_file)))
    assert {f"records/{r.record_id}.xml": xml_zip.read(f"records/{r.record_id}.xml") for r in issued} == \
        {f"records/{r.record_id}.xml": pdf_xml_read(_read(r.pdf)) for r in issued}
    # Named as the school stands today: the commune's People's Committee above the school, on the sealed sheet too.
    manifest = checked["manifest"]
    assert (manifest["authority"], manifest["commune"], manifest["province"]) == (
        "UBND xã Trường Xuân", "xã Trường Xuân", "Tỉnh Lâm Đồng")
    sheet = pdftext(zipfile.ZipFile(io.BytesIO(_read(package.file))).read("manifest.pdf"), tmp_path)
    assert sheet.index("UBND XÃ TRƯỜNG XUÂN") < sheet.index("TRƯỜNG TIỂU HỌC THỬ NGHIỆM") and "PHÒNG" not in sheet
    assert RecordDraft.objects.filter(state=DraftState.ISSUED).count() == 3
    # The registry's record is the draft's (copied as JSON text) and the one inside the issued file.
    for row in issued:
        assert row.record == RecordDraft.objects.get(record_id=row.record_id).record == extract_record(_read(row.pdf))
        assert row.record["issuance"]["record_id"] == row.record_id and row.record["school"]["code"] == row.school_code
        assert (row.school_year, row.class_name) == (row.record["school_year"], row.record["class_name"])


def test_packages_of_several_classes_compile_their_sheets_in_the_worker_pool(school, settings):
    from hocbaso.records.packages import class_packages_build
    from hocbaso.signing import pades

    w = school
    sign_and_issue(w)
    settings.SIGN_WORKERS = 2  # HOCBASO_SIGN_WORKERS=2
    pades._shutdown_pool()  # started afresh below, by the sheets' compiles
    seal = signer_open(identity_for(school=w.school), SEAL_PIN)
    packages = class_packages_build(school_classes=[w.class1a, w.class4a], by=w.owner.user, seal_signer=seal)
    assert pades._pool is not None  # the sheets were compiled by the worker processes
    checked = [class_package_check(_read(p.file)) for p in packages]
    assert all(c["ok"] for c in checked), [c["problems"] for c in checked]
    # In the classes' order, each sheet with its own class's records.
    assert [c["manifest"]["class_name"] for c in checked] == ["1A", "4A"]
    assert [len(c["manifest"]["records"]) for c in checked] == [0, 3]
    assert [p.records for p in packages] == [0, 3]


def test_a_class_package_starts_once_the_chunk_holding_its_last_record_is_committed(school, monkeypatch):
    w = school
    monkeypatch.setattr(issuance, "ISSUE_CHUNK", 1)  # the class's three records in three transactions
    real, started = issuance.class_packages_start, []

    def spy(classes, **options):
        classes = list(classes)
        started.append([(klass.name, IssuedRecord.objects.filter(enrolment__school_class=klass).count())
                        for klass in classes])
        return real(classes, **options)

    monkeypatch.setattr(issuance, "class_packages_start", spy)
    assert sign_and_issue(w).done == 3
    assert started == [[], [], [("4A", 3)]]  # after the third commit, with all three in the registry
    [package] = ClassPackage.objects.filter(school_class=w.class4a)
    checked = class_package_check(_read(package.file))
    assert checked["ok"] and len(checked["manifest"]["records"]) == 3 == package.records


def test_issued_records_refuse_every_change(school):
    sign_and_issue(school)
    record = IssuedRecord.objects.first()
    with pytest.raises(ImmutableRecordError):
        record.save()
    with pytest.raises(ImmutableRecordError):
        IssuedRecord.objects.filter(pk=record.pk).update(class_name="5A")
    with pytest.raises(Exception, match="immutable"):
        with transaction.atomic(), connection.cursor() as cursor:  # a savepoint: PostgreSQL aborts the statement
            cursor.execute("UPDATE records_issuedrecord SET class_name = '5A' WHERE id = %s", [record.pk])
    with pytest.raises(Exception, match="immutable"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM records_issuedrecord WHERE id = %s", [record.pk])
    record.refresh_from_db()
    assert record.class_name == "4A"


def test_interrupted_school_batch_resumes_without_signing_twice(school, settings):
    w = school
    class_signed(w)
    settings.SIGN_CHUNK = 1
    principal = open_signer(w.owner, PRINCIPAL_PIN, seal=True)
    real = principal.sign_batch
    calls = []

    def dies_on_second_chunk(jobs, **kw):
        calls.append(len(jobs))
        if len(calls) == 2:
            raise KeyboardInterrupt("killed")
        return real(jobs, **kw)

    principal.sign_batch = dies_on_second_chunk
    with pytest.raises(KeyboardInterrupt):
        school_sign(school_year=w.year, by=w.owner.user, signer=principal)
    assert RecordDraft.objects.filter(state=DraftState.PRINCIPAL_SIGNED).count() == 1
    principal.sign_batch = real
    again = school_sign(school_year=w.year, by=w.owner.user, signer=principal)
    assert again.total == 2 and again.done == 2
    for draft in RecordDraft.objects.all():
        assert draft.state == DraftState.PRINCIPAL_SIGNED
        assert [s["field"] for s in draft.signers] == ["GVCN", "HT"]
        sigs = validate_pdf(_read(draft.pdf))["signatures"]
        assert [s["signer_name"] for s in sigs] == ["Lê Thị Hoa", "Đoàn Trung Quế"]


@pytest.mark.parametrize("kind, batches", [("builtin", [3]), ("pkcs11", [2, 1]), ("csc", [2, 1])])
def test_a_token_or_remote_signer_commits_in_smaller_chunks(school, settings, monkeypatch, kind, batches):
    w = school
    class_signed(w)
    settings.SIGN_CHUNK = 200
    monkeypatch.setattr(signatures, "SLOW_SIGNER_CHUNK", 2)  # the school's three records: one chunk, or two
    principal = open_signer(w.owner, PRINCIPAL_PIN, seal=True)
    principal.kind = kind  # a built-in key standing in: only the chunk size depends on the kind
    real, sizes = principal.sign_batch, []

    def counted(jobs, **kw):
        sizes.append(len(jobs))
        return real(jobs, **kw)

    principal.sign_batch = counted
    assert school_sign(school_year=w.year, by=w.owner.user, signer=principal).done == 3
    assert sizes == batches


def test_a_batch_failing_after_its_files_were_written_leaves_neither_state_nor_file(school):
    w = school
    class_signed(w)
    before = {d.pk: (d.pdf, d.sha256) for d in RecordDraft.objects.all()}
    principal = open_signer(w.owner, PRINCIPAL_PIN, seal=True)
    real = principal.sign_batch

    def fails_after_signing(jobs, **kw):
        real(jobs, **kw)  # every signed file handed over (and written) ...
        raise RuntimeError("mất kết nối")  # ... then the batch fails

    principal.sign_batch = fails_after_signing
    with pytest.raises(RuntimeError):
        school_sign(school_year=w.year, by=w.owner.user, signer=principal)
    assert {d.pk: (d.pdf, d.sha256) for d in RecordDraft.objects.all()} == before
    assert RecordDraft.objects.filter(state=DraftState.TEACHER_SIGNED).count() == len(before) > 0
    folder = default_storage.path("drafts")
    names = [name for _root, _dirs, files in os.walk(folder) for name in files]
    assert names and not [name for name in names if name.endswith("-2.pdf")]  # the principal-signed files are gone


def test_correction_after_issuance_makes_version_two_and_supersedes_version_one(school):
    w = school
    sign_and_issue(w)
    v1 = IssuedRecord.objects.get(enrolment=w.enrolment)
    correction = correction_request(enrolment=w.enrolment, field="subjects.toan.score", new_value=10,
                                    reason="Nhập nhầm điểm kiểm tra cuối năm.", by=w.member.user)
    assert correction.old_value == 9
    with pytest.raises(LifecycleRefused, match="Chỉ hiệu trưởng"):
        correction_approve(correction=correction, by=w.member.user)
    draft = correction_approve(correction=correction, by=w.owner.user)
    assert draft.version == 2 and draft.supersedes == v1 and draft.record["issuance"]["supersedes"] == v1.record_id
    toan = next(s for s in draft.record["subjects"] if s["code"] == "toan")
    assert toan["score"] == 10
    # The teacher signs again (only the new version is pending), then the principal, then issue.
    report = class_sign(school_class=w.class4a, by=w.member.user, signer=open_signer(w.member, TEACHER_PIN))
    assert report.done == 1
    school_sign(school_year=w.year, by=w.owner.user, signer=open_signer(w.owner, PRINCIPAL_PIN, seal=True))
    records_issue(school_year=w.year, by=w.owner.user)
    v2 = IssuedRecord.objects.get(enrolment=w.enrolment, version=2)
    assert v2.supersedes == v1 and v2.correction == correction
    assert issued_status(v1) == {"status": "superseded", "superseded_by_version": 2, "current_record_id": v2.record_id}
    assert issued_status(v2)["status"] == "current"
    v1.refresh_from_db()
    assert next(s for s in v1.record["subjects"] if s["code"] == "toan")["score"] == 9  # v1 unchanged


def test_rejected_correction_changes_nothing_and_cannot_be_decided_twice(school):
    w = school
    correction = correction_request(enrolment=w.enrolment, field="homeroom_comment", new_value="Em rất ngoan.",
                                    reason="Bổ sung nhận xét.", by=w.member.user)
    with pytest.raises(LifecycleRefused, match="lý do"):
        correction_reject(correction=correction, by=w.owner.user, note=" ")
    correction_reject(correction=correction, by=w.owner.user, note="Nhận xét hiện tại đã đủ.")
    with pytest.raises(LifecycleRefused, match="đã được xử lý"):
        correction_approve(correction=correction, by=w.owner.user)
    w.enrolment.year_result.refresh_from_db()
    assert w.enrolment.year_result.homeroom_comment != "Em rất ngoan."


def test_correction_before_issuance_discards_the_draft_and_the_subject_signoff(school):
    w = school
    class_signed(w)
    correction = correction_request(enrolment=w.enrolment, field="subjects.ngoai_ngu_1.comment",
                                    new_value="Em phát âm tốt.", reason="Sửa nhận xét.", by=w.english.user)
    assert correction_approve(correction=correction, by=w.owner.user) is None
    assert RecordDraft.objects.get(enrolment=w.enrolment).state == DraftState.DISCARDED
    with pytest.raises(LifecycleRefused, match="Ngoại ngữ 1"):
        class_sign(school_class=w.class4a, by=w.member.user, signer=open_signer(w.member, TEACHER_PIN))
    subject_signoff(school_class=w.class4a, subject="ngoai_ngu_1", by=w.english.user,
                    signer=open_signer(w.english, ENGLISH_PIN))
    assert class_sign(school_class=w.class4a, by=w.member.user, signer=open_signer(w.member, TEACHER_PIN)).done == 1


def test_unknown_correction_field_is_named(school):
    with pytest.raises(LifecycleRefused, match="subjects.tieng_trung.score|không có mục"):
        correction_request(enrolment=school.enrolment, field="subjects.tieng_trung.score", new_value=5,
                           reason="x", by=school.member.user)
    assert SigningIdentity.objects.filter(active=True).count() == 4


def test_the_garbage_collector_is_paused_only_inside_the_block():
    import gc

    from hocbaso.core.files import gc_paused

    assert gc.isenabled()
    with pytest.raises(ValueError):
        with gc_paused():
            assert not gc.isenabled()
            raise ValueError("hỏng")
    assert gc.isenabled()  # back on after an error
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_bulk_selector_builds_the_same_records_as_the_prefetching_one(school, fill_year):
    from hocbaso.records.selectors import enrolments_for_records, enrolments_for_records_bulk, record_build

    fill_year(school.enrolment, school.member.user, period="giua_hk1", rating="H", score=7)
    ids = sorted(e.pk for e in school.enrolments)
    slow = [record_build(e) for e in enrolments_for_records().filter(pk__in=ids).order_by("pk")]
    fast = [record_build(e) for e in enrolments_for_records_bulk(ids)]
    assert slow == fast and slow[0]["periods"]["giua_hk1"]["subjects"][0]["rating"] == "H"


def test_a_signed_file_changed_on_disk_before_issuance_is_not_issued(school):
    w = school
    class_signed(w)
    school_sign(school_year=w.year, by=w.owner.user, signer=open_signer(w.owner, PRINCIPAL_PIN, seal=True))
    draft = RecordDraft.objects.order_by("pk").first()
    with open(default_storage.path(draft.pdf), "r+b") as handle:
        handle.seek(200)
        handle.write(b"X")
    with pytest.raises(LifecycleRefused, match="đã bị thay đổi sau khi ký"):
        records_issue(school_year=w.year, by=w.owner.user)
    assert not IssuedRecord.objects.exists()  # the chunk is all-or-nothing


def test_a_record_refused_mid_batch_leaves_no_draft_and_no_file(school):
    """Records are built and checked while the earlier ones render: a refusal after some files were written
    removes them again, and no draft is stored."""

    from hocbaso.assessment.models import YearResult

    last = school.enrolments[-1]
    outcome = YearResult.objects.get(enrolment=last).outcome
    YearResult.objects.filter(enrolment=last).update(outcome=None)
    with pytest.raises(LifecycleRefused, match=f"{last.pupil.full_name}.*chưa có kết quả đánh giá cuối năm"):
        record_drafts_prepare(enrolments=school.enrolments, by=school.member.user)
    assert not RecordDraft.objects.exists()
    folder = default_storage.path("drafts")
    assert [name for _root, _dirs, names in os.walk(folder) for name in names] == []
    YearResult.objects.filter(enrolment=last).update(outcome=outcome)
    drafts = record_drafts_prepare(enrolments=school.enrolments, by=school.member.user)
    assert len(drafts) == 3 and all(default_storage.exists(d.pdf) for d in drafts)


class Killed(BaseException):
    """A kill between the registry's commit and the class packages (SIGKILL, in the process)."""


def test_a_rerun_of_issuance_builds_the_package_a_killed_run_left_out(school, monkeypatch):
    """Finding 9 of the hardening review: killed after the registry's commit, a rerun issued nothing and never
    built the class's package (the submission to the office listed the class as missing)."""
    w = school
    class_signed(w)
    school_sign(school_year=w.year, by=w.owner.user, signer=open_signer(w.owner, PRINCIPAL_PIN, seal=True))
    seal = signer_open(identity_for(school=w.school), SEAL_PIN)

    def killed(*args, **kwargs):
        raise Killed()

    with monkeypatch.context() as patch:
        patch.setattr(issuance, "class_packages_finish", killed)
        with pytest.raises(Killed):
            records_issue(school_year=w.year, by=w.owner.user, seal_signer=seal)
    assert IssuedRecord.objects.filter(enrolment__school_class=w.class4a).count() == 3
    assert not ClassPackage.objects.filter(school_class=w.class4a).exists()
    report = records_issue(school_year=w.year, by=w.owner.user, seal_signer=seal)
    assert report.done == 0  # nothing issued twice
    [package] = ClassPackage.objects.filter(school_class=w.class4a)
    assert package.records == 3
    assert class_package_check(_read(package.file))["ok"]


def test_the_packages_command_rebuilds_a_missing_package(school, monkeypatch):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    w = school
    class_signed(w)
    school_sign(school_year=w.year, by=w.owner.user, signer=open_signer(w.owner, PRINCIPAL_PIN, seal=True))
    records_issue(school_year=w.year, by=w.owner.user)  # no seal: the registry without the packages
    where = {"school": w.school.code, "year": w.year.name, "user": "hieutruong"}
    with pytest.raises(CommandError, match="1 lớp thiếu"):
        call_command("packages", check=True, stdout=StringIO(), **where)
    monkeypatch.setenv("PIN_DAU", SEAL_PIN)
    out = StringIO()
    call_command("packages", seal_pin_env="PIN_DAU", stdout=out, **where)
    assert "Đã lập 1 gói học bạ: 4A" in out.getvalue()
    assert ClassPackage.objects.get(school_class=w.class4a).records == 3
    out = StringIO()
    call_command("packages", check=True, stdout=out, **where)
    assert "đều có gói" in out.getvalue()
