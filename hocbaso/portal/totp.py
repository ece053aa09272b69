"""Two-factor sign-in codes: pyotp's time-based one-time passwords (RFC 6238) with the app's rules on top.

Six digits, a 30-second step, HMAC-SHA1: what every authenticator app (Google Authenticator, Microsoft
Authenticator, FreeOTP, Aegis …) reads from an ``otpauth://`` QR code. The rules are the app's own: a code is
accepted one step either side of now (clock drift) and never twice (only at a step after the last one used),
and recovery codes are used once. Secrets are stored base32 without padding, as pyotp reads them.
"""

import hashlib
import secrets
import time

import pyotp
from pyotp.utils import strings_equal

DIGITS = 6
STEP = 30


def random_secret() -> str:
    """A new shared secret: 160 random bits in base32 without padding (RFC 4226 recommends 160)."""
    return pyotp.random_base32(length=32)


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret.replace(" ", "").upper(), digits=DIGITS, interval=STEP)


def time_step(at: float | None = None) -> int:
    """RFC 6238's T: whole steps since the Unix epoch (pyotp's ``timecode``)."""
    return int((time.time() if at is None else at) // STEP)


def totp(secret: str, at: float | None = None) -> str:
    """The code of ``secret`` at ``at`` (Unix time; now by default)."""
    return _totp(secret).at(int(time.time() if at is None else at))


def verify(secret: str, code: str, *, at: float | None = None, window: int = 1, after_step: int = -1) -> int | None:
    """The time step whose code equals ``code``, looking ``window`` steps either side of now to allow
    for clock drift, and only at steps after ``after_step`` so that a code is never accepted twice;
    None when it matches none. Compared in constant time."""
    code = "".join(ch for ch in str(code or "") if not ch.isspace())
    if len(code) != DIGITS or not code.isdigit():
        return None
    generator, now = _totp(secret), time_step(at)
    found = None
    for step in range(now - window, now + window + 1):
        if step > after_step and strings_equal(generator.generate_otp(step), code):
            found = step
    return found


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The ``otpauth://totp/…`` URI an authenticator app reads from a QR code."""
    return _totp(secret).provisioning_uri(name=account, issuer_name=issuer)


def backup_codes(count: int = 8) -> list[str]:
    """One-time recovery codes, ``xxxx-xxxx`` from an alphabet without look-alike characters."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return ["".join(secrets.choice(alphabet) for _ in range(4)) + "-" + "".join(secrets.choice(alphabet)
                                                                               for _ in range(4))
            for _ in range(count)]


def backup_code_hash(code: str) -> str:
    """Codes carry ~40 random bits and are used once, so a plain SHA-256 suffices for storage."""
    return hashlib.sha256("".join(str(code).lower().split()).replace("-", "").encode()).hexdigest()
