"""Bảng tổng hợp kết quả đánh giá giáo dục của lớp (TT27 Điều 9.1) on screen and as PDF (the Excel file, in
the importable layout, is exchange's: ``exchange.excel.summary_views``).

At the end of the year each pupil's outcome and award are those of the TT27 engine (Điều 9.2, 13):
computed from the stored evaluations on every view, and stored through ``year_results_refresh``
when the viewer may write the year page and the class is not locked, so that the Excel file, the
record and the screen agree. Read-only viewers never write.
"""

import json
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from hocbaso.assessment.selectors import is_locked
from hocbaso.directory.models import ClassKind, SchoolClass
from hocbaso.directory.selectors import school_places, vietnamese_sort_key
from hocbaso.portal.selectors import class_sheet_codes
from hocbaso.records.outcomes import outcome_blockers, year_results_refresh
from hocbaso.records.selectors import enrolments_for_records
from hocbaso.tt27 import catalogue
from hocbaso.web.permissions import ClassAccess

HERE = Path(__file__).resolve().parent
TYPST_TEMPLATE = HERE / "typst" / "class_summary.typ"


def _fonts_dir() -> Path | None:
    folder = Path(settings.BASE_DIR) / "documents" / "fonts"
    return folder if folder.is_dir() else None


def class_summary(school_class: SchoolClass, period: str, *, user, access: ClassAccess) -> dict:
    """Everything the summary shows: columns, one row per pupil in Vietnamese order, counts per column."""
    enrolments = sorted(enrolments_for_records().filter(school_class=school_class),
                        key=lambda e: vietnamese_sort_key(e.pupil.full_name))
    disability = school_class.kind == ClassKind.DISABILITY
    subjects = [{"code": code, "name": catalogue.SUBJECTS[code],
                 "tested": catalogue.has_periodic_test(school_class.grade, code, period, disability_class=disability)}
                for code in class_sheet_codes(school_class, period, enrolments) if code in catalogue.SUBJECTS]
    year_end = period == catalogue.YEAR_END
    stored_now, assessments = False, {}
    if year_end:
        assessments, stored_now = year_results_refresh(
            enrolments, by=user, may_store=lambda: access.edit_year and not is_locked(school_class))
    rows, counts = [], Counter()
    for stt, enrolment in enumerate(enrolments, start=1):
        subject_rows = {r.subject: r for r in enrolment.subject_evaluations.all() if r.period == period}
        trait_rows = {(r.kind, r.code): r for r in enrolment.trait_evaluations.all() if r.period == period}
        followed = set(enrolment.subjects())
        cells = []
        for subject in subjects:
            row = subject_rows.get(subject["code"])
            rating = row.rating if row else None
            cells.append({"kind": "subject", "value": rating or "", "follows": subject["code"] in followed,
                          "title": catalogue.SUBJECT_RATINGS.get(rating, "")})
            counts[(subject["code"], rating)] += 1
            if subject["tested"]:
                cells.append({"kind": "score", "value": "" if row is None or row.score is None else str(row.score),
                              "follows": subject["code"] in followed, "title": ""})
        for kind, table in (("quality", catalogue.QUALITIES), ("competence", catalogue.COMPETENCES)):
            for code in table:
                row = trait_rows.get((kind, code))
                rating = row.rating if row else None
                cells.append({"kind": "trait", "value": rating or "", "follows": True,
                              "title": catalogue.TRAIT_RATINGS.get(rating, "")})
                counts[(f"{kind}:{code}", rating)] += 1
        item = {"stt": stt, "enrolment": enrolment, "name": enrolment.pupil.full_name,
                "birth_date": enrolment.pupil.birth_date, "cells": cells, "status": enrolment.get_status_display()
                if enrolment.status != "studying" else ""}
        if year_end:
            assessment = assessments[enrolment.pk]
            item.update(outcome=assessment.outcome, outcome_name=catalogue.OUTCOMES.get(assessment.outcome, ""),
                        award=assessment.award, award_name=catalogue.AWARDS.get(assessment.award, ""),
                        completed_grade=assessment.completed_grade,
                        errors=[e.message for e in assessment.errors])
            counts[("outcome", assessment.outcome)] += 1
        rows.append(item)
    outcome_counts = [{"code": code, "name": name, "count": counts[("outcome", code)]}
                      for code, name in catalogue.OUTCOMES.items()] if year_end else []
    return {"school_class": school_class, "period": period, "period_name": catalogue.PERIODS[period],
            "subjects": subjects, "qualities": catalogue.QUALITIES, "competences": catalogue.COMPETENCES,
            "rows": rows, "year_end": year_end, "outcome_counts": outcome_counts,
            "incomplete": sum(1 for r in rows if r.get("errors")), "blockers": outcome_blockers(assessments),
            "stored_now": stored_now,
            "rating_counts": _column_counts(subjects, counts)}


def _column_counts(subjects: list[dict], counts: Counter) -> list[dict]:
    out = []
    for subject in subjects:
        out.append({"name": subject["name"],
                    "counts": {r: counts[(subject["code"], r)] for r in catalogue.SUBJECT_RATINGS}})
    return out


def class_summary_pdf(summary: dict) -> bytes:
    """The summary as an A4 landscape PDF (typst), with the school's font when the documents app ships one."""
    import typst  # deferred: typst loads only when a document renders, not with every portal page

    school_class = summary["school_class"]
    year = school_class.school_year
    view = {
        "title": f"BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ GIÁO DỤC CỦA LỚP {school_class.name}",
        "school": year.school.name, "office": school_places([year.school])[year.school.pk].authority_name,
        "subtitle": f"Năm học {year.name} — {summary['period_name']}",
        "homeroom": school_class.homeroom_teacher.full_name if school_class.homeroom_teacher else "",
        "subjects": [{"name": s["name"], "tested": s["tested"]} for s in summary["subjects"]],
        "qualities": list(summary["qualities"].values()),
        "competences": list(summary["competences"].values()),
        "year_end": summary["year_end"],
        "rows": [{"stt": str(r["stt"]), "name": r["name"], "cells": [c["value"] if c["follows"] else "—"
                                                                    for c in r["cells"]],
                  "outcome": r.get("outcome") or "", "award": "x" if r.get("award") else ""} for r in summary["rows"]],
        "outcomes": [f"{o['name']}: {o['count']}" for o in summary["outcome_counts"]],
        "legend": f"Môn học: {_scale_in_words(catalogue.SUBJECT_RATINGS)}. "
                  f"Phẩm chất, năng lực: {_scale_in_words(catalogue.TRAIT_RATINGS)}. "
                  f"Kết quả: {_scale_in_words(catalogue.OUTCOMES)}.",
        "place_date": _place_date(year.school),
    }
    fonts = _fonts_dir()
    kwargs = {"font_paths": [str(fonts)], "ignore_system_fonts": True} if fonts else {}
    return typst.compile(str(TYPST_TEMPLATE), sys_inputs={"view": json.dumps(view, ensure_ascii=False)}, **kwargs)


def _scale_in_words(scale: dict[str, str]) -> str:
    """``T = Hoàn thành tốt, H = Hoàn thành, C = Chưa hoàn thành``: a scale of tt27.catalogue, letters in words."""
    return ", ".join(f"{letter} = {words}" for letter, words in scale.items())


def _place_date(school) -> str:
    today = timezone.localdate()
    return f"{school_places([school])[school.pk].place_name}, ngày {today.day} tháng {today.month} năm {today.year}"
