"""The static catalogue: Chương trình GDPT 2018 subjects per grade, and TT27's scales and periodic tests."""

import pytest

from hocbaso.tt27 import catalogue

GRADES_1_2 = ("tieng_viet", "toan", "dao_duc", "tu_nhien_xa_hoi", "giao_duc_the_chat", "am_nhac", "mi_thuat",
              "hoat_dong_trai_nghiem")
GRADE_3 = ("tieng_viet", "toan", "ngoai_ngu_1", "dao_duc", "tu_nhien_xa_hoi", "tin_hoc", "cong_nghe",
           "giao_duc_the_chat", "am_nhac", "mi_thuat", "hoat_dong_trai_nghiem")
GRADES_4_5 = ("tieng_viet", "toan", "ngoai_ngu_1", "dao_duc", "lich_su_dia_li", "khoa_hoc", "tin_hoc", "cong_nghe",
              "giao_duc_the_chat", "am_nhac", "mi_thuat", "hoat_dong_trai_nghiem")


def test_subjects_in_the_spec_table_order_with_their_hoc_ba_names():
    assert list(catalogue.SUBJECTS.items()) == [
        ("tieng_viet", "Tiếng Việt"), ("toan", "Toán"), ("ngoai_ngu_1", "Ngoại ngữ 1"), ("dao_duc", "Đạo đức"),
        ("tu_nhien_xa_hoi", "Tự nhiên và Xã hội"), ("lich_su_dia_li", "Lịch sử và Địa lí"), ("khoa_hoc", "Khoa học"),
        ("tin_hoc", "Tin học và Công nghệ (Tin học)"), ("cong_nghe", "Tin học và Công nghệ (Công nghệ)"),
        ("giao_duc_the_chat", "Giáo dục thể chất"), ("am_nhac", "Nghệ thuật (Âm nhạc)"),
        ("mi_thuat", "Nghệ thuật (Mĩ thuật)"), ("hoat_dong_trai_nghiem", "Hoạt động trải nghiệm"),
        ("tieng_dan_toc", "Tiếng dân tộc thiểu số")]


def test_qualities_and_competences():
    assert list(catalogue.QUALITIES.items()) == [
        ("yeu_nuoc", "Yêu nước"), ("nhan_ai", "Nhân ái"), ("cham_chi", "Chăm chỉ"), ("trung_thuc", "Trung thực"),
        ("trach_nhiem", "Trách nhiệm")]
    assert list(catalogue.COMPETENCES_GENERAL.items()) == [
        ("tu_chu_tu_hoc", "Tự chủ và tự học"), ("giao_tiep_hop_tac", "Giao tiếp và hợp tác"),
        ("giai_quyet_van_de", "Giải quyết vấn đề và sáng tạo")]
    assert list(catalogue.COMPETENCES_SPECIFIC.items()) == [
        ("ngon_ngu", "Ngôn ngữ"), ("tinh_toan", "Tính toán"), ("khoa_hoc", "Khoa học"), ("cong_nghe", "Công nghệ"),
        ("tin_hoc", "Tin học"), ("tham_mi", "Thẩm mĩ"), ("the_chat", "Thể chất")]
    assert list(catalogue.COMPETENCES) == list(catalogue.COMPETENCES_GENERAL) + list(catalogue.COMPETENCES_SPECIFIC)


def test_subject_and_competence_namespaces_are_separate():
    # khoa_hoc, cong_nghe, tin_hoc are both; the names differ by namespace.
    for code in ("khoa_hoc", "cong_nghe", "tin_hoc"):
        assert code in catalogue.SUBJECTS and code in catalogue.COMPETENCES
    assert catalogue.SUBJECTS["tin_hoc"] == "Tin học và Công nghệ (Tin học)"
    assert catalogue.COMPETENCES["tin_hoc"] == "Tin học"


def test_periods_scales_outcomes_awards():
    assert list(catalogue.PERIODS.items()) == [
        ("giua_hk1", "Giữa học kì I"), ("cuoi_hk1", "Cuối học kì I"), ("giua_hk2", "Giữa học kì II"),
        ("cuoi_nam", "Cuối năm học")]
    assert catalogue.SUBJECT_RATINGS == {"T": "Hoàn thành tốt", "H": "Hoàn thành", "C": "Chưa hoàn thành"}
    assert catalogue.TRAIT_RATINGS == {"T": "Tốt", "\u0110": "Đạt", "C": "Cần cố gắng"}
    assert list(catalogue.OUTCOMES.items()) == [
        ("HTXS", "Hoàn thành xuất sắc"), ("HTT", "Hoàn thành tốt"), ("HT", "Hoàn thành"), ("CHT", "Chưa hoàn thành")]
    assert catalogue.AWARDS == {
        "hoc_sinh_xuat_sac": "Học sinh Xuất sắc",
        "hoc_sinh_tieu_bieu": "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện"}


def test_every_name_is_nfc():
    import unicodedata
    tables = (catalogue.SUBJECTS, catalogue.QUALITIES, catalogue.COMPETENCES, catalogue.PERIODS,
              catalogue.SUBJECT_RATINGS, catalogue.TRAIT_RATINGS, catalogue.OUTCOMES, catalogue.AWARDS)
    for table in tables:
        for key, name in table.items():
            assert unicodedata.is_normalized("NFC", key) and unicodedata.is_normalized("NFC", name)


@pytest.mark.parametrize("grade, compulsory, optional", [
    (1, GRADES_1_2, ("ngoai_ngu_1", "tieng_dan_toc")),
    (2, GRADES_1_2, ("ngoai_ngu_1", "tieng_dan_toc")),
    (3, GRADE_3, ("tieng_dan_toc",)),
    (4, GRADES_4_5, ("tieng_dan_toc",)),
    (5, GRADES_4_5, ("tieng_dan_toc",)),
])
def test_subjects_of_each_grade(grade, compulsory, optional):
    assert catalogue.compulsory_subjects(grade) == compulsory
    assert catalogue.optional_subjects(grade) == optional
    assert set(catalogue.grade_subjects(grade)) == set(compulsory) | set(optional)
    order = list(catalogue.SUBJECTS)
    assert list(catalogue.grade_subjects(grade)) == sorted(catalogue.grade_subjects(grade), key=order.index)


def test_grade_1_2_order_puts_the_optional_foreign_language_in_its_table_place():
    assert catalogue.grade_subjects(1) == ("tieng_viet", "toan", "ngoai_ngu_1", "dao_duc", "tu_nhien_xa_hoi",
                                           "giao_duc_the_chat", "am_nhac", "mi_thuat", "hoat_dong_trai_nghiem",
                                           "tieng_dan_toc")


@pytest.mark.parametrize("bad", [0, 6, -1, "4", 4.0, True, None])
def test_grade_functions_refuse_a_grade_outside_1_to_5(bad):
    for function in (catalogue.compulsory_subjects, catalogue.optional_subjects, catalogue.grade_subjects,
                     catalogue.scored_subjects):
        with pytest.raises(ValueError):
            function(bad)
    with pytest.raises(ValueError):
        catalogue.has_periodic_test(bad, "toan", "cuoi_nam")
    with pytest.raises(ValueError):
        catalogue.grade_completion(bad, True)


def test_completion_statements_as_the_hoc_ba_prints_them():
    assert catalogue.grade_completion(4, True) == "Hoàn thành chương trình lớp 4"
    assert catalogue.grade_completion(1, False) == "Chưa hoàn thành chương trình lớp 1"
    assert catalogue.primary_completion(True) == "Hoàn thành chương trình tiểu học"
    assert catalogue.primary_completion(False) == "Chưa hoàn thành chương trình tiểu học"
