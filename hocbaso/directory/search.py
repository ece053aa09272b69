"""Finding a pupil among a school's hundreds: what a query means and whether a pupil matches it, in pure Python.

A query is words of the name typed with or without diacritics ("ka lien" finds "Ka Liên", "nguyen gia c" finds
"Nguyễn Gia Cường"; each word must begin a word of the name), a birth date (``12/3/2017``, ``12/03/2017``,
``12-03-2017``, ``2017-03-12``), or digits of the identity number (four or more: its last digits, as printed on
papers, or all twelve), in any mix. Results go in Vietnamese order (``vietnamese_sort_key``: the given name, then
the family and middle names, as a class list), each with its class and birth date, so that two pupils of the same
name can be told apart.
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

DATE_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$|^(\d{4})-(\d{1,2})-(\d{1,2})$")


def fold(text: str) -> str:
    """Lower case without diacritics, đ as d, single spaces: what a phone keyboard without Vietnamese types."""
    text = unicodedata.normalize("NFD", (text or "").lower().replace("đ", "d").replace("Đ", "d"))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def _date(word: str) -> dt.date | None:
    found = DATE_RE.match(word)
    if not found:
        return None
    day, month, year = (found.group(1), found.group(2), found.group(3)) if found.group(1) else (
        found.group(6), found.group(5), found.group(4))
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


@dataclass(frozen=True)
class Query:
    names: tuple[str, ...] = ()
    birth_date: dt.date | None = None
    digits: str = ""
    bad_date: bool = False  # a word shaped like a date that is no date (31/02/2017): matches nothing

    @property
    def empty(self) -> bool:
        return not (self.names or self.birth_date or self.digits or self.bad_date)


def query_parse(text: str) -> Query:
    names, birth, digits, bad = [], None, "", False
    for word in (text or "").split():
        if DATE_RE.match(word):
            birth = _date(word)
            bad = bad or birth is None
        elif word.isdigit() and len(word) >= 4:
            digits = word
        else:
            folded = fold(word)
            if folded:
                names.append(folded)
    return Query(tuple(names), birth, digits, bad)


def pupil_matches(query: Query, *, full_name: str, birth_date: dt.date | None, identity_number: str | None) -> bool:
    """Whether a pupil answers every part of the query (see the module)."""
    if query.bad_date:
        return False
    if query.birth_date is not None and birth_date != query.birth_date:
        return False
    if query.digits:
        number = identity_number or ""
        if not (number.endswith(query.digits) or (len(query.digits) == 12 and number == query.digits)):
            return False
    words = fold(full_name).split()
    return all(any(w.startswith(part) for w in words) for part in query.names)
