"""Issue 4, acceptance: "Killing a school-wide signing batch half-way and rerunning it ends with every record
signed exactly once" — for real. The principal's batch runs as the console command (``hocbaso sign --school``)
in a process of its own, on a data folder (and, on the PostgreSQL pass, a database) of its own; it is killed
with SIGKILL once some but not all records carry the principal's signature, then the same command is run again
to completion. Every record must then carry exactly one teacher's and one principal's signature, the records
signed before the kill must be untouched, the audit log must hold one signing entry per record and signature,
and ``hocbaso audit verify`` must pass."""

import hashlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from hocbaso.testing.people import PRINCIPAL_PIN, TEACHER_PIN

SCHOOL, YEAR = "67000199", "2024-2025"
CHUNK = 50  # the batch's commit size here (HOCBASO_SIGN_CHUNK in the children): three chunks, not 410 records
CLASSES = ("4A", "4B", "4C")

# Run inside the child's own database (``hocbaso shell -c``): a school of three grade-4 classes with ``{pupils}``
# pupils in all, year-end filled and assessed, certificates for the principal and the homeroom teachers, the
# school locked and every class signed by its homeroom teacher (records rendered on the way).
SETUP = r"""
import datetime as dt
from django.contrib.auth import get_user_model
from hocbaso.assessment.services import evaluations_save
from hocbaso.testing.lifecycle import year_end_entries
from hocbaso.testing.people import make_staff
from hocbaso.directory.models import Commune, Enrolment, Province, Pupil, Role, School, SchoolClass, SchoolPlacement, SchoolYear
from hocbaso.records.locks import data_lock
from hocbaso.records.outcomes import year_results_assess
from hocbaso.records.signatures import class_sign
from hocbaso.signing.services import identity_for, identity_issue, signer_open

User = get_user_model()
province = Province.objects.create(code="68", name="Tỉnh Lâm Đồng")
commune = Commune.objects.create(province=province, code="24712", name="xã Trường Xuân")
school = School.objects.create(code="{school}", name="Trường Tiểu học Thử Nghiệm")
SchoolPlacement.objects.create(school=school, since=dt.date(2025, 7, 1), province=province, commune=commune)
year = SchoolYear.objects.create(school=school, name="{year}", start_date=dt.date(2024, 9, 5),
                                 end_date=dt.date(2025, 5, 31), lock_date=dt.date(2025, 5, 31))
principal = make_staff(User, school, "hieutruong", "Đoàn Trung Quế", Role.PRINCIPAL)
identity_issue(staff=principal, pin="{principal_pin}", by=principal.user)
classes = {classes!r}
pupils = {pupils}
for index, name in enumerate(classes):
    teacher = make_staff(User, school, f"gvcn{{name.lower()}}", f"Giáo viên {{name}}", Role.HOMEROOM_TEACHER)
    identity_issue(staff=teacher, pin="{teacher_pin}", by=principal.user)
    school_class = SchoolClass.objects.create(school_year=year, grade=4, name=name, homeroom_teacher=teacher)
    enrolments = []
    for n in range(index, pupils, len(classes)):
        pupil = Pupil.objects.create(school=school, identity_number=f"067214{{n:06d}}", full_name=f"Học Sinh {{n}}",
                                     gender="male" if n % 2 else "female", birth_date=dt.date(2014, 1 + n % 12, 2),
                                     birthplace="Tỉnh Đắk Nông")
        enrolments.append(Enrolment.objects.create(pupil=pupil, school_class=school_class,
                                                   registry_number=f"{{n + 1}}/2020", joined_on=dt.date(2024, 9, 5)))
    evaluations_save(entries=[e for enrolment in enrolments for e in year_end_entries(enrolment)], by=teacher.user)
    year_results_assess(enrolments=enrolments, by=teacher.user)
    data_lock(school_year=year, school_class=school_class, by=principal.user)
    signed = class_sign(school_class=school_class, by=teacher.user,
                        signer=signer_open(identity_for(staff=teacher), "{teacher_pin}"))
    assert signed.done == len(enrolments), (name, signed)
"""

# Run inside the child's database: every draft (state, signature fields, file) and the signing entries of the
# audit log, as JSON.
STATE = r"""
import json
from collections import Counter
from django.core.files.storage import default_storage
from hocbaso.audit.models import AuditEntry
from hocbaso.records.models import RecordDraft
drafts = [{"record_id": d.record_id, "state": d.state, "fields": [s["field"] for s in d.signers],
           "pdf": default_storage.path(d.pdf), "sha256": d.sha256}
          for d in RecordDraft.objects.order_by("record_id")]
audit = {action: Counter(AuditEntry.objects.filter(action=action).values_list("target_id", flat=True))
         for action in ("record.sign.gvcn", "record.sign.ht")}
print(json.dumps({"drafts": drafts, "audit": audit}))
"""

PROGRESS = re.compile(r"Hiệu trưởng ký học bạ: (\d+)/(\d+)")


@pytest.fixture
def child_env(tmp_path):
    """The environment of the child processes: their own data folder; on the PostgreSQL pass a database of
    their own on the same server (dropped afterwards), else SQLite in that folder."""
    env = {**os.environ, "HOCBASO_DATA_DIR": str(tmp_path / "data"), "DJANGO_SETTINGS_MODULE": "hocbaso.settings",
           "PIN_HT": PRINCIPAL_PIN, "HOCBASO_SIGN_CHUNK": str(CHUNK)}
    for name in ("HOCBASO_PKI_DIR", "HOCBASO_TRUST_ROOTS", "HOCBASO_TSA_URL"):
        env.pop(name, None)
    url = os.environ.get("DATABASE_URL")
    if not url:
        env.pop("DATABASE_URL", None)
        yield env
        return
    import psycopg

    base, parent = url.rsplit("/", 1)
    name = f"{parent.split('?')[0]}_killed_{os.getpid()}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = f"{base}/{name}"
    try:
        yield env
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def hocbaso(env, *args, timeout=600):
    done = subprocess.run([sys.executable, "-m", "hocbaso", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"hocbaso {args[0]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def state_of(env) -> dict:
    return json.loads(hocbaso(env, "shell", "-v", "0", "-c", STATE).strip().splitlines()[-1])


def principal_files(folder) -> set[str]:
    """The principal-signed files (``<record>-2*.pdf``) in the drafts folder."""
    try:
        return {name for name in os.listdir(folder) if re.search(r"-2(_\w+)?\.pdf$", name)}
    except FileNotFoundError:
        return set()


def kill_when_partly_signed(command, env, folder, deadline_s=300):
    """Start ``command`` in a process group of its own and SIGKILL the whole group in the middle of the batch:
    after its progress line (stderr) reports the first chunk committed, as soon as the next chunk's signed files
    start appearing in ``folder`` (written, not yet committed) or, failing that, as soon as a later chunk is
    reported. Returns (done, total) from the last progress line and the signed files on disk at the kill."""
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
    seen, last, deadline = b"", None, time.monotonic() + deadline_s
    try:
        while time.monotonic() < deadline and child.poll() is None:
            ready, _, _ = select.select([child.stderr], [], [], 0.002 if last else 0.5)
            if ready:
                data = os.read(child.stderr.fileno(), 65536)
                if not data:
                    break
                seen += data
                found = PROGRESS.findall(seen.decode("utf-8", "replace"))
                if found and found[-1] != last:
                    if last is not None:  # a later chunk committed before its files were caught: kill now
                        last = tuple(map(int, found[-1]))
                        break
                    last = tuple(map(int, found[-1]))
            if last and 0 < last[0] < last[1] and len(principal_files(folder)) > last[0]:
                break  # the next chunk is writing its files; its rows are not committed yet
        assert child.poll() is None, f"the batch ended before it could be killed:\n{seen.decode('utf-8', 'replace')}"
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        on_disk = principal_files(folder)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    assert last is not None and 0 < last[0] < last[1], seen.decode("utf-8", "replace")
    return last, on_disk


def signatures(path: str, *, trust_root: str | None = None) -> list[tuple]:
    """(field name, signer's common name) of every signature embedded in the PDF, read with pyHanko; with
    ``trust_root`` (a PEM file), also whether pyHanko finds the signature intact, valid and trusted."""
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from hocbaso.signing.aio import run_sync

    found = []
    with open(path, "rb") as handle:
        for sig in PdfFileReader(handle).embedded_signatures:
            item = (sig.field_name, sig.signer_cert.subject.native["common_name"])
            if trust_root:
                context = ValidationContext(trust_roots=[load_cert_from_pemder(trust_root)], allow_fetching=False)
                # run_sync: an earlier test in the same process may have left an event loop running here.
                status = run_sync(async_validate_pdf_signature(sig, signer_validation_context=context))
                item += (status.bottom_line,)
            found.append(item)
    return found


@pytest.mark.slow
def test_killed_school_batch_rerun_signs_every_record_exactly_once(child_env):
    env = child_env
    pupils = 2 * CHUNK + 10  # three chunks: the kill lands after the first, the rest is left to the rerun
    hocbaso(env, "shell", "-v", "0", "-c", SETUP.format(school=SCHOOL, year=YEAR, classes=CLASSES, pupils=pupils,
                                                         principal_pin=PRINCIPAL_PIN, teacher_pin=TEACHER_PIN))
    before = state_of(env)
    assert len(before["drafts"]) == pupils
    assert {d["state"] for d in before["drafts"]} == {"teacher_signed"}

    command = [sys.executable, "-m", "hocbaso", "sign", "--school", SCHOOL, "--year", YEAR, "--user", "hieutruong",
               "--pin-env", "PIN_HT"]
    folder = os.path.join(env["HOCBASO_DATA_DIR"], "files", "drafts", SCHOOL, YEAR)
    (reported, total), on_disk = kill_when_partly_signed(command, env, folder)
    assert total == pupils
    killed = state_of(env)
    first = {d["record_id"]: d for d in killed["drafts"] if d["state"] == "principal_signed"}
    # What the batch reported is committed; what it was doing when killed is not (its files may be on disk).
    assert reported <= len(first) < pupils, (reported, len(first))
    assert set(killed["audit"]["record.sign.ht"]) == set(first)
    orphans = on_disk - {os.path.basename(d["pdf"]) for d in first.values()}

    out = hocbaso(env, *command[3:])
    assert f"Hiệu trưởng đã ký và đóng dấu {pupils - len(first)} học bạ." in out, out
    final = state_of(env)
    drafts = final["drafts"]
    assert len(drafts) == pupils and {d["state"] for d in drafts} == {"principal_signed"}
    for draft in drafts:
        assert draft["fields"] == ["GVCN", "HT"], draft
        with open(draft["pdf"], "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == draft["sha256"], draft
        signed = signatures(draft["pdf"])
        assert [field for field, _ in signed] == ["GVCN", "HT"], (draft["record_id"], signed)
        assert signed[1][1] == "Đoàn Trung Quế" and signed[0][1].startswith("Giáo viên 4"), signed
        if draft["record_id"] in first:  # signed before the kill: the rerun left it alone
            assert (draft["pdf"], draft["sha256"]) == (first[draft["record_id"]]["pdf"],
                                                       first[draft["record_id"]]["sha256"])
    # Files the killed run wrote but never committed are not taken over: those records were signed again.
    assert not orphans & {os.path.basename(d["pdf"]) for d in drafts}
    record_ids = Counter(d["record_id"] for d in drafts)
    assert final["audit"]["record.sign.ht"] == record_ids  # one principal's signing entry per record, no more
    assert final["audit"]["record.sign.gvcn"] == record_ids
    # One record signed before the kill and one after: both signatures intact, valid and trusted (built-in CA).
    root = os.path.join(env["HOCBASO_DATA_DIR"], "pki", "ca", "root.pem")
    for draft in (next(d for d in drafts if d["record_id"] in first),
                  next(d for d in drafts if d["record_id"] not in first)):
        assert [ok for *_, ok in signatures(draft["pdf"], trust_root=root)] == [True, True], draft["record_id"]
    report = json.loads(hocbaso(env, "audit", "verify", "--json"))
    assert report["ok"] is True and report["checked"] >= 2 * pupils
