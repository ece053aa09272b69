"""RFC 6238 / RFC 4226 with the standard library: the RFCs' own test vectors, drift, replay."""

import base64
import hashlib

from hocbaso.portal import totp

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


def test_rfc_4226_appendix_d_hotp_values():
    expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
    assert [totp.hotp(b"12345678901234567890", i) for i in range(10)] == expected


def test_rfc_6238_appendix_b_sha1_vectors():
    # The RFC prints 8 digits; the app uses the last 6 of the same number.
    for at, eight in ((59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"),
                      (1234567890, "89005924"), (2000000000, "69279037"), (20000000000, "65353130")):
        assert totp.hotp(b"12345678901234567890", int(at // 30), digits=8, digest=hashlib.sha1) == eight
        assert totp.totp(RFC_SECRET, at) == eight[-6:]


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
    assert uri.startswith("otpauth://totp/H%E1%BB%8Dc%20b%E1%BA%A1%20s%E1%BB%91%3Agvcn.4a?secret=" + secret)


def test_backup_codes_are_distinct_and_hashed_loosely():
    codes = totp.backup_codes()
    assert len(set(codes)) == 8
    assert totp.backup_code_hash(codes[0].upper()) == totp.backup_code_hash(codes[0].replace("-", " "))
