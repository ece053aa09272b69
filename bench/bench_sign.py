"""Micro-benchmark of PAdES signing: naive pyHanko defaults against hocbaso's batch path, same run.

    .venv/bin/python bench/bench_sign.py [--docs N] [--naive-docs N]

Naive = what a first integration does: for every document a new pyHanko ``SimpleSigner`` loaded from the key
and certificate files, ``PdfSigner`` with default settings (signature size estimated by a dry run), and for
the visible variant pyHanko's text stamp with the Vietnamese-capable TrueType font (subset per document).
Ours = ``BuiltinSigner.sign_batch``: key unlocked once, CMS template and glyph outlines reused, our own
incremental-update writer. Prints ms per signature and the ratios; input is a rendered học bạ when
``hocbaso.documents`` is available, else a small generated PDF.
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocbaso.settings")

from hocbaso.signing.ca import TITLE_PRINCIPAL, TITLE_TEACHER, CertificateAuthority, pin_password  # noqa: E402
from hocbaso.signing.pades import SignJob  # noqa: E402
from hocbaso.signing.signers import BuiltinSigner  # noqa: E402
from hocbaso.signing.stamp import REGULAR  # noqa: E402
from hocbaso.signing.testing.pdfs import PRINCIPAL_BOX, TEACHER_BOX, simple_pdf  # noqa: E402

SCHOOL = "Trường Tiểu học Trung Vương"


def sample_document() -> tuple[bytes, tuple, tuple, str]:
    try:
        import django

        django.setup()
        from hocbaso.documents import render_year, signature_boxes
        from hocbaso.tt27.tests.factories import valid_record

        record = valid_record(grade=4)
        record.update(homeroom_teacher="Lê Thị Hoa", principal="Đoàn Trung Quế")
        boxes = signature_boxes(record)
        return render_year(record), boxes["teacher"], boxes["principal"], "rendered học bạ (hocbaso.documents)"
    except Exception as error:  # the renderer is optional here
        return simple_pdf(), TEACHER_BOX, PRINCIPAL_BOX, f"generated 2-page PDF ({type(error).__name__})"


_PASSWORDS: dict = {}


def naive_sign(pdf: bytes, identity, pin: str, visible: bool, box) -> bytes:
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import TextStampStyle

    folder = identity.directory
    signer = signers.SimpleSigner.load(str(folder / "key.pem"), str(folder / "cert.pem"),
                                       ca_chain_files=(str(folder / "chain.pem"),),
                                       key_passphrase=_password(identity, pin))
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    meta = signers.PdfSignatureMetadata(field_name="GVCN", subfilter=fields.SigSeedSubFilter.PADES)
    if visible:
        page, x1, y1, x2, y2 = box
        spec = fields.SigFieldSpec("GVCN", on_page=page - 1, box=(x1, y1, x2, y2))
        style = TextStampStyle(stamp_text="Ký bởi: %(signer)s\nGiáo viên chủ nhiệm\nKý ngày %(ts)s",
                               timestamp_format="%d/%m/%Y %H:%M",
                               text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(str(REGULAR))))
        pdf_signer = signers.PdfSigner(meta, signer, stamp_style=style, new_field_spec=spec)
    else:
        pdf_signer = signers.PdfSigner(meta, signer, new_field_spec=fields.SigFieldSpec("GVCN"))
    return pdf_signer.sign_pdf(writer).getvalue()


def _password(identity, pin: str) -> bytes:
    """The key file's password, derived once (the PIN derivation is ours, not part of the naive cost)."""
    if identity.identity_id not in _PASSWORDS:
        _PASSWORDS[identity.identity_id] = pin_password(pin, identity.salt)
    return _PASSWORDS[identity.identity_id]


def timed(fn, repeat: int = 3) -> float:
    """Median over ``repeat`` runs of ``fn()`` (seconds)."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200, help="documents per batch for our path")
    parser.add_argument("--naive-docs", type=int, default=20, help="documents for the naive path")
    args = parser.parse_args()

    pdf, teacher_box, principal_box, source = sample_document()
    with tempfile.TemporaryDirectory() as tmp:
        ca = CertificateAuthority.create(Path(tmp), b"bench")
        teacher = ca.issue_person("gv", full_name="Lê Thị Hoa", title=TITLE_TEACHER, organisation=SCHOOL, pin="1234")
        principal = ca.issue_person("ht", full_name="Đoàn Trung Quế", title=TITLE_PRINCIPAL, organisation=SCHOOL,
                                    pin="5678")
        print(f"input: {source}, {len(pdf) / 1024:.0f} KiB; naive: {args.naive_docs} docs, ours: {args.docs} docs "
              f"per batch; medians of 3 runs, one process\n")
        naive_sign(pdf, teacher, "1234", True, teacher_box)  # warm-up: imports, font parsing
        results = {}
        for visible in (False, True):
            label = "visible" if visible else "invisible"
            seconds = timed(lambda: [naive_sign(pdf, teacher, "1234", visible, teacher_box)
                                     for _ in range(args.naive_docs)])
            results[("naive", label)] = seconds / args.naive_docs * 1000
            with BuiltinSigner(teacher, "1234") as signer:
                jobs = [SignJob(pdf, "GVCN", box=teacher_box if visible else None) for _ in range(args.docs)]
                signer.sign_batch(jobs[:2])  # warm-up
                seconds = timed(lambda: signer.sign_batch(jobs))
            results[("ours", label)] = seconds / args.docs * 1000

        with BuiltinSigner(teacher, "1234") as t, BuiltinSigner(principal, "5678", seal=True) as p:
            jobs = [SignJob(pdf, "GVCN", box=teacher_box) for _ in range(args.docs)]

            def both():
                once = t.sign_batch(jobs)
                p.sign_batch([SignJob(d, "HieuTruong", box=principal_box) for d in once])

            both_ms = timed(both) / args.docs * 1000

        print(f"{'variant':<12}{'naive ms/sig':>14}{'ours ms/sig':>14}{'speed-up':>10}")
        for label in ("invisible", "visible"):
            naive, ours = results[("naive", label)], results[("ours", label)]
            print(f"{label:<12}{naive:>14.1f}{ours:>14.2f}{naive / ours:>9.0f}x")
        print(f"\nours, teacher + principal (visible, incremental): {both_ms:.2f} ms per record "
              f"= {1000 / both_ms:.0f} records/s on one core (signing only)")
        print(f"naive, same two signatures: {2 * results[('naive', 'visible')]:.0f} ms per record")


if __name__ == "__main__":
    main()
