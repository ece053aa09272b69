"""The directory's rules: code formats, the database constraints, the clean() checks against the TT27 catalogue,
the NFC names, and the names and labels the pages and the học bạ print."""

import datetime as dt
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from hocbaso.directory.models import (Enrolment, EnrolmentStatus, Pupil, Role, School, SchoolClass, SchoolYear, Staff,
                                      StaffRole, TeachingAssignment, Term, identity_number_validator,
                                      school_code_validator, validate_school_year, without_unit)

pytestmark = pytest.mark.django_db


def refused(validator, value) -> ValidationError:
    with pytest.raises(ValidationError) as error:
        validator(value)
    return error.value


def pupil_fields(school, **fields):
    return {"school": school, "full_name": "Hoàng Minh An", "gender": "male", "birth_date": dt.date(2018, 3, 1),
            "birthplace": "Tỉnh Đắk Nông", **fields}


def violates_constraint(create):
    """True when ``create()`` is refused by the database (inside its own savepoint, so the test goes on)."""
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


# --- code formats -------------------------------------------------------------------------------------------

def test_an_identity_number_is_exactly_twelve_digits():
    identity_number_validator("067214001234")
    for wrong in ("06721400123", "0672140012345", "06721400123A", "067 14001234"):
        error = refused(identity_number_validator, wrong)
        assert error.code == "identity_number"
        assert error.messages == ["Mã định danh cá nhân phải gồm đúng 12 chữ số."]


def test_a_school_code_is_exactly_eight_digits():
    school_code_validator("67000199")
    for wrong in ("6700019", "670001990", "6700019X"):
        error = refused(school_code_validator, wrong)
        assert error.code == "school_code"
        assert error.messages == ["Mã trường (mã Bộ GD&ĐT) phải gồm đúng 8 chữ số."]


def test_a_school_year_is_two_consecutive_years():
    validate_school_year("2024-2025")
    for wrong in ("2024-2026", "2025-2024", "2024/2025", "24-25", "2024-2025 ", "", None):
        error = refused(validate_school_year, wrong)
        assert error.code == "school_year"
        assert error.messages == ["Năm học phải có dạng YYYY-YYYY với hai năm liên tiếp, ví dụ 2024-2025."]


def test_full_clean_applies_the_formats_to_pupils_schools_and_years(world):
    with pytest.raises(ValidationError) as pupil:
        Pupil(**pupil_fields(world.school, identity_number="12345")).full_clean()
    assert set(pupil.value.message_dict) == {"identity_number"}
    with pytest.raises(ValidationError) as school:
        School(code="6700", name="Trường Tiểu học Mới").full_clean()
    assert set(school.value.message_dict) == {"code"}
    with pytest.raises(ValidationError) as year:
        SchoolYear(school=world.school, name="2025-2027", start_date=dt.date(2025, 9, 5),
                   end_date=dt.date(2026, 5, 31)).full_clean()
    assert set(year.value.message_dict) == {"name"}


# --- what save() does to names ------------------------------------------------------------------------------

def test_a_pupils_text_fields_are_stored_in_nfc_without_outer_spaces(world):
    decomposed = unicodedata.normalize("NFD", "  Nguyễn Thị Ánh Tuyết ")
    pupil = Pupil.objects.create(**pupil_fields(world.school, full_name=decomposed,
                                                father_name=unicodedata.normalize("NFD", "Nguyễn Văn Hùng ")))
    pupil.refresh_from_db()
    assert pupil.full_name == "Nguyễn Thị Ánh Tuyết"
    assert unicodedata.is_normalized("NFC", pupil.full_name)
    assert pupil.father_name == "Nguyễn Văn Hùng"


def test_pupils_without_an_identity_number_store_null_and_do_not_clash(world):
    first = Pupil.objects.create(**pupil_fields(world.school, identity_number=""))
    second = Pupil.objects.create(**pupil_fields(world.school, identity_number=""))
    assert Pupil.objects.filter(pk__in=[first.pk, second.pk], identity_number__isnull=True).count() == 2


def test_two_pupils_cannot_share_an_identity_number(world):
    assert violates_constraint(lambda: Pupil.objects.create(
        **pupil_fields(world.school, identity_number=world.pupil.identity_number)))


def test_a_staff_members_name_is_stored_in_nfc_without_outer_spaces(world):
    staff = Staff.objects.create(full_name=unicodedata.normalize("NFD", " Đặng Công Minh  "), school=world.school)
    staff.refresh_from_db()
    assert staff.full_name == "Đặng Công Minh"
    assert unicodedata.is_normalized("NFC", staff.full_name)


# --- database constraints -----------------------------------------------------------------------------------

def test_a_school_has_one_year_of_a_name_and_a_year_ends_after_it_starts(world):
    assert violates_constraint(lambda: SchoolYear.objects.create(
        school=world.school, name="2024-2025", start_date=dt.date(2024, 9, 1), end_date=dt.date(2025, 5, 30)))
    assert violates_constraint(lambda: SchoolYear.objects.create(
        school=world.school, name="2025-2026", start_date=dt.date(2025, 9, 5), end_date=dt.date(2025, 9, 5)))
    assert not violates_constraint(lambda: SchoolYear.objects.create(
        school=world.school, name="2025-2026", start_date=dt.date(2025, 9, 5), end_date=dt.date(2026, 5, 31)))


def test_a_year_has_each_term_once(world):
    Term.objects.create(school_year=world.year, number=1, start_date=dt.date(2024, 9, 5), end_date=dt.date(2025, 1, 11))
    assert violates_constraint(lambda: Term.objects.create(
        school_year=world.year, number=1, start_date=dt.date(2024, 9, 6), end_date=dt.date(2025, 1, 10)))


def test_a_staff_member_belongs_to_exactly_one_organisation(world):
    assert violates_constraint(lambda: Staff.objects.create(full_name="Không Ở Đâu"))
    assert violates_constraint(lambda: Staff.objects.create(full_name="Hai Nơi", school=world.school,
                                                            commune=world.commune))
    assert violates_constraint(lambda: Staff.objects.create(full_name="Hai Sở", commune=world.commune,
                                                            province=world.province))
    assert not violates_constraint(lambda: Staff.objects.create(full_name="Ở Sở", province=world.province))
    assert not violates_constraint(lambda: Staff.objects.create(full_name="Ở Xã", commune=world.commune))
    # A former district officer not yet given a commune or a province: no organisation but the old district.
    assert not violates_constraint(lambda: Staff.objects.create(full_name="Phòng Cũ", district=world.district))


def test_a_staff_member_has_each_role_once(world):
    assert violates_constraint(lambda: StaffRole.objects.create(staff=world.owner, role=Role.PRINCIPAL))
    StaffRole.objects.create(staff=world.owner, role=Role.HOMEROOM_TEACHER)
    assert world.owner.roles == {Role.PRINCIPAL, Role.HOMEROOM_TEACHER}


def test_a_class_is_of_grade_1_to_5_and_its_name_is_unique_in_its_year(world):
    assert violates_constraint(lambda: SchoolClass.objects.create(school_year=world.year, grade=6, name="6A"))
    assert violates_constraint(lambda: SchoolClass.objects.create(school_year=world.year, grade=0, name="0A"))
    assert violates_constraint(lambda: SchoolClass.objects.create(school_year=world.year, grade=4, name="4A"))
    assert not violates_constraint(lambda: SchoolClass.objects.create(school_year=world.other_year, grade=5,
                                                                      name="5A"))


def test_a_subject_of_a_class_has_one_teacher(world):
    assert violates_constraint(lambda: TeachingAssignment.objects.create(
        teacher=world.member, school_class=world.class4b, subject="ngoai_ngu_1"))


def test_a_pupil_is_once_in_a_class_and_who_left_has_a_date(world):
    assert violates_constraint(lambda: Enrolment.objects.create(
        pupil=world.pupil, school_class=world.class4a, registry_number="16/2020", joined_on=dt.date(2024, 9, 5)))
    assert violates_constraint(lambda: Enrolment.objects.create(
        pupil=world.pupil, school_class=world.class4b, registry_number="16/2020", joined_on=dt.date(2024, 9, 5),
        status=EnrolmentStatus.TRANSFERRED_OUT))
    assert not violates_constraint(lambda: Enrolment.objects.create(
        pupil=world.pupil, school_class=world.class4b, registry_number="16/2020", joined_on=dt.date(2024, 9, 5),
        status=EnrolmentStatus.LEFT, left_on=dt.date(2025, 1, 6)))


# --- clean(): the TT27 catalogue ----------------------------------------------------------------------------

def test_a_teacher_is_assigned_only_a_subject_the_classs_grade_has(world):
    assignment = TeachingAssignment(teacher=world.english, school_class=world.class1a, subject="tin_hoc")
    with pytest.raises(ValidationError) as error:
        assignment.clean()
    assert error.value.message_dict == {"subject": ["Lớp 1 không có môn Tin học và Công nghệ (Tin học)."]}
    TeachingAssignment(teacher=world.english, school_class=world.class4a, subject="tin_hoc").clean()


def test_an_enrolment_chooses_only_optional_subjects_of_its_grade(world):
    world.enrolment1.optional_subjects = ["ngoai_ngu_1"]
    world.enrolment1.clean()  # a foreign language is optional in grades 1 and 2
    world.enrolment.optional_subjects = ["ngoai_ngu_1", "toan"]
    with pytest.raises(ValidationError) as error:
        world.enrolment.clean()  # compulsory in grade 4, and mathematics is never optional
    assert error.value.message_dict == {"optional_subjects": ["Lớp 4 không có môn tự chọn: Ngoại ngữ 1, Toán."]}


def test_a_pupils_subjects_are_the_compulsory_ones_and_the_chosen_ones_in_the_hoc_bas_order(world):
    enrolment = world.enrolment1
    assert "ngoai_ngu_1" not in enrolment.subjects()
    enrolment.optional_subjects = ["tieng_dan_toc", "ngoai_ngu_1"]
    assert enrolment.subjects() == ("tieng_viet", "toan", "ngoai_ngu_1", "dao_duc", "tu_nhien_xa_hoi",
                                    "giao_duc_the_chat", "am_nhac", "mi_thuat", "hoat_dong_trai_nghiem",
                                    "tieng_dan_toc")
    assert enrolment.grade == 1


# --- names the pages and the học bạ print -------------------------------------------------------------------

def test_the_offices_are_named_after_their_province_district_and_commune(world):
    assert world.province.office_name == "Sở Giáo dục và Đào tạo Tỉnh Lâm Đồng"
    assert world.district.office_name == "Phòng Giáo dục và Đào tạo Huyện Đắk Song"
    assert world.commune.authority_name == "UBND xã Trường Xuân"  # the default: UBND and the name as written


@pytest.mark.parametrize("commune, place", [("Xã Trường Xuân", "Trường Xuân"), ("phường Nghĩa Đức", "Nghĩa Đức"),
                                            ("Thị trấn Đức An", "Đức An"), ("đặc khu Phú Quốc", "Phú Quốc"),
                                            ("Đắk Mol", "Đắk Mol")])
def test_the_place_before_a_signature_date_is_the_commune_without_its_kind(commune, place):
    assert without_unit(commune) == place


def test_labels_shown_for_years_terms_classes_roles_and_assignments(world):
    term = Term.objects.create(school_year=world.year, number=2, start_date=dt.date(2025, 1, 13),
                               end_date=dt.date(2025, 5, 31))
    assert str(world.year) == "2024-2025 (Trường Tiểu học Thử Nghiệm)"
    assert world.year.start_year == 2024
    assert str(term) == "Học kì II 2024-2025"
    assert str(world.class4a) == "Lớp 4A (2024-2025)"
    assert world.class4a.school == world.school
    assert str(StaffRole.objects.get(staff=world.member)) == "Lê Thị Hoa: Giáo viên chủ nhiệm"
    assert str(TeachingAssignment.objects.get(school_class=world.class4b)) == "Vũ Thị Lan — Ngoại ngữ 1 — 4B"
    assert str(world.enrolment) == "Nguyễn Thị Ánh Tuyết — Lớp 4A (2024-2025)"
