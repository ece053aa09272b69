"""Sign-in throttling (issue 17, finding 5): wrong passwords and two-factor codes, per account and per address
(IPv6 by /64), with backoff; what the attacks of the finding got before is measured against it."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from hocbaso.portal import totp
from hocbaso.portal.models import SignInFailure, TwoFactorDevice
from hocbaso.portal.throttle import backoff_seconds
from hocbaso.testing.people import PASSWORD
from hocbaso.web.addresses import address_group

WRONG = "Tên đăng nhập hoặc mật khẩu không đúng"


def sign_in(client, username, password, ip="203.0.113.9"):
    return client.post(reverse("portal:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_a_burst_of_wrong_passwords_is_refused_after_five_and_the_right_one_waits_too(client, world, monkeypatch):
    """Before: 197 wrong passwords in 25 s, then the right one worked. Now 5 are checked, the rest answer 429
    without a password check, and so does the right password until the wait is over (the clock held still: a
    burst takes less than the first second's wait)."""
    now = timezone.now()
    monkeypatch.setattr("hocbaso.portal.throttle.clock", lambda: now)
    answers = [sign_in(client, "gvcn4a", f"doan-sai-{n}") for n in range(30)]
    checked = [a for a in answers if a.status_code == 200 and WRONG in a.content.decode()]
    refused = [a for a in answers if a.status_code == 429]
    assert len(checked) == 5 and len(refused) == 25
    assert "Đăng nhập sai quá nhiều lần" in refused[0].content.decode()
    assert sign_in(client, "gvcn4a", PASSWORD).status_code == 429
    monkeypatch.setattr("hocbaso.portal.throttle.clock", lambda: now + dt.timedelta(seconds=2))
    assert sign_in(client, "gvcn4a", PASSWORD).status_code == 302  # signed in; the account's count is cleared
    assert not SignInFailure.objects.filter(key="user:gvcn4a").exists()


def test_the_wait_doubles_up_to_fifteen_minutes():
    assert [backoff_seconds(n, 5) for n in (0, 4, 5, 6, 7, 14, 15, 40)] == [0, 0, 1, 2, 4, 512, 900, 900]


def test_one_address_is_limited_across_accounts_and_ipv6_counts_by_its_64(client, world, settings):
    settings.SIGN_IN_LIMITS = {**settings.SIGN_IN_LIMITS, "address_free": 8}
    # eight accounts, one wrong password each, from eight addresses of one IPv6 /64
    for n in range(8):
        assert sign_in(client, f"khong-co-{n}", "sai", ip=f"2001:db8:5:7::{n + 1:x}").status_code == 200
    assert address_group("2001:db8:5:7::1") == address_group("2001:db8:5:7:ffff::9") == "2001:db8:5:7::/64"
    assert sign_in(client, "gvcn4a", PASSWORD, ip="2001:db8:5:7:abcd::1").status_code == 429
    assert sign_in(client, "gvcn4a", PASSWORD, ip="2001:db8:5:8::1").status_code == 302  # the next /64


def test_two_factor_codes_keep_their_count_across_sign_ins(client, world, monkeypatch):
    """Before: each sign-in brought five fresh tries at the code (the count lived in the session), so the
    6-digit code fell in about 3 hours. Now the count is the account's: a new sign-in does not reset it."""
    TwoFactorDevice.objects.create(user=world.owner.user, secret=totp.random_secret(), confirmed_at=timezone.now())
    now = timezone.now()
    monkeypatch.setattr("hocbaso.portal.throttle.clock", lambda: now)
    checked = 0
    for _ in range(4):  # four sign-ins with the right password, wrong codes each time
        assert sign_in(client, "hieutruong", PASSWORD).status_code == 302
        for _ in range(5):
            response = client.post(reverse("portal:login_code"), {"code": "123456"}, REMOTE_ADDR="203.0.113.9")
            if response.status_code == 429:
                break
            checked += 1
    assert checked == 5  # not 20
    assert SignInFailure.objects.get(key=f"code:{world.owner.user.pk}").failures == 5
