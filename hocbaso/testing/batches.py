"""Child processes for the tests that kill a batch: a school to sign built inside the child's own database
(``SETUP``), the drafts and signing entries read back (``STATE``), the child's environment, and the signatures
pyHanko finds in a file. Shared by the killed-batch test (the console command) and the killed-worker test (Celery)."""

import json
import os
import re
import subprocess
import sys
from contextlib import contextmanager

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
commune = Commune.objects.create(province=province, code="24730", name="xã Trường Xuân")
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

@contextmanager
def child_environment(folder, **extra: str):
    """The environment of child processes (``hocbaso`` commands, workers): their own data folder under ``folder``;
    on the PostgreSQL pass a database of their own on the same server (dropped afterwards), else SQLite in that
    folder; ``extra`` variables on top."""
    env = {**os.environ, "HOCBASO_DATA_DIR": str(folder / "data"), "DJANGO_SETTINGS_MODULE": "hocbaso.settings",
           **extra}
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




def signatures(path: str, *, trust_root: str | None = None) -> list[tuple]:
    """(field name, signer's common name) of every signature embedded in the PDF, read with pyHanko; with
    ``trust_root`` (a PEM file), also whether pyHanko finds the signature intact, valid and trusted."""
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from hocbaso.signing.aio import run_sync
    from hocbaso.signing.xml_pdf import diff_policy

    policy = diff_policy()  # the record XML's stream is replaced before each later signature (signing.xml_pdf)
    found = []
    with open(path, "rb") as handle:
        for sig in PdfFileReader(handle).embedded_signatures:
            item = (sig.field_name, sig.signer_cert.subject.native["common_name"])
            if trust_root:
                context = ValidationContext(trust_roots=[load_cert_from_pemder(trust_root)], allow_fetching=False)
                # run_sync: an earlier test in the same process may have left an event loop running here.
                status = run_sync(async_validate_pdf_signature(sig, signer_validation_context=context,
                                                               diff_policy=policy))
                item += (status.bottom_line,)
            found.append(item)
    return found




def child_query(env, query: str) -> list[tuple]:
    """The rows ``query`` finds in the child's database, read directly (no Django start-up: a test can poll)."""
    url = env.get("DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            return conn.execute(query).fetchall()
    import sqlite3

    conn = sqlite3.connect(os.path.join(env["HOCBASO_DATA_DIR"], "hocbaso.sqlite3"), timeout=30)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def job_row(env, pk: int) -> dict:
    """Job ``pk``'s row in the child's database."""
    columns = ("state", "done", "total", "attempts", "args", "message", "error", "result", "created_by_id")
    found = dict(zip(columns, child_query(env, f"SELECT {', '.join(columns)} FROM jobs_job WHERE id = {int(pk)}")[0]))
    for name in ("args", "result"):
        if isinstance(found[name], str):
            found[name] = json.loads(found[name])
    return found
