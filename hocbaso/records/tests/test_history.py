"""The whole primary history from the database (``records.history``): the school-history rows from the
enrolments, one page and one attached record per school year, the years received with a transfer package, and
``hocbaso render --pupil``."""

import datetime as dt
import io
import json
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hocbaso.directory.models import Enrolment, Pupil, SchoolClass, SchoolYear
from hocbaso.documents import extract_record, extract_records
from hocbaso.records.history import pupil_history, pupil_history_render
from hocbaso.records.models import ImportedRecord
from hocbaso.records.outcomes import year_results_assess
from hocbaso.records.selectors import record_build

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def text_of(path) -> str:
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


@pytest.fixture
def two_years(world, fill_year):
    """World's pupil in grade 3 at the neighbouring school in 2023-2024, then transferred into 4A of the
    world's school for 2024-2025; both years evaluated and assessed."""
    earlier = SchoolYear.objects.create(school=world.other_school, name="2023-2024", start_date=dt.date(2023, 9, 5),
                                        end_date=dt.date(2024, 5, 31))
    class3a = SchoolClass.objects.create(school_year=earlier, grade=3, name="3A", homeroom_teacher=world.outsider)
    world.enrolment3 = Enrolment.objects.create(pupil=world.pupil, school_class=class3a, registry_number="27/2020",
                                                joined_on=dt.date(2023, 9, 5))
    world.enrolment.transferred_in = True
    world.enrolment.save()
    fill_year(world.enrolment3, world.outsider.user, rating="H", score=7, trait="Đ")
    fill_year(world.enrolment, world.member.user, rating="T", score=9, trait="T")
    year_results_assess(enrolments=[world.enrolment3, world.enrolment], by=world.owner.user)
    return world


def test_history_rows_and_records_come_from_every_enrolment(two_years):
    records, history = pupil_history(two_years.pupil)
    assert [r["school_year"] for r in records] == ["2023-2024", "2024-2025"]
    assert [(h["school_year"], h["class_name"], h["school_name"], h["registry_number"], h["joined_on"],
             h["transferred_in"]) for h in history] == [
        ("2023-2024", "3A", "Trường Tiểu học Bên Cạnh", "27/2020", "2023-09-05", False),
        ("2024-2025", "4A", "Trường Tiểu học Thử Nghiệm", "15/2020", "2024-09-05", True)]
    assert records[0]["outcome"] == "HT" and records[1]["outcome"] == "HTXS"


def test_history_pdf_has_the_table_every_year_and_every_record(two_years, tmp_path):
    pdf = pupil_history_render(pupil=two_years.pupil)
    path = tmp_path / "h.pdf"
    path.write_bytes(pdf)
    text = text_of(path)
    table = text[text.index("QUÁ TRÌNH HỌC TẬP"):text.index("NĂM HỌC 2023-2024")]
    for cells in (("2023-2024", "3A", "Trường Tiểu học Bên Cạnh", "27/2020", "05/09/2023"),
                  ("2024-2025", "4A", "Trường Tiểu học Thử Nghiệm", "15/2020", "05/09/2024 (chuyển đến)")):
        position = table.index(cells[0])
        for cell in cells[1:]:
            position = table.index(cell, position)  # the row's cells in column order
    order = ["HỌC SINH TIỂU HỌC", "Nguyễn Thị Ánh Tuyết", "Xã Trường Xuân",  # the cover: the latest school's commune
             "Họ và tên cha:", "Nguyễn Văn Hùng", "QUÁ TRÌNH HỌC TẬP", "NĂM HỌC 2023-2024", "Lớp: 3A",
             "Hoàn thành (H)", "NĂM HỌC 2024-2025", "Lớp: 4A", "Hoàn thành xuất sắc", "Lê Thị Hoa"]
    position = 0
    for item in order:
        position = text.find(item, position)
        assert position >= 0, item
    attached = extract_records(pdf)
    assert attached == {"2023-2024": record_build(two_years.enrolment3), "2024-2025": record_build(two_years.enrolment)}
    assert extract_record(pdf) == attached["2024-2025"]
    assert pupil_history_render(pupil=two_years.pupil) == pdf  # same data, same bytes


def test_render_command_writes_the_history_and_extracts_like_export(two_years, tmp_path):
    identity = two_years.pupil.identity_number
    said = run("render", "--pupil", identity, "--out", str(tmp_path))
    assert "2 năm học: 2023-2024, 2024-2025" in said
    [path] = list(tmp_path.glob("*.pdf"))
    assert path.name == f"{identity}-nguyen-thi-anh-tuyet-hoc-ba.pdf"
    everything = json.loads(run("extract-record", "--all", str(path)))
    for year in ("2023-2024", "2024-2025"):
        assert everything[year] == json.loads(run("export-record", "--pupil", identity, "--year", year))
    copy = tmp_path / "copy" / "ban-sao.pdf"
    run("render", "--history", "--pupil", identity, "--copy", "1", "--out", str(copy))
    assert "BẢN SAO" in text_of(copy)


def test_render_command_refuses_unclear_requests(world):
    with pytest.raises(CommandError, match="Không tìm thấy học sinh"):
        run("render", "--pupil", "999999999999", "--out", "/tmp/unused")
    with pytest.raises(CommandError, match="--history cần --pupil"):
        run("render", "--history", "--out", "/tmp/unused")
    with pytest.raises(CommandError, match="Cần --school và --year"):
        run("render", "--school", "67000199", "--out", "/tmp/unused")


@pytest.fixture
def transferred_in(world, fill_year):
    """World's pupil studied 2023-2024 in 3A of the neighbouring school, a school of another deployment: that
    year's record came here with a transfer package (an ``ImportedRecord``; no enrolment of the pupil here).
    The record is built on a stand-in pupil of this database, then given the pupil's own identity page."""
    earlier = SchoolYear.objects.create(school=world.other_school, name="2023-2024", start_date=dt.date(2023, 9, 5),
                                        end_date=dt.date(2024, 5, 31))
    class3a = SchoolClass.objects.create(school_year=earlier, grade=3, name="3A", homeroom_teacher=world.outsider)
    stand_in = Pupil.objects.get(pk=world.pupil.pk)
    stand_in.pk, stand_in.identity_number = None, "079999999999"
    stand_in.save()
    there = Enrolment.objects.create(pupil=stand_in, school_class=class3a, registry_number="27/2020",
                                     joined_on=dt.date(2023, 9, 5))
    fill_year(there, world.outsider.user, rating="H", score=7, trait="Đ")
    fill_year(world.enrolment, world.member.user, rating="T", score=9, trait="T")
    year_results_assess(enrolments=[there, world.enrolment], by=world.owner.user)
    record = {**record_build(there), "pupil": record_build(world.enrolment)["pupil"]}
    ImportedRecord.objects.create(
        pupil=world.pupil, school=world.school, record_id="67000299-2023-2024-000001", version=1,
        lookup_code="ABCD-EFGH-JKL", school_code=world.other_school.code, school_name=world.other_school.name,
        school_year="2023-2024", class_name="3A", sha256="0" * 64, pdf="imported/unused.pdf", record=record,
        history=[{"school_year": "2023-2024", "class_name": "3A", "school_name": world.other_school.name,
                  "registry_number": "27/2020", "joined_on": "2023-09-05", "transferred_in": False}],
        package_sha256="0" * 64, imported_by=world.owner.user)
    world.imported = record
    return world


def test_the_command_line_history_has_the_years_received_with_a_transfer(transferred_in, tmp_path):
    """One assembler of the pupil's years: ``render --pupil`` gives the year received with the transfer
    package, as a certified copy does (it used to leave it out)."""
    w = transferred_in
    said = run("render", "--pupil", w.pupil.identity_number, "--out", str(tmp_path))
    assert "2 năm học: 2023-2024, 2024-2025" in said
    [path] = list(tmp_path.glob("*.pdf"))
    attached = extract_records(path.read_bytes())
    assert attached == {"2023-2024": w.imported, "2024-2025": record_build(w.enrolment)}
    text = text_of(path)
    table = text[text.index("QUÁ TRÌNH HỌC TẬP"):text.index("NĂM HỌC 2023-2024")]
    assert "Trường Tiểu học Bên Cạnh" in table and "27/2020" in table
