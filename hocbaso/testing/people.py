"""Who the tests act as: the shared school's names (``world`` in ``hocbaso.testing.fixtures``), the test accounts'
password, the signing PINs of the lifecycle's certificates, and the personas the portal's authorization tests try."""

from hocbaso.directory.models import Staff, StaffRole

PASSWORD = "matkhau-an-toan"  # every test account's password
SCHOOL = "Trường Tiểu học Thử Nghiệm"  # world.school
TEACHER = "Lê Thị Hoa"  # world.member, the homeroom teacher of 4A
PRINCIPAL = "Đoàn Trung Quế"  # world.owner
TEACHER_PIN, PRINCIPAL_PIN, SEAL_PIN, ENGLISH_PIN = "246810", "135790", "975310", "112233"

# Everyone the portal's authorization tests try, on top of ``people``.
PERSONAS = ("anonymous", "owner", "vice", "clerk", "member", "colleague", "english", "outsider", "commune",
            "province", "province_other")


def make_staff(django_user_model, school, username, full_name, *roles, password=PASSWORD):
    user = django_user_model.objects.create_user(username=username, password=password)
    staff = Staff.objects.create(user=user, full_name=full_name, school=school)
    for role in roles:
        StaffRole.objects.create(staff=staff, role=role)
    return staff


def login_as(client, world, who: str):
    if who != "anonymous":
        client.force_login(getattr(world, who).user)
    return client
