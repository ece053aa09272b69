"""Identifiers printed on an issued record.

*Mã số định danh học bạ* (``record_id``): unique across deployments without coordination:
the school's Ministry code, the school year, and 80 random bits.

*Mã tra cứu* (``lookup_code``): what a verifier types. 10 Crockford base-32 symbols (50 random
bits, about 1.1 × 10^15 codes) plus one mod-37 check symbol that catches every single mistyped
character and every swap of two adjacent characters. Crockford's alphabet has no I, L, O, U,
and reading is forgiving: I/L are read as 1, O as 0, case and dashes are ignored.
Codes whose check value would need one of Crockford's five extra check symbols (*~$=U) are
drawn again, so every code is letters and digits only (at a cost of 0.2 bits of entropy).
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
LOOKUP_DATA_LENGTH = 10
LOOKUP_BITS = 5 * LOOKUP_DATA_LENGTH
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})


def _encode(number: int, length: int) -> str:
    symbols = []
    for _ in range(length):
        number, digit = divmod(number, 32)
        symbols.append(ALPHABET[digit])
    return "".join(reversed(symbols))


def check_symbol(data: str) -> str:
    value = 0
    for char in data:
        value = value * 32 + ALPHABET.index(char)
    return CHECK_ALPHABET[value % 37]


def new_lookup_code() -> str:
    """A fresh, unguessable lookup code, grouped for reading: ``XXXX-XXXX-XXC``."""
    while True:
        data = _encode(secrets.randbits(LOOKUP_BITS), LOOKUP_DATA_LENGTH)
        check = check_symbol(data)
        if check in ALPHABET:
            return format_lookup_code(data + check)


def format_lookup_code(compact: str) -> str:
    return f"{compact[:4]}-{compact[4:8]}-{compact[8:]}"


def normalize_lookup_code(text: str) -> str | None:
    """The canonical ``XXXX-XXXX-XXC`` form of what someone typed, or None if it cannot be a valid code
    (wrong length, a character outside the alphabet, or a check symbol that does not match)."""
    compact = "".join(ch for ch in (text or "").upper() if ch not in " -_.").translate(_READ_AS)
    if len(compact) != LOOKUP_DATA_LENGTH + 1:
        return None
    data, check = compact[:-1], compact[-1]
    if any(ch not in ALPHABET for ch in data) or check_symbol(data) != check:
        return None
    return format_lookup_code(compact)


def new_record_id(school_code: str, school_year: str) -> str:
    """A record identifier such as ``67000101-2425-7KQ2M9XD4RPA3TWV``, unique across deployments."""
    start, end = school_year.split("-")
    return f"{school_code}-{start[2:]}{end[2:]}-{_encode(secrets.randbits(80), 16)}"
