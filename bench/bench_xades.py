"""The record XML's cost per record, step by step, beside the PDF signature it precedes (one run, one process).

    .venv/bin/python bench/bench_xades.py [--records 100]

A rendered học bạ (``render_year`` of the test factory's grade-4 record) and a built-in CA in a temporary folder;
then for ``--records`` copies, in batches as the pipeline signs them: ``record_to_xml``; the teacher's XAdES
signatures (``xades_sign``: one ``sign_digests`` call for the batch); ``pdf_xml_attach`` (the full rewrite of the
unsigned draft); the teacher's PAdES signature (``sign_batch``, invisible); then for the principal and the seal
``pdf_xml_read`` + ``xades_sign`` + ``pdf_xml_replace`` + PAdES. Prints milliseconds per record per step and the
XML's share of the signing time; then, in the same run, the naive way for the XML's three signatures: signxml's
``XAdESSigner`` with its defaults (the signature algorithm set to the key's, ECDSA-SHA256), one record and one
signature at a time, the key passed in each call (``--naive`` records), printed beside ours. Not part of the
test suite.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100)
    parser.add_argument("--naive", type=int, default=30, help="records signed the naive way (default 30)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocbaso.settings")
    import django

    django.setup()
    from hocbaso.documents.render import render_year
    from hocbaso.signing.ca import TITLE_PRINCIPAL, TITLE_TEACHER, CertificateAuthority
    from hocbaso.signing.pades import SignJob
    from hocbaso.signing.signers import BuiltinSigner
    from hocbaso.signing.xades import ROLE_PRINCIPAL, ROLE_SEAL, ROLE_TEACHER, xades_sign
    from hocbaso.signing.xml_pdf import pdf_xml_attach, pdf_xml_read, pdf_xml_replace
    from hocbaso.tt27.record_xml import record_to_xml
    from hocbaso.tt27.tests.factories import issuance, valid_record

    folder = Path(tempfile.mkdtemp())
    ca = CertificateAuthority.create(folder / "pki", b"p", name="bench", organisation="bench", pepper=b"x")
    people = [ca.issue_person("t", full_name="Lê Thị Hoa", title=TITLE_TEACHER, organisation="T", pin="111111"),
              ca.issue_person("p", full_name="Đoàn Trung Quế", title=TITLE_PRINCIPAL, organisation="T", pin="222222"),
              ca.issue_seal("s", organisation="Trường Tiểu học", pin="333333")]
    pins = ["111111", "222222", "333333"]
    record = valid_record(issuance=issuance(), outcome="HTT", completed_grade=True)
    pdf = render_year(record)
    n = args.records
    records, pdfs = [record] * n, [pdf] * n
    steps: dict[str, float] = {}

    def timed(name, fn):
        started = time.perf_counter()
        value = fn()
        steps[name] = steps.get(name, 0.0) + time.perf_counter() - started
        return value

    signers = [BuiltinSigner(identity, pin, pepper=b"x") for identity, pin in zip(people, pins)]
    xmls = timed("record_to_xml", lambda: [record_to_xml(r) for r in records])
    xmls = timed("xades_sign (teacher)", lambda: xades_sign(signers[0], xmls, role=ROLE_TEACHER))
    pdfs = timed("pdf_xml_attach", lambda: [pdf_xml_attach(p, x) for p, x in zip(pdfs, xmls)])
    pdfs = timed("PAdES (teacher)", lambda: signers[0].sign_batch([SignJob(p, "GVCN") for p in pdfs]))
    for signer, role, field in ((signers[1], ROLE_PRINCIPAL, "HT"), (signers[2], ROLE_SEAL, "DONGDAU")):
        xmls = timed("pdf_xml_read", lambda: [pdf_xml_read(p) for p in pdfs])
        xmls = timed(f"xades_sign ({role[0]})", lambda: xades_sign(signer, xmls, role=role))
        pdfs = timed("pdf_xml_replace", lambda: [pdf_xml_replace(p, x) for p, x in zip(pdfs, xmls)])
        pdfs = timed(f"PAdES ({field})", lambda: signer.sign_batch([SignJob(p, field) for p in pdfs]))
    print(f"{n} records, one process; load average {os.getloadavg()[0]:.2f}")
    xml_total = pades_total = 0.0
    for name, seconds in steps.items():
        print(f"  {name:24s} {seconds / n * 1000:7.2f} ms/record")
        if name.startswith("PAdES"):
            pades_total += seconds
        else:
            xml_total += seconds
    print(f"  the XML, all steps       {xml_total / n * 1000:7.2f} ms/record")
    print(f"  the three PAdES          {pades_total / n * 1000:7.2f} ms/record")
    print(f"  XML / PAdES              {xml_total / pades_total:7.2f}")
    print(f"  final PDF {len(pdfs[0]) / 1024:.0f} KiB (rendered {len(pdf) / 1024:.0f} KiB), XML {len(xmls[0]) / 1024:.1f} KiB")

    from cryptography.hazmat.primitives import serialization
    from lxml import etree
    from signxml import SignatureMethod
    from signxml.xades import XAdESSigner

    ours = sum(v for k, v in steps.items() if k.startswith("xades_sign")) / n
    keys = [(identity.unlock(pin, b"x"), identity.certificate.public_bytes(serialization.Encoding.PEM).decode())
            for identity, pin in zip(people, pins)]
    source = record_to_xml(record)
    started = time.perf_counter()
    for _ in range(args.naive):
        root = etree.fromstring(source)
        for (key, cert), role in zip(keys, (ROLE_TEACHER, ROLE_PRINCIPAL, ROLE_SEAL)):
            root = XAdESSigner(claimed_roles=[role[1]], signature_algorithm=SignatureMethod.ECDSA_SHA256).sign(
                root, key=key, cert=cert)
        etree.tostring(root)
    naive = (time.perf_counter() - started) / args.naive
    print(f"three XAdES signatures: ours {ours * 1000:.2f} ms/record (batches of {n}), naive signxml "
          f"{naive * 1000:.2f} ms/record ({args.naive} records) -> {naive / ours:.1f}x")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
