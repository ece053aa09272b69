"""The shape of a ``hocbaso.record/N`` document (docs/record-format.md); every older version still reads.

This module checks keys and JSON types, with the checks of single values (dates, identity number, grade,
school year …) from ``values``. It does not judge the evaluations against TT27: which subjects, ratings and
scores a record must carry is ``evaluations``' job, and it relies on the shapes checked here.

Conventions, applied everywhere: a key the format does not define is ``unknown_field``; a
required key that is absent is ``missing_field``; an optional key may be absent or ``null``.
Text is normalised to NFC (``nfc``) before any check.
"""

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hocbaso.tt27 import catalogue
from hocbaso.tt27.errors import RuleError
from hocbaso.tt27.values import (Check, boolean, count, grade, identity_number, invalid_type, is_int, iso_date,
                                 iso_datetime, join, nullable, one_of, positive_number, school_year, text)
from hocbaso.tt27.wording import competence_name, period_name, quality_name, subject_name

FORMAT_NAME = "hocbaso.record"
FORMAT_VERSION = 3  # the version written; raising it is this one line (and the docs), older versions stay readable
FORMAT = f"{FORMAT_NAME}/{FORMAT_VERSION}"
# Every version read: a record keeps the version it was written in, and is judged by that version's rules.
FORMATS: dict[str, int] = {f"{FORMAT_NAME}/{version}": version for version in range(1, FORMAT_VERSION + 1)}
FORMAT_V1 = f"{FORMAT_NAME}/1"
# Version 2 (records from 1/7/2025): the school's managing authority and commune, the district only when one
# existed (``_SCHOOL``; version 1 named the district, ``_SCHOOL_V1``); the pupil-year's supplementary
# evaluation, the principal's decision, exemptions, the disability class or school and the awards of Điều 13
# (the keys marked ``since=PUPIL_YEAR_V2`` below).
PUPIL_YEAR_V2 = 2
# Version 3 (December 2026): the pupil's lifelong-learning record code (mã hồ sơ học tập suốt đời, Nghị định
# 88/2026/NĐ-CP), optional and unvalidated until its format is published. A new key is a new version because
# unknown keys are errors: a reader of version 2 refuses a record that carries it (docs/record-format.md).
LIFELONG_V3 = 3


def record_version(record: dict) -> int:
    """The format version of a record whose ``format`` is one of ``FORMATS``."""
    return FORMATS[record["format"]]

_LEADING_NUMBER = re.compile(r"[0-9]+", re.ASCII)


def nfc(value: Any) -> Any:
    """A deep copy of a JSON value with every string (keys included) in Unicode NFC."""
    kind = type(value)
    if kind is str:
        # ASCII is NFC already; a record holds far more codes and keys than Vietnamese words.
        return value if value.isascii() else _normalize("NFC", value)
    if kind is dict:
        return {(key if type(key) is str and key.isascii() else nfc(key)): nfc(item)
                for key, item in value.items()}
    if kind is list:
        return [nfc(item) for item in value]
    if isinstance(value, str | dict | list):  # subclasses: the general path
        if isinstance(value, str):
            return _normalize("NFC", value)
        if isinstance(value, dict):
            return {nfc(key): nfc(item) for key, item in value.items()}
        return [nfc(item) for item in value]
    return value


_normalize = unicodedata.normalize


def json_text_is_nfc(text: str) -> bool:
    """True only if every string (keys included) of the JSON document ``text`` is in NFC: ``nfc`` would return
    an equal copy. Twenty times cheaper than that copy for a record (one C call over the text).

    Sound because JSON's punctuation, numbers and literals are ASCII characters that are never part of a
    canonical composition and are starters (combining class 0): without escapes, the text is in NFC exactly when
    each of its strings is. Escapes: ``\\u`` may stand for any character, so a text holding one is answered False (the
    caller then normalises; orjson and ``json.dumps(ensure_ascii=False)`` write non-ASCII as itself); the
    others (``\\n``, ``\\"``...) stand for starters that compose with nothing, and only ever make the answer
    False where the string was fine, never the reverse."""
    return "\\u" not in text and unicodedata.is_normalized("NFC", text)


# --- objects and lists --------------------------------------------------------------------

@dataclass(frozen=True)
class Key:
    """One key of an object: its name on the học bạ, its check, and whether it must be present."""

    label: str
    check: Check
    required: bool = True
    since: int = 1  # the first format version that has the key; in an older record it is unknown_field


def check_object(value: Any, path: str, keys: dict[str, Key], *, label: str, owner: str = "",
                 fmt: str = FORMAT) -> list[RuleError]:
    """Errors of an object against ``keys``: unknown keys, absent required keys, then each value.

    ``label`` names the object itself; ``owner`` (``môn Toán``) is added to the messages about its keys.
    ``fmt``: the record's format; keys introduced by a later version than its own are unknown there.
    """
    version = FORMATS.get(fmt, FORMAT_VERSION)
    if any(spec.since > version for spec in keys.values()):
        keys = {key: spec for key, spec in keys.items() if spec.since <= version}
    if not isinstance(value, dict):
        return invalid_type(path, label, "một đối tượng JSON", value)
    suffix = f" của {owner}" if owner else ""
    errors = []
    if not value.keys() <= keys.keys():
        for key in value:
            if key not in keys:
                errors.append(RuleError("unknown_field", join(path, str(key)),
                                        f'Trường "{key}"{suffix} không có trong định dạng {fmt}'
                                        f" (các trường được phép: {', '.join(keys)})."))
    prefix = f"{path}." if path else ""  # join(path, key), without a call per key: a record has ~900 keys
    for key, spec in keys.items():
        if key not in value:
            if spec.required:
                errors.append(RuleError("missing_field", prefix + key,
                                        f'Thiếu trường "{key}" ({spec.label}){suffix}.'))
            continue
        errors += spec.check(value[key], prefix + key, spec.label + suffix)
    return errors


def check_list(value: Any, path: str, label: str, entry: Callable[[Any, str], list[RuleError]]) -> list[RuleError]:
    """Errors of a JSON array whose every item is checked by ``entry(item, path)``."""
    if not isinstance(value, list):
        return invalid_type(path, label, "một danh sách (mảng JSON)", value)
    errors = []
    for index, item in enumerate(value):
        errors += entry(item, f"{path}[{index}]")
    return errors


def _entry_owner(item: dict, names: Callable[[str], str], fallback: str) -> str:
    code = item.get("code")
    return names(code) if isinstance(code, str) and code.strip() else fallback


def _any(value, path, label):
    """Checked by ``evaluations`` (ratings and scores are TT27 matters, not format)."""
    return []


def subject_entry(item: Any, path: str) -> list[RuleError]:
    """The shape of one subject entry: ``code``, ``rating``, ``score``, ``comment``."""
    owner = _entry_owner(item, subject_name, "môn học") if isinstance(item, dict) else ""
    return check_object(item, path, _SUBJECT_ENTRY, label="Mỗi môn học", owner=owner)


def quality_entry(item: Any, path: str) -> list[RuleError]:
    """The shape of one quality entry: ``code``, ``rating``, ``comment``."""
    owner = _entry_owner(item, quality_name, "phẩm chất") if isinstance(item, dict) else ""
    return check_object(item, path, _TRAIT_ENTRY, label="Mỗi phẩm chất", owner=owner)


def competence_entry(item: Any, path: str) -> list[RuleError]:
    """The shape of one competence entry: ``code``, ``rating``, ``comment``."""
    owner = _entry_owner(item, competence_name, "năng lực") if isinstance(item, dict) else ""
    return check_object(item, path, _TRAIT_ENTRY, label="Mỗi năng lực", owner=owner)


_SUBJECT_ENTRY = {
    "code": Key("Mã môn học", text()),
    "rating": Key("Mức đạt được", _any),
    "score": Key("Điểm kiểm tra định kì", _any),
    "comment": Key("Nhận xét", text(empty=True)),
}
_TRAIT_ENTRY = {
    "code": Key("Mã", text()),
    "rating": Key("Mức đạt được", _any),
    "comment": Key("Nhận xét", text(empty=True)),
}


# The three evaluation lists, at the top level (year-end) and in each period.
EVALUATION_LISTS = {
    "subjects": Key("Môn học và hoạt động giáo dục", lambda v, p, lab: check_list(v, p, lab, subject_entry)),
    "qualities": Key("Phẩm chất chủ yếu", lambda v, p, lab: check_list(v, p, lab, quality_entry)),
    "competences": Key("Năng lực cốt lõi", lambda v, p, lab: check_list(v, p, lab, competence_entry)),
}


TERM_PERIODS = tuple(period for period in catalogue.PERIODS if period != catalogue.YEAR_END)


def periods(value, path, label):
    """``periods``: an object keyed by ``giua_hk1`` / ``cuoi_hk1`` / ``giua_hk2`` (any subset),
    each holding the three evaluation lists (possibly partial, possibly empty)."""
    if not isinstance(value, dict):
        return invalid_type(path, label, "một đối tượng JSON hoặc null", value)
    errors = []
    for key, content in value.items():
        where = join(path, str(key))
        if key not in TERM_PERIODS:
            hint = (" Kết quả cuối năm học ghi ở các danh sách subjects, qualities, competences ngoài cùng."
                    if key == catalogue.YEAR_END else "")
            errors.append(RuleError("unknown_period", where,
                                    f'Kì đánh giá "{key}" không hợp lệ; chỉ dùng {", ".join(TERM_PERIODS)}.{hint}'))
            continue
        errors += check_object(content, where, EVALUATION_LISTS, label=f"Kết quả {period_name(key)}",
                               owner=f"kết quả {period_name(key)}")
    return errors


# The school as of the record's date. ``authority``: its managing body as the header prints it ("UBND xã
# Trường Xuân" from 1/7/2025; "Phòng GD&ĐT Đắk Song" before); ``commune`` as written in a
# sentence ("xã Trường Xuân"); ``district`` only on a record dated before 1/7/2025.
_SCHOOL = {
    "code": Key("Mã trường", text()),
    "name": Key("Tên trường", text()),
    "authority": Key("Cơ quan quản lý trường", text()),
    "commune": Key("Xã/phường", nullable(text()), required=False),
    "district": Key("Quận/huyện (trước 01/07/2025)", nullable(text()), required=False),
    "province": Key("Tỉnh/thành phố", text()),
}

# hocbaso.record/1: the district office managed the school.
_SCHOOL_V1 = {
    "code": Key("Mã trường", text()),
    "name": Key("Tên trường", text()),
    "district": Key("Quận/huyện", text()),
    "province": Key("Tỉnh/thành phố", text()),
}

_PUPIL = {
    "identity_number": Key("Mã định danh cá nhân", nullable(identity_number)),
    "full_name": Key("Họ và tên học sinh", text()),
    "gender": Key("Giới tính", one_of({"male": "Nam", "female": "Nữ"}, "invalid_gender")),
    "birth_date": Key("Ngày sinh", iso_date),
    "ethnicity": Key("Dân tộc", text()),
    "nationality": Key("Quốc tịch", text()),
    "birthplace": Key("Nơi sinh", text()),
    "hometown": Key("Quê quán", nullable(text(empty=True))),
    "address": Key("Nơi ở hiện nay", nullable(text(empty=True))),
    "father_name": Key("Họ tên cha", nullable(text(empty=True))),
    "mother_name": Key("Họ tên mẹ", nullable(text(empty=True))),
    "guardian_name": Key("Họ tên người giám hộ", nullable(text(empty=True))),
    "registry_number": Key("Số đăng bộ", text()),
    "lifelong_learning_code": Key("Mã hồ sơ học tập suốt đời", nullable(text()), required=False, since=LIFELONG_V3),
}
# Versions 1 and 2: no lifelong-learning record code.
_PUPIL_V2 = {key: spec for key, spec in _PUPIL.items() if spec.since < LIFELONG_V3}

_DAYS_ABSENT = {
    "excused": Key("Số ngày nghỉ có phép", count),
    "unexcused": Key("Số ngày nghỉ không phép", count),
}

_ISSUANCE = {
    "record_id": Key("Mã số định danh học bạ", text()),
    "lookup_code": Key("Mã số tra cứu học bạ", text()),
    "effective_date": Key("Ngày hiệu lực", iso_date),
    "version": Key("Phiên bản", lambda v, p, lab: (
        invalid_type(p, lab, "số nguyên từ 1 trở lên", v) if not is_int(v)
        else [RuleError("invalid_value", p, f"{lab} phải là số nguyên từ 1 trở lên; nhận được {v}.")] if v < 1
        else [])),
    "supersedes": Key("Mã số định danh học bạ của phiên bản được thay thế", nullable(text())),
    "issued_at": Key("Thời điểm phát hành", iso_datetime),
}


def issuance(value, path, label):
    """``issuance``: the issue data of an issued record; version 1 supersedes nothing, a later one does."""
    errors = check_object(value, path, _ISSUANCE, label=label)
    if errors or not isinstance(value, dict):
        return errors
    if (value["version"] == 1) != (value["supersedes"] is None):
        return [RuleError("issuance_inconsistent", join(path, "supersedes"),
                          "Phiên bản 1 của học bạ không thay thế bản nào (supersedes phải là null); "
                          "từ phiên bản 2 trở đi phải ghi mã số định danh của bản bị thay thế; "
                          f"nhận được version {value['version']}, "
                          f"supersedes {json.dumps(value['supersedes'], ensure_ascii=False)}.")]
    return []


# --- version 2: exemptions, the disability class, the supplementary evaluation, the decision, the awards ---

_EXEMPTION = {
    "code": Key("Mã môn học được miễn", text()),
    "basis": Key("Căn cứ miễn học (kế hoạch giáo dục cá nhân)", text()),
}
_SUPPLEMENTARY = {
    "date": Key("Ngày đánh giá bổ sung", iso_date),
    **EVALUATION_LISTS,
    "completed": Key("Kết quả đánh giá bổ sung (hoàn thành chương trình lớp học)", nullable(boolean)),
}
_DECISION = {
    "decision": Key("Quyết định của hiệu trưởng", one_of(catalogue.DECISIONS, "invalid_value")),
    "date": Key("Ngày quyết định", iso_date),
}
_AWARD = {
    "kind": Key("Loại khen thưởng", one_of(catalogue.AWARD_KINDS, "invalid_value")),
    "title": Key("Hình thức khen thưởng", text()),
    "level": Key("Cấp khen thưởng", text()),
    "date": Key("Ngày khen thưởng", iso_date),
    "reason": Key("Lí do khen thưởng", text()),
}


def _objects(keys: dict[str, Key], each: str) -> Check:
    def check(value, path, label):
        return check_list(value, path, label, lambda item, where: check_object(item, where, keys, label=each))
    return check


def _object(keys: dict[str, Key]) -> Check:
    return lambda value, path, label: check_object(value, path, keys, label=label)


# The top level, in the spec's order. ``format`` itself is checked before (a wrong one is unreadable).
RECORD = {
    "format": Key("Định dạng", _any),
    "school_year": Key("Năm học", school_year),
    "grade": Key("Khối lớp", grade),
    "class_name": Key("Tên lớp", text()),
    "school": Key("Thông tin trường", lambda v, p, lab: check_object(v, p, _SCHOOL, label=lab)),
    "pupil": Key("Thông tin học sinh", lambda v, p, lab: check_object(v, p, _PUPIL, label=lab)),
    **EVALUATION_LISTS,
    "periods": Key("Kết quả giữa kì, cuối học kì I", nullable(periods), required=False),
    "individual_plan": Key("Đánh giá theo kế hoạch giáo dục cá nhân", nullable(boolean), required=False),
    "exempted_subjects": Key("Môn học được miễn", nullable(_objects(_EXEMPTION, "Mỗi môn học được miễn")),
                             required=False, since=PUPIL_YEAR_V2),
    "disability_class": Key("Lớp, trường dành cho người khuyết tật",
                            nullable(one_of(catalogue.DISABILITY_SETTINGS, "invalid_value")), required=False,
                            since=PUPIL_YEAR_V2),
    "height_cm": Key("Chiều cao (cm)", nullable(positive_number), required=False),
    "weight_kg": Key("Cân nặng (kg)", nullable(positive_number), required=False),
    "days_absent": Key("Số ngày nghỉ học", nullable(lambda v, p, lab: check_object(v, p, _DAYS_ABSENT, label=lab)),
                       required=False),
    "outcome": Key("Đánh giá kết quả giáo dục", nullable(one_of(catalogue.OUTCOMES, "invalid_value")),
                   required=False),
    "award": Key("Khen thưởng", nullable(one_of(catalogue.AWARDS, "invalid_value")), required=False),
    "awards": Key("Khen thưởng khác (đột xuất, của cấp trên)", nullable(_objects(_AWARD, "Mỗi khen thưởng")),
                  required=False, since=PUPIL_YEAR_V2),
    "supplementary_evaluation": Key("Đánh giá bổ sung", nullable(_object(_SUPPLEMENTARY)), required=False,
                                    since=PUPIL_YEAR_V2),
    "completed_grade": Key("Hoàn thành chương trình lớp học", nullable(boolean), required=False),
    "completed_primary": Key("Hoàn thành chương trình tiểu học", nullable(boolean), required=False),
    "principal_decision": Key("Quyết định lên lớp hoặc ở lại lớp", nullable(_object(_DECISION)), required=False,
                              since=PUPIL_YEAR_V2),
    "homeroom_comment": Key("Nhận xét của giáo viên chủ nhiệm", text(empty=True)),
    "homeroom_teacher": Key("Họ tên giáo viên chủ nhiệm", text(empty=True)),
    "principal": Key("Họ tên hiệu trưởng", text(empty=True)),
    "issuance": Key("Thông tin phát hành", nullable(issuance), required=False),
}

# hocbaso.record/2: the pupil without the lifelong-learning record code.
RECORD_V2 = {**RECORD, "pupil": Key("Thông tin học sinh", lambda v, p, lab: check_object(v, p, _PUPIL_V2, label=lab))}
# hocbaso.record/1: the same but for the school.
RECORD_V1 = {**RECORD_V2,
             "school": Key("Thông tin trường", lambda v, p, lab: check_object(v, p, _SCHOOL_V1, label=lab))}
# The top level of each version, and the keys of its nested objects (the XML schema and its tests walk them).
RECORDS = {1: RECORD_V1, 2: RECORD_V2, 3: RECORD}
SCHOOLS = {1: _SCHOOL_V1, 2: _SCHOOL, 3: _SCHOOL}
PUPILS = {1: _PUPIL_V2, 2: _PUPIL_V2, 3: _PUPIL}
OBJECTS = {"subject": _SUBJECT_ENTRY, "trait": _TRAIT_ENTRY, "days_absent": _DAYS_ABSENT, "issuance": _ISSUANCE,
           "exemption": _EXEMPTION, "supplementary": _SUPPLEMENTARY, "decision": _DECISION, "award": _AWARD}


def check_record(record: dict) -> list[RuleError]:
    """Every format error of an NFC-normalised record whose ``format`` is already known to be right,
    in the spec's key order; plus ``class_grade_mismatch`` when the class name's leading number
    is not the grade."""
    fmt = record.get("format", FORMAT)
    errors = check_object(record, "", RECORDS.get(FORMATS.get(fmt, FORMAT_VERSION), RECORD), label="Học bạ", fmt=fmt)
    class_name, grade_ = record.get("class_name"), record.get("grade")
    if isinstance(class_name, str) and is_int(grade_):
        leading = _LEADING_NUMBER.match(class_name.strip())
        if leading and int(leading[0]) != grade_:
            errors.append(RuleError("class_grade_mismatch", "class_name",
                                    f'Tên lớp "{class_name}" không khớp với lớp {grade_} của học bạ.'))
    return errors
