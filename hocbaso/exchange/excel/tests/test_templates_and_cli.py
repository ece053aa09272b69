"""Blank templates, the documented layouts, and the import/export commands."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from hocbaso.directory.models import Pupil
from hocbaso.exchange.excel import layouts
from hocbaso.exchange.excel.sheets import parse_sheet
from hocbaso.exchange.excel.template_files import evaluations_template, pupils_template
from hocbaso.testing.exchange import PUPIL_HEADERS, load, pupil_row, save, xlsx

DOCS = Path(__file__).resolve().parents[4] / "docs" / "excel-layouts.md"


def test_every_template_header_is_understood_by_the_importer():
    for workbook in (pupils_template(), evaluations_template(), evaluations_template(4, "giua_hk1"),
                     evaluations_template(1, "cuoi_nam")):
        data_sheets = [ws for ws in workbook.worksheets if ws.title != layouts.SHEET_HELP]
        assert data_sheets and workbook[layouts.SHEET_HELP]
        for ws in data_sheets:
            sheet = parse_sheet(ws)
            assert sheet is not None and not sheet.rows, ws.title
            unknown = [c.header for c in sheet.columns if c.meaning is None]
            assert not unknown, (ws.title, unknown)


def test_evaluation_templates_follow_the_grade_and_period():
    grade4_mid = load(save(evaluations_template(4, "giua_hk1")))
    headers = {c.header for c in parse_sheet(grade4_mid[layouts.SHEET_SUBJECTS]).columns}
    assert "Toán / Điểm KTĐK" in headers and "Khoa học / Mức đạt được" in headers
    assert "Khoa học / Điểm KTĐK" not in headers  # grades 4–5 mid-term tests are Tiếng Việt and Toán only
    assert "Tự nhiên và Xã hội / Mức đạt được" not in headers
    assert layouts.SHEET_YEAR not in grade4_mid.sheetnames
    assert layouts.SHEET_YEAR in evaluations_template(1).sheetnames


def test_the_layout_document_lists_every_column_and_variant():
    text = DOCS.read_text(encoding="utf-8")
    for column in (*layouts.PUPIL_COLUMNS, *layouts.YEAR_COLUMNS, *layouts.COMPUTED_COLUMNS):
        assert f"| {column.header} |" in text, column.header
        for alias in column.aliases:
            assert alias in text, alias
    for aliases in layouts.FIELD_ALIASES.values():
        for alias in aliases:
            assert alias in text, alias


def test_export_template_command(tmp_path):
    call_command("export", template="pupils", out=str(tmp_path / "hs.xlsx"), stdout=io.StringIO())
    ws = load_workbook(tmp_path / "hs.xlsx").worksheets[0]
    assert [c.value for c in ws[1]][:6] == ["STT", "Lớp", "Mã học sinh", "Mã định danh", "Họ và tên", "Ngày sinh"]
    call_command("export", template="evaluations", grade=5, period="cuoi_nam", out=str(tmp_path / "dg.xlsx"),
                 stdout=io.StringIO())
    assert load_workbook(tmp_path / "dg.xlsx").sheetnames == ["Môn học", "Phẩm chất, năng lực", "Cuối năm",
                                                               "Hướng dẫn"]
    with pytest.raises(CommandError, match=".xlsx"):
        call_command("export", template="pupils", out=str(tmp_path / "hs.csv"), stdout=io.StringIO())


def test_import_command_requires_a_user_reports_problems_and_dry_runs(world, tmp_path):
    path = tmp_path / "ds.xlsx"
    path.write_bytes(xlsx({"DS": [PUPIL_HEADERS, pupil_row(1, "4B", "067215000501", "Vũ Văn Năm", "01/05/2015"),
                                  pupil_row(2, "9Z", "067215000502", "Vũ Văn Sáu", "01/06/2015")]}))
    args = ["import", "pupils", str(path), "--school", "67000199", "--year", "2024-2025"]
    with pytest.raises(CommandError, match="--by"):
        call_command(*args, stdout=io.StringIO())
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 lỗi") as error:
        call_command(*args, "--by", "hieutruong", stdout=out)
    assert error.value.returncode == 1
    assert "- Trang tính «DS», dòng 3, cột B (Lớp): Lớp «9Z» không có" in out.getvalue()
    path.write_bytes(xlsx({"DS": [PUPIL_HEADERS, pupil_row(1, "4B", "067215000501", "Vũ Văn Năm", "01/05/2015")]}))
    out = io.StringIO()
    call_command(*args, "--dry-run", stdout=out)
    assert "Sẽ thêm 1" in out.getvalue() and not Pupil.objects.filter(full_name="Vũ Văn Năm").exists()
    out = io.StringIO()
    call_command(*args, "--by", "hieutruong", "--json", stdout=out)
    assert '"applied": true' in out.getvalue() and Pupil.objects.filter(full_name="Vũ Văn Năm").exists()
    with pytest.raises(CommandError, match="Không tìm thấy năm học"):
        call_command("import", "pupils", str(path), "--school", "67000199", "--year", "2023-2024", "--dry-run")
    with pytest.raises(CommandError, match="không có lớp 4Z"):
        call_command("import", "evaluations", str(path), "--school", "67000199", "--year", "2024-2025",
                     "--class", "4Z", "--period", "cuoi_nam", "--dry-run")
    with pytest.raises(CommandError, match="Thời điểm"):
        call_command("import", "evaluations", str(path), "--school", "67000199", "--year", "2024-2025",
                     "--class", "4A", "--period", "cuoi_ky", "--dry-run")


def test_export_commands_write_the_layouts(world, fill_year, tmp_path):
    fill_year(world.enrolment, world.member.user)
    base = ["--school", "67000199", "--year", "2024-2025"]
    call_command("export", "pupils", *base, "--class", "4A", "--out", str(tmp_path / "4a.xlsx"), stdout=io.StringIO())
    assert load_workbook(tmp_path / "4a.xlsx").sheetnames == ["4A"]
    call_command("export", "summary", *base, "--period", "cuoi_nam", "--out", str(tmp_path / "th.xlsx"),
                 stdout=io.StringIO())
    assert load_workbook(tmp_path / "th.xlsx").sheetnames == ["1A", "4A", "4B"]
    call_command("export", "evaluations", *base, "--class", "4A", "--period", "cuoi_nam",
                 "--out", str(tmp_path / "dg.xlsx"), stdout=io.StringIO())
    ws = load_workbook(tmp_path / "dg.xlsx")["Môn học"]
    assert ws["A1"].value == "ĐÁNH GIÁ MÔN HỌC VÀ HOẠT ĐỘNG GIÁO DỤC — LỚP 4A"
    call_command("export", "evaluations", *base, "--class", "4A", "--out", str(tmp_path / "dir"), stdout=io.StringIO())
    assert sorted(p.name for p in (tmp_path / "dir").iterdir()) == [
        "4A_cuoi_hk1.xlsx", "4A_cuoi_nam.xlsx", "4A_giua_hk1.xlsx", "4A_giua_hk2.xlsx"]
    with pytest.raises(CommandError, match="--period"):
        call_command("export", "summary", *base, "--out", str(tmp_path / "x.xlsx"))


def test_exported_text_is_never_a_formula_and_identity_numbers_stay_text(world, tmp_path):
    world.pupil.father_name = "=HYPERLINK(\"http://x\")"
    world.pupil.save()
    call_command("export", "pupils", "--school", "67000199", "--year", "2024-2025", "--class", "4A",
                 "--out", str(tmp_path / "4a.xlsx"), stdout=io.StringIO())
    ws = load_workbook(tmp_path / "4a.xlsx")["4A"]
    header = [c.value for c in ws[4]]
    row = {h: c for h, c in zip(header, ws[5])}
    assert row["Họ tên cha"].data_type == "s" and row["Họ tên cha"].value.startswith("=HYPERLINK")
    assert row["Mã định danh"].value == "067214001234" and row["Mã định danh"].number_format == "@"


def test_the_shipped_templates_match_the_code():
    from hocbaso.exchange.excel.template_files import SHIPPED_TEMPLATES

    folder = Path(__file__).resolve().parents[2] / "templates"
    for name, build in SHIPPED_TEMPLATES.items():
        shipped, fresh = load_workbook(folder / name), load(save(build()))
        assert shipped.sheetnames == fresh.sheetnames, name
        for ws in fresh.worksheets:
            assert [[c.value for c in row] for row in shipped[ws.title].iter_rows()] == \
                [[c.value for c in row] for row in ws.iter_rows()], (name, ws.title)
