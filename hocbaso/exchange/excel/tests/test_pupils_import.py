"""Importing pupil lists: all or nothing, every problem located, header variants, re-import is a no-op."""

import datetime as dt

import pytest

from hocbaso.audit.models import AuditEntry
from hocbaso.directory.models import Enrolment, Pupil
from hocbaso.exchange.excel.pupil_import import pupils_import
from hocbaso.testing.exchange import PUPIL_HEADERS, problems_at, pupil_row, xlsx

D = dt.date


def snapshot():
    """Everything an import may touch, to prove that a refused import wrote nothing."""
    pupils = list(Pupil.objects.order_by("pk").values())
    enrolments = list(Enrolment.objects.order_by("pk").values())
    return pupils, enrolments, AuditEntry.objects.count()


def good_list():
    return xlsx({"Danh sách": [
        ["DANH SÁCH HỌC SINH NĂM HỌC 2024-2025"],
        [],
        PUPIL_HEADERS,
        pupil_row(1, "4B", "067215000011", "Trần Văn Bình", D(2015, 3, 14)),
        pupil_row(2, "4B", "067315000012", "Lê Thị Cúc", D(2015, 7, 1), "Nữ"),
        pupil_row(3, "1A", None, "Phạm Gia Huy", D(2018, 11, 30)),
    ]})


def test_a_pupil_list_creates_pupils_and_enrolments_attributed_to_the_importer(world):
    report = pupils_import(school_year=world.year, file=good_list(), by=world.owner.user)
    assert report.ok, [str(p) for p in report.problems]
    assert report.applied and (report.created, report.updated, report.unchanged) == (3, 0, 0)
    binh = Pupil.objects.get(identity_number="067215000011")
    assert (binh.full_name, binh.gender, binh.birth_date, binh.school) == ("Trần Văn Bình", "male", D(2015, 3, 14),
                                                                          world.school)
    cuc = Enrolment.objects.get(pupil__full_name="Lê Thị Cúc")
    assert (cuc.school_class, cuc.registry_number, cuc.joined_on) == (world.class4b, "2/2024", D(2024, 9, 5))
    assert cuc.pupil.gender == "female"
    huy = Pupil.objects.get(full_name="Phạm Gia Huy")
    assert huy.identity_number is None and huy.enrolments.get().school_class == world.class1a
    entries = AuditEntry.objects.filter(action__in=["pupil.create", "enrolment.create"])
    assert entries.count() == 6
    assert set(entries.values_list("actor", flat=True)) == {world.owner.user.pk}
    assert set(entries.values_list("school_code", flat=True)) == {world.school.code}


def test_reimporting_the_same_file_changes_nothing(world):
    data = good_list()
    pupils_import(school_year=world.year, file=data, by=world.owner.user)
    before = snapshot()
    again = pupils_import(school_year=world.year, file=data, by=world.member.user)
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert again.details["enrolments"] == {"created": 0, "updated": 0, "unchanged": 3}
    assert snapshot() == before


def test_dry_run_previews_without_writing(world):
    before = snapshot()
    report = pupils_import(school_year=world.year, file=good_list(), by=world.owner.user, dry_run=True)
    assert report.ok and not report.applied and report.created == 3
    assert "xem trước" in report.summary()
    assert snapshot() == before


def test_existing_pupils_are_matched_by_identity_number_else_name_and_birth_date(world):
    world.pupil1.identity_number = None
    world.pupil1.save()
    data = xlsx({"4A": [
        ["STT", "Mã định danh", "Họ và tên", "Ngày sinh", "Giới tính", "Nơi ở hiện nay", "Số đăng bộ"],
        # Same identity number, name corrected (extra spaces are not a change of name).
        [1, "067214001234", "Nguyễn  Thị Ánh Tuyết ", D(2014, 9, 2), "Nữ", "Thôn 2, Xã Trường Xuân", "15/2020"],
    ], "1A": [
        ["STT", "Mã định danh", "Họ và tên", "Ngày sinh", "Giới tính", "Số đăng bộ"],
        # No identity number stored: found by name and birth date, the number is added.
        [1, "067218004321", "Hoàng Minh An", D(2018, 3, 1), "Nam", "40/2024"],
    ]})
    report = pupils_import(school_year=world.year, file=data, by=world.owner.user)
    assert report.ok, [str(p) for p in report.problems]
    assert (report.created, report.updated, report.unchanged) == (0, 2, 0)
    world.pupil.refresh_from_db()
    world.pupil1.refresh_from_db()
    assert world.pupil.address == "Thôn 2, Xã Trường Xuân" and world.pupil.full_name == "Nguyễn Thị Ánh Tuyết"
    assert world.pupil1.identity_number == "067218004321"
    assert Pupil.objects.count() == 2 and Enrolment.objects.count() == 2
    change = AuditEntry.objects.get(action="pupil.change", target_id=str(world.pupil.pk))
    assert change.actor == world.owner.user and change.after == {"address": "Thôn 2, Xã Trường Xuân"}


def test_a_blank_cell_never_erases_stored_data(world):
    data = xlsx({"4A": [
        ["STT", "Mã định danh", "Họ và tên", "Ngày sinh", "Giới tính", "Họ tên cha", "Nơi sinh", "Dân tộc"],
        [1, "067214001234", "Nguyễn Thị Ánh Tuyết", D(2014, 9, 2), "Nữ", None, None, None],
    ]})
    report = pupils_import(school_year=world.year, file=data, by=world.owner.user)
    assert report.ok and report.unchanged == 1
    world.pupil.refresh_from_db()
    assert world.pupil.father_name == "Nguyễn Văn Hùng" and world.pupil.ethnicity == "Kinh"


def test_header_variants_column_order_and_date_forms_are_accepted(world):
    data = xlsx({"Lớp 4B": [
        ["TRƯỜNG TIỂU HỌC THỬ NGHIỆM"],
        ["Danh sách lớp 4B"],
        ["  SỐ ĐỊNH DANH CÁ NHÂN ", "ho ten", "Ngay thang nam sinh (*)", "GIỚI  TÍNH", "Noi sinh", "Địa chỉ",
         "Họ và tên cha", "HỌ TÊN MẸ", "Người giám hộ", "SĐB", "ngày vào trường", "stt", "Mã HS", "Quê quán"],
        # The identity number typed as a number lost its leading zero; dates as dd/mm/yyyy text.
        [67215000021, "Đỗ Minh Khôi", "05/01/2015", "nam", "Đắk Nông", "Thôn 3", "Đỗ Văn Cha", "Vũ Thị Mẹ",
         None, "70/2024", "5/9/2024", 1, "6700019900070", "Hà Nội"],
        ["067315000022", "Ngô Thị Lụa", D(2015, 2, 20), "NỮ", "Đắk Nông", "Thôn 4", None, "Ngô Thị Bà", "Ngô Văn Ông",
         "71/2024", None, 2, None, None],
    ]})
    report = pupils_import(school_year=world.year, file=data, by=world.owner.user)
    assert report.ok, [str(p) for p in report.problems]
    khoi = Pupil.objects.get(identity_number="067215000021")
    assert (khoi.birth_date, khoi.gender, khoi.address, khoi.sector_code, khoi.hometown) == (
        D(2015, 1, 5), "male", "Thôn 3", "6700019900070", "Hà Nội")
    lua = Enrolment.objects.get(pupil__identity_number="067315000022")
    assert lua.school_class == world.class4b and lua.joined_on == world.year.start_date
    assert lua.pupil.guardian_name == "Ngô Văn Ông" and lua.pupil.gender == "female"


def test_name_in_two_columns_and_gender_as_a_nu_column(world):
    data = xlsx({"4B": [
        ["STT", "Họ đệm", "Tên", "Ngày sinh", "Nữ", "Nơi sinh", "Số đăng bộ", "Môn tự chọn"],
        [1, "Lò Thị", "Mai", "12/12/2015", "x", "Đắk Nông", "80/2024", "Tiếng dân tộc thiểu số"],
        [2, "Lò Văn", "Páo", "01/06/2015", None, "Đắk Nông", "81/2024", None],
    ]})
    report = pupils_import(school_year=world.year, file=data, by=world.owner.user)
    assert report.ok, [str(p) for p in report.problems]
    mai = Enrolment.objects.get(pupil__full_name="Lò Thị Mai")
    assert mai.pupil.gender == "female" and mai.optional_subjects == ["tieng_dan_toc"]
    assert Pupil.objects.get(full_name="Lò Văn Páo").gender == "male"


def test_a_file_with_mistakes_writes_nothing_and_locates_every_problem(world):
    Pupil.objects.create(school=world.other_school, identity_number="067215009999", full_name="Học Sinh Khác",
                         gender="male", birth_date=D(2015, 1, 1), birthplace="Hà Nội")
    before = snapshot()
    data = xlsx({"Danh sách": [
        PUPIL_HEADERS,
        pupil_row(1, "4B", "067215000031", "Bùi Văn Một", "31/02/2015"),  # row 2: bad date (E)
        pupil_row(2, "4E", "067215000032", "Bùi Văn Hai", D(2015, 1, 2)),  # row 3: unknown class (B)
        pupil_row(3, "4B", "067215000033", "Bùi Văn Ba", D(2015, 1, 3)),  # row 4: same number as row 5 (C)
        pupil_row(4, "4B", "067215000033", "Bùi Văn Bốn", D(2015, 1, 4)),  # row 5
        pupil_row(5, "4B", "067214001234", "Bùi Văn Năm", D(2015, 1, 5)),  # row 6: number of Ánh Tuyết (C)
        pupil_row(6, "4B", "067215009999", "Bùi Văn Sáu", D(2015, 1, 6)),  # row 7: number of another school (C)
        pupil_row(7, "4B", "06721500003", "Bùi Văn Bảy", D(2015, 1, 7)),  # row 8: 11 digits (C)
        pupil_row(8, "4B", "067215000038", "Bùi Văn Tám", D(2015, 1, 8), "Trai gái"),  # row 9: gender (F)
        pupil_row(9, "4B", "067215000039", None, D(2015, 1, 9)),  # row 10: no name (D)
        pupil_row(10, "4B", "067215000040", "Bùi Văn Mười", D(2015, 1, 10)),  # row 11: correct
    ]})
    report = pupils_import(school_year=world.year, file=data, by=world.owner.user)
    assert not report.ok and not report.applied
    assert problems_at(report) == {
        ("Danh sách", 2, "E", "invalid"),
        ("Danh sách", 3, "B", "unknown_class"),
        ("Danh sách", 4, "C", "duplicate_identity"),
        ("Danh sách", 5, "C", "duplicate_identity"),
        ("Danh sách", 6, "C", "identity_taken"),
        ("Danh sách", 7, "C", "identity_taken"),
        ("Danh sách", 8, "C", "invalid"),
        ("Danh sách", 9, "F", "invalid"),
        ("Danh sách", 10, "D", "required"),
    }
    assert snapshot() == before
    texts = [str(p) for p in report.problems]
    assert texts[0] == "Trang tính «Danh sách», dòng 2, cột E (Ngày sinh): Ngày không tồn tại: «31/02/2015»."
    assert "Lớp «4E» không có trong năm học 2024-2025" in texts[1]
    assert "dòng 5" in texts[2] and "dòng 4" in texts[3]
    assert "đã là của học sinh khác: Nguyễn Thị Ánh Tuyết, sinh 02/09/2014" in texts[4]
    assert "học sinh trường khác" in texts[5]
    assert "12 chữ số" in texts[6]
    assert {p.header for p in report.problems} == {"Ngày sinh", "Lớp", "Mã định danh", "Giới tính", "Họ và tên"}
    assert "Tệp có 9 lỗi; chưa ghi gì" in report.summary()


def test_a_missing_required_column_is_named(world):
    before = snapshot()
    data = xlsx({"4B": [
        ["STT", "Họ và tên", "Giới tính", "Nơi sinh", "Số đăng bộ"],
        [1, "Bùi Văn Một", "Nam", "Đắk Nông", "1/2024"],
    ]})
    report = pupils_import(school_year=world.year, file=data, by=world.owner.user)
    assert [(p.sheet, p.row, p.header, p.code) for p in report.problems] == [("4B", 1, "Ngày sinh", "missing_column")]
    assert str(report.problems[0]) == "Trang tính «4B», dòng 1, cột «Ngày sinh»: Thiếu cột bắt buộc «Ngày sinh»."
    assert snapshot() == before


def test_a_sheet_without_class_and_new_pupils_without_required_values(world):
    data = xlsx({"Trang 1": [
        ["STT", "Họ và tên", "Ngày sinh", "Giới tính"],
        [1, "Bùi Văn Một", D(2015, 1, 1), "Nam"],
    ]})
    report = pupils_import(school_year=world.year, file=data, by=world.owner.user)
    assert {p.code for p in report.problems} == {"unknown_class", "required"}
    class_problem = next(p for p in report.problems if p.code == "unknown_class")
    assert class_problem.sheet == "Trang 1" and "4A" in class_problem.message
    data = xlsx({"4B": [["STT", "Họ và tên", "Ngày sinh", "Giới tính"], [1, "Bùi Văn Một", D(2015, 1, 1), "Nam"]]})
    report = pupils_import(school_year=world.year, file=data, by=world.owner.user)
    assert sorted(p.message for p in report.problems) == [
        "Thiếu nơi sinh (bắt buộc với học sinh mới).", "Thiếu số đăng bộ (bắt buộc khi xếp học sinh vào lớp)."]
    assert Pupil.objects.count() == 2


@pytest.mark.parametrize("data, message", [
    (b"STT,Ho va ten\n1,An\n", "không phải tệp Excel .xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "định dạng Excel cũ (.xls)"),
    (b"PK\x03\x04 this is no workbook", "không đọc được như một bảng tính .xlsx"),
    (b"", "rỗng"),
])
def test_a_file_that_is_not_xlsx_gets_a_clear_message(world, data, message):
    report = pupils_import(school_year=world.year, file=data, by=world.owner.user)
    assert len(report.problems) == 1 and message in report.problems[0].message
    assert report.problems[0].code == "not_xlsx" and not report.applied
    assert Pupil.objects.count() == 2


def test_a_file_path_and_an_uploaded_file_object_are_read(world, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    path = tmp_path / "ds.xlsx"
    path.write_bytes(good_list())
    assert pupils_import(school_year=world.year, file=path, by=world.owner.user, dry_run=True).created == 3
    upload = SimpleUploadedFile("ds.xlsx", good_list())
    assert pupils_import(school_year=world.year, file=upload, by=world.owner.user, dry_run=True).created == 3
    text = tmp_path / "ds.csv"
    text.write_text("STT;Họ và tên\n", encoding="utf-8")
    report = pupils_import(school_year=world.year, file=text, by=world.owner.user)
    assert "«ds.csv» không phải tệp Excel" in report.problems[0].message


def test_the_same_pupil_twice_and_a_class_change_after_evaluations_are_refused(world, fill_year):
    fill_year(world.enrolment, world.member.user)
    data = xlsx({"Danh sách": [
        PUPIL_HEADERS,
        pupil_row(1, "4B", None, "Bùi Văn Một", D(2015, 1, 1)),
        pupil_row(2, "4B", None, "Bùi  Văn Một", D(2015, 1, 1)),
        pupil_row(3, "4B", "067214001234", "Nguyễn Thị Ánh Tuyết", D(2014, 9, 2), "Nữ"),
    ]})
    report = pupils_import(school_year=world.year, file=data, by=world.owner.user)
    assert problems_at(report) == {("Danh sách", 2, "D", "duplicate_pupil"), ("Danh sách", 3, "D", "duplicate_pupil"),
                                   ("Danh sách", 4, "B", "class_change")}
    assert "đang học lớp 4A" in report.problems[-1].message


def test_a_pupil_listed_in_the_wrong_class_without_results_is_moved(world):
    data = xlsx({"1A": [
        ["STT", "Mã định danh", "Họ và tên", "Ngày sinh", "Giới tính"],
        [1, "067214001234", "Nguyễn Thị Ánh Tuyết", D(2014, 9, 2), "Nữ"],
    ]})
    report = pupils_import(school_year=world.year, file=data, by=world.owner.user)
    assert report.ok and report.updated == 1
    world.enrolment.refresh_from_db()
    assert world.enrolment.school_class == world.class1a and Enrolment.objects.count() == 2


def test_a_name_in_capitals_matches_and_keeps_the_stored_spelling(world):
    data = xlsx({"4A": [
        ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Họ tên mẹ"],
        [1, "NGUYỄN THỊ ÁNH TUYẾT", D(2014, 9, 2), "Nữ", "TRẦN THỊ LAN"],
    ]})
    report = pupils_import(school_year=world.year, file=data, by=world.owner.user)
    assert report.ok and report.unchanged == 1
    world.pupil.refresh_from_db()
    assert (world.pupil.full_name, world.pupil.mother_name) == ("Nguyễn Thị Ánh Tuyết", "Trần Thị Lan")


def test_a_name_with_markup_is_refused_with_a_vietnamese_message_and_nothing_written(world):
    """Finding 16: a name is issued into the registry for ever, so markup is refused at the door."""
    before = snapshot()
    data = xlsx({"Danh sách": [PUPIL_HEADERS,
                               pupil_row(1, "4B", None, "Trần Văn Bình", D(2015, 3, 14)),
                               pupil_row(2, "4B", None, "<img src=x onerror=alert(1)>", D(2015, 7, 1), "Nữ"),
                               pupil_row(3, "4B", None, "H'Hen Niê", D(2015, 1, 2), "Nữ")]})
    report = pupils_import(school_year=world.year, file=data, by=world.owner.user)
    assert not report.applied and snapshot() == before
    refusals = [p for p in report.problems if p.row == 2 + 1 and "ký tự" in p.message]
    assert refusals and "<" in refusals[0].message and "Họ tên không được chứa" in refusals[0].message
    assert all(p.row != 4 for p in report.problems)  # an apostrophe (ethnic minority names) stays allowed
