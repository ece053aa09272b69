"""The CSDL ngành export: the catalogue's field names, the term's results, and the identity-number check."""

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from hocbaso.assessment.services import evaluations_save
from hocbaso.directory.models import Enrolment, Pupil
from hocbaso.exchange.sector.services import PROVINCE_CODES, identity_number_problems, sector_export, sector_workbook
from hocbaso.records.outcomes import year_results_assess
from hocbaso.testing.lifecycle import year_end_entries
from hocbaso.tt27 import catalogue

D = dt.date


@pytest.mark.parametrize("number, gender, birth, expected", [
    ("067215000001", "male", D(2015, 3, 1), []),
    ("001315123456", "female", D(2015, 3, 1), []),
    ("096219000001", "male", D(2019, 1, 1), []),
    ("079099000001", "male", D(1999, 1, 1), []),  # born in the 20th century: 0 male, 1 female
    (None, "male", D(2015, 3, 1), ["Chưa có mã định danh cá nhân."]),
    ("", "male", D(2015, 3, 1), ["Chưa có mã định danh cá nhân."]),
    ("06721500001", "male", D(2015, 3, 1), ["Mã định danh «06721500001» phải gồm đúng 12 chữ số."]),
    ("06721500000A", "male", D(2015, 3, 1), ["Mã định danh «06721500000A» phải gồm đúng 12 chữ số."]),
    ("000215000001", "male", D(2015, 3, 1), ["Ba chữ số đầu «000» không phải mã tỉnh nơi đăng ký khai sinh (001–096)."]),
    ("097215000001", "male", D(2015, 3, 1), ["Ba chữ số đầu «097» không phải mã tỉnh nơi đăng ký khai sinh (001–096)."]),
    ("003215000001", "male", D(2015, 3, 1), ["Ba chữ số đầu «003» không phải mã tỉnh nơi đăng ký khai sinh (001–096)."]),
    ("067315000001", "male", D(2015, 3, 1),
     ["Chữ số thứ tư (3) ứng với nữ sinh 2000–2099, nhưng học sinh là nam sinh năm 2015 (phải là 2)."]),
    ("067015000001", "male", D(2015, 3, 1),
     ["Chữ số thứ tư (0) ứng với nam sinh 1900–1999, nhưng học sinh là nam sinh năm 2015 (phải là 2)."]),
    ("067216000001", "male", D(2015, 3, 1),
     ["Chữ số thứ năm và sáu (16) phải là hai số cuối của năm sinh (15)."]),
])
def test_identity_number_check(number, gender, birth, expected):
    assert identity_number_problems(number, gender=gender, birth_date=birth) == expected


def test_province_codes_are_the_63_provinces_within_001_096():
    assert len(PROVINCE_CODES) == 63
    assert all(len(code) == 3 and 1 <= int(code) <= 96 for code in PROVINCE_CODES)
    assert PROVINCE_CODES["067"] == "Đắk Nông" and PROVINCE_CODES["079"] == "Thành phố Hồ Chí Minh"


@pytest.fixture
def assessed(world):
    """4A's pupil with full year-end and end-of-term-I results; 1A's pupil without evaluations.
    (The fixture's identity numbers have the wrong gender digit: they fail the check.)"""
    by = world.member.user
    evaluations_save(entries=year_end_entries(world.enrolment, rating="T", score=9, trait="T"), by=by)
    evaluations_save(entries=year_end_entries(world.enrolment, rating="H", score=7, trait="Đ", period="cuoi_hk1"),
                     by=by)
    good = Pupil.objects.create(school=world.school, identity_number="067315000201", sector_code="6700019900201",
                                full_name="Lê Thị Hồng", gender="female", birth_date=D(2015, 5, 5),
                                birthplace="Đắk Nông", father_name="Lê Văn Cha", mother_name="Phạm Thị Mẹ")
    world.good = Enrolment.objects.create(pupil=good, school_class=world.class4a, registry_number="20/2020",
                                          joined_on=D(2024, 9, 5))
    evaluations_save(entries=year_end_entries(world.good, rating="T", score=8, trait="T"), by=by)
    year_results_assess(enrolments=[world.enrolment, world.good], by=world.owner.user)
    return world


def pupil_doc(export, name):
    return next(p for p in export.document["thongtinsohocbasotieuhoc"] if p["hovaten"] == name)


def test_year_export_uses_the_catalogue_field_names(assessed):
    export = sector_export(school_year=assessed.year, term="year")
    doc = export.document
    # The school's province and commune today (Lâm Đồng, xã Trường Xuân): no district code since 1/7/2025.
    assert (doc["matruong"], doc["namhoc"], doc["hocky"], doc["masogd"], doc["maxa"]) == (
        "67000199", "2024-2025", "year", "68", "24730")
    assert "maphonggd" not in doc
    hong = pupil_doc(export, "Lê Thị Hồng")
    for name in ("madinhdanhhocba", "matruong", "mahocsinh", "hovaten", "gioitinh", "dantoc", "quoctich", "hotencha",
                 "hotenme", "dahthanhctrinhlophoc", "dahthanhctrinhtieuhoc", "duoclenlop", "chucvugiamhieu",
                 "diadanhphathanh", "_quatrinhhoctap", "_dsbangdiem"):
        assert name in hong, name
    assert (hong["gioitinh"], hong["mahocsinh"], hong["madinhdanh"], hong["hotencha"], hong["hotenme"]) == (
        2, "6700019900201", "067315000201", "Lê Văn Cha", "Phạm Thị Mẹ")
    assert (hong["dantoc"], hong["quoctich"], hong["makhoi"], hong["tenlop"]) == ("Kinh", "Việt Nam", 4, "4A")
    assert (hong["ketquagiaoduc"], hong["dahthanhctrinhlophoc"], hong["dahthanhctrinhtieuhoc"], hong["duoclenlop"]) == (
        "HTT", 1, None, 1)
    assert (hong["chucvugiamhieu"], hong["hieutruong"], hong["diadanhphathanh"]) == (
        "Hiệu trưởng", "Đoàn Trung Quế", "Trường Xuân")
    assert hong["madinhdanhhocba"] is None  # not issued yet
    assert [s["mamonhoc"] for s in hong["_dsbangdiem"]] == list(catalogue.compulsory_subjects(4))
    toan = next(s for s in hong["_dsbangdiem"] if s["mamonhoc"] == "toan")
    assert (toan["mucdatduoc"], toan["diemktdk"], toan["tenmonhoc"]) == ("T", 8, "Toán")
    assert hong["_quatrinhhoctap"] == [{"namhoc": "2024-2025", "makhoi": 4, "tenlop": "4A", "matruong": "67000199",
                                        "tentruong": "Trường Tiểu học Thử Nghiệm", "sodangbo": "20/2020",
                                        "ngaynhaphoc": "2024-09-05", "chuyenden": 0}]
    assert [q["maphamchat"] for q in hong["_dsphamchat"]] == list(catalogue.QUALITIES)
    assert len(hong["_dsnangluc"]) == len(catalogue.COMPETENCES)
    an = pupil_doc(export, "Hoàng Minh An")
    assert an["gioitinh"] == 1 and an["_dsbangdiem"] == [] and an["ketquagiaoduc"] is None
    json.loads(export.json())


def test_term_one_export_carries_the_end_of_term_one_results_and_no_outcome(assessed):
    export = sector_export(school_year=assessed.year, term="1")
    tuyet = pupil_doc(export, "Nguyễn Thị Ánh Tuyết")
    assert {s["mucdatduoc"] for s in tuyet["_dsbangdiem"]} == {"H"}
    assert next(s for s in tuyet["_dsbangdiem"] if s["mamonhoc"] == "toan")["diemktdk"] == 7
    assert "ketquagiaoduc" not in tuyet and "duoclenlop" not in tuyet and export.document["thoidiem"] == "cuoi_hk1"
    two = sector_export(school_year=assessed.year, term="2")
    assert next(s for s in pupil_doc(two, "Nguyễn Thị Ánh Tuyết")["_dsbangdiem"] if s["mamonhoc"] == "toan")[
        "diemktdk"] == 9


def test_the_identity_check_lists_the_failing_pupils_in_vietnamese(assessed):
    Pupil.objects.filter(pk=assessed.pupil1.pk).update(identity_number=None)
    export = sector_export(school_year=assessed.year, term="year")
    assert not export.ok and export.pupils == 3
    assert [(f["lop"], f["hovaten"]) for f in export.failures] == [("1A", "Hoàng Minh An"),
                                                                  ("4A", "Nguyễn Thị Ánh Tuyết")]
    text = export.failures_text()
    assert text.splitlines()[0] == "2/3 học sinh chưa có hoặc sai mã định danh cá nhân:"
    assert "- Lớp 1A, Hoàng Minh An (sinh 01/03/2018): Chưa có mã định danh cá nhân." in text
    assert ("- Lớp 4A, Nguyễn Thị Ánh Tuyết (sinh 02/09/2014) — mã 067214001234: Chữ số thứ tư (2) ứng với nam "
            "sinh 2000–2099, nhưng học sinh là nữ sinh năm 2014 (phải là 3).") in text
    assert len(export.document["thongtinsohocbasotieuhoc"]) == 3
    only = sector_export(school_year=assessed.year, term="year", only_valid=True)
    assert [p["hovaten"] for p in only.document["thongtinsohocbasotieuhoc"]] == ["Lê Thị Hồng"]
    assert only.document["kiemtramadinhdanh"] == only.failures


def test_xlsx_form_has_one_sheet_per_catalogue_table(assessed):
    wb = sector_workbook(sector_export(school_year=assessed.year, term="year"))
    assert wb.sheetnames == ["thongtinsohocbasotieuhoc", "_quatrinhhoctap", "_dsbangdiem", "_dsphamchat", "_dsnangluc",
                             "kiemtramadinhdanh", "thongtinxuat"]
    main = [row for row in wb["thongtinsohocbasotieuhoc"].iter_rows(values_only=True)]
    assert {"madinhdanhhocba", "mahocsinh", "hovaten", "gioitinh", "duoclenlop"} <= set(main[0])
    scores = list(wb["_dsbangdiem"].iter_rows(values_only=True))
    assert scores[0][:6] == ("matruong", "mahocsinh", "madinhdanh", "hovaten", "mamonhoc", "tenmonhoc")
    assert len(scores) == 1 + 2 * len(catalogue.compulsory_subjects(4))


def test_sector_command_writes_json_and_xlsx_and_fails_on_bad_identity_numbers(assessed, tmp_path, capsys):
    out = tmp_path / "csdl.json"
    with pytest.raises(CommandError) as error:
        call_command("export", "sector", school="67000199", year="2024-2025", term="year", out=str(out),
                     stdout=io.StringIO())
    assert error.value.returncode == 1 and "2 học sinh chưa có hoặc sai mã định danh" in str(error.value)
    assert "Hoàng Minh An" in capsys.readouterr().err
    assert json.loads(out.read_text(encoding="utf-8"))["thongtinsohocbasotieuhoc"]
    Pupil.objects.filter(pk=assessed.pupil.pk).update(identity_number="067314001234")
    Pupil.objects.filter(pk=assessed.pupil1.pk).update(identity_number="067218004321")
    call_command("export", "sector", school="67000199", year="2024-2025", term="1", out=str(tmp_path / "c.xlsx"),
                 stdout=io.StringIO())
    assert load_workbook(tmp_path / "c.xlsx")["thongtinxuat"]["B7"].value == "1"


def test_the_years_file_written_by_the_command_is_an_extract_of_each_issued_record(school, tmp_path):
    """``hocbaso export sector --term year``: the file leaves for the sector database, so each issued record it
    names is recorded as an extract (form ``sector``, the file's SHA-256, nobody signed in), even when the command
    then fails on identity numbers (the file is written all the same)."""
    import hashlib

    from hocbaso.records.models import Extract, ExtractForm, IssuedRecord
    from hocbaso.testing.lifecycle import sign_and_issue

    sign_and_issue(school)
    out = tmp_path / "csdl.json"
    with pytest.raises(CommandError):
        call_command("export", "sector", school=school.school.code, year=school.year.name, term="year",
                     out=str(out), stdout=io.StringIO())
    logged = Extract.objects.filter(form=ExtractForm.SECTOR)
    assert sorted(e.issued_id for e in logged) == sorted(IssuedRecord.objects.values_list("pk", flat=True))
    assert {(e.channel, e.by_id, e.sha256) for e in logged} == {
        ("export.sector", None, hashlib.sha256(out.read_bytes()).hexdigest())}
