"""End-to-end issuance benchmark: the whole demo school through hocbaso's pipeline, beside a naive pipeline.

    .venv/bin/python bench/bench_issue.py [--tsa] [--naive N] [--database-url postgres://postgres@127.0.0.1:5432/NEWDB]
                                          [--data-dir DIR] [--profile [--profile-dump FILE]] [--keep]

Issue 21's target: ``--tsa`` (PAdES B-LTA, three XAdES B-T signatures per record) at >= 50 records/s end to end.

Setup (untimed): a fresh temporary ``HOCBASO_DATA_DIR`` (a new folder in ``--data-dir``, the system's temporary
folder by default; SQLite there by default; with ``--database-url`` a
PostgreSQL database of that name is created for the run and dropped afterwards; it must not exist yet),
``migrate``, ``demo_build()`` (school 67000101, year 2024-2025, 24 classes, 950 pupils), then what is not the
per-record pipeline, as ``demo.lifecycle.demo_issue`` does it: a built-in certificate for every signer and the
school's seal, the lock (chốt dữ liệu) of ALL 24 classes (demo_issue leaves 1A and 4A open; here every
class is issued) and every subject teacher's sign-off.

Timed ("ours", the product's services, in order):
  unlock          ``signer_open`` for each homeroom teacher, the principal and the seal (one PIN each)
  render          ``record_drafts_prepare`` for every enrolment (record_build + TT27 check + typst on every
                  core via ``render_many``, drafts stored)
  class_sign      ``class_sign`` per class (the homeroom teacher's signature on every record of the class)
  school_sign     ``school_sign`` (the principal's signature and seal on every record, incremental update)
  issue           ``records_issue(seal_signer=...)`` (registry rows with SHA-256, 24 class packages with a
                  sealed manifest)

Naive (same run, same database, one record at a time, one process, over an evenly spread sample): the same
signatures with the libraries' defaults. record_build of one enrolment (its own queries), a fresh
``typst.compile`` of the template with the arguments ``documents/render.py`` passes (so a new compiler, font load
and template parse per record) plus a fresh ``typst.query`` for the signature boxes; the record XML
(``tt27.record_xml``) signed three times by signxml's ``XAdESSigner`` (teacher, principal, seal: enveloped
signatures with the claimed role; with ``--tsa`` the XAdES signature time stamp added from pyHanko's requests
client, one request each) and embedded with pyHanko's ``embed_file``; then pyHanko with default settings
(``PdfSigner.sign_pdf`` on an ``IncrementalPdfFileWriter``, signature size found by pyHanko's dry run, visible
field with a ``TextStampStyle`` in the Vietnamese-capable stamp font; B-T with ``--tsa``) for the homeroom
teacher, the principal, then the seal (invisible) with pyHanko's long-term validation (``embed_validation_info``:
B-LT, and ``use_pades_lta`` with ``--tsa``: B-LTA) from a new ``ValidationContext`` per record holding the
built-in CA's CRLs. Each ``SimpleSigner`` is loaded from the identity's key.pem + cert.pem + chain.pem once and
reused (the naive path is not charged for key loading). Nothing is written to the database, and no registry or
package: those are favours to the naive figure.

With ``--tsa`` the time-stamping server (``signing.testing.tsa.LocalTSA``, its certificate from the deployment's
CA) runs in a child process of its own, as a real TSA is another machine: its CPU is printed apart and not
counted as the pipeline's; the estimate is printed with and without it on the same cores.

Also printed: how long creating a file takes in the data directory before the timed part (100 files the size
of a record's PDF; the pipeline creates three per record), since some file systems make it slow for a while
after many deletions (see bench/README.md, "file creation"); the CPU seconds of the main process and of its
worker processes (the render workers, the signature-update workers; read from rusage and /proc at each phase
change) per phase, the throughput those imply on idle cores, and the load average at the start and end, since
the wall-clock figures depend on what else runs on the machine.

At the end one issued record (and one naive PDF) is checked with Poppler's ``pdfsig``: three signatures, all
valid; on the issued record the last one covers the whole file (B-LT: the DSS is in the seal's revision), or a
document time stamp after them does (B-LTA, with ``--tsa``: the signatures are B-T); the naive PDF may end with
pyHanko's DSS after its last signature. ``--profile`` runs
the timed pipeline under cProfile and prints
the 25 entries with the largest cumulative time (this process only; the render workers are separate
processes, so ``render_many`` shows as waiting on the pool). The verdict is printed twice: on the measured
wall-clock rate, and on the rate estimated from CPU time for idle cores (the machine is often shared). Exit
status 0 only when the measured target is met and pdfsig accepts the issued record. This file is not part of
the test suite.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 50.0  # records per second end to end with PAdES B-LTA and three XAdES signatures (issue 21)
EXCLUDED: set[int] = set()  # child processes whose CPU is not the pipeline's (the local TSA, counted apart)


# ---------------------------------------------------------------------- database

def _postgres_setup(url: str):
    """Create the database named in ``url`` (refusing an existing one); returns a function that drops it."""
    from urllib.parse import unquote, urlparse

    import psycopg

    parsed = urlparse(url)
    name = unquote(parsed.path.lstrip("/"))
    if not name or not name.replace("_", "").isalnum():
        raise SystemExit(f"--database-url needs a plain database name (letters, digits, _): {url!r}")
    admin = dict(host=parsed.hostname or "127.0.0.1", port=parsed.port or 5432, user=unquote(parsed.username or ""),
                 password=unquote(parsed.password or "") or None, dbname="postgres", autocommit=True)
    with psycopg.connect(**admin) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            raise SystemExit(f"database {name!r} exists already; give the benchmark a fresh name")
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        from django.db import connections

        connections.close_all()
        with psycopg.connect(**admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return drop


def setup_environment(args) -> tuple[str, list]:
    """A fresh data directory (and database); returns a description and the clean-up callables."""
    data_dir = tempfile.mkdtemp(prefix="hocbaso-bench-issue-", dir=args.data_dir or None)
    cleanups = [] if args.keep else [lambda: shutil.rmtree(data_dir, ignore_errors=True)]
    os.environ["HOCBASO_DATA_DIR"] = data_dir
    os.environ.pop("HOCBASO_PKI_DIR", None)
    os.environ.pop("HOCBASO_TSA_URL", None)  # PAdES B-B: no time-stamping server in this benchmark
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
        drop = _postgres_setup(args.database_url)
        if not args.keep:
            cleanups.insert(0, drop)
        where = f"PostgreSQL {args.database_url} (created for this run)"
    else:
        os.environ.pop("DATABASE_URL", None)
        where = f"SQLite in {data_dir}"
    import django

    django.setup()
    return where, cleanups


# ---------------------------------------------------------------------- untimed preparation

SLOW_FILE = 0.25e-3  # seconds to create a 50 kB file, above which the header warns (0.05 ms on a healthy disk)


def file_creation_probe(folder: Path, count: int = 100) -> float:
    """Seconds of wall-clock time per new 50 kB file in ``folder`` (created here and left in place: deleting them
    would itself slow the next creations on the file systems this probe is for)."""
    folder.mkdir(parents=True)
    data = os.urandom(50_000)
    started = time.perf_counter()
    for index in range(count):
        (folder / f"{index}.pdf").write_bytes(data)
    return (time.perf_counter() - started) / count


def prepare(pin: str):
    """Identities, locks of all classes, subject sign-offs (what is not the per-record pipeline)."""
    from hocbaso.demo.builder import SCHOOL_CODE, SCHOOL_YEAR
    from hocbaso.directory.models import Role, SchoolClass, SchoolYear, Staff
    from hocbaso.records.locks import data_lock
    from hocbaso.records.selectors import subjects_needing_signoff
    from hocbaso.records.signatures import subject_signoff
    from hocbaso.signing.services import identity_for, identity_issue, signer_open

    year = SchoolYear.objects.select_related("school").get(school__code=SCHOOL_CODE, name=SCHOOL_YEAR)
    principal = Staff.objects.select_related("user").get(user__username="hieutruong")
    signers = Staff.objects.filter(school=year.school, role_set__role__in=[
        Role.PRINCIPAL, Role.HOMEROOM_TEACHER, Role.SUBJECT_TEACHER]).distinct()
    for staff in signers:
        identity_issue(staff=staff, pin=pin, by=principal.user)
    identity_issue(school=year.school, pin=pin, by=principal.user)
    classes = list(SchoolClass.objects.filter(school_year=year).select_related("homeroom_teacher__user")
                   .order_by("grade", "name"))
    for klass in classes:
        data_lock(school_year=year, school_class=klass, by=principal.user)
    opened = {}
    signoffs = 0
    for klass in classes:
        for subject, teacher in subjects_needing_signoff(klass).items():
            if teacher.pk not in opened:
                opened[teacher.pk] = signer_open(identity_for(staff=teacher), pin)
            subject_signoff(school_class=klass, subject=subject, by=teacher.user, signer=opened[teacher.pk])
            signoffs += 1
    return year, principal, classes, signoffs


# ---------------------------------------------------------------------- ours (timed)

def _stat(pid) -> tuple[int, float] | None:
    """(parent pid, CPU seconds of the process plus its reaped children) from /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            stat = handle.read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[1]), sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def descendants_cpu() -> float:
    """CPU seconds used so far by this process's child processes and theirs (the forkserver, the render
    workers and the signing workers): the reaped ones through rusage, the live ones (with the children they
    reaped) from /proc. Linux only; 0 elsewhere."""
    import resource

    total = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = total.ru_utime + total.ru_stime
    if not os.path.isdir("/proc"):
        return seconds
    stats = {int(p): found for p in os.listdir("/proc") if p.isdigit() and (found := _stat(p))}
    family, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {pid for pid, (parent, _cpu) in stats.items() if parent in frontier} - family - EXCLUDED
        family |= frontier
    return seconds + sum(stats[pid][1] for pid in family)


class Phases:
    """Wall seconds, this process's CPU seconds and its worker processes' CPU seconds per named phase
    (summed over calls)."""

    def __init__(self, *, workers: bool = True):
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.thread: dict[str, float] = {}  # the main thread's share of ``cpu`` (helper threads run beside it)
        self.workers: dict[str, float] = {}
        self._track, self._phase, self._workers_at = workers, None, 0.0

    def _switch(self, name) -> None:
        """Worker CPU is sampled when the phase changes only (a /proc scan costs a few ms)."""
        if self._track and name != self._phase:
            now = descendants_cpu()
            if self._phase is not None:
                self.workers[self._phase] = self.workers.get(self._phase, 0.0) + now - self._workers_at
            self._phase, self._workers_at = name, now

    def run(self, name, fn):
        self._switch(name)
        started, cpu, thread = time.perf_counter(), time.process_time(), time.thread_time()
        result = fn()
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
        self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - cpu
        self.thread[name] = self.thread.get(name, 0.0) + time.thread_time() - thread
        return result

    def finish(self) -> None:
        """Close the last phase's worker CPU (call when the timed work is over)."""
        self._switch(None)

    def clear(self):
        self.seconds.clear()
        self.cpu.clear()
        self.thread.clear()
        self.workers.clear()
        self._phase = None


def pipeline(year, principal, classes, pin: str, effective_date) -> tuple[Phases, int]:
    from hocbaso.directory.models import Enrolment
    from hocbaso.records.drafts import record_drafts_prepare
    from hocbaso.records.issuance import records_issue
    from hocbaso.records.signatures import class_sign, school_sign
    from hocbaso.signing.services import identity_for, signer_open

    phases = Phases()

    def unlock_all():
        # 26 people enter their PIN: on a server these are separate requests on separate workers, so they
        # are unlocked on two threads here (scrypt releases the GIL); the identities are read beforehand.
        from concurrent.futures import ThreadPoolExecutor

        from hocbaso.signing.services import deployment_ca

        deployment_ca()
        wanted = [(k.pk, identity_for(staff=k.homeroom_teacher), False) for k in classes]
        wanted += [("head", identity_for(staff=principal), True), ("seal", identity_for(school=year.school), False)]
        with ThreadPoolExecutor(max_workers=2) as pool:
            opened = pool.map(lambda item: (item[0], signer_open(item[1], pin, seal=item[2])), wanted)
            return dict(opened)

    signers = phases.run("unlock", unlock_all)
    teachers, head, seal = signers, signers["head"], signers["seal"]
    enrolments = phases.run("render", lambda: list(Enrolment.objects.filter(school_class__in=classes)
                                                   .select_related("pupil").order_by("school_class__name", "pk")))
    phases.run("render", lambda: record_drafts_prepare(enrolments=enrolments, by=principal.user,
                                                        effective_date=effective_date))
    signed = 0
    for klass in classes:
        signed += phases.run("class_sign", lambda: class_sign(school_class=klass, by=klass.homeroom_teacher.user,
                                                              signer=teachers[klass.pk],
                                                              effective_date=effective_date)).done
    phases.run("school_sign", lambda: school_sign(school_year=year, by=principal.user, signer=head))
    issued = phases.run("issue", lambda: records_issue(school_year=year, by=principal.user, seal_signer=seal)).done
    if signed != len(enrolments) or issued != len(enrolments):
        raise SystemExit(f"pipeline incomplete: {len(enrolments)} enrolments, {signed} teacher-signed, {issued} issued")
    return phases, issued


# ---------------------------------------------------------------------- naive

class NaivePipeline:
    """record_build → fresh typst.compile (+ fresh typst.query for the boxes) → pyHanko defaults × 2."""

    def __init__(self, pin: str, tsa_url: str | None = None):
        import json

        import typst

        from hocbaso.documents.attachment import attachment_name, canonical_json
        from hocbaso.documents.render import FONTS, HERE, PDF_STANDARD, TEMPLATE, Renderer, document_date, sigboxes

        from hocbaso.signing.publication import crl_current

        self.pin = pin
        self.phases = Phases(workers=False)  # one process: no /proc scans inside its timing
        self._signers: dict = {}
        self.keys: dict = {}
        self.tsa_url = tsa_url
        self.crls = [crl_current(), crl_current(root=True)]
        phases = self.phases

        class Naive(Renderer):
            def __init__(self):  # no long-lived compiler: that is the point
                self._inputs = None

            def _compile(self, page_view, records):
                attachments = [{"name": attachment_name(r["school_year"], single=len(records) == 1),
                                "school_year": r["school_year"], "format": r["format"],
                                "json": canonical_json(r).decode("utf-8")}
                               for r in records]
                self._inputs = {"view": json.dumps(page_view, ensure_ascii=False),
                                "records": json.dumps(attachments, ensure_ascii=False)}
                return phases.run("compile", lambda: typst.compile(
                    str(TEMPLATE), root=str(HERE), font_paths=[str(FONTS)], ignore_system_fonts=True,
                    sys_inputs=self._inputs, pdf_standards=PDF_STANDARD, timestamp=document_date(records),
                    pdf_tags=False))

            def _boxes(self):
                return sigboxes(phases.run("query boxes", lambda: typst.query(
                    str(TEMPLATE), "<sigbox>", field="value", root=str(HERE), font_paths=[str(FONTS)],
                    ignore_system_fonts=True, sys_inputs=self._inputs)))

        self.renderer = Naive()

    def signer(self, identity):
        """pyHanko SimpleSigner from the identity's key.pem / cert.pem / chain.pem, loaded once per identity."""
        from pyhanko.sign import signers

        from hocbaso.signing.ca import pin_password
        from hocbaso.signing.services import deployment_ca

        if identity.pk not in self._signers:
            ca = deployment_ca()
            ident = ca.identity(identity.identity_id)
            password = pin_password(self.pin, ident.salt, ca.pepper)
            self._signers[identity.pk] = signers.SimpleSigner.load(
                str(ident.directory / "key.pem"), str(ident.directory / "cert.pem"),
                ca_chain_files=(str(ident.directory / "chain.pem"),), key_passphrase=password)
            from cryptography.hazmat.primitives import serialization

            key = serialization.load_pem_private_key((ident.directory / "key.pem").read_bytes(), password)
            self.keys[identity.pk] = key, [(ident.directory / "cert.pem").read_text(),
                                           (ident.directory / "chain.pem").read_text()]
        return self._signers[identity.pk]

    def sign(self, pdf: bytes, signer, field: str, box, role: str | None, *, seal: bool = False) -> bytes:
        """pyHanko's ``PdfSigner`` with its defaults: B-T with the TSA (pyHanko's HTTP client, one request), and
        for the seal (``seal``, invisible) PAdES B-LT (``embed_validation_info``: pyHanko's DSS after the
        signature) or B-LTA with the TSA (``use_pades_lta``: and a document time stamp)."""
        import io

        from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.pdf_utils.text import TextBoxStyle
        from pyhanko.sign import fields, signers
        from pyhanko.stamp import TextStampStyle

        from hocbaso.signing.stamp import REGULAR

        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        extra = {}
        if seal:
            extra = dict(embed_validation_info=True, use_pades_lta=self.timestamper() is not None,
                         validation_context=self.validation_context())
        meta = signers.PdfSignatureMetadata(field_name=field, subfilter=fields.SigSeedSubFilter.PADES, **extra)
        if box is None:
            return signers.PdfSigner(meta, signer, timestamper=self.timestamper()).sign_pdf(writer).getvalue()
        page, x1, y1, x2, y2 = box
        style = TextStampStyle(stamp_text=f"Ký bởi: %(signer)s\n{role}\nKý ngày %(ts)s",
                               timestamp_format="%d/%m/%Y %H:%M",
                               text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(str(REGULAR))))
        spec = fields.SigFieldSpec(field, on_page=page - 1, box=(x1, y1, x2, y2))
        return signers.PdfSigner(meta, signer, stamp_style=style, new_field_spec=spec,
                                 timestamper=self.timestamper()).sign_pdf(writer).getvalue()

    def timestamper(self):
        """pyHanko's requests-based time-stamp client, a new one per use (None without ``--tsa``)."""
        if not self.tsa_url:
            return None
        from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

        return RequestsHTTPTimeStamper(self.tsa_url)

    def validation_context(self):
        """pyHanko's ``ValidationContext`` for the seal's B-LT/B-LTA: the deployment's root, the built-in CA's
        CRLs as the product gives them, nothing fetched. A new one per record (nothing cached between records)."""
        from pyhanko_certvalidator import ValidationContext

        from hocbaso.signing.validate import configured_trust_roots, load_roots

        from asn1crypto import crl as asn1_crl

        return ValidationContext(trust_roots=load_roots(configured_trust_roots()),
                                 crls=[asn1_crl.CertificateList.load(c) for c in self.crls],
                                 allow_fetching=False, revocation_mode="soft-fail")

    def xades(self, xml: bytes, identity, role: str) -> bytes:
        """signxml's ``XAdESSigner`` with its defaults (an enveloped signature over the whole document) and the
        role claimed; with ``--tsa`` the XAdES B-T signature time stamp over the SignatureValue added by hand
        (signxml has none), from pyHanko's client."""
        import base64
        import hashlib

        import signxml.xades
        from cryptography.hazmat.primitives.asymmetric import ec
        from lxml import etree

        from hocbaso.signing.aio import run_sync

        key, certs = self.keys[identity.pk]
        signer = signxml.xades.XAdESSigner(
            claimed_roles=[role], signature_algorithm="ecdsa-sha256" if isinstance(key, ec.EllipticCurvePrivateKey)
            else "rsa-sha256")
        root = signer.sign(etree.fromstring(xml), key=key, cert=certs)
        stamper = self.timestamper()
        if stamper is not None:
            ds, xades = "http://www.w3.org/2000/09/xmldsig#", "http://uri.etsi.org/01903/v1.3.2#"
            signature = root.findall(f"{{{ds}}}Signature")[-1]
            value = signature.find(f"{{{ds}}}SignatureValue")
            digest = hashlib.sha256(etree.tostring(value, method="c14n", exclusive=True)).digest()
            token = run_sync(stamper.async_timestamp(digest, "sha256")).dump()
            qualifying = signature.find(f".//{{{xades}}}QualifyingProperties")
            unsigned = etree.SubElement(etree.SubElement(qualifying, f"{{{xades}}}UnsignedProperties"),
                                        f"{{{xades}}}UnsignedSignatureProperties")
            stamp = etree.SubElement(unsigned, f"{{{xades}}}SignatureTimeStamp")
            etree.SubElement(stamp, f"{{{xades}}}EncapsulatedTimeStamp").text = base64.b64encode(token).decode()
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    @staticmethod
    def attach(pdf: bytes, xml: bytes) -> bytes:
        """pyHanko's ``embed_file`` (an incremental update) with the XML as the PDF/A-3 associated file."""
        import io

        from pyhanko.pdf_utils import embed
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        spec = embed.FileSpec(file_spec_string="hocbaso-record.xml", file_name="hocbaso-record.xml",
                              embedded_data=embed.EmbeddedFileObject.from_file_data(writer, xml, mime_type="text/xml"),
                              f_related_files=None, description="Học bạ số dạng XML")
        embed.embed_file(writer, spec)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    def one(self, enrolment_id: int, teacher_identity, principal_identity, seal_identity, verify_url: str) -> bytes:
        import hashlib

        from hocbaso.records.codes import new_lookup_code, new_record_id
        from hocbaso.records.selectors import enrolments_for_records, record_build
        from hocbaso.tt27.record_xml import record_to_xml

        def build():
            enrolment = enrolments_for_records().get(pk=enrolment_id)
            record = record_build(enrolment)
            year = enrolment.school_class.school_year
            record["issuance"] = {"record_id": new_record_id(year.school.code, year.name),
                                  "lookup_code": new_lookup_code(), "effective_date": "2025-06-02", "version": 1,
                                  "supersedes": None, "issued_at": "2025-06-02T07:00:00+07:00"}
            return record

        record = self.phases.run("record_build", build)
        pdf, boxes = self.renderer.year_with_boxes(record, verify_url=verify_url)
        teacher, principal, seal = (self.signer(i) for i in (teacher_identity, principal_identity, seal_identity))
        xml = self.phases.run("record XML", lambda: record_to_xml(record))
        for identity, role in ((teacher_identity, "Giáo viên chủ nhiệm"), (principal_identity, "Hiệu trưởng"),
                               (seal_identity, "Đóng dấu trường")):
            xml = self.phases.run("signxml XAdES x3", lambda: self.xades(xml, identity, role))
        pdf = self.phases.run("pyHanko embed XML", lambda: self.attach(pdf, xml))
        pdf = self.phases.run("pyHanko teacher", lambda: self.sign(pdf, teacher, "GVCN", boxes["teacher"],
                                                                   "Giáo viên chủ nhiệm"))
        pdf = self.phases.run("pyHanko principal", lambda: self.sign(pdf, principal, "HT", boxes["principal"],
                                                                     "Hiệu trưởng"))
        pdf = self.phases.run("pyHanko seal+LTV", lambda: self.sign(pdf, seal, "DONGDAU", None, None, seal=True))
        self.phases.run("sha256", lambda: hashlib.sha256(pdf).hexdigest())
        return pdf


def naive_run(classes, principal, count: int, pin: str, tsa_url: str | None) -> tuple[float, int, NaivePipeline,
                                                                                       bytes]:
    from hocbaso.directory.models import Enrolment
    from hocbaso.records.drafts import verify_url_template
    from hocbaso.signing.services import identity_for

    ids = list(Enrolment.objects.filter(school_class__in=classes).order_by("school_class__name", "pk")
               .values_list("pk", "school_class_id"))
    step = max(1, len(ids) // max(1, count))
    sample = ids[::step][:count]
    teachers = {k.pk: identity_for(staff=k.homeroom_teacher) for k in classes}
    head = identity_for(staff=principal)
    seal = identity_for(school=principal.school)
    url = verify_url_template()
    naive = NaivePipeline(pin, tsa_url)
    naive.one(sample[0][0], teachers[sample[0][1]], head, seal, url)  # warm-up: imports, fonts (untimed)
    naive.phases.clear()  # the renderer shares this object: clear it, do not replace it
    started = time.perf_counter()
    pdf = b""
    for enrolment_id, class_id in sample:
        pdf = naive.one(enrolment_id, teachers[class_id], head, seal, url)
    seconds = time.perf_counter() - started
    return seconds, len(sample), naive, pdf


# ---------------------------------------------------------------------- pdfsig

def pdfsig_check(pdf: bytes, label: str, expected: int = 3, dss_after: bool = False) -> bool:
    """Poppler's pdfsig: exactly ``expected`` signatures (teacher, principal and the school's seal), all valid,
    the last one covering the whole file, or a document time stamp after them covering the whole file (B-LTA);
    with ``dss_after`` (the naive PDF: pyHanko writes the DSS after the seal's signature) also nothing signed
    after the DSS (B-LT). An issued record's DSS is inside the seal's revision: its last signature covers the
    whole file."""
    if not shutil.which("pdfsig"):
        print(f"pdfsig ({label}): not installed (Debian package poppler-utils) - skipped")
        return False
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        out = subprocess.run(["pdfsig", handle.name], capture_output=True, text=True).stdout
    after = f"Signature #{expected + 1}"
    stamp = out.split(after)[1] if after in out else ""  # B-LTA's document time stamp
    people = out.split(after)[0]
    signatures = people.count("Signature Validation:")
    valid = people.count("Signature Validation: Signature is Valid.")
    whole = "Total document signed" in (stamp or people.split(f"Signature #{expected}")[-1])
    lt_only = dss_after and b"/DSS" in pdf  # pyHanko's DSS follows the last signature (or time stamp)
    ok = signatures == expected and valid == expected and (whole or lt_only)
    last = "the document time stamp" if stamp else "the last signature"
    covers = "covers the whole file" if whole else "is followed by the DSS (B-LT)" if lt_only else \
        "does NOT cover the whole file"
    print(f"pdfsig ({label}): {signatures} signatures, {valid} valid; {last} {covers} -> {'OK' if ok else 'PROBLEM'}")
    if not ok:
        print(out)
    return ok


# ---------------------------------------------------------------------- main

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--naive", type=int, default=40, help="records in the naive sample (default 40)")
    parser.add_argument("--database-url", default="",
                        help="postgres://postgres@127.0.0.1:5432/NEWDB: run on PostgreSQL (database created and "
                             "dropped; must not exist)")
    parser.add_argument("--profile", action="store_true",
                        help="run the timed pipeline under cProfile and print the top 25 by cumulative time")
    parser.add_argument("--profile-dump", metavar="FILE", default="",
                        help="with --profile: also save the raw pstats data to FILE")
    parser.add_argument("--keep", action="store_true", help="keep the data directory / database afterwards")
    parser.add_argument("--tsa", action="store_true",
                        help="sign B-T and issue B-LTA with a local time-stamping server on 127.0.0.1")
    parser.add_argument("--data-dir", metavar="DIR", default="",
                        help="make the run's data directory in DIR (default: the system's temporary folder)")
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ["DJANGO_SETTINGS_MODULE"] = "hocbaso.settings"
    load_at_start = os.getloadavg()[0]
    where, cleanups = setup_environment(args)
    try:
        return run(args, where, load_at_start)
    finally:
        for cleanup in cleanups:
            cleanup()


def run(args, where: str, load_at_start: float) -> int:
    import datetime as dt

    from django.core.management import call_command

    from hocbaso.core.files import file_read
    from hocbaso.demo.builder import demo_build
    from hocbaso.demo.lifecycle import DEMO_PIN
    from hocbaso.core.workers import available_cpus
    from hocbaso.records.models import IssuedRecord

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    built = demo_build()
    setup_build = time.perf_counter() - started
    started = time.perf_counter()
    year, principal, classes, signoffs = prepare(DEMO_PIN)
    setup_prep = time.perf_counter() - started
    per_file = file_creation_probe(Path(os.environ["HOCBASO_DATA_DIR"]) / "bench-probe")
    print(f"database: {where}")
    print(f"machine: {os.cpu_count()} CPUs, {available_cpus()} usable; load average (1 min) at start "
          f"{load_at_start:.2f}")
    print(f"setup (untimed): migrate + demo_build {setup_build:.1f} s ({built.pupils} pupils, {built.classes} "
          f"classes); identities + locks of all {len(classes)} classes + {signoffs} subject sign-offs "
          f"{setup_prep:.1f} s")
    print(f"file creation in the data directory before the timed part: {per_file * 1000:.2f} ms per file "
          f"(100 files of 50 kB; the pipeline creates 3 per record)"
          + ("" if per_file < SLOW_FILE else
             f"\n  SLOW (above {SLOW_FILE * 1000:.2f} ms): the 3 files of each record take about "
             f"{3 * per_file * 1000:.1f} ms of kernel time in this run (ext4 without a journal after many recent "
             f"deletions, see bench/README.md, \"file creation\"; wait a few minutes or use --data-dir elsewhere)"))

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    tsa = tsa_start() if args.tsa else None
    if tsa is not None:
        from django.conf import settings

        settings.TSA_URL = tsa.url
    print(f"long-term validation: {'B-LTA (local TSA in its own process, B-T signatures)' if args.tsa else 'B-LT (no TSA)'}")
    try:
        tsa_cpu = tsa.cpu() if tsa else 0.0
        started = time.perf_counter()
        phases, issued = pipeline(year, principal, classes, DEMO_PIN, dt.date(2025, 6, 2))
        total = time.perf_counter() - started
        tsa_cpu = (tsa.cpu() - tsa_cpu) if tsa else 0.0
        tsa_requests = tsa.requests() if tsa else 0
        phases.finish()  # the workers' CPU of the last phase (after the clock stopped: a /proc scan)
        if profiler is not None:
            profiler.disable()
        rate = issued / total

        print()
        print(f"ours (hocbaso services), {issued} records, all {len(classes)} classes"
              f"{' [under cProfile: slower than a plain run]' if profiler else ''}:")
        for name, seconds in phases.seconds.items():
            print(f"  {name:<12} {seconds:7.2f} s  {seconds / issued * 1000:7.2f} ms/record   CPU: main process "
                  f"{phases.cpu[name]:6.2f} s (main thread {phases.thread[name]:6.2f} s), worker processes "
                  f"{phases.workers.get(name, 0.0):6.2f} s")
        print(f"  {'end to end':<12} {total:7.2f} s  {total / issued * 1000:7.2f} ms/record   CPU: main process "
              f"{sum(phases.cpu.values()):6.2f} s, worker processes {sum(phases.workers.values()):6.2f} s"
              f"  = {rate:.1f} records/s")
        if tsa:
            print(f"  local TSA (its own process, not counted above): {tsa_requests} time stamps, "
                  f"{tsa_requests / issued:.1f} a record, CPU {tsa_cpu:.2f} s ({tsa_cpu / issued * 1000:.1f} ms/record)")

        naive_seconds, naive_count, naive, naive_pdf = naive_run(classes, principal, args.naive, DEMO_PIN,
                                                                 tsa.url if tsa else None)
    finally:
        if tsa is not None:
            tsa.stop()
    naive_rate = naive_count / naive_seconds
    print()
    print(f"naive (one record at a time, 1 process, libraries' defaults: record_build, fresh typst.compile + "
          f"typst.query, record XML + signxml XAdES x3, pyHanko embed_file, pyHanko PdfSigner x3 "
          f"{'B-T, the seal B-LTA' if tsa else 'B-B, the seal B-LT'}), sample of {naive_count} records:")
    for name, seconds in naive.phases.seconds.items():
        print(f"  {name:<18} {seconds:7.2f} s  {seconds / naive_count * 1000:7.1f} ms/record   CPU "
              f"{naive.phases.cpu[name]:6.2f} s")
    print(f"  {'end to end':<18} {naive_seconds:7.2f} s  {naive_seconds / naive_count * 1000:7.1f} ms/record"
          f"  = {naive_rate:.1f} records/s")

    main_cpu = sum(phases.cpu.values()) / issued
    worker_cpu = sum(phases.workers.values()) / issued
    cores = available_cpus()
    # On idle cores a phase takes at least its main thread's CPU time (the process's helper threads: file writers,
    # time-stamp requests, package ZIPs, run beside it, mostly without the GIL) and at least its total CPU time
    # spread over every core.
    quiet = sum(max(phases.thread[name], (phases.cpu[name] + phases.workers.get(name, 0.0)) / cores)
                for name in phases.seconds)
    quiet_tsa = quiet + tsa_cpu / cores  # the local TSA's CPU on the same cores
    print()
    print(f"CPU per record, ours: main process {main_cpu * 1000:.1f} ms + worker processes (typst, signature "
          f"updates) {worker_cpu * 1000:.1f} ms = {(main_cpu + worker_cpu) * 1000:.1f} ms"
          + (f"; local TSA {tsa_cpu / issued * 1000:.1f} ms" if tsa else ""))
    print(f"  -> estimate from CPU time for {cores} idle cores (CPU time grows too when the CPUs are shared): "
          f"{issued / quiet:.0f} records/s with this run's phases"
          + (f" ({issued / quiet_tsa:.0f} records/s with the local TSA's CPU on the same cores)" if tsa else "")
          + f"; {cores / (main_cpu + worker_cpu):.0f} records/s if every phase used every core fully")
    print()
    print(f"records/s: ours {rate:.1f}, naive {naive_rate:.1f}; ratio ours/naive: {rate / naive_rate:.1f}x")
    verdict = "PASS" if rate >= TARGET else "FAIL"
    estimate = "PASS" if issued / quiet >= TARGET else "FAIL"
    print(f"target >= {TARGET:.0f} records/s end to end: measured {rate:.1f} records/s -> {verdict}; "
          f"estimated for idle cores {issued / quiet:.0f} records/s -> {estimate}")

    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f} (above ~0.1 at start or end: other processes "
          f"shared the 2 CPUs and the wall-clock figures are lower than on a quiet machine)")
    sample = IssuedRecord.objects.order_by("pk").first()
    ok = pdfsig_check(file_read(sample.pdf), f"issued record {sample.record_id}, {sample.class_name}", expected=3)
    pdfsig_check(naive_pdf, "last naive PDF", dss_after=True)

    if profiler is not None:
        import pstats

        print("\ncProfile of the timed pipeline (this process), top 25 by cumulative time:")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)
        if args.profile_dump:
            profiler.dump_stats(args.profile_dump)
    return 0 if verdict == "PASS" and ok else 1


# ---------------------------------------------------------------------- the local TSA, in its own process

class TsaProcess:
    """``signing.testing.tsa.LocalTSA`` (certificate from the deployment's CA) served by a child process, as a
    real TSA is another machine: its CPU is counted apart (``EXCLUDED``). Started by running this file with
    ``--serve-tsa``: it prints the URL, then the request count for each line read, and stops at end of input."""

    def __init__(self):
        self.process = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve-tsa"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=dict(os.environ))
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http"):
            raise SystemExit("the local TSA did not start")
        EXCLUDED.add(self.process.pid)

    def cpu(self) -> float:
        found = _stat(self.process.pid)
        return found[1] if found else 0.0

    def requests(self) -> int:
        self.process.stdin.write("count\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def tsa_start() -> TsaProcess:
    return TsaProcess()


def serve_tsa() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ["DJANGO_SETTINGS_MODULE"] = "hocbaso.settings"
    import django

    django.setup()
    from hocbaso.signing.services import deployment_ca
    from hocbaso.signing.testing.tsa import LocalTSA

    with LocalTSA(deployment_ca(), name="bench TSA") as tsa:
        print(tsa.url, flush=True)
        for _line in sys.stdin:
            print(tsa.requests, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(serve_tsa() if sys.argv[1:] == ["--serve-tsa"] else main())
