"""hocbaso render / extract-record against the database: what a PDF carries equals export-record."""

import io
import json
import shutil

import pytest
from django.core.management import call_command

from hocbaso.records.outcomes import year_results_assess

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_render_then_extract_equals_export(world, fill_year, tmp_path):
    fill_year(world.enrolment, world.member.user, rating="T", score=8, trait="T")
    year_results_assess(enrolments=[world.enrolment], by=world.owner.user)
    summary = run("render", "--school", "67000199", "--year", "2024-2025", "--class", "4A", "--out", str(tmp_path),
                  "--workers", "1")
    assert "Đã xuất 1 học bạ" in summary
    [pdf] = list((tmp_path / "4A").glob("*.pdf"))
    extracted = json.loads(run("extract-record", str(pdf)))
    exported = json.loads(run("export-record", "--pupil", world.pupil.identity_number, "--year", "2024-2025"))
    assert extracted == exported and extracted["outcome"] == "HTT"


def test_rendering_twice_gives_identical_files(world, fill_year, tmp_path):
    fill_year(world.enrolment, world.member.user)
    year_results_assess(enrolments=[world.enrolment], by=world.owner.user)
    for name in ("a", "b"):
        run("render", "--school", "67000199", "--year", "2024-2025", "--out", str(tmp_path / name), "--workers", "2")
    first = sorted((tmp_path / "a").rglob("*.pdf"))
    second = sorted((tmp_path / "b").rglob("*.pdf"))
    assert len(first) == 2 and [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_extract_record_on_a_non_pdf_says_so(tmp_path):
    from django.core.management.base import CommandError

    bad = tmp_path / "x.pdf"
    bad.write_bytes(b"not a pdf")
    with pytest.raises(CommandError, match="Không đọc được dữ liệu học bạ"):
        run("extract-record", str(bad))
