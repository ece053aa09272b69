"""Two-factor codes (pyotp under the app's rules): the RFCs' own test vectors, drift, replay, enrolments made
before pyotp."""

import base64
import hashlib
import hmac
import struct

import pyotp

from hocbaso.portal import totp

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


def _hotp_before_pyotp(key: bytes, counter: int, digits: int = 6) -> str:
    """The app's own RFC 4226 code before pyotp (portal/totp.py until issue 16), kept here as the reference
    that enrolments made then still verify against."""
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10 ** digits).zfill(digits)


def test_rfc_4226_appendix_d_hotp_values():
    expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
    assert [pyotp.HOTP(RFC_SECRET).at(i) for i in range(10)] == expected
    assert [_hotp_before_pyotp(b"12345678901234567890", i) for i in range(10)] == expected


def test_rfc_6238_appendix_b_sha1_vectors():
    # The RFC prints 8 digits; the app uses the last 6 of the same number.
    for at, eight in ((59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"),
                      (1234567890, "89005924"), (2000000000, "69279037"), (20000000000, "65353130")):
        assert pyotp.TOTP(RFC_SECRET, digits=8).at(at) == eight
        assert _hotp_before_pyotp(b"12345678901234567890", int(at // 30), digits=8) == eight
        assert totp.totp(RFC_SECRET, at) == eight[-6:]
        assert totp.verify(RFC_SECRET, eight[-6:], at=at) == at // 30


def test_a_secret_stored_before_pyotp_still_verifies():
    """An enrolment made by the old module: its secret as random_secret() wrote it (base32 of 20 random bytes,
    padding stripped), the code from the authenticator app (here pyotp, and the old computation) verifies."""
    stored = "A4EASCQLBQGQ4DYQCEJBGFAVCYLRQGI2"  # the bytes 7, 8, … 26
    assert base64.b32decode(stored) == bytes(range(7, 27))
    at = 1_700_000_000
    code = pyotp.TOTP(stored).at(at)
    assert code == _hotp_before_pyotp(base64.b32decode(stored), at // 30)
    assert totp.verify(stored, code, at=at) == at // 30
    assert totp.verify(stored, code, at=at, after_step=at // 30) is None  # and still only once
    # A secret as an app user might copy it (grouped by four, lower case) reads the same.
    grouped = " ".join(stored[i:i + 4] for i in range(0, 32, 4)).lower()
    assert totp.totp(grouped, at) == code


def test_verify_allows_one_step_of_clock_drift_and_no_more():
    at = 1_700_000_000
    for drift, ok in ((-60, False), (-30, True), (0, True), (30, True), (60, False)):
        assert (totp.verify(RFC_SECRET, totp.totp(RFC_SECRET, at + drift), at=at) is not None) is ok


def test_a_code_is_never_accepted_twice():
    at = 1_700_000_000
    code = totp.totp(RFC_SECRET, at)
    step = totp.verify(RFC_SECRET, code, at=at)
    assert step == at // 30
    assert totp.verify(RFC_SECRET, code, at=at + 5, after_step=step) is None


def test_garbage_is_refused_and_spaces_are_ignored():
    at = 1_700_000_000
    code = totp.totp(RFC_SECRET, at)
    assert totp.verify(RFC_SECRET, f"{code[:3]} {code[3:]}", at=at) is not None
    for bad in ("", "12345", "1234567", "abcdef", None):
        assert totp.verify(RFC_SECRET, bad, at=at) is None


def test_secret_and_uri_for_authenticator_apps():
    secret = totp.random_secret()
    assert len(secret) == 32 and len(base64.b32decode(secret)) == 20
    uri = totp.provisioning_uri(secret, account="gvcn.4a", issuer="Học bạ số")
    # pyotp writes the label's colon as is, which the Key URI Format allows (the old module wrote %3A).
    assert uri.startswith("otpauth://totp/H%E1%BB%8Dc%20b%E1%BA%A1%20s%E1%BB%91:gvcn.4a?secret=" + secret)
    read = pyotp.parse_uri(uri)  # as an authenticator app reads it: six digits, 30 s, SHA-1
    assert (read.secret, read.name, read.issuer, read.digits, read.interval) == (secret, "gvcn.4a", "Học bạ số", 6, 30)
    assert read.digest().name == "sha1"


def test_backup_codes_are_distinct_and_hashed_loosely():
    codes = totp.backup_codes()
    assert len(set(codes)) == 8
    assert totp.backup_code_hash(codes[0].upper()) == totp.backup_code_hash(codes[0].replace("-", " "))
