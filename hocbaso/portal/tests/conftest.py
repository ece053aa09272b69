"""Everyone the portal's authorization tests try, on top of the shared ``world``."""

import pytest

from hocbaso.conftest import make_staff
from hocbaso.directory.models import Role, Staff, StaffRole

PERSONAS = ("anonymous", "owner", "vice", "clerk", "member", "colleague", "english", "outsider", "district",
            "province", "province_other")


@pytest.fixture
def people(world, django_user_model):
    """``world`` plus a vice-principal, a clerk, district and province officers (and one of another province)."""
    from hocbaso.directory.models import Province

    world.vice = make_staff(django_user_model, world.school, "phohieutruong", "Trần Thị Hương", Role.VICE_PRINCIPAL)
    world.clerk = make_staff(django_user_model, world.school, "vanthu", "Bùi Thị Hân", Role.CLERK)
    for attr, username, org, role in (("district", "phong", {"district": world.district}, Role.DISTRICT_OFFICER),
                                      ("province", "so", {"province": world.province}, Role.PROVINCE_OFFICER)):
        user = django_user_model.objects.create_user(username=username, password="matkhau-an-toan")
        staff = Staff.objects.create(user=user, full_name=f"Cán bộ {username}", **org)
        StaffRole.objects.create(staff=staff, role=role)
        setattr(world, attr, staff)
    other = Province.objects.create(code="66", name="Tỉnh Đắk Lắk")
    user = django_user_model.objects.create_user(username="sokhac", password="matkhau-an-toan")
    world.province_other = Staff.objects.create(user=user, full_name="Cán bộ sở khác", province=other)
    StaffRole.objects.create(staff=world.province_other, role=Role.PROVINCE_OFFICER)
    return world


def login_as(client, world, who: str):
    if who != "anonymous":
        client.force_login(getattr(world, who).user)
    return client


TEACHER_PIN, PRINCIPAL_PIN, SEAL_PIN, ENGLISH_PIN = "246810", "135790", "975310", "112233"


def lifecycle_school(world):
    """``world``'s 4A with three pupils, year-end filled and assessed; English in 4A taught by Vũ Thị Lan;
    certificates for the homeroom teacher, the English teacher, the principal and the school's seal (the PINs
    above). Shared by the lifecycle view tests and the browser test."""
    import datetime as dt

    from hocbaso.assessment.services import evaluations_save
    from hocbaso.conftest import year_end_entries
    from hocbaso.directory.models import Enrolment, Pupil, TeachingAssignment
    from hocbaso.records.services import year_results_assess
    from hocbaso.signing.services import identity_issue

    TeachingAssignment.objects.create(teacher=world.english, school_class=world.class4a, subject="ngoai_ngu_1")
    enrolments = [world.enrolment]
    for i, name in enumerate(["Trần Văn Bình", "Phạm Thị Cúc"]):
        pupil = Pupil.objects.create(school=world.school, identity_number=f"06721400{i}999", full_name=name,
                                     gender="male" if i == 0 else "female", birth_date=dt.date(2014, 1, 2 + i),
                                     birthplace="Tỉnh Đắk Nông")
        enrolments.append(Enrolment.objects.create(pupil=pupil, school_class=world.class4a,
                                                   registry_number=f"{20 + i}/2020", joined_on=dt.date(2024, 9, 5)))
    for enrolment in enrolments:
        entries = year_end_entries(enrolment)
        evaluations_save(entries=[e for e in entries if e.get("subject") != "ngoai_ngu_1"], by=world.member.user)
        evaluations_save(entries=[e for e in entries if e.get("subject") == "ngoai_ngu_1"], by=world.english.user)
    year_results_assess(enrolments=enrolments, by=world.member.user)
    identity_issue(staff=world.member, pin=TEACHER_PIN, by=world.owner.user)
    identity_issue(staff=world.english, pin=ENGLISH_PIN, by=world.owner.user)
    identity_issue(staff=world.owner, pin=PRINCIPAL_PIN, by=world.owner.user)
    identity_issue(school=world.school, pin=SEAL_PIN, by=world.owner.user)
    world.enrolments = enrolments
    return world
