"""Time-based one-time passwords (RFC 6238, on HOTP of RFC 4226) with the standard library only.

Six digits, a 30-second step, HMAC-SHA1: what every authenticator app (Google Authenticator,
Microsoft Authenticator, FreeOTP, Aegis …) reads from an ``otpauth://`` QR code.
"""

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

DIGITS = 6
STEP = 30


def random_secret() -> str:
    """A new shared secret: 160 random bits in base32 without padding (RFC 4226 recommends 160)."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(key: bytes, counter: int, *, digits: int = DIGITS, digest=hashlib.sha1) -> str:
    """RFC 4226 §5.3: HMAC over the 8-byte counter, dynamic truncation, the last ``digits`` digits."""
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10 ** digits).zfill(digits)


def time_step(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // STEP)


def totp(secret: str, at: float | None = None) -> str:
    """The code of ``secret`` at ``at`` (Unix time; now by default)."""
    return hotp(_key(secret), time_step(at))


def verify(secret: str, code: str, *, at: float | None = None, window: int = 1, after_step: int = -1) -> int | None:
    """The time step whose code equals ``code``, looking ``window`` steps either side of now to allow
    for clock drift, and only at steps after ``after_step`` so that a code is never accepted twice;
    None when it matches none. Compared in constant time."""
    code = "".join(ch for ch in str(code or "") if not ch.isspace())
    if len(code) != DIGITS or not code.isdigit():
        return None
    key, now = _key(secret), time_step(at)
    found = None
    for step in range(now - window, now + window + 1):
        if step > after_step and hmac.compare_digest(hotp(key, step), code):
            found = step
    return found


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The ``otpauth://totp/…`` URI an authenticator app reads from a QR code."""
    label = quote(f"{issuer}:{account}")
    return f"otpauth://totp/{label}?" + urlencode({"secret": secret, "issuer": issuer, "digits": DIGITS,
                                                   "period": STEP, "algorithm": "SHA1"})


def backup_codes(count: int = 8) -> list[str]:
    """One-time recovery codes, ``xxxx-xxxx`` from an alphabet without look-alike characters."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return ["".join(secrets.choice(alphabet) for _ in range(4)) + "-" + "".join(secrets.choice(alphabet)
                                                                               for _ in range(4))
            for _ in range(count)]


def backup_code_hash(code: str) -> str:
    """Codes carry ~40 random bits and are used once, so a plain SHA-256 suffices for storage."""
    return hashlib.sha256("".join(str(code).lower().split()).replace("-", "").encode()).hexdigest()
