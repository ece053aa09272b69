"""Answering the public: lookups by code, the second factor, and file checks.

Privacy rules: the status page shows only a masked name (and no class, which would give the birth year); the
full record needs the pupil's date of birth and the last 4 digits of their identity number, compared in constant
time; a wrong code and a wrong second
factor get byte-identical answers; every lookup is logged without personal data.
"""

import datetime as dt
import hashlib
import hmac
import json
import re
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from hocbaso.core.files import file_read
from hocbaso.records.codes import normalize_lookup_code
from hocbaso.records.models import IssuedRecord, IssuedRenewal
from hocbaso.records.selectors import issued_status
from hocbaso.verify.models import LookupKind, RecordLookup
from hocbaso.verify.ratelimit import BUCKET_UPSERT, bucket_params, bucket_take, ip_key, sqlite_turn, write_turn

# The sentence that says a record's state. The answer carries it in Vietnamese (the API's ``message``); the
# status page shows it in the visitor's language (``pages.status_text``).
STATUS_TEXT = {
    "current": gettext_noop("Học bạ có hiệu lực (phiên bản hiện hành)."),
    "superseded": gettext_noop("Học bạ này đã được thay thế bởi phiên bản %(version)s."),
    "withdrawn": gettext_noop("Học bạ này đã bị thu hồi."),
    "unknown": gettext_noop("Không tìm thấy học bạ nào với mã tra cứu này."),
    "invalid": gettext_noop("Mã tra cứu không hợp lệ: hãy kiểm tra lại từng ký tự (dạng XXXX-XXXX-XXX)."),
}


class RateLimited(Exception):
    """Too many attempts; the message is for people."""

    def __init__(self):
        super().__init__(gettext("Bạn đã tra cứu quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau ít phút."))


def mask_name(full_name: str) -> str:
    """``Nguyễn Thị Ánh Tuyết`` → ``Nguyễn T. Á. Tuyết``: family and given name, middle names as initials."""
    words = unicodedata.normalize("NFC", full_name or "").split()
    if len(words) <= 2:
        return " ".join(words[:1] + [w[0] + "." for w in words[1:]]) if len(words) == 2 else "".join(words)
    return " ".join([words[0], *[w[0] + "." for w in words[1:-1]], words[-1]])


def _log(kind: str, ip: str, issued: IssuedRecord | None, ok: bool, via_api: bool) -> None:
    RecordLookup.objects.create(kind=kind, ip_hash=ip_key(ip), issued_record=issued, ok=ok, via_api=via_api,
                                school_code=issued.school_code if issued else "")


_LOOKUP_SQL = """
    SELECT r.id, r.record_id, r.lookup_code, r.version, r.school_year, r.class_name, r.school_code, r.pupil_name,
           r.effective_date, r.signers, {school_name},
           EXISTS (SELECT 1 FROM records_recordwithdrawal w WHERE w.issued_record_id = r.id),
           (SELECT n.version FROM records_issuedrecord n WHERE n.supersedes_id = r.id)
    FROM records_issuedrecord r WHERE r.lookup_code = %s"""
_SCHOOL_NAME = {"sqlite": "json_extract(r.record, '$.school.name')", "postgresql": "r.record -> 'school' ->> 'name'"}


@dataclass
class PublicRecord:
    """What the public may see of an issued record, read in one query (see ``issued_for_lookup``)."""

    id: int
    record_id: str
    lookup_code: str
    version: int
    school_year: str
    class_name: str
    school_code: str
    pupil_name: str
    effective_date: dt.date
    signers: list
    school_name: str
    is_withdrawn: bool
    successor_version: int | None


def issued_for_lookup(code: str | None) -> PublicRecord | None:
    """The issued record with this lookup code, with whether it is withdrawn, the version that supersedes
    it (if any) and the school's name, in one SQL query: the hot path of the public lookup. The large
    ``record`` document is not loaded."""
    if not code:
        return None
    school_name = _SCHOOL_NAME.get(connection.vendor)
    if school_name is None:  # another database: the ORM way
        issued = IssuedRecord.objects.filter(lookup_code=code).first()
        if issued is None:
            return None
        state = issued_status(issued)
        return PublicRecord(issued.pk, issued.record_id, issued.lookup_code, issued.version, issued.school_year,
                            issued.class_name, issued.school_code, issued.pupil_name, issued.effective_date,
                            issued.signers, (issued.record.get("school") or {}).get("name", ""),
                            state["status"] == "withdrawn", state["superseded_by_version"])
    with connection.cursor() as cursor:
        cursor.execute(_LOOKUP_SQL.format(school_name=school_name), [code])
        row = cursor.fetchone()
    if row is None:
        return None
    (pk, record_id, lookup_code, version, school_year, class_name, school_code, pupil_name, effective_date,
     signers, school_name, withdrawn, successor) = row
    if isinstance(effective_date, str):
        effective_date = dt.date.fromisoformat(effective_date)
    if isinstance(signers, (str, bytes)):
        signers = json.loads(signers)
    return PublicRecord(pk, record_id, lookup_code, version, school_year, class_name, school_code, pupil_name,
                        effective_date, signers or [], school_name or "", bool(withdrawn), successor)


_LOG_SQL = ("INSERT INTO verify_recordlookup (at, issued_record_id, school_code, kind, ok, via_api, ip_hash) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)")


def _log_fast(kind: str, ip: str, issued_id: int | None, school_code: str, ok: bool, via_api: bool) -> None:
    """``_log`` in one INSERT, without building a model instance (the lookup's hot path)."""
    with connection.cursor() as cursor:
        cursor.execute(_LOG_SQL, [connection.ops.adapt_datetimefield_value(timezone.now()), issued_id, school_code,
                                  str(kind), ok, via_api, ip_key(ip)])


_STATE_SQL = """
    SELECT r.id AS id, r.school_code AS school_code,
           EXISTS (SELECT 1 FROM records_recordwithdrawal w WHERE w.issued_record_id = r.id) AS withdrawn,
           (SELECT n.version FROM records_issuedrecord n WHERE n.supersedes_id = r.id) AS successor,
           (SELECT MAX(x.id) FROM records_issuedrenewal x WHERE x.issued_id = r.id) AS renewal
    FROM records_issuedrecord r WHERE r.lookup_code = %(code)s"""
MAX_KEPT_VIEWS = 5000  # about 1 KB each
_kept_views: dict[tuple[str, int, int | None], dict] = {}


def _issued_state(code: str) -> tuple[int, str, bool, int | None, int | None] | None:
    """The id, school code, withdrawal, successor's version and latest archive time stamp renewal of the issued
    record with this lookup code: what a lookup logs, and the part of its answer that can change after issuance (a
    small query, on every lookup)."""
    if connection.vendor not in _SCHOOL_NAME:  # another database: the ORM way
        issued = issued_for_lookup(code)
        if issued is None:
            return None
        renewal = IssuedRenewal.objects.filter(issued_id=issued.id).order_by("-pk").values_list("pk", flat=True).first()
        return issued.id, issued.school_code, issued.is_withdrawn, issued.successor_version, renewal
    with connection.cursor() as cursor:
        cursor.execute(_STATE_SQL, {"code": code})
        row = cursor.fetchone()
    return None if row is None else (row[0], row[1], bool(row[2]), row[3], row[4])


# PostgreSQL: the whole lookup in one statement, one round trip: read the record's state, take the IP's token,
# and write the log line if the token was granted (data-modifying CTEs run once, in one snapshot). Its commit
# does not wait for the WAL to reach the disk (synchronous_commit off for this transaction only: an fdatasync
# took 3.7 ms a commit on the benchmark machine, 30 times the statement): a crash of the server may lose the
# token takes and log lines of its last fraction of a second, never corrupt anything, as SQLite's
# synchronous=NORMAL does. Inside a caller's transaction the setting would last to that transaction's commit:
# there the statement runs without it. Every other write keeps the database's setting.
_STATUS_POSTGRESQL_PARTS = """
    WITH {quick}s AS ({state}),
         take AS ({take}),
         logged AS (INSERT INTO verify_recordlookup (at, issued_record_id, school_code, kind, ok, via_api, ip_hash)
                    SELECT %(now)s, (SELECT id FROM s), COALESCE((SELECT school_code FROM s), ''), %(kind)s,
                           EXISTS (SELECT 1 FROM s), %(via_api)s, %(ip_hash)s
                    FROM take WHERE take.allowed)
    SELECT take.allowed, s.id, s.school_code, s.withdrawn, s.successor, s.renewal
    FROM take {join_quick}LEFT JOIN s ON TRUE"""
_STATUS_POSTGRESQL = {
    in_transaction: _STATUS_POSTGRESQL_PARTS.format(
        state=_STATE_SQL, take=BUCKET_UPSERT["postgresql"],
        quick="" if in_transaction else "quick AS (SELECT set_config('synchronous_commit', 'off', true)),\n         ",
        join_quick="" if in_transaction else "CROSS JOIN quick ")
    for in_transaction in (False, True)}
# SQLite: the same three statements through the sqlite3 module's own connection, in one transaction under the
# lock file (``write_turn``); Django's cursor and transaction wrappers cost more CPU than the statements.
_BUCKET_SQLITE = re.sub(r"%\((\w+)\)s", r":\1", BUCKET_UPSERT["sqlite"])
_LOG_SQLITE = ("INSERT INTO verify_recordlookup (at, issued_record_id, school_code, kind, ok, via_api, ip_hash) "
               "VALUES (:now, :issued_id, :school_code, :kind, :ok, :via_api, :ip_hash)")


def _status_take_and_log(code: str, ip: str, via_api: bool) -> tuple[bool, tuple | None]:
    """Take a token from the IP's status bucket and, if granted, log the lookup of ``code``: whether it was
    allowed, and the record's state (``_issued_state``)."""
    limits = settings.VERIFY_LIMITS
    ip_hash = ip_key(ip)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params = bucket_params(f"status-ip:{ip_hash}", capacity=limits["status_burst"],
                           per_hour=limits["status_per_hour"], now=now)
    params.update(code=code, kind=str(LookupKind.STATUS), via_api=via_api, ip_hash=ip_hash)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_STATUS_POSTGRESQL[connection.in_atomic_block], params)
            allowed, issued_id, school_code, withdrawn, successor, renewal = cursor.fetchone()
        return allowed, None if issued_id is None else (issued_id, school_code, withdrawn, successor, renewal)
    state = _issued_state(code)
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        params.update(issued_id=state[0] if state else None, school_code=state[1] if state else "",
                      ok=state is not None)
        connection.ensure_connection()
        with sqlite_turn(connection.connection) as raw:
            (allowed,) = raw.execute(_BUCKET_SQLITE, params).fetchone()
            if allowed:
                raw.execute(_LOG_SQLITE, params)
        return bool(allowed), state
    with write_turn():  # inside a transaction already, or another database: Django's way
        allowed = bucket_take(params["key"], capacity=limits["status_burst"], per_hour=limits["status_per_hour"])
        if allowed:
            _log_fast(LookupKind.STATUS, ip, state[0] if state else None, state[1] if state else "",
                      state is not None, via_api)
    return allowed, state


def _unchanging_view(code: str, issued_id: int, renewal: int | None = None) -> dict:
    """The masked public view of the issued record ``issued_id`` without its state, with the long-term validation
    of its latest file (``renewal``: the last renewal of its archive time stamp, or None for the issued file).
    An issued record never changes (the database refuses UPDATE and DELETE of one, and of a renewal), so each
    process keeps the views it has built, by record and renewal."""
    key = (code, issued_id, renewal)
    view = _kept_views.get(key)
    if view is None:
        issued = issued_for_lookup(code)
        if issued is None or issued.id != issued_id:  # cannot happen while issued records are immutable
            raise IssuedRecord.DoesNotExist(code)
        view = _public_view(issued)
        del view["superseded_by_version"]
        view["ltv"] = _file_ltv_view(issued_id, renewal)
        for signer, raw in zip(view["signers"], issued.signers):
            signer["ltv"] = view["ltv"]["signatures"].get(raw.get("field")) if raw.get("field") else None
        while _kept_views and len(_kept_views) >= MAX_KEPT_VIEWS:
            try:
                del _kept_views[next(iter(_kept_views))]  # the oldest first
            except (KeyError, RuntimeError, StopIteration):  # another thread got there first
                break
        _kept_views[key] = view
    return view


def _file_ltv_view(issued_id: int, renewal: int | None) -> dict:
    """The long-term validation of the file a download serves (the last renewal, else the issued file), for the
    status page and API: level, last archive time stamp and its TSA's expiry, per signature field its level and
    signature time stamp (``ltv_status.file_ltv``). An unreadable file gives no level."""
    from hocbaso.verify.ltv_status import file_ltv  # deferred: pikepdf, only when a view is built

    if renewal is not None:
        name = IssuedRenewal.objects.filter(pk=renewal).values_list("pdf", flat=True).first()
    else:
        name = IssuedRecord.objects.filter(pk=issued_id).values_list("pdf", flat=True).first()
    try:
        found = file_ltv(file_read(name))
    except Exception:  # the file missing from storage: the answer still stands on the registry
        found = {"level": None, "archive_timestamp": None, "tsa_expires": None, "signatures": {}}
    return {k: found.get(k) for k in ("level", "archive_timestamp", "tsa_expires", "signatures")}


def _state(issued: IssuedRecord) -> dict:
    """``issued_status`` from the annotations of ``issued_for_lookup`` when present (no further query)."""
    if not hasattr(issued, "is_withdrawn"):
        return issued_status(issued)
    if issued.is_withdrawn:
        return {"status": "withdrawn", "superseded_by_version": None}
    if issued.successor_version is not None:
        return {"status": "superseded", "superseded_by_version": issued.successor_version}
    return {"status": "current", "superseded_by_version": None}


@dataclass
class StatusAnswer:
    code: str | None
    status: str
    message: str
    record: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"lookup_code": self.code, "status": self.status, "message": self.message, **self.record}


def _public_view(issued: IssuedRecord, state: dict | None = None) -> dict:
    state = state or _state(issued)
    school_name = issued.school_name if hasattr(issued, "school_name") else \
        (issued.record.get("school") or {}).get("name", "")
    return {
        # No class: its grade and the school year give the pupil's birth year, a third of the date of birth.
        "record_id": issued.record_id, "version": issued.version, "school_year": issued.school_year,
        "school_code": issued.school_code,
        "school_name": school_name or "",
        "pupil_name_masked": mask_name(issued.pupil_name),
        "effective_date": issued.effective_date.isoformat(),
        "signers": [{k: s.get(k) for k in ("name", "role", "signed_at")} for s in issued.signers],
        "superseded_by_version": state["superseded_by_version"],
    }


def lookup_status(*, text: str, ip: str, via_api: bool = False) -> StatusAnswer:
    """The public status of the record with this lookup code (masked; no second factor needed)."""
    limits = settings.VERIFY_LIMITS
    code = normalize_lookup_code(text)
    if code is None:  # not logged: no record to log it against
        if not bucket_take(f"status-ip:{ip_key(ip)}", capacity=limits["status_burst"],
                           per_hour=limits["status_per_hour"]):
            raise RateLimited()
        return StatusAnswer(None, "invalid", STATUS_TEXT["invalid"])
    allowed, state = _status_take_and_log(code, ip, via_api)
    if not allowed:
        raise RateLimited()
    if state is None:
        return StatusAnswer(code, "unknown", STATUS_TEXT["unknown"])
    issued_id, _, withdrawn, successor, renewal = state
    status = "withdrawn" if withdrawn else "superseded" if successor is not None else "current"
    successor = successor if status == "superseded" else None
    return StatusAnswer(code, status, STATUS_TEXT[status] % {"version": successor},
                        {**_unchanging_view(code, issued_id, renewal), "superseded_by_version": successor})


def status_answer(issued: IssuedRecord) -> StatusAnswer:
    """The public status of an issued record (no rate limit, no log: for callers that already did both)."""
    state = _state(issued)
    view = _public_view(issued, state)
    return StatusAnswer(issued.lookup_code, state["status"],
                        STATUS_TEXT[state["status"]] % {"version": state["superseded_by_version"]}, view)


_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y")
_DUMMY = "0000-00-00"


def _birth_form(text: str) -> str:
    """Normalise a typed date of birth to the canonical string compared."""
    text = (text or "").strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return "invalid-factor"


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(hashlib.sha256(given.encode()).digest(), hashlib.sha256(expected.encode()).digest())


def lookup_full(*, text: str, factor: str, ip: str, via_api: bool = False, identity_digits: str = "") -> \
        IssuedRecord | None:
    """The issued record when the code and the second factor match: the date of birth (``factor``) and, when the
    pupil has an identity number, its last 4 digits (``identity_digits``; a whole number typed is read by its
    last 4); otherwise None, with no hint of which one was wrong. Compared in constant time.

    A guessed date of birth is not enough (docs/security.md, "The public lookup"): the 4 digits multiply the
    guesses by 10,000. Attempts are limited per address group (``factor-ip``), per code and address group
    (``factor-code-ip``: an attacker's failures do not spend the genuine verifier's budget) and per code over a
    day (``factor-code``, generous: it only bounds an attack spread over many addresses)."""
    limits = settings.VERIFY_LIMITS
    code = normalize_lookup_code(text) or "invalid"
    address = ip_key(ip)
    with write_turn():  # the later buckets are not touched when an earlier one refuses
        allowed = (bucket_take(f"factor-ip:{address}", capacity=limits["factor_ip_burst"],
                               per_hour=limits["factor_ip_per_hour"])
                   and bucket_take(f"factor-code-ip:{code}:{address}", capacity=limits["factor_code_burst"],
                                   per_hour=limits["factor_code_per_hour"])
                   and bucket_take(f"factor-code:{code}", capacity=limits["factor_code_all_burst"],
                                   per_hour=limits["factor_code_all_per_day"] / 24))
    if not allowed:
        raise RateLimited()
    issued = IssuedRecord.objects.filter(lookup_code=code).first()
    birth = issued.pupil_birth_date.isoformat() if issued else _DUMMY
    number = (issued.identity_number if issued else None) or ""
    digits = re.sub(r"\D", "", identity_digits or "")[-4:]
    match_birth = _same(_birth_form(factor), birth)
    match_digits = _same(digits, number[-4:]) if number else True
    ok = issued is not None and match_birth and match_digits
    with write_turn():
        _log(LookupKind.FULL, ip, issued, ok, via_api)
    return issued if ok else None
