"""Importing a class's evaluations for a period: through evaluations_save, all or nothing, every problem located."""

import datetime as dt

import pytest

from hocbaso.assessment.models import SubjectEvaluation, TraitEvaluation, YearResult
from hocbaso.audit.models import AuditEntry
from hocbaso.directory.models import Enrolment, Pupil
from hocbaso.exchange.excel.evaluation_export import evaluations_workbook
from hocbaso.exchange.excel.evaluation_import import evaluations_import
from hocbaso.exchange.excel.summary import class_summary_workbook
from hocbaso.records.locks import data_lock
from hocbaso.testing.exchange import problems_at, save, xlsx
from hocbaso.tt27 import catalogue

D = dt.date
SUBJECTS_4 = catalogue.compulsory_subjects(4)


@pytest.fixture
def class4a(world):
    """4A with three pupils: Ánh Tuyết (world), Bảo (identity number), Chi (no identity number)."""
    world.bao = Pupil.objects.create(school=world.school, identity_number="067215000101", full_name="Trần Quốc Bảo",
                                     gender="male", birth_date=D(2015, 4, 4), birthplace="Đắk Nông")
    world.chi = Pupil.objects.create(school=world.school, full_name="Lê Thị Chi", gender="female",
                                     birth_date=D(2015, 6, 6), birthplace="Đắk Nông")
    world.e_bao = Enrolment.objects.create(pupil=world.bao, school_class=world.class4a, registry_number="16/2020",
                                           joined_on=D(2024, 9, 5))
    world.e_chi = Enrolment.objects.create(pupil=world.chi, school_class=world.class4a, registry_number="17/2020",
                                           joined_on=D(2024, 9, 5))
    return world


def stored(period="cuoi_nam"):
    subjects = {(r.enrolment_id, r.subject): (r.rating, r.score, r.comment)
                for r in SubjectEvaluation.objects.filter(period=period)}
    traits = {(r.enrolment_id, r.kind, r.code): (r.rating, r.comment)
              for r in TraitEvaluation.objects.filter(period=period)}
    return subjects, traits


def snapshot():
    return (list(SubjectEvaluation.objects.order_by("pk").values()), list(TraitEvaluation.objects.order_by("pk").values()),
            list(YearResult.objects.order_by("pk").values()), AuditEntry.objects.count())


def subjects_sheet(rows, *, title="Môn học", subjects=("tieng_viet", "toan", "dao_duc")):
    """A two-row header: identity columns, then per subject Mức đạt được / Điểm KTĐK / Nhận xét."""
    top = ["STT", "Mã định danh", "Họ và tên", "Ngày sinh"]
    sub = [None] * 4
    for code in subjects:
        top += [catalogue.SUBJECTS[code], None, None]
        sub += ["Mức đạt được", "Điểm KTĐK", "Nhận xét"]
    return {title: [["BẢNG ĐÁNH GIÁ LỚP 4A"], [], top, sub, *rows]}


def merges_for(subjects, first_col=5, row=3):
    from openpyxl.utils import get_column_letter as L

    out = [f"{L(c)}{row}:{L(c)}{row + 1}" for c in range(1, first_col)]
    for i in range(len(subjects)):
        start = first_col + 3 * i
        out.append(f"{L(start)}{row}:{L(start + 2)}{row}")
    return out


def test_a_class_sheet_is_imported_through_evaluations_save_attributed_to_the_importer(class4a):
    w = class4a
    data = xlsx(subjects_sheet([
        [1, "067214001234", "Nguyễn Thị Ánh Tuyết", D(2014, 9, 2), "T", 9, "Đọc tốt.", "T", 10, "Giỏi toán.", "H", None,
         "Lễ phép."],
        [2, "067215000101", "Trần Quốc Bảo", D(2015, 4, 4), "H", "7", None, "hoàn thành tốt", 8.0, None, "T", None, None],
        [3, None, "Lê Thị Chi", "06/06/2015", "C", 4, "Cần luyện đọc.", None, None, None, None, None, None],
    ]), merges={"Môn học": merges_for(("tieng_viet", "toan", "dao_duc"))})
    report = evaluations_import(school_class=w.class4a, period="cuoi_hk1", file=data, by=w.member.user)
    assert report.ok, [str(p) for p in report.problems]
    assert report.applied and (report.created, report.updated, report.unchanged) == (7, 0, 0)
    subjects, _ = stored("cuoi_hk1")
    assert subjects == {
        (w.enrolment.pk, "tieng_viet"): ("T", 9, "Đọc tốt."), (w.enrolment.pk, "toan"): ("T", 10, "Giỏi toán."),
        (w.enrolment.pk, "dao_duc"): ("H", None, "Lễ phép."),
        (w.e_bao.pk, "tieng_viet"): ("H", 7, ""), (w.e_bao.pk, "toan"): ("T", 8, ""), (w.e_bao.pk, "dao_duc"): ("T", None, ""),
        (w.e_chi.pk, "tieng_viet"): ("C", 4, "Cần luyện đọc."),
    }
    entries = AuditEntry.objects.filter(action="evaluation.import")
    assert entries.count() == 1 and set(entries.values_list("actor", flat=True)) == {w.member.user.pk}
    assert len(entries.get().after) == 7  # one entry for the class, every changed cell in it
    assert any("1 học sinh" not in n for n in report.notes) or not report.notes


def test_reimporting_an_export_changes_nothing(class4a, fill_year):
    w = class4a
    for enrolment in (w.enrolment, w.e_bao, w.e_chi):
        fill_year(enrolment, w.member.user)
    data = save(evaluations_workbook(w.class4a, "cuoi_nam"))
    before = snapshot()
    report = evaluations_import(school_class=w.class4a, period="cuoi_nam", file=data, by=w.owner.user)
    assert report.ok and (report.created, report.updated) == (0, 0)
    assert report.unchanged == 3 * (len(SUBJECTS_4) + 15)
    assert snapshot() == before
    summary = save(class_summary_workbook(w.class4a, "cuoi_nam"))
    report = evaluations_import(school_class=w.class4a, period="cuoi_nam", file=summary, by=w.owner.user)
    assert report.ok and (report.created, report.updated) == (0, 0), [str(p) for p in report.problems]
    assert snapshot() == before


def test_a_file_with_mistakes_writes_nothing_and_locates_every_problem(class4a):
    w = class4a
    before = snapshot()
    rows = [
        [1, "067214001234", "Nguyễn Thị Ánh Tuyết", D(2014, 9, 2), "T", 11, None, "T", 9.5, None, "T", 8, None],
        [2, "067215000101", "Trần Quốc Bảo", D(2015, 4, 4), "Giỏi", 7, None, "T", 8, None, "T", None, None],
        [3, None, "Lê Thị Chì", D(2015, 6, 6), "T", 7, None, "T", 8, None, "T", None, None],
        [4, "067215000999", "Không Có Tên", D(2015, 1, 1), "T", 7, None, "T", 8, None, "T", None, None],
        [5, None, "Lê Thị Chi", "31/13/2015", "T", 7, None, "T", 8, None, "T", None, None],
    ]
    data = xlsx(subjects_sheet(rows))
    report = evaluations_import(school_class=w.class4a, period="cuoi_nam", file=data, by=w.member.user)
    assert not report.ok and not report.applied
    assert problems_at(report) == {
        ("Môn học", 5, "F", "score_out_of_range"),  # 11
        ("Môn học", 5, "I", "score_out_of_range"),  # 9.5
        ("Môn học", 5, "L", "score_not_applicable"),  # Đạo đức has no periodic test
        ("Môn học", 6, "E", "invalid"),  # "Giỏi" is not a rating
        ("Môn học", 7, "C", "unknown_pupil"),  # Chì is not Chi
        ("Môn học", 8, "B", "unknown_pupil"),  # identity number not in the class
        ("Môn học", 9, "D", "invalid"),  # bad date
    }
    by_cell = {(p.row, p.column): p for p in report.problems}
    assert str(by_cell[(5, "F")]) == ("Trang tính «Môn học», dòng 5, cột F (Tiếng Việt / Điểm KTĐK): Điểm kiểm tra "
                                      "định kì môn Tiếng Việt phải là số nguyên từ 0 đến 10 (đang ghi «11»).")
    assert "không có bài kiểm tra định kì" in by_cell[(5, "L")].message
    assert by_cell[(5, "L")].header == "Đạo đức / Điểm KTĐK"
    assert snapshot() == before


def test_a_subject_the_grade_does_not_have_and_a_missing_name_column(class4a):
    w = class4a
    data = xlsx({"Môn học": [
        ["STT", "Tự nhiên và Xã hội", "Toán"],
        [1, "T", "T"],
    ]})
    report = evaluations_import(school_class=w.class4a, period="cuoi_nam", file=data, by=w.member.user)
    assert {(p.row, p.column, p.header, p.code) for p in report.problems} == {
        (1, "B", "Tự nhiên và Xã hội", "subject_not_in_grade"), (1, None, "Họ và tên", "missing_column")}
    data = xlsx({"Môn học": [["STT", "Họ và tên", "Tự nhiên và Xã hội", "Toán"], [1, "Trần Quốc Bảo", "T", "H"]]})
    report = evaluations_import(school_class=w.class4a, period="cuoi_nam", file=data, by=w.member.user)
    assert [(p.row, p.column, p.code) for p in report.problems] == [(1, "C", "subject_not_in_grade")]
    assert report.problems[0].message == "Lớp 4 không có môn Tự nhiên và Xã hội."
    assert not SubjectEvaluation.objects.exists()


def test_one_row_headers_words_for_ratings_and_a_traits_sheet(class4a):
    w = class4a
    data = xlsx({
        "Môn học": [
            ["STT", "HỌ VÀ TÊN", "Tiếng Việt - Mức đạt được", "Điểm KTĐK Tiếng Việt", "Toán (Mức đạt)", "TOÁN (ĐIỂM)",
             "Tin học", "Công nghệ", "Tiếng Việt: Nhận xét"],
            [1, "Trần Quốc Bảo", "Hoàn thành tốt", 9, "Hoàn thành", 7, "T", "h", "Đọc to, rõ."],
        ],
        "Phẩm chất, năng lực": [
            ["STT", "Họ và tên", "Yêu nước", "Trung thực - Nhận xét", "Khoa học", "Tin học", "Công nghệ", "Tự chủ, tự học"],
            [1, "Trần Quốc Bảo", "Tốt", "Thật thà.", "Đạt", "D", "Cần cố gắng", "T"],
        ],
    })
    report = evaluations_import(school_class=w.class4a, period="cuoi_nam", file=data, by=w.member.user)
    assert report.ok, [str(p) for p in report.problems]
    subjects, traits = stored()
    e = w.e_bao.pk
    assert subjects == {(e, "tieng_viet"): ("T", 9, "Đọc to, rõ."), (e, "toan"): ("H", 7, ""),
                        (e, "tin_hoc"): ("T", None, ""), (e, "cong_nghe"): ("H", None, "")}
    assert traits == {(e, "quality", "yeu_nuoc"): ("T", ""), (e, "quality", "trung_thuc"): (None, "Thật thà."),
                      (e, "competence", "khoa_hoc"): ("Đ", ""), (e, "competence", "tin_hoc"): ("Đ", ""),
                      (e, "competence", "cong_nghe"): ("C", ""), (e, "competence", "tu_chu_tu_hoc"): ("T", "")}
    assert any("2 học sinh của lớp 4A không có trong tệp" in n for n in report.notes)


def test_a_locked_class_is_refused(class4a):
    w = class4a
    data_lock(school_year=w.year, school_class=w.class4a, by=w.owner.user)
    data = xlsx({"Môn học": [["STT", "Họ và tên", "Toán"], [1, "Trần Quốc Bảo", "T"]]})
    report = evaluations_import(school_class=w.class4a, period="cuoi_nam", file=data, by=w.member.user)
    assert [p.code for p in report.problems] == ["locked"] and "đã được chốt" in report.problems[0].message
    assert not SubjectEvaluation.objects.exists()


def test_year_end_fields_are_written_and_the_outcome_computed(class4a, fill_year):
    w = class4a
    fill_year(w.e_bao, w.member.user, rating="T", score=9, trait="T")
    data = xlsx({"Cuối năm": [
        ["STT", "Họ và tên", "Nhận xét của GVCN", "Chiều cao (cm)", "Cân nặng", "Nghỉ có phép", "Nghỉ không phép",
         "Đánh giá kết quả giáo dục"],
        [1, "Trần Quốc Bảo", "Em chăm ngoan.", 132, "29,5", 2, 0, "bỏ qua: tính lại"],
    ]})
    report = evaluations_import(school_class=w.class4a, period="cuoi_nam", file=data, by=w.member.user)
    assert report.ok, [str(p) for p in report.problems]
    assert report.details["year_results"] == {"created": 1, "updated": 0, "unchanged": 0}
    result = YearResult.objects.get(enrolment=w.e_bao)
    assert (result.homeroom_comment, result.height_cm, float(result.weight_kg), result.days_absent_excused) == (
        "Em chăm ngoan.", 132, 29.5, 2)
    assert result.outcome == "HTXS" and result.updated_by == w.member.user
    again = evaluations_import(school_class=w.class4a, period="cuoi_nam", file=data, by=w.member.user)
    assert again.ok and again.details["year_results"]["unchanged"] == 1 and again.updated == 0


def test_year_end_fields_with_mistakes_and_in_the_wrong_period(class4a):
    w = class4a
    data = xlsx({"Cuối năm": [
        ["STT", "Họ và tên", "Chiều cao (cm)", "Cân nặng (kg)", "Kết quả theo KHGD cá nhân", "Đề nghị khen thưởng"],
        [1, "Trần Quốc Bảo", 300, 29.55, "HT", "có lẽ"],
    ]})
    report = evaluations_import(school_class=w.class4a, period="cuoi_nam", file=data, by=w.member.user)
    assert problems_at(report) == {("Cuối năm", 2, col, "invalid") for col in "CDEF"}
    report = evaluations_import(school_class=w.class4a, period="giua_hk1", file=data, by=w.member.user)
    assert {p.code for p in report.problems} == {"wrong_period"}
    assert not YearResult.objects.exists()


def test_the_same_value_twice_must_agree(class4a):
    w = class4a
    data = xlsx({
        "Tổng hợp": [["STT", "Họ và tên", "Toán"], [1, "Trần Quốc Bảo", "T"]],
        "Môn học": [["STT", "Họ và tên", "Toán - Mức đạt được"], [1, "Trần Quốc Bảo", "H"]],
    })
    report = evaluations_import(school_class=w.class4a, period="cuoi_nam", file=data, by=w.member.user)
    assert problems_at(report) == {("Môn học", 2, "C", "conflicting_cells")}
    assert "«Tổng hợp»!C2" in report.problems[0].message


def test_a_school_summary_keeps_only_the_class_sheets(class4a, fill_year):
    w = class4a
    fill_year(w.e_bao, w.member.user)
    from hocbaso.exchange.excel.summary import school_summary_workbook

    data = save(school_summary_workbook(w.year, "cuoi_nam"))
    SubjectEvaluation.objects.all().delete()
    TraitEvaluation.objects.all().delete()
    report = evaluations_import(school_class=w.class4a, period="cuoi_nam", file=data, by=w.member.user)
    assert report.ok, [str(p) for p in report.problems]
    assert any("Bỏ qua trang tính «4B»" in n for n in report.notes)
    assert report.created == len(SUBJECTS_4) + 15
    assert SubjectEvaluation.objects.get(enrolment=w.e_bao, subject="toan").score == 9


def test_unknown_period_and_non_xlsx(class4a):
    w = class4a
    report = evaluations_import(school_class=w.class4a, period="cuoi_hk2", file=b"", by=w.member.user)
    assert [p.code for p in report.problems] == ["invalid_period"]
    report = evaluations_import(school_class=w.class4a, period="cuoi_nam", file=b"%PDF-1.7", by=w.member.user)
    assert [p.code for p in report.problems] == ["not_xlsx"]


def test_a_locked_class_refuses_year_end_fields_once(class4a):
    w = class4a
    data_lock(school_year=w.year, school_class=w.class4a, by=w.owner.user)  # computes the year results once
    before = list(YearResult.objects.order_by("pk").values_list("pk", "height_cm", "revision"))
    data = xlsx({"Cuối năm": [["STT", "Họ và tên", "Chiều cao"], [1, "Trần Quốc Bảo", 130], [2, "Lê Thị Chi", 128]]})
    report = evaluations_import(school_class=w.class4a, period="cuoi_nam", file=data, by=w.member.user)
    assert [p.code for p in report.problems] == ["locked"]
    assert list(YearResult.objects.order_by("pk").values_list("pk", "height_cm", "revision")) == before
