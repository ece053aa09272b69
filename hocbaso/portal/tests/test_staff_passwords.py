"""Đặt lại mật khẩu: the principal gives a colleague a temporary password (shown once); the colleague must choose
their own at the next sign-in before any other page; nobody else may reset, and never across schools."""

import re

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from hocbaso.audit.models import AuditEntry
from hocbaso.portal.models import TemporaryPassword

PASSWORD = "matkhau-an-toan"
OWN = "Phuong-vi-hoa-2025"


def test_principal_resets_a_teachers_password_and_the_teacher_must_choose_a_new_one(client, people):
    teacher_phone = Client()
    assert teacher_phone.login(username="gvcn4a", password=PASSWORD)
    client.force_login(people.owner.user)
    home = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:staff_passwords") in home
    page = client.get(reverse("portal:staff_passwords")).content.decode()
    assert "gvcn4a" in page and "vanthu" in page and f'id="reset-{people.owner.pk}"' not in page  # not their own

    done = client.post(reverse("portal:staff_passwords"), {"staff": people.member.pk}).content.decode()
    temporary = re.search(r'id="temporary-password">.*?<code>([a-z0-9-]+)</code>', done, re.S)[1]
    assert len(temporary) == 14 and temporary.count("-") == 2
    user = get_user_model().objects.get(username="gvcn4a")
    assert user.check_password(temporary) and not user.check_password(PASSWORD)
    assert teacher_phone.get(reverse("portal:home")).status_code == 302  # the old session ended
    assert TemporaryPassword.objects.get(user=user).set_by == people.owner.user
    entry = AuditEntry.objects.get(action="user.password_reset")
    assert entry.actor == people.owner.user and temporary not in str(entry.after)
    assert "đang dùng mật khẩu tạm" in client.get(reverse("portal:staff_passwords")).content.decode()

    # The teacher signs in with it: every page leads to Đổi mật khẩu until they choose their own.
    teacher = Client()
    response = teacher.post(reverse("portal:login"), {"username": "gvcn4a", "password": temporary})
    assert response.status_code == 302
    for page in (reverse("portal:home"), reverse("portal:class_detail", args=[people.class4a.pk])):
        blocked = teacher.get(page)
        assert blocked.status_code == 302 and blocked["Location"] == reverse("portal:password_change")
    form = teacher.get(reverse("portal:password_change")).content.decode()
    assert 'id="must-change"' in form
    teacher.post(reverse("portal:password_change"), {"old_password": temporary, "new_password1": OWN,
                                                     "new_password2": OWN})
    assert teacher.get(reverse("portal:home")).status_code == 200
    assert not TemporaryPassword.objects.filter(user=user).exists()
    assert get_user_model().objects.get(username="gvcn4a").check_password(OWN)


def test_only_the_principal_resets_and_only_in_their_school(client, people):
    stranger = people.outsider  # a teacher of another school
    for who in ("vice", "clerk", "member", "commune"):
        client.force_login(getattr(people, who).user)
        assert client.get(reverse("portal:staff_passwords")).status_code == 403
        assert client.post(reverse("portal:staff_passwords"), {"staff": people.colleague.pk}).status_code == 403
    client.force_login(people.owner.user)
    assert client.post(reverse("portal:staff_passwords"), {"staff": stranger.pk}).status_code == 404
    own = client.post(reverse("portal:staff_passwords"), {"staff": people.owner.pk}).content.decode()
    assert "Chỉ hiệu trưởng của trường mới đặt lại được mật khẩu" in own
    client.post(reverse("portal:set_language"), {"language": "en", "next": "/"})
    own = client.post(reverse("portal:staff_passwords"), {"staff": people.owner.pk}).content.decode()
    assert "Only the school&#x27;s principal can reset a colleague&#x27;s password." in own
    assert not TemporaryPassword.objects.exists()
    assert not AuditEntry.objects.filter(action="user.password_reset").exists()
    for username in ("hieutruong", "gvcn4b", "gvkhac"):
        assert get_user_model().objects.get(username=username).check_password(PASSWORD)
