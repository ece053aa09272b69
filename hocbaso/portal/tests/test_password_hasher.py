"""The stored password hash: Argon2id at OWASP's setting (19 MiB, 2 passes, 1 lane), and a hash made with
Django's heavier default is rewritten at its owner's next sign-in."""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2
from django.test import Client

from hocbaso.settings import PASSWORD_HASHERS

PASSWORD = "matkhau-an-toan"


def test_a_password_is_stored_with_owasp_s_argon2_setting_and_an_old_hash_is_rewritten_at_sign_in(settings, world):
    settings.PASSWORD_HASHERS = PASSWORD_HASHERS  # the production list (the suite's fixture uses a fast hasher)
    user = get_user_model().objects.get(username="gvcn4a")
    user.set_password(PASSWORD)
    user.save()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")

    user.password = DjangoArgon2().encode(PASSWORD, DjangoArgon2().salt())  # as stored before this setting
    user.save()
    assert "m=102400,t=2,p=8" in user.password
    assert Client().login(username="gvcn4a", password=PASSWORD)
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert user.check_password(PASSWORD) and not user.check_password(PASSWORD + "x")
