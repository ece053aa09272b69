"""Đổi mật khẩu: a user changes their own password in the portal; a wrong current password or a weak new one is
refused in Vietnamese and changes nothing; the account's other sessions end; the audit trail records it."""

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from hocbaso.audit.models import AuditEntry

PASSWORD = "matkhau-an-toan"
NEW = "Hoa-phuong-do-2025"


def test_a_teacher_changes_their_password_and_other_sessions_end(client, world):
    other_phone = Client()
    assert other_phone.login(username="gvcn4a", password=PASSWORD)
    assert client.login(username="gvcn4a", password=PASSWORD)
    page = client.get(reverse("portal:two_factor")).content.decode()
    assert reverse("portal:password_change") in page  # reachable from "Bảo mật tài khoản"
    form = client.get(reverse("portal:password_change")).content.decode()
    assert "Đổi mật khẩu" in form and "Mật khẩu hiện tại" in form

    done = client.post(reverse("portal:password_change"),
                       {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}, follow=True)
    assert "Đã đổi mật khẩu" in done.content.decode()
    user = get_user_model().objects.get(username="gvcn4a")
    assert user.check_password(NEW) and not user.check_password(PASSWORD)
    assert client.get(reverse("portal:home")).status_code == 200  # this session stays signed in
    assert other_phone.get(reverse("portal:home")).status_code == 302  # the other one is signed out
    entry = AuditEntry.objects.get(action="user.password_change")
    assert entry.actor == user and NEW not in str(entry.after) and PASSWORD not in str(entry.after)
    fresh = Client()
    assert not fresh.login(username="gvcn4a", password=PASSWORD) and fresh.login(username="gvcn4a", password=NEW)


def test_a_wrong_current_password_or_a_weak_new_one_changes_nothing(client, world):
    assert client.login(username="gvcn4a", password=PASSWORD)
    wrong = client.post(reverse("portal:password_change"),
                        {"old_password": "khong-dung", "new_password1": NEW, "new_password2": NEW})
    text = wrong.content.decode()
    assert wrong.status_code == 200 and 'id="old-password-errors"' in text and "Mật khẩu cũ" in text
    weak = client.post(reverse("portal:password_change"),
                       {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200 and 'id="new-password2-errors"' in weak.content.decode()
    # In Vietnamese (Django's own catalogue has an older wording of the length rule, which came out in English).
    assert "Mật khẩu quá ngắn: cần ít nhất 8 ký tự." in weak.content.decode()
    assert "too short" not in weak.content.decode()
    mismatch = client.post(reverse("portal:password_change"),
                           {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW + "x"})
    assert 'id="new-password2-errors"' in mismatch.content.decode()
    assert get_user_model().objects.get(username="gvcn4a").check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action="user.password_change").exists()


def test_staff_who_may_not_use_two_factor_still_reach_the_page_from_account_security(client, people):
    client.force_login(people.clerk.user)
    page = client.get(reverse("portal:two_factor"))
    assert page.status_code == 403 and reverse("portal:password_change") in page.content.decode()


def test_the_page_needs_a_signed_in_user(client):
    response = client.get(reverse("portal:password_change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))
