"""The suite's shared fixtures, a pytest plugin registered once by the root ``conftest.py``: one small school
with an owner (principal), a member (homeroom teacher) and an outsider (a teacher of another school), in the
healthchecks manner; the lifecycle's class ready to sign; files and password hashing kept fast and private."""

import datetime as dt

import pytest

from hocbaso.assessment.models import YearResult
from hocbaso.assessment.services import evaluations_save, subject_evaluation_set
from hocbaso.directory.models import (EARLIEST_PLACEMENT, TWO_LEVEL_GOVERNMENT_FROM, Commune, District, Enrolment,
                                      Province, Pupil, Role, School, SchoolClass, SchoolPlacement, SchoolYear, Staff,
                                      StaffRole, TeachingAssignment)
from hocbaso.records.outcomes import year_results_assess
from hocbaso.testing.lifecycle import lifecycle_school, year_end_entries
from hocbaso.testing.people import PASSWORD, PRINCIPAL, SCHOOL, TEACHER, make_staff


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path_factory):
    """Every test writes files (PDFs, packages, the built-in CA) under its own temporary folder."""
    base = tmp_path_factory.mktemp("data")
    settings.MEDIA_ROOT = base / "files"
    settings.PKI_DIR = base / "pki"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is the product's hasher (see test_password_hasher); tests hash with MD5 to stay fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class World:
    """The objects a test needs, by name."""


def place_in_history(school: School, district: District, *, commune_name: str = "") -> SchoolPlacement:
    """Place ``school`` in ``district`` from always (the placement an installation's migration gives a school)."""
    return SchoolPlacement.objects.create(school=school, since=EARLIEST_PLACEMENT, province=district.province,
                                          district=district, commune_name=commune_name)


@pytest.fixture
def world(db, django_user_model):
    w = World()
    # Today's hierarchy (since 1/7/2025): Lâm Đồng → xã Trường Xuân → the schools; before, Đắk Nông → Đắk Song.
    w.old_province = Province.objects.create(code="67", name="Tỉnh Đắk Nông")
    w.district = District.objects.create(province=w.old_province, code="6701", name="Huyện Đắk Song")
    w.province = Province.objects.create(code="68", name="Tỉnh Lâm Đồng")
    w.commune = Commune.objects.create(province=w.province, code="24730", name="xã Trường Xuân")
    w.school = School.objects.create(code="67000199", name=SCHOOL)
    w.other_school = School.objects.create(code="67000198", name="Trường Tiểu học Bên Cạnh")
    for school in (w.school, w.other_school):
        place_in_history(school, w.district, commune_name="Xã Trường Xuân" if school == w.school else "")
        SchoolPlacement.objects.create(school=school, since=TWO_LEVEL_GOVERNMENT_FROM, province=w.province,
                                       commune=w.commune)
    w.year = SchoolYear.objects.create(school=w.school, name="2024-2025", start_date=dt.date(2024, 9, 5),
                                       end_date=dt.date(2025, 5, 31), lock_date=dt.date(2025, 5, 31))
    w.other_year = SchoolYear.objects.create(school=w.other_school, name="2024-2025", start_date=dt.date(2024, 9, 5),
                                             end_date=dt.date(2025, 5, 31))
    w.owner = make_staff(django_user_model, w.school, "hieutruong", PRINCIPAL, Role.PRINCIPAL)
    w.member = make_staff(django_user_model, w.school, "gvcn4a", TEACHER, Role.HOMEROOM_TEACHER)
    w.colleague = make_staff(django_user_model, w.school, "gvcn4b", "Phạm Văn Nam", Role.HOMEROOM_TEACHER)
    w.english = make_staff(django_user_model, w.school, "gvta", "Vũ Thị Lan", Role.SUBJECT_TEACHER)
    w.outsider = make_staff(django_user_model, w.other_school, "gvkhac", "Trần Văn Khác", Role.HOMEROOM_TEACHER)
    w.class4a = SchoolClass.objects.create(school_year=w.year, grade=4, name="4A", homeroom_teacher=w.member)
    w.class4b = SchoolClass.objects.create(school_year=w.year, grade=4, name="4B", homeroom_teacher=w.colleague)
    w.class1a = SchoolClass.objects.create(school_year=w.year, grade=1, name="1A", homeroom_teacher=w.colleague)
    w.other_class = SchoolClass.objects.create(school_year=w.other_year, grade=4, name="4A", homeroom_teacher=w.outsider)
    TeachingAssignment.objects.create(teacher=w.english, school_class=w.class4b, subject="ngoai_ngu_1")
    w.pupil = Pupil.objects.create(school=w.school, identity_number="067214001234", full_name="Nguyễn Thị Ánh Tuyết",
                                   gender="female", birth_date=dt.date(2014, 9, 2),
                                   birthplace="Xã Trường Xuân, Huyện Đắk Song, Tỉnh Đắk Nông",
                                   hometown="Xã Trường Xuân, Huyện Đắk Song, Tỉnh Đắk Nông",
                                   address="Thôn 1, Xã Trường Xuân", father_name="Nguyễn Văn Hùng",
                                   mother_name="Trần Thị Lan")
    w.enrolment = Enrolment.objects.create(pupil=w.pupil, school_class=w.class4a, registry_number="15/2020",
                                           joined_on=dt.date(2024, 9, 5))
    w.pupil1 = Pupil.objects.create(school=w.school, identity_number="067318004321", full_name="Hoàng Minh An",
                                    gender="male", birth_date=dt.date(2018, 3, 1), birthplace="Tỉnh Đắk Nông")
    w.enrolment1 = Enrolment.objects.create(pupil=w.pupil1, school_class=w.class1a, registry_number="40/2024",
                                            joined_on=dt.date(2024, 9, 5))
    return w


@pytest.fixture
def people(world, django_user_model):
    """``world`` plus a vice-principal, a clerk, commune and province officers (and one of another province)."""
    world.vice = make_staff(django_user_model, world.school, "phohieutruong", "Trần Thị Hương", Role.VICE_PRINCIPAL)
    world.clerk = make_staff(django_user_model, world.school, "vanthu", "Bùi Thị Hân", Role.CLERK)
    for attr, username, org, role in (("commune", "ubndxa", {"commune": world.commune}, Role.COMMUNE_OFFICER),
                                      ("province", "so", {"province": world.province}, Role.PROVINCE_OFFICER)):
        user = django_user_model.objects.create_user(username=username, password=PASSWORD)
        staff = Staff.objects.create(user=user, full_name=f"Cán bộ {username}", **org)
        StaffRole.objects.create(staff=staff, role=role)
        setattr(world, attr, staff)
    other = Province.objects.create(code="66", name="Tỉnh Đắk Lắk")
    user = django_user_model.objects.create_user(username="sokhac", password=PASSWORD)
    world.province_other = Staff.objects.create(user=user, full_name="Cán bộ sở khác", province=other)
    StaffRole.objects.create(staff=world.province_other, role=Role.PROVINCE_OFFICER)
    return world


@pytest.fixture
def school(world, settings):
    """Class 4A with three pupils, year-end filled and assessed; English taught by a subject teacher;
    identities for the homeroom teacher, the English teacher, the principal and the seal (``lifecycle_school``)."""
    settings.SITE_URL = "https://hocba.example.vn"
    return lifecycle_school(world)


@pytest.fixture
def fill_year():
    """fill_year(enrolment, by, **ratings): save a full year-end sheet through the service."""

    def fill(enrolment, by, **kwargs):
        return evaluations_save(entries=year_end_entries(enrolment, **kwargs), by=by)

    return fill


@pytest.fixture
def cht_world(world, fill_year):
    """The world whose pupil of 4A has Toán C and 4 at the year end, assessed: Chưa hoàn thành (Điều 11's cases)."""
    fill_year(world.enrolment, world.member.user)
    subject_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", subject="toan", rating="C", score=4,
                           by=world.member.user)
    year_results_assess(enrolments=[world.enrolment], by=world.member.user)
    assert YearResult.objects.get(enrolment=world.enrolment).outcome == "CHT"
    return world


@pytest.fixture
def inline_jobs(settings, django_capture_on_commit_callbacks):
    """Jobs run at once, in the request (``JOBS_INLINE``); the test's transaction needs its commit hooks run."""
    settings.JOBS_INLINE = True

    def post(client, url, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {})
    return post


@pytest.fixture
def deployment_tsa(school, settings):
    """An RFC 3161 server on 127.0.0.1 whose certificate the deployment's built-in CA issued, configured as the
    TSA (``HOCBASO_TSA_URL``): signatures become B-T and issued records B-LTA."""
    from hocbaso.signing.services import deployment_ca  # deferred: the TSA's test server loads pyHanko
    from hocbaso.signing.testing.tsa import LocalTSA  # deferred: as above

    with LocalTSA(deployment_ca(), name="hocbaso TSA (thử nghiệm)") as server:
        settings.TSA_URL = server.url
        yield server
