"""The long-term validation step at issuance, per record: PAdES B-LT (the DSS) and B-LTA (the DSS and a document
time stamp from a local RFC 3161 server on 127.0.0.1), beside the two signatures our writer makes, on the same
records; and the archive time stamp renewal.

    .venv/bin/python bench/bench_ltv.py [--records 40]

The records are the test suite's two-page PDFs (``signing.testing.pdfs.simple_pdf``), signed by a teacher and a
principal (invisible signatures). The validation data come from one ``LtvSession`` for the batch (each
certificate's revocation data gathered once, the built-in CA's CRLs made in-process), as ``records_issue`` does.
Prints ms per record (wall clock, one process) and the load average. No target of its own: issue 21's is
≥ 50 records/s for the whole pipeline (bench_issue.py); this says what the LTV step takes of that budget.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=40)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocbaso.settings")
    import django

    django.setup()
    from hocbaso.signing.ca import TITLE_PRINCIPAL, TITLE_TEACHER, CertificateAuthority
    from hocbaso.signing.ltv import LtvSession, archive_renew, ltv_add, ltv_add_many
    from hocbaso.signing.pades import SignJob
    from hocbaso.signing.revocation import crl_build
    from hocbaso.signing.signers import BuiltinSigner
    from hocbaso.signing.testing.pdfs import simple_pdf
    from hocbaso.signing.testing.tsa import LocalTSA

    load = os.getloadavg()[0]
    folder = tempfile.mkdtemp(prefix="hocbaso-bench-ltv-")
    ca = CertificateAuthority.create(Path(folder) / "pki", b"bench", public_url="http://127.0.0.1:9")
    teacher = ca.issue_person("gv", full_name="Lê Thị Hoa", title=TITLE_TEACHER, organisation="Trường A", pin="1234")
    head = ca.issue_person("ht", full_name="Đoàn Trung Quế", title=TITLE_PRINCIPAL, organisation="Trường A",
                           pin="1234")
    pdfs = [simple_pdf(seed=i) for i in range(args.records)]
    n = len(pdfs)
    with LocalTSA(ca) as tsa:
        started = time.perf_counter()
        with BuiltinSigner(teacher, "1234") as t, BuiltinSigner(head, "1234", seal=True) as h:
            signed = t.sign_batch([SignJob(p, "GVCN") for p in pdfs])
            signed = h.sign_batch([SignJob(p, "HieuTruong") for p in signed])
        sign = time.perf_counter() - started
        crls = [crl_build(ca, []), crl_build(ca, [], root=True)]
        results = {}
        for label, url, many in (("B-LT", None, False), ("B-LTA", tsa.url, False), ("B-LTA", tsa.url, True)):
            started = time.perf_counter()
            session = LtvSession(trust_roots=[ca.root_pem_path], tsa_url=url, crls=crls, fetch=False)
            out = ltv_add_many(signed, session) if many else [ltv_add(p, session) for p in signed]
            results[label + (" x8" if many else "")] = (time.perf_counter() - started, out)
        session = LtvSession(trust_roots=[ca.root_pem_path], tsa_url=tsa.url, crls=crls, fetch=False)
        started = time.perf_counter()
        for p in results["B-LTA"][1]:
            archive_renew(p, session)
        renew = time.perf_counter() - started
    print(f"{n} records, load average (1 min) at start {load:.2f}, end {os.getloadavg()[0]:.2f}")
    print(f"two signatures (our writer, invisible): {sign / n * 1000:7.1f} ms/record")
    for label, (seconds, out) in results.items():
        print(f"{label:9} (pyHanko DSS{' + document time stamp' if 'LTA' in label else ''}"
              f"{', 8 time stamps in flight' if 'x8' in label else ''}): "
              f"{seconds / n * 1000:7.1f} ms/record ({n / seconds:5.1f} records/s on one core), "
              f"+{(len(out[0]) - len(signed[0])) / 1024:.1f} KiB")
    print(f"archive time stamp renewal: {renew / n * 1000:7.1f} ms/record")
    return 0


if __name__ == "__main__":
    sys.exit(main())
