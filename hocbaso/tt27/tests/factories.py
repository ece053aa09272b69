"""Records for tests: ``valid_record(grade=4, **overrides)`` builds a complete, valid
record dict in the current format (``FORMAT``: the school under today's commune); ``v1_record(...)``, or
``format=OLD_FORMAT``, the same as a ``hocbaso.record/1`` issued before 1/7/2025 (the school under its
district, no pupil-year fields of version 2). Other apps may import them.

By default every subject is rated T with score 8 where the grade has a periodic test, every
quality and competence T: the outcome is HTT (Hoàn thành tốt). The computed fields are null,
as in input to ``hocbaso assess``.
"""

import copy

from hocbaso.tt27 import FORMAT, catalogue

OLD_FORMAT = "hocbaso.record/1"  # before the pupil-year fields of version 2

SCHOOL_YEAR = "2024-2025"  # covered by TT27 in every grade


def subject_entries(grade: int, *, rating: str = "T", score: int = 8, period: str = catalogue.YEAR_END,
                    optional: tuple[str, ...] = ()) -> list[dict]:
    """One entry per compulsory subject of ``grade`` (plus ``optional``), in display order; ``score``
    exactly where the subject has a periodic test at ``period``, else null."""
    codes = [code for code in catalogue.grade_subjects(grade)
             if code in catalogue.compulsory_subjects(grade) or code in optional]
    return [{"code": code, "rating": rating,
             "score": score if catalogue.has_periodic_test(grade, code, period) else None,
             "comment": f"Nhận xét {catalogue.SUBJECTS[code]}."}
            for code in codes]


def trait_entries(table: dict[str, str], *, rating: str = "T") -> list[dict]:
    """One entry per quality or competence of ``table``, all rated ``rating``, each with a comment."""
    return [{"code": code, "rating": rating, "comment": f"Nhận xét {name}."} for code, name in table.items()]


def period_lists(grade: int, period: str, *, rating: str = "T", trait: str = "T", score: int = 8) -> dict:
    """Complete ``subjects`` / ``qualities`` / ``competences`` lists for one term period."""
    return {"subjects": subject_entries(grade, rating=rating, score=score, period=period),
            "qualities": trait_entries(catalogue.QUALITIES, rating=trait),
            "competences": trait_entries(catalogue.COMPETENCES, rating=trait)}


def valid_record(grade: int = 4, **overrides) -> dict:
    """A complete valid record of ``grade`` in 2024-2025; ``overrides`` replace top-level keys
    (an override of ``...=DROP`` removes the key)."""
    record = {
        "format": FORMAT,
        "school_year": SCHOOL_YEAR,
        "grade": grade,
        "class_name": f"{grade}A",
        "school": {"code": "67000701", "name": "Trường Tiểu học Trung Vương", "authority": "UBND xã Trường Xuân",
                   "commune": "xã Trường Xuân", "province": "Tỉnh Lâm Đồng"},
        "pupil": {
            "identity_number": "067216001234",
            "full_name": "Nguyễn Thị Ánh Tuyết",
            "gender": "female",
            "birth_date": f"{2024 - 5 - grade}-09-02",
            "ethnicity": "Kinh",
            "nationality": "Việt Nam",
            "birthplace": "Xã Trường Xuân, Huyện Đắk Song, Tỉnh Đắk Nông",
            "hometown": "Xã Trường Xuân, Huyện Đắk Song, Tỉnh Đắk Nông",
            "address": "Thôn 1, Xã Trường Xuân, Huyện Đắk Song, Tỉnh Đắk Nông",
            "father_name": "Nguyễn Văn Hùng",
            "mother_name": "Trần Thị Lan",
            "guardian_name": None,
            "registry_number": "15/2020",
        },
        "subjects": subject_entries(grade),
        "qualities": trait_entries(catalogue.QUALITIES),
        "competences": trait_entries(catalogue.COMPETENCES),
        "periods": None,
        "individual_plan": False,
        "height_cm": 132,
        "weight_kg": 29.5,
        "days_absent": {"excused": 2, "unexcused": 0},
        "outcome": None,
        "award": None,
        "completed_grade": None,
        "completed_primary": None,
        "homeroom_comment": "Em ngoan, chăm học.",
        "homeroom_teacher": "Lê Thị Hoa",
        "principal": "Đoàn Trung Quế",
    }
    if overrides.get("format") == OLD_FORMAT and "school" not in overrides:
        record["school"] = copy.deepcopy(V1_SCHOOL)  # version 1 named the district, not the authority
    for key, value in overrides.items():
        if value is DROP:
            record.pop(key, None)
        else:
            record[key] = copy.deepcopy(value)
    return record


class _Drop:
    def __repr__(self):
        return "DROP"


DROP = _Drop()


def entry(record: dict, code: str, kind: str = "subjects") -> dict:
    """The entry of ``code`` in the record's year-end ``kind`` list (for in-place changes in a test)."""
    for item in record[kind]:
        if item["code"] == code:
            return item
    raise KeyError(f"{code} not in {kind}")


def index_of(record: dict, code: str, kind: str = "subjects") -> int:
    """The position of ``code`` in the record's year-end ``kind`` list (for expected field paths)."""
    return [item["code"] for item in record[kind]].index(code)


def issuance(version: int = 1, supersedes: str | None = None) -> dict:
    """A well-formed ``issuance`` object."""
    return {"record_id": "HB-67000701-2025-000123", "lookup_code": "K7QX-3MPA-9TZC",
            "effective_date": "2025-06-01", "version": version, "supersedes": supersedes,
            "issued_at": "2025-06-01T08:30:00+07:00"}


V1_SCHOOL = {"code": "67000701", "name": "Trường Tiểu học Trung Vương", "district": "Huyện Đắk Song",
             "province": "Tỉnh Đắk Nông"}


def v1_record(grade: int = 4, **overrides) -> dict:
    """``valid_record`` as ``hocbaso.record/1``: what was issued before 1/7/2025 (district, no authority)."""
    return valid_record(grade, **{"format": OLD_FORMAT, "school": copy.deepcopy(V1_SCHOOL), **overrides})
