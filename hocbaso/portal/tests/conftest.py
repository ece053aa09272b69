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


from hocbaso.conftest import ENGLISH_PIN, PRINCIPAL_PIN, SEAL_PIN, TEACHER_PIN, lifecycle_school  # noqa: F401,E402
