"""What a học bạ page prints, in Vietnamese words, from ``hocbaso.record/N`` dicts.

The typst template only lays out what this module hands it: every code is already resolved to the
name printed in the học bạ (``hocbaso.tt27.catalogue``), every rating is written in words with its
letter in brackets ("Hoàn thành tốt (T)"), every date is written the Vietnamese way, and every
string is in Unicode NFC. No database, no typst: plain dicts in, plain dicts out.
"""

import datetime as dt

from hocbaso.documents.qr import qr_svg
from hocbaso.tt27 import catalogue

NOT_ISSUED = "Chưa phát hành"
NO_IDENTITY_NUMBER = "Chưa có"
BLANK = "……"
GENDER = {"male": "Nam", "female": "Nữ"}
_ADMIN_PREFIXES = ("Thành phố ", "Thị xã ", "Thị trấn ", "Huyện ", "Quận ", "Phường ", "Xã ", "Tỉnh ")
# Above this many characters in one cell a row may break across pages: a row taller than a whole
# page could not be placed otherwise. No real comment comes near it (a page holds ~4,000).
ROW_BREAK_CHARS = 1800


def without_prefix(name: str) -> str:
    """An administrative unit's name without its kind ("Huyện Đắk Song" -> "Đắk Song")."""
    for prefix in _ADMIN_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def short_date(iso: str | None) -> str:
    """``2014-09-02`` -> ``02/09/2014``; empty for no date."""
    if not iso:
        return ""
    day = dt.date.fromisoformat(iso[:10])
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def place_date(place: str, iso: str | None) -> str:
    """The place-and-date line above a signature ("Trường Xuân, ngày 01 tháng 6 năm 2025").

    Days below 10 and the months 1 and 2 take a leading zero (Nghị định 30/2020/NĐ-CP, Phụ lục I);
    without a date the day, month and year are left as dots to be written by hand."""
    if not iso:
        return f"{place}, ngày {BLANK} tháng {BLANK} năm {BLANK}"
    day = dt.date.fromisoformat(iso[:10])
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def default_place(record: dict) -> str:
    """The place written before the date when the caller gives none: the record's commune (from 1/7/2025), else
    its district (records issued before, which named no commune)."""
    school = record["school"]
    return without_prefix(school.get("commune") or school.get("district") or "") or BLANK


def rating_in_words(scale: dict[str, str], letter: str | None) -> str:
    """"Hoàn thành tốt (T)" for ``T`` on the subject scale; empty when there is no rating."""
    return f"{scale[letter]} ({letter})" if letter in scale else ""


def _number(value) -> str:
    """A measurement with the Vietnamese decimal comma (29.5 -> "29,5")."""
    return f"{value:g}".replace(".", ",")


def _row_breakable(*texts: str) -> bool:
    return sum(len(t) for t in texts) > ROW_BREAK_CHARS


EXEMPTED = "Miễn"


def _subject_rows(record: dict) -> list[dict]:
    """The subjects table; a subject exempted on an individual plan (Điều 8) is a row saying so, with its basis."""
    order = {code: i for i, code in enumerate(catalogue.SUBJECTS)}
    exempted = [{"code": e["code"], "rating": None, "score": None, "comment": e.get("basis") or "", "exempted": True}
                for e in record.get("exempted_subjects") or [] if isinstance(e, dict) and e.get("code")]
    subjects = sorted([*(record.get("subjects") or []), *exempted], key=lambda s: order.get(s["code"], len(order)))
    return [{"name": catalogue.SUBJECTS.get(s["code"], s["code"]),
             "rating": EXEMPTED if s.get("exempted") else rating_in_words(catalogue.SUBJECT_RATINGS, s.get("rating")),
             "score": "" if s.get("score") is None else str(s["score"]),
             "comment": s.get("comment") or "",
             "breakable": _row_breakable(s.get("comment") or "")}
            for s in subjects]


def _trait_rows(entries: list[dict], names: dict[str, str]) -> list[dict]:
    by_code = {e["code"]: e for e in entries}
    return [{"name": name, "rating": rating_in_words(catalogue.TRAIT_RATINGS, by_code[code].get("rating")),
             "comment": by_code[code].get("comment") or "",
             "breakable": _row_breakable(by_code[code].get("comment") or "")}
            for code, name in names.items() if code in by_code]


def _supplementary_line(again: dict) -> str:
    """"Đánh giá bổ sung ngày 12/08/2025: Toán: Hoàn thành (H), điểm 6; Chăm chỉ: Đạt (Đ)"."""
    parts = []
    for key, names, scale in (("subjects", catalogue.SUBJECTS, catalogue.SUBJECT_RATINGS),
                              ("qualities", catalogue.QUALITIES, catalogue.TRAIT_RATINGS),
                              ("competences", catalogue.COMPETENCES, catalogue.TRAIT_RATINGS)):
        for entry in again.get(key) or []:
            text = f"{names.get(entry.get('code'), entry.get('code'))}: {rating_in_words(scale, entry.get('rating'))}"
            if entry.get("score") is not None:
                text += f", điểm {entry['score']}"
            parts.append(text)
    return f"Đánh giá bổ sung ngày {short_date(again.get('date'))}" + (f": {'; '.join(parts)}" if parts else "")


def _completion(record: dict) -> list[str]:
    """Section 6 (TT27 Điều 11): completion of the grade, after the supplementary evaluation where there was one,
    the principal's decision to promote or keep back a pupil who still has not completed it, and in grade 5 the
    completion of primary school."""
    grade = record["grade"]
    lines = []
    again = record.get("supplementary_evaluation")
    if isinstance(again, dict):
        lines.append(_supplementary_line(again))
    if isinstance(record.get("completed_grade"), bool):
        line = catalogue.grade_completion(grade, record["completed_grade"])
        if record["completed_grade"] and isinstance(again, dict):
            line += " sau đánh giá bổ sung"
        lines.append(line)
    decision = record.get("principal_decision")
    if isinstance(decision, dict) and decision.get("decision") in catalogue.DECISIONS:
        target = f"lớp {grade + 1}" if decision["decision"] == "promote" else f"lớp {grade}"
        lines.append(f"{catalogue.DECISIONS[decision['decision']]} {target} (quyết định của Hiệu trưởng ngày "
                     f"{short_date(decision.get('date'))})")
    if grade == 5 and isinstance(record.get("completed_primary"), bool):
        lines.append(catalogue.primary_completion(record["completed_primary"]))
    return lines


def _awards(record: dict) -> list[str]:
    """Section 5 (TT27 Điều 13): the year-end title, then every other award with its level, date and reason."""
    lines = []
    award = record.get("award")
    if award:
        lines.append(catalogue.AWARDS.get(award, award))
    for item in record.get("awards") or []:
        if isinstance(item, dict):
            lines.append(f"{item.get('title', '')} ({item.get('level', '')}, ngày {short_date(item.get('date'))}): "
                         f"{item.get('reason', '')}")
    return lines or ["Không"]


def school_view(record: dict, *, commune: str | None = None) -> dict:
    """The school as the header prints it: the managing body's lines, then the school's name.

    As of the record's date: from 1/7/2025 the commune's People's Committee ("UBND xã Trường Xuân", the record's
    ``authority``); before, the Sở GD&ĐT above the district's Phòng GD&ĐT (``hocbaso.record/1`` records, which
    name only the district). ``commune``: the commune to print when the record names none."""
    school = record["school"]
    province, district = school.get("province") or "", school.get("district") or ""
    province_office = f"Sở GD&ĐT {without_prefix(province)}" if province else "Sở GD&ĐT"
    authority = school.get("authority")
    if authority is None:  # hocbaso.record/1
        authority = f"Phòng GD&ĐT {without_prefix(district)}" if district else "Phòng GD&ĐT"
    return {"name": school["name"], "code": school.get("code") or "", "commune": school.get("commune") or commune or "",
            "district": district, "province": province,
            "authorities": [province_office, authority] if district else [authority]}


def year_view(record: dict, *, verify_url: str | None = None, place: str | None = None) -> dict:
    """Everything one year page prints, from an NFC record, in the template's order."""
    issuance = record.get("issuance") or {}
    pupil = record["pupil"]
    absent = record.get("days_absent") or {}
    health = None
    if record.get("height_cm") is not None or record.get("weight_kg") is not None or record.get("days_absent"):
        health = {"height": f"{_number(record['height_cm'])} cm" if record.get("height_cm") is not None else BLANK,
                  "weight": f"{_number(record['weight_kg'])} kg" if record.get("weight_kg") is not None else BLANK,
                  "excused": str(absent["excused"]) if absent.get("excused") is not None else BLANK,
                  "unexcused": str(absent["unexcused"]) if absent.get("unexcused") is not None else BLANK}
    outcome = record.get("outcome")
    return {
        "school_year": record["school_year"],
        "grade": record["grade"],
        "class_name": record["class_name"],
        "school_name": record["school"]["name"],
        "school": school_view(record),  # the year's own school: a pupil may have changed school since
        "pupil": {"full_name": pupil["full_name"], "gender": GENDER.get(pupil.get("gender"), ""),
                  "birth_date": short_date(pupil.get("birth_date")),
                  "identity_number": pupil.get("identity_number") or NO_IDENTITY_NUMBER},
        "health": health,
        "digital": {"record_id": issuance.get("record_id") or NOT_ISSUED,
                    "lookup_code": issuance.get("lookup_code") or NOT_ISSUED,
                    "effective_date": short_date(issuance.get("effective_date")) or NOT_ISSUED,
                    "version": str(issuance["version"]) if issuance.get("version") else NOT_ISSUED,
                    "verify_url": verify_url or "",
                    "qr_svg": qr_svg(verify_url) if verify_url else None},
        "subjects": _subject_rows(record),
        "qualities": _trait_rows(record.get("qualities") or [], catalogue.QUALITIES),
        "competences_general": _trait_rows(record.get("competences") or [], catalogue.COMPETENCES_GENERAL),
        "competences_specific": _trait_rows(record.get("competences") or [], catalogue.COMPETENCES_SPECIFIC),
        "individual_plan": bool(record.get("individual_plan")),
        "disability_class": catalogue.DISABILITY_SETTINGS.get(record.get("disability_class") or "", ""),
        "outcome": catalogue.OUTCOMES.get(outcome, "") if outcome else "",
        "awards": _awards(record),
        "completion": _completion(record),
        "homeroom_teacher": record.get("homeroom_teacher") or "",
        "principal": record.get("principal") or "",
        "place_date": place_date(place or default_place(record), issuance.get("effective_date")),
    }


def history_rows(history: list[dict]) -> list[dict]:
    """The school-history table (quá trình học tập), one row per year, in school-year order.

    Each entry: ``school_year``, ``class_name``, ``school_name``, ``registry_number`` (số đăng bộ) and
    ``joined_on`` (ngày nhập học / chuyển đến, ISO date); ``transferred_in`` true marks a transfer."""
    rows = []
    for entry in sorted(history, key=lambda h: h["school_year"]):
        joined = short_date(entry.get("joined_on"))
        if joined and entry.get("transferred_in"):
            joined = f"{joined} (chuyển đến)"
        rows.append({"school_year": entry["school_year"], "class_name": entry.get("class_name") or "",
                     "school_name": entry.get("school_name") or "", "registry_number": entry.get("registry_number") or "",
                     "joined_on": joined})
    return rows


def cover_view(record: dict, *, history: list[dict], commune: str | None, record_number: str | None,
               place: str | None) -> dict:
    """The cover and identity page of the whole primary history, from the latest year's NFC record."""
    pupil = record["pupil"]
    issuance = record.get("issuance") or {}
    return {
        "school": school_view(record, commune=commune),
        "record_number": record_number or pupil.get("registry_number") or BLANK,
        "pupil": {"full_name": pupil["full_name"], "gender": GENDER.get(pupil.get("gender"), ""),
                  "birth_date": short_date(pupil.get("birth_date")),
                  "identity_number": pupil.get("identity_number") or NO_IDENTITY_NUMBER,
                  **{key: pupil.get(key) or "" for key in ("ethnicity", "nationality", "birthplace", "hometown",
                                                            "address", "father_name", "mother_name",
                                                            "guardian_name")}},
        "principal": record.get("principal") or "",
        "place_date": place_date(place or without_prefix(commune or "") or default_place(record),
                                 issuance.get("effective_date")),
        "history": history_rows(history),
        # Quá trình học tập has a row for every year of primary school: blank for the grades still to come.
        "blank_rows": max(0, max(catalogue.GRADES) - record["grade"]),
    }
