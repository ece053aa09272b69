"""The entry grid's save: a batch of changed cells, each answered on its own.

Evaluations go through ``evaluations_save`` (the one write path: validated whole, all or nothing,
audited). The grid wants each cell judged on its own, so an entry the service refuses is taken out
and the rest are saved again; the service is never bypassed. The year page's fields go through
``year_result_set``.

Conflicts: an evaluation entry carries the ``revision`` the browser loaded (0 when there was no row
yet); the service refuses it when the row changed meanwhile and the cell is shown with the other
value. A resend of what is already stored (the answer to an earlier send was lost with the
connection) is not a conflict: it is taken as saved.
"""

import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hocbaso.assessment.models import SubjectEvaluation, TraitEvaluation, YearResult
from hocbaso.assessment.services import (SUBJECT_FIELDS, TRAIT_FIELDS, EvaluationInputError, evaluations_save,
                                         year_result_set)
from hocbaso.audit.services import Action, log_actions
from hocbaso.directory.models import Enrolment, SchoolClass, Staff
from hocbaso.directory.services import office_assign
from hocbaso.portal.models import TemporaryPassword
from hocbaso.portal.selectors import YEAR_FIELDS, year_value
from hocbaso.tt27 import catalogue
from hocbaso.web.permissions import SHEET_TRAITS, SHEET_YEAR, ClassAccess, can_reset_password

MAX_ENTRIES = 5000


class GridRequestError(ValueError):
    """The request itself is malformed (not a cell problem); its message is shown as is."""


@dataclass
class _Entry:
    index: int
    id: str
    sheet: str
    enrolment: int
    key: str  # "s", "quality:<code>", "competence:<code>", "y"
    values: dict
    revision: int | None
    base: dict

    def service_entry(self, period: str) -> dict:
        entry = {"enrolment": self.enrolment, "period": period, **self.values}
        if self.key == "s":
            entry["subject"] = self.sheet
        else:
            entry["kind"], entry["code"] = self.key.split(":", 1)
        if self.revision is not None:
            entry["revision"] = self.revision
        return entry


def _parse(raw: list, enrolment_ids: set[int], access: ClassAccess) -> list[_Entry]:
    if not isinstance(raw, list) or len(raw) > MAX_ENTRIES:
        raise GridRequestError(f"entries must be a list of at most {MAX_ENTRIES} items")
    parsed = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise GridRequestError(f"entry {index} is not an object")
        sheet, key, values = item.get("sheet"), item.get("key"), item.get("values")
        enrolment = item.get("enrolment")
        if not isinstance(values, dict) or not values:
            raise GridRequestError(f"entry {index}: values must be a non-empty object")
        if not isinstance(enrolment, int) or enrolment not in enrolment_ids:
            raise GridRequestError(f"entry {index}: enrolment {enrolment!r} is not a pupil of this class")
        if sheet == SHEET_TRAITS:
            kind, _sep, code = str(key).partition(":")
            table = {"quality": catalogue.QUALITIES, "competence": catalogue.COMPETENCES}.get(kind, {})
            allowed, ok_key = TRAIT_FIELDS, code in table
        elif sheet == SHEET_YEAR:
            allowed, ok_key = YEAR_FIELDS, key == "y"
        elif sheet in catalogue.SUBJECTS:
            allowed, ok_key = SUBJECT_FIELDS, key == "s"
        else:
            raise GridRequestError(f"entry {index}: unknown sheet {sheet!r}")
        if not ok_key or set(values) - set(allowed):
            raise GridRequestError(f"entry {index}: unknown cell {key!r} / {sorted(set(values) - set(allowed))}")
        if not access.can_edit_sheet(sheet):
            raise PermissionDenied(f"Bạn không có quyền sửa {sheet}.")
        revision = item.get("revision")
        if revision is not None and (not isinstance(revision, int) or isinstance(revision, bool)):
            raise GridRequestError(f"entry {index}: revision must be a whole number")
        base = item.get("base") if isinstance(item.get("base"), dict) else {}
        parsed.append(_Entry(index, str(item.get("id") or index), sheet, enrolment, str(key), values, revision, base))
    return parsed


def _who(user) -> str:
    if user is None:
        return "người khác"
    return getattr(getattr(user, "staff", None), "full_name", "") or user.get_username()


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else ""


def _norm(field: str, value, *, trait: bool = False):
    """A cell value as stored, so that a resend of the stored value compares equal."""
    if field == "rating":
        value = (value or None) if not isinstance(value, str) else (value.strip().upper() or None)
        return "Đ" if trait and value == "D" else value
    if field == "comment" or field == "homeroom_comment":
        return (value or "").strip()
    if field == "nominated_tieu_bieu":
        return bool(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        return value
    return number.normalize()


def _current_rows(entries: list[_Entry], period: str) -> dict[tuple, object]:
    subject_keys = {(e.enrolment, e.sheet) for e in entries if e.key == "s"}
    trait_keys = {(e.enrolment, e.key) for e in entries if e.key != "s"}
    rows = {}
    if subject_keys:
        for row in SubjectEvaluation.objects.filter(
                enrolment_id__in={k[0] for k in subject_keys}, period=period,
                subject__in={k[1] for k in subject_keys}).select_related("updated_by__staff"):
            rows[(row.enrolment_id, row.subject)] = row
    if trait_keys:
        for row in TraitEvaluation.objects.filter(
                enrolment_id__in={k[0] for k in trait_keys}, period=period).select_related("updated_by__staff"):
            rows[(row.enrolment_id, f"{row.kind}:{row.code}")] = row
    return rows


def _row_values(row) -> dict:
    fields = SUBJECT_FIELDS if isinstance(row, SubjectEvaluation) else TRAIT_FIELDS
    return {f: getattr(row, f) for f in fields}


def _save_evaluations(entries: list[_Entry], period: str, user, results: dict) -> None:
    pending, attempts = list(entries), 0
    while pending:
        attempts += 1
        try:
            report = evaluations_save(entries=[e.service_entry(period) for e in pending], by=user)
        except EvaluationInputError as error:
            failed: dict[int, list] = {}
            for problem in error.problems:
                failed.setdefault(problem.index, []).append(problem)
            conflicted = [pending[i] for i, problems in failed.items() if any(p.code == "conflict" for p in problems)]
            current = _current_rows(conflicted, period) if conflicted else {}
            keep, resent = [], False
            for position, entry in enumerate(pending):
                problems = failed.get(position)
                if not problems:
                    keep.append(entry)
                    continue
                row_key = (entry.enrolment, entry.sheet if entry.key == "s" else entry.key)
                row = current.get(row_key)
                if row is not None and all(p.code == "conflict" for p in problems):
                    trait = entry.key != "s"
                    if all(_norm(f, v, trait=trait) == _norm(f, getattr(row, f), trait=trait)
                           for f, v in entry.values.items()):
                        entry.revision = row.revision  # already stored: a resend, not a conflict
                        keep.append(entry)
                        resent = True
                        continue
                    results[entry.index] = {"id": entry.id, "status": "conflict", "revision": row.revision,
                                            "values": _row_values(row), "by": _who(row.updated_by),
                                            "at": _when(row.updated_at),
                                            "message": f"Ô này vừa được {_who(row.updated_by)} sửa lúc "
                                                       f"{_when(row.updated_at)}."}
                else:
                    results[entry.index] = {"id": entry.id, "status": "error",
                                            "problems": [{"field": p.field, "message": p.message, "code": p.code}
                                                         for p in problems]}
            if (len(keep) == len(pending) and not resent) or attempts > 10:  # never loop forever
                raise
            pending = keep
            continue
        for entry in pending:
            service_key = (entry.enrolment, period, entry.sheet) if entry.key == "s" else \
                (entry.enrolment, period, *entry.key.split(":", 1))
            results[entry.index] = {"id": entry.id, "status": "saved", "revision": report.revisions.get(service_key)}
        return


def _save_year(entries: list[_Entry], user, results: dict) -> None:
    """The year page's fields, per pupil; a field whose stored value moved away from the one the
    browser loaded (``base``) since, to something other than what is sent, is a conflict."""
    enrolments = {e.pk: e for e in Enrolment.objects.filter(pk__in={x.enrolment for x in entries})
                  .select_related("pupil", "school_class__school_year__school")}
    for entry in entries:
        values = {f: _clean_year(f, v) for f, v in entry.values.items()}
        try:
            with transaction.atomic():
                stored = (YearResult.objects.select_for_update(of=("self",)).select_related("updated_by__staff")
                          .filter(enrolment_id=entry.enrolment).first())
                current = {f: year_value(stored, f) for f in YEAR_FIELDS}
                moved = [f for f in values if f in entry.base and _norm(f, current[f]) != _norm(f, entry.base[f])
                         and _norm(f, current[f]) != _norm(f, values[f])]
                if moved:
                    who = _who(stored.updated_by if stored else None)
                    results[entry.index] = {"id": entry.id, "status": "conflict",
                                            "revision": stored.revision if stored else 0, "values": current,
                                            "by": who, "at": _when(stored.updated_at if stored else None),
                                            "message": f"Ô này vừa được {who} sửa lúc "
                                                       f"{_when(stored.updated_at if stored else None)}."}
                    continue
                result = year_result_set(enrolment=enrolments[entry.enrolment], by=user, **values)
        except EvaluationInputError as error:
            results[entry.index] = {"id": entry.id, "status": "error",
                                    "problems": [{"field": p.field, "message": p.message, "code": p.code}
                                                 for p in error.problems]}
            continue
        results[entry.index] = {"id": entry.id, "status": "saved", "revision": result.revision}


def _clean_year(field: str, value):
    if field == "nominated_tieu_bieu":
        return bool(value)
    if field == "homeroom_comment":
        return (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        return value.strip().replace(",", ".")
    return value


def grid_save(*, school_class: SchoolClass, period: str, entries: list, user, access: ClassAccess) -> list[dict]:
    """Save a batch of changed cells of ``school_class`` at ``period``; one result per entry, in order:
    ``saved`` (with the new revision), ``error`` (the service's problems, in Vietnamese) or ``conflict``
    (with the stored values and who changed them). Raises GridRequestError for a malformed request and
    PermissionDenied, before anything is written, when any entry is on a sheet the user may not edit."""
    if period not in catalogue.PERIODS:
        raise GridRequestError(f"unknown period {period!r}")
    enrolment_ids = set(school_class.enrolments.values_list("pk", flat=True))
    parsed = _parse(entries, enrolment_ids, access)
    if any(e.sheet == SHEET_YEAR for e in parsed) and period != catalogue.YEAR_END:
        raise GridRequestError("the year page exists only at the end of the year")
    results: dict[int, dict] = {}
    evaluations = [e for e in parsed if e.sheet != SHEET_YEAR]
    if evaluations:
        _save_evaluations(evaluations, period, user, results)
    year = [e for e in parsed if e.sheet == SHEET_YEAR]
    if year:
        _save_year(year, user, results)
    return [results[e.index] for e in parsed]


# ---------------------------------------------------------------------- accounts

TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or copied from a screen


def temporary_password() -> str:
    """12 letters and digits in three groups (~59 bits), easy to read aloud: ``abcd-efgh-jkmn``."""
    groups = ["".join(secrets.choice(TEMPORARY_ALPHABET) for _position in range(4)) for _group in range(3)]
    return "-".join(groups)


def office_account_open(*, username: str, by, full_name: str = "", commune=None, province=None) -> tuple:
    """Tài khoản của UBND xã/phường hoặc Sở GD&ĐT: ``(staff, password)``. A new account gets a temporary password
    (returned once; its holder chooses their own at the first sign-in); an existing one that is not a school's
    (a former Phòng GD&ĐT officer, say) keeps its password (``None``) and is given the office
    (``directory.services.office_assign``). Logged."""
    user = get_user_model().objects.filter(username=username).first()
    if user is not None:
        staff = getattr(user, "staff", None)
        if staff is None:
            raise ValidationError(f"Tài khoản {username} không gắn với cán bộ nào.", code="office_no_staff")
        return office_assign(staff=staff, commune=commune, province=province, by=by), None
    if not full_name.strip():
        raise ValidationError("Cần họ và tên của cán bộ cho tài khoản mới.", code="office_name")
    password = temporary_password()
    with transaction.atomic():
        user = get_user_model().objects.create_user(username=username, password=password)
        TemporaryPassword.objects.create(user=user, set_by=by, set_at=timezone.now())
        staff = Staff.objects.create(user=user, full_name=full_name, commune=commune, province=province)
        log_actions([Action("user.office_account_open", "user", str(user.pk), None,
                            {"username": username, "staff": staff.full_name})], actor=by)
        office_assign(staff=staff, commune=commune, province=province, by=by)
    return staff, password


def password_reset(*, staff, by) -> str:
    """Đặt lại mật khẩu: give ``staff``'s account a new random password (returned, to hand over; shown once) and
    a ``TemporaryPassword`` so that its holder must choose their own at the next sign-in. The account's sessions
    end (Django ties them to the password). Only the principal of the colleague's school, not for their own
    account; logged as ``user.password_reset`` (without the password)."""
    if not can_reset_password(by, staff):
        raise PermissionDenied(_("Chỉ hiệu trưởng của trường mới đặt lại được mật khẩu của đồng nghiệp."))
    if staff.user_id is None:
        raise PermissionDenied(_("%(name)s chưa có tài khoản đăng nhập.") % {"name": staff.full_name})
    password = temporary_password()
    with transaction.atomic():
        user = staff.user
        user.set_password(password)
        user.save(update_fields=["password"])
        TemporaryPassword.objects.update_or_create(user=user, defaults={"set_by": by, "set_at": timezone.now()})
        log_actions([Action("user.password_reset", "user", str(user.pk), None, {"staff": staff.full_name},
                            school_code=staff.school.code)], actor=by)
    return password
