"""Two-factor sign-in: turning it on, signing in with a code or a recovery code, and what is refused."""

import re
import time

import pyotp
from django.urls import reverse
from django.utils import timezone

from hocbaso.audit.models import AuditEntry
from hocbaso.portal import totp
from hocbaso.portal.models import TwoFactorDevice

PASSWORD = "matkhau-an-toan"


def enable(client, user):
    client.force_login(user)
    page = client.get(reverse("portal:two_factor")).content.decode()
    secret = re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', page)[1].replace(" ", "")
    page = client.post(reverse("portal:two_factor"), {"action": "enable", "code": totp.totp(secret)}).content.decode()
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", page)
    client.post(reverse("portal:logout"))
    return secret, codes


def test_principal_turns_it_on_with_a_qr_code_and_gets_recovery_codes(client, world):
    client.force_login(world.owner.user)
    page = client.get(reverse("portal:two_factor")).content.decode()
    assert "<svg" in page and "Xác thực hai bước" in page
    secret = re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', page)[1].replace(" ", "")
    wrong = client.post(reverse("portal:two_factor"), {"action": "enable", "code": "000000"}).content.decode()
    assert "Mã không đúng" in wrong and not TwoFactorDevice.objects.exists()
    done = client.post(reverse("portal:two_factor"), {"action": "enable", "code": totp.totp(secret)}).content.decode()
    assert "Mã khôi phục" in done and len(re.findall(r"<li><code>", done)) == 8
    assert TwoFactorDevice.objects.get(user=world.owner.user).secret == secret
    assert AuditEntry.objects.filter(action="two_factor.enable", actor=world.owner.user).exists()


def test_sign_in_then_asks_for_the_code(client, world):
    secret, _ = enable(client, world.owner.user)
    response = client.post(reverse("portal:login"), {"username": "hieutruong", "password": PASSWORD,
                                                     "next": "/lop/%d/" % world.class4a.pk})
    assert response.status_code == 302 and response["Location"] == reverse("portal:login_code")
    assert client.get(reverse("portal:home")).status_code == 302  # not signed in yet
    # A code is accepted once: the one used to turn it on is refused now.
    used = TwoFactorDevice.objects.get(user=world.owner.user).last_step
    wrong = client.post(reverse("portal:login_code"), {"code": totp.totp(secret, used * 30)})
    assert "Còn 4 lần thử" in wrong.content.decode()
    later = totp.totp(secret, time.time() + 30)
    done = client.post(reverse("portal:login_code"), {"code": later})
    assert done.status_code == 302 and done["Location"] == "/lop/%d/" % world.class4a.pk
    assert client.get(reverse("portal:home")).status_code == 200


def test_a_recovery_code_works_once(client, world):
    _secret, codes = enable(client, world.member.user)
    for attempt in range(2):
        client.post(reverse("portal:login"), {"username": "gvcn4a", "password": PASSWORD})
        response = client.post(reverse("portal:login_code"), {"code": codes[0].upper()})
        assert (response.status_code == 302) is (attempt == 0)
        client.post(reverse("portal:logout"))
    assert len(TwoFactorDevice.objects.get(user=world.member.user).backup_codes) == 7


def test_five_wrong_codes_send_back_to_the_password(client, world):
    enable(client, world.owner.user)
    client.post(reverse("portal:login"), {"username": "hieutruong", "password": PASSWORD})
    for _ in range(5):
        response = client.post(reverse("portal:login_code"), {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == reverse("portal:login")
    assert client.get(reverse("portal:home")).status_code == 302


def test_the_code_step_expires(client, world, monkeypatch):
    secret, _ = enable(client, world.owner.user)
    client.post(reverse("portal:login"), {"username": "hieutruong", "password": PASSWORD})
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 301)
    response = client.post(reverse("portal:login_code"), {"code": totp.totp(secret, real() + 301)})
    assert response.status_code == 302 and response["Location"] == reverse("portal:login")


def test_wrong_password_never_reaches_the_code_step(client, world):
    enable(client, world.owner.user)
    client.post(reverse("portal:login"), {"username": "hieutruong", "password": "sai"})
    assert client.get(reverse("portal:login_code")).status_code == 302


def test_turning_it_off_needs_a_current_code(client, world):
    secret, _ = enable(client, world.owner.user)
    client.force_login(world.owner.user)
    client.post(reverse("portal:two_factor"), {"action": "disable", "code": "000000"})
    assert TwoFactorDevice.objects.exists()
    client.post(reverse("portal:two_factor"), {"action": "disable", "code": totp.totp(secret, time.time() + 30)})
    assert not TwoFactorDevice.objects.exists()


def test_users_without_it_sign_in_with_the_password_alone(client, world):
    response = client.post(reverse("portal:login"), {"username": "gvcn4a", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")


def test_a_clerk_cannot_turn_it_on(client, people):
    client.force_login(people.clerk.user)
    assert client.post(reverse("portal:two_factor"), {"action": "enable", "code": "123456"}).status_code == 403
    assert not TwoFactorDevice.objects.exists()


def test_an_enrolment_made_before_pyotp_signs_in_with_the_authenticators_code(client, world):
    """A device row as the old module stored it (base32 secret without padding, the last step used): the code
    the authenticator app shows now (computed here by pyotp) signs in, and only once."""
    stored = "A4EASCQLBQGQ4DYQCEJBGFAVCYLRQGI2"
    TwoFactorDevice.objects.create(user=world.owner.user, secret=stored, confirmed_at=timezone.now(),
                                   last_step=int(time.time() // 30) - 100, backup_codes=[])
    code = pyotp.TOTP(stored).now()
    client.post(reverse("portal:login"), {"username": "hieutruong", "password": PASSWORD})
    done = client.post(reverse("portal:login_code"), {"code": code})
    assert done.status_code == 302 and done["Location"] == reverse("portal:home")
    client.post(reverse("portal:logout"))
    client.post(reverse("portal:login"), {"username": "hieutruong", "password": PASSWORD})
    again = client.post(reverse("portal:login_code"), {"code": code})
    assert again.status_code == 200 and "Còn 4 lần thử" in again.content.decode()
