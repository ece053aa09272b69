"""Gói học bạ của lớp: each class's current issued PDFs in one ZIP with a manifest sheet sealed by the school,
built after issuance, and the check of such a package."""

import datetime as dt
import hashlib
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery

from hocbaso.audit.services import Action, log_actions
from hocbaso.core.files import file_write, files_read
from hocbaso.directory.models import SchoolClass
from hocbaso.directory.selectors import school_names
from hocbaso.records.models import ClassPackage, IssuedRecord, PackageReceipt
from hocbaso.records.selectors import current_issued
from hocbaso.signing.packages import manifest_sheet_task, package_open, package_zip, seal_sheet
from hocbaso.signing.pades import SignJob, batch_pool, prepare_workers
from hocbaso.signing.xml_packages import VIETNAM, manifest_xml, manifests_finish, manifests_prepare, xml_package_zip
from hocbaso.signing.xml_pdf import pdf_xml_read


def classes_missing_package(school_year, school_class=None):
    """The classes of ``school_year`` (or just ``school_class``) that have issued records and no package made since
    their last issuance: a batch killed between the registry's commit and the package, or issued without the
    seal. Ordered by primary key."""
    classes = SchoolClass.objects.filter(school_year=school_year).select_related("school_year__school")
    if school_class is not None:
        classes = classes.filter(pk=school_class.pk)
    last_issued = (IssuedRecord.objects.filter(enrolment__school_class=OuterRef("pk"))
                   .order_by("-issued_at").values("issued_at")[:1])
    packaged = ClassPackage.objects.filter(school_class=OuterRef("pk"), created_at__gte=OuterRef("last_issued"))
    return (classes.annotate(last_issued=Subquery(last_issued)).filter(last_issued__isnull=False)
            .exclude(Exists(packaged)).order_by("pk"))


def class_packages_missing_build(*, school_year, by, seal_signer, school_class=None) -> list[ClassPackage]:
    """Build the package of every class that misses one (``classes_missing_package``); the command
    ``hocbaso packages`` and a rerun of issuance call it."""
    return class_packages_build(school_classes=classes_missing_package(school_year, school_class), by=by,
                                seal_signer=seal_signer)


def class_package_build(*, school_class: SchoolClass, by, seal_signer) -> ClassPackage:
    """Gói học bạ của lớp: a ZIP of the class's current issued PDFs and ``manifest.pdf``, a sheet listing
    every record (identifier, version, lookup code, SHA-256) with the list attached as JSON, signed with the
    school's seal."""
    return class_packages_build(school_classes=[school_class], by=by, seal_signer=seal_signer)[0]


def class_packages_build(*, school_classes, by, seal_signer) -> list[ClassPackage]:
    """``class_package_build`` for each class, in order. The manifest sheets are compiled (typst) ahead: in the
    signing batches' worker processes (``signing.pades.batch_pool``) when there are several classes and
    several CPUs. Reading the PDFs, zipping, hashing and writing each package (mostly without holding the GIL)
    runs in a helper thread while this thread seals the next sheets; the seal's signatures and the database
    writes stay in this thread."""
    school_classes = list(school_classes)
    return class_packages_finish(class_packages_start(school_classes, pool=len(school_classes) > 1),
                                  by=by, seal_signer=seal_signer)


def class_packages_start(school_classes, *, pool: bool) -> list[tuple]:
    """Each class's package plan (its current issued records: read now) and its manifest sheet, compiling in the
    worker pool when ``pool`` and there are several CPUs (``.get()`` waits for it), else compiled on ``.get()``."""
    started = []
    pool = pool and prepare_workers() > 1
    for klass in school_classes:
        plan = _class_package_plan(klass)
        task = (plan[1], plan[2])
        # 40 ms of typst per sheet: a school's 24 classes take a second of CPU, on every core instead of one.
        sheet = batch_pool().apply_async(manifest_sheet_task, (task,)) if pool else _Deferred(manifest_sheet_task, task)
        started.append((klass, plan, sheet))
    return started


class _Deferred:
    """A result computed in this thread when asked for (the ``.get()`` of a pool's result)."""

    def __init__(self, function, argument):
        self.function, self.argument = function, argument

    def get(self):
        return self.function(self.argument)


SEAL_REASON = "Đóng dấu danh sách học bạ phát hành"


def class_packages_finish(started: list[tuple], *, by, seal_signer,
                          known_xmls: dict[str, bytes] | None = None) -> list[ClassPackage]:
    """Seal each started class's sheet, write its ZIP (helper thread) and record the package, in order. The
    classes' packages in XML (``signing.xml_packages``) are sealed first, all in one ``sign_digests`` call of
    the same seal signer (no other PIN, one CSC authorisation), and written and recorded with the PDF ones.
    ``known_xmls``: an issued file's name → the signed record XML inside it, when the caller has it (issuance
    made it): that file is not read again for it."""
    packages, pending = [], deque()
    # Two writers: zipping, hashing and writing 4 MB a class mostly run without the GIL, on both cores.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="class-package") as helper:
        xml_plan = _xml_packages_prepare(started, seal_signer=seal_signer, helper=helper, known=known_xmls)
        xml_parts = None
        try:
            for index, (klass, plan, sheet) in enumerate(started):
                if xml_parts is None and hasattr(seal_signer, "sign_batch_with") and xml_plan[0] is not None:
                    # A seal confirmed on a phone: every class's manifest rides on the first sheet's transaction.
                    [signed], values = seal_signer.sign_batch_with(
                        [SignJob(sheet.get(), "DONGDAU", reason=SEAL_REASON)], xml_plan[0].digests)
                    xml_parts = _xml_packages_finish(xml_plan, values, seal_signer=seal_signer)
                else:
                    if xml_parts is None:
                        values = seal_signer.sign_digests(xml_plan[0].digests) if xml_plan[0] is not None else []
                        xml_parts = _xml_packages_finish(xml_plan, values, seal_signer=seal_signer)
                    signed = seal_sheet(sheet.get(), seal_signer=seal_signer, reason=SEAL_REASON)
                pending.append((klass, plan, helper.submit(_class_package_write, klass, plan, signed,
                                                           xml_parts[index])))
                if len(pending) > 2:  # the oldest is written by now: recorded while the next two are written
                    packages.append(_class_package_record(*pending.popleft(), by=by))
            while pending:
                packages.append(_class_package_record(*pending.popleft(), by=by))
        except BaseException:
            # A later class failed: the packages still being written are recorded too, as one at a time would.
            while pending and pending[0][2].exception() is None:
                packages.append(_class_package_record(*pending.popleft(), by=by))
            raise
    return packages


def _class_package_plan(school_class: SchoolClass) -> tuple[list, dict, dict]:
    """The class's current issued records, the package's manifest and its sheet's content."""
    year = school_class.school_year
    issued = list(current_issued(IssuedRecord.objects.filter(enrolment__school_class=school_class))
                  .defer("record", "signers").order_by("pupil_name", "record_id"))
    names = school_names(year.school)
    manifest = {"format": "hocbaso.class-package/1", "school": year.school.code, "school_name": year.school.name,
                **names, "school_year": year.name, "class_name": school_class.name,
                "records": [{"record_id": r.record_id, "version": r.version, "lookup_code": r.lookup_code,
                             "identity_number": r.identity_number, "pupil_name": r.pupil_name,
                             "file": f"records/{r.record_id}.pdf", "sha256": r.sha256} for r in issued]}
    sheet = dict(authority=names["authority"], left=year.school.name, right=f"Năm học {year.name}",
                 title=f"Danh sách học bạ số phát hành — lớp {school_class.name}",
                 subtitle=f"{len(issued)} học bạ · Năm học {year.name}",
                 columns=["STT", "Họ và tên", "Mã số định danh học bạ", "Phiên bản", "SHA-256"],
                 widths=["auto", "1fr", "auto", "auto", "3.2cm"],
                 rows=[[i, r.pupil_name, r.record_id, r.version, r.sha256[:16] + "…"]
                       for i, r in enumerate(issued, 1)],
                 signer_title="Thủ trưởng đơn vị (đóng dấu)", signer_name=year.school.name)
    return issued, manifest, sheet


def _class_xmls(issued, known: dict[str, bytes] | None = None) -> list[bytes] | None:
    """The signed XML inside each issued PDF (exactly the bytes signed), or None when one has none (issued before
    the record XML existed): ``known[file name]`` when there, else read out of the file; no database access, runs
    in a helper thread."""
    known = known or {}
    missing = [r.pdf for r in issued if r.pdf not in known]
    read = dict(zip(missing, (pdf_xml_read(pdf) for pdf in files_read(missing))))
    xmls = [known[r.pdf] if r.pdf in known else read[r.pdf] for r in issued]
    return None if any(x is None for x in xmls) else xmls


def _xml_packages_prepare(started: list[tuple], *, seal_signer, helper, known: dict | None = None) -> tuple:
    """The classes' packages in XML up to the seal: ``(the manifests' XAdES signatures waiting for their values
    (``XadesPrepared``, None when no class has one), [(class index, {records/<id>.xml: signed XML})])``; a class
    with a record without XML (issued before the record XML) has none."""
    found = list(helper.map(_class_xmls, [plan[0] for _klass, plan, _sheet in started], [known] * len(started)))
    now = dt.datetime.now(VIETNAM).replace(microsecond=0).isoformat()
    todo, unsigned = [], []
    for index, ((klass, plan, _sheet), xmls) in enumerate(zip(started, found, strict=True)):
        if xmls is None:
            continue
        issued, manifest = plan[0], plan[1]
        school = {"code": manifest["school"], "name": manifest["school_name"], "authority": manifest["authority"],
                  "commune": manifest["commune"], "province": manifest["province"]}
        entries = [{"record_id": r.record_id, "version": r.version, "identity_number": r.identity_number,
                    "pupil_name": r.pupil_name, "file": f"records/{r.record_id}.xml",
                    "sha256": hashlib.sha256(x).hexdigest()} for r, x in zip(issued, xmls, strict=True)]
        unsigned.append(manifest_xml({"school": school, "school_year": manifest["school_year"],
                                      "class_name": klass.name, "created_at": now, "records": entries}))
        todo.append((index, {e["file"]: x for e, x in zip(entries, xmls, strict=True)}))
    prepared = manifests_prepare(seal_signer, unsigned) if unsigned else None
    return prepared, todo, len(started)


def _xml_packages_finish(plan: tuple, values: list[bytes], *, seal_signer) -> list[tuple | None]:
    """Per started class: ``(signed manifest.xml, {records/<id>.xml: signed XML})`` or None, from the raw
    signatures ``values`` of the prepared manifests' digests."""
    prepared, todo, count = plan
    out: list[tuple | None] = [None] * count
    if prepared is None:
        return out
    for (index, files), signed in zip(todo, manifests_finish(prepared, values, seal_signer=seal_signer),
                                      strict=True):
        out[index] = (signed, files)
    return out


def _xml_packages_seal(started: list[tuple], *, seal_signer, helper) -> list[tuple | None]:
    """``_xml_packages_prepare`` then the seal's ``sign_digests`` (one call for every class) and
    ``_xml_packages_finish``."""
    plan = _xml_packages_prepare(started, seal_signer=seal_signer, helper=helper)
    values = seal_signer.sign_digests(plan[0].digests) if plan[0] is not None else []
    return _xml_packages_finish(plan, values, seal_signer=seal_signer)


def _class_package_write(school_class: SchoolClass, plan: tuple, signed_sheet: bytes,
                         xml_part: tuple | None = None) -> tuple[str, str, str, str]:
    """The package's ZIP written to storage (no database access: runs in a helper thread), and its package in XML
    when ``xml_part`` (its sealed manifest and records); their names and SHA-256."""
    issued, _manifest, _sheet = plan
    year = school_class.school_year
    data = package_zip(signed_sheet, {f"records/{r.record_id}.pdf": pdf
                                      for r, pdf in zip(issued, files_read([r.pdf for r in issued]))})
    name = file_write(f"packages/{year.school.code}/{year.name}/{school_class.name}.zip", data)
    xml_name = xml_sha256 = ""
    if xml_part is not None:
        xml_data = xml_package_zip(*xml_part)
        xml_name = file_write(f"packages/{year.school.code}/{year.name}/{school_class.name}-xml.zip", xml_data)
        xml_sha256 = hashlib.sha256(xml_data).hexdigest()
    return name, hashlib.sha256(data).hexdigest(), xml_name, xml_sha256


def _class_package_record(school_class: SchoolClass, plan: tuple, written, *, by) -> ClassPackage:
    issued = plan[0]
    name, sha256, xml_name, xml_sha256 = written.result()
    year = school_class.school_year
    with transaction.atomic():
        package = ClassPackage.objects.create(school_class=school_class, file=name, sha256=sha256,
                                              xml_file=xml_name, xml_sha256=xml_sha256,
                                              records=len(issued), created_by=by)
        log_actions([Action("package.build", "schoolclass", str(school_class.pk), None,
                            {"records": len(issued), "sha256": package.sha256, "xml_sha256": xml_sha256},
                            school_code=year.school.code)], actor=by)
    return package


def package_receipts_record(*, sha256s, schools, by) -> list[PackageReceipt]:
    """Record as received the class packages of ``schools`` (a queryset: the office's own) whose file has one of
    ``sha256s`` (packages the office checked and found sound); a package already received keeps its first
    receipt. Returns the new receipts."""
    sha256s = set(sha256s)  # of the PDF package or of the package in XML
    packages = list(ClassPackage.objects.filter(Q(sha256__in=sha256s) | Q(xml_sha256__in=sha256s),
                                                school_class__school_year__school__in=schools, receipt__isnull=True)
                    .select_related("school_class__school_year__school"))
    with transaction.atomic():
        receipts = [PackageReceipt.objects.create(package=package, received_by=by) for package in packages]
        log_actions([Action("package.receive", "classpackage", str(p.pk), None, {"sha256": p.sha256},
                            school_code=p.school_class.school_year.school.code) for p in packages], actor=by)
    return receipts


def class_package_check(data: bytes, *, trust_roots=None, require_trusted: bool = True) -> dict:
    """Check a class package (``signing.packages.package_open``): the seal's signature, whose seal it is, every
    listed PDF present with the listed SHA-256, nothing unlisted. Returns ``{"ok", "problems", "manifest"}``;
    never raises on bad input."""
    opened = package_open(data, expected_format="hocbaso.class-package/1", trust_roots=trust_roots,
                          require_trusted=require_trusted)
    return {"ok": opened.ok, "problems": opened.problems, "manifest": opened.manifest}
