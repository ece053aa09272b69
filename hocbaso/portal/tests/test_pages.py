"""Login page and the first page after login: who sees which school, classes and pupils."""

import pytest
from django.urls import reverse


def test_login_page_is_vietnamese(client, db):
    page = client.get(reverse("portal:login"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Đăng nhập" in text and "Tên đăng nhập" in text and "Mật khẩu" in text and 'lang="vi"' in text


def test_home_requires_login(client, db):
    page = client.get(reverse("portal:home"))
    assert page.status_code == 302 and reverse("portal:login") in page["Location"]


def test_wrong_password_says_so_in_vietnamese(client, world):
    page = client.post(reverse("portal:login"), {"username": "gvcn4a", "password": "sai"})
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in page.content.decode()


def test_login_then_home_lists_school_and_own_classes(client, world):
    page = client.post(reverse("portal:login"), {"username": "gvcn4a", "password": "matkhau-an-toan"}, follow=True)
    text = page.content.decode()
    assert "Trường Tiểu học Thử Nghiệm" in text and "67000199" in text
    assert ">4A<" in text and ">4B<" not in text and ">1A<" not in text


def test_principal_sees_every_class_of_the_school(client, world):
    client.force_login(world.owner.user)
    text = client.get(reverse("portal:home")).content.decode()
    assert ">4A<" in text and ">4B<" in text and ">1A<" in text and "Bên Cạnh" not in text


def test_subject_teacher_sees_the_classes_taught(client, world):
    client.force_login(world.english.user)
    text = client.get(reverse("portal:home")).content.decode()
    assert ">4B<" in text and ">4A<" not in text


def test_class_page_lists_pupils_for_the_homeroom_teacher(client, world):
    client.force_login(world.member.user)
    page = client.get(reverse("portal:class_detail", args=[world.class4a.pk]))
    assert page.status_code == 200 and "Nguyễn Thị Ánh Tuyết" in page.content.decode()
    assert "02/09/2014" in page.content.decode()


@pytest.mark.parametrize("who", ["colleague", "outsider"])
def test_class_page_is_hidden_from_other_teachers(client, world, who):
    client.force_login(getattr(world, who).user)
    assert client.get(reverse("portal:class_detail", args=[world.class4a.pk])).status_code == 404


def test_commune_officer_sees_schools_of_the_commune(client, world, django_user_model):
    from hocbaso.directory.models import Role, Staff, StaffRole

    user = django_user_model.objects.create_user("ubndxa", password="x" * 10)
    staff = Staff.objects.create(user=user, full_name="Cán Bộ Xã", commune=world.commune)
    StaffRole.objects.create(staff=staff, role=Role.COMMUNE_OFFICER)
    client.force_login(user)
    text = client.get(reverse("portal:home")).content.decode()
    assert "Trường Tiểu học Thử Nghiệm" in text and "Trường Tiểu học Bên Cạnh" in text
