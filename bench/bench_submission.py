"""The school's submission to the Sở, in XML against the PDF form it replaces, on an issued demo school.

    .venv/bin/python bench/bench_submission.py --data-dir DIR [--database-url URL] [--pdf-classes 2]

``DIR`` and ``URL``: the data folder and database ``bench/bench_issue.py --keep`` left (every class of the demo
school issued with its packages). Printed, in one run:

  size     the school's "Gói nộp" as the data page now serves it (one file: every class's package in XML and
           submission.json, ``submission_build``) beside the file it served before (a stored ZIP of the 24 PDF
           class packages, the sum of their sizes plus the index), and its ratio;
  office   ``file_receive`` of that whole file as the office's page runs it (every record's three XAdES
           signatures, each hash, each class's seal; certificate chains validated once per certificate and signing
           time): wall and CPU seconds, per record; beside the PDF form's check (``package_receive``, every record
           PDF's signatures) over ``--pdf-classes`` classes, per record, and the ratio of the CPU per record;
  the load average before and after, since the wall figures move with what else runs.

Target: the whole file accepted in one step (every class ok), the file under 10 MB (a school's connection).
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, help="the data folder bench_issue.py --keep left")
    parser.add_argument("--database-url", default="", help="its PostgreSQL database (SQLite in DIR otherwise)")
    parser.add_argument("--pdf-classes", type=int, default=2, help="classes checked in the PDF form (default 2)")
    parser.add_argument("--year", default="", help="the school year (default: the latest with packages)")
    args = parser.parse_args()
    os.environ["HOCBASO_DATA_DIR"] = args.data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocbaso.settings")
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    import django

    django.setup()
    from django.core.files.storage import default_storage

    from hocbaso.directory.models import SchoolYear
    from hocbaso.exchange.submission.services import file_receive, package_receive, submission_build
    from hocbaso.records.models import ClassPackage

    load_start = os.getloadavg()[0]
    years = SchoolYear.objects.select_related("school").filter(school__code="67000101")
    year = years.get(name=args.year) if args.year else \
        years.filter(classes__packages__isnull=False).distinct().order_by("-name").first()
    data, index = submission_build(school_year=year)
    records = sum(p["records"] for p in index["packages"])
    latest = [ClassPackage.objects.filter(school_class__school_year=year, school_class__name=p["class_name"])
              .order_by("-created_at", "-pk").first() for p in index["packages"]]
    pdf_sizes = [default_storage.size(p.file) for p in latest]
    before = sum(pdf_sizes) + 2000  # the stored ZIP of the class ZIPs, its index and headers
    print(f"school {year.school.code}, {len(index['packages'])} classes, {records} records; "
          f"missing: {index['missing'] or 'none'}")
    print(f"size: Gói nộp in XML {len(data) / 1e6:.2f} MB ({len(data) / max(records, 1) / 1024:.1f} KiB a record) "
          f"against {before / 1e6:.1f} MB in the PDF form: {before / len(data):.1f}× smaller")

    wall, used = time.perf_counter(), cpu()
    received = file_receive(data, label="nop.zip")
    wall, used = time.perf_counter() - wall, cpu() - used
    ok = all(r.ok for r in received) and len(received) == len(index["packages"])
    print(f"office check of the whole file: {wall:.1f} s wall, {used:.1f} s CPU "
          f"({used / records * 1000:.1f} ms CPU a record); accepted in one step: {ok}")
    if not ok:
        for r in received:
            for problem in r.problems[:3]:
                print("  ", problem)

    sample = latest[:args.pdf_classes]
    pdf_records = sum(p.records for p in sample)
    pdf_wall, pdf_used = time.perf_counter(), cpu()
    for package in sample:
        with default_storage.open(package.file, "rb") as handle:
            package_receive(handle.read(), label=package.file)
    pdf_wall, pdf_used = time.perf_counter() - pdf_wall, cpu() - pdf_used
    per_xml, per_pdf = used / records, pdf_used / max(pdf_records, 1)
    print(f"PDF form's check over {len(sample)} classes ({pdf_records} records): {pdf_wall:.1f} s wall, "
          f"{per_pdf * 1000:.1f} ms CPU a record ({per_pdf * records:.0f} s CPU for the school): "
          f"the XML check takes {per_xml / per_pdf:.2f}× its CPU a record")
    # What issuance now adds to each class package: the record XMLs read out of the issued PDFs, the manifests
    # written and sealed in one sign_digests call, the ZIPs made (not written), against the PDF package's own step.
    from concurrent.futures import ThreadPoolExecutor

    from hocbaso.demo.lifecycle import DEMO_PIN
    from hocbaso.records.packages import _class_package_plan, _xml_packages_seal
    from hocbaso.signing.packages import package_zip
    from hocbaso.signing.services import identity_for, signer_open
    from hocbaso.signing.xml_packages import xml_package_zip
    from hocbaso.core.files import files_read

    seal = signer_open(identity_for(school=year.school), DEMO_PIN)
    classes = [p.school_class for p in latest]
    started = [(klass, _class_package_plan(klass), None) for klass in classes]
    step_wall, step_used = time.perf_counter(), cpu()
    with ThreadPoolExecutor(max_workers=2) as helper:
        parts = _xml_packages_seal(started, seal_signer=seal, helper=helper)
    zipped = [xml_package_zip(*part) for part in parts]
    step_wall, step_used = time.perf_counter() - step_wall, cpu() - step_used
    pdf_step = cpu()
    for _klass, plan, _sheet in started:
        package_zip(b"%PDF-sheet", {r.record_id: pdf for r, pdf in zip(plan[0], files_read([r.pdf for r in plan[0]]))})
    pdf_step = cpu() - pdf_step
    print(f"issuance's XML packages (read the XML out of {records} PDFs, 24 manifests sealed in one call, zipped): "
          f"{step_wall:.1f} s wall, {step_used / records * 1000:.2f} ms CPU a record "
          f"({sum(map(len, zipped)) / 1e6:.1f} MB); the PDF packages' read-and-zip step: "
          f"{pdf_step / records * 1000:.2f} ms CPU a record")
    print(f"load average (1 min): {load_start:.1f} at start, {os.getloadavg()[0]:.1f} at end")
    passed = ok and len(data) < 10e6
    print("PASS" if passed else "FAIL", "(whole file accepted in one step, under 10 MB)")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
