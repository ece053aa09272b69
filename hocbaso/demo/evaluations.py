"""The demo's evaluations: every period's ratings, scores and comments consistent with each pupil's tier
(Điều 9.2), and the year-end page fields."""

import random
from collections import Counter

from django.db import connection
from django.utils import timezone

from hocbaso.assessment import phrases
from hocbaso.assessment.models import SubjectEvaluation, TraitEvaluation, YearResult
from hocbaso.audit.services import Action, log_actions
from hocbaso.directory.models import Enrolment
from hocbaso.records.outcomes import RESULT_FIELDS
from hocbaso.records.selectors import enrolments_for_records, record_build
from hocbaso.tt27 import assess, catalogue
from hocbaso.tt27.results import award_for, completion, compute_outcome


def _drop(rating: str, *, trait: bool = False) -> str:
    """A term result one level below the year's (pupils progress over the year)."""
    return ("Đ" if trait else "H") if rating == "T" else rating


def _year_end(rng: random.Random, tier: str, subjects, grade) -> tuple[dict, dict, dict]:
    """Year-end ratings, scores and trait ratings consistent with the pupil's tier (Điều 9.2)."""
    scored = set(catalogue.scored_subjects(grade))
    ratings, scores, traits = {}, {}, {}
    for code in subjects:
        if tier in ("HTXS", "HTT"):
            ratings[code] = "T"
        else:
            ratings[code] = "T" if rng.random() < 0.5 else "H"
        if code in scored:
            low, high = {"HTXS": (9, 10), "HTT": (8, 10), "HT": (5, 9), "CHT": (5, 8)}[tier]
            scores[code] = rng.randint(low, high)
            if ratings[code] == "H":
                scores[code] = min(scores[code], 8)
    for code in list(catalogue.QUALITIES) + list(catalogue.COMPETENCES):
        traits[code] = "T" if tier in ("HTXS", "HTT") or rng.random() < 0.6 else "Đ"
    scored_here = [c for c in subjects if c in scored]
    if tier == "HTT" and all(scores[c] >= 9 for c in scored_here):
        scores[rng.choice(scored_here)] = rng.choice([7, 8])
    if tier == "HT" and all(r == "T" for r in ratings.values()) and all(t == "T" for t in traits.values()):
        traits[rng.choice(list(traits))] = "Đ"
    if tier == "CHT":
        weak = rng.choice(scored_here)
        ratings[weak], scores[weak] = "C", rng.randint(2, 4)
        traits["cham_chi"] = "C" if rng.random() < 0.5 else "Đ"
    return ratings, scores, traits


def evaluation_entries(rng: random.Random, tier: str, enrolment: Enrolment, periods=catalogue.PERIODS) -> list[dict]:
    """Every evaluation of one pupil-year in ``periods`` (all by default), for ``evaluations_save`` or
    ``evaluations_load``: consistent with the tier."""
    grade = enrolment.school_class.grade
    subjects = enrolment.subjects()
    ratings, scores, traits = _year_end(rng, tier, subjects, grade)
    entries = []
    for period in periods:
        final = period == catalogue.YEAR_END
        for code in subjects:
            rating = ratings[code] if final or rng.random() < 0.8 else _drop(ratings[code])
            entry = {"enrolment": enrolment.pk, "period": period, "subject": code, "rating": rating,
                     "comment": rng.choice(phrases.subject_phrases(code, rating))}
            if catalogue.has_periodic_test(grade, code, period):
                base = scores.get(code, rng.randint(6, 9))
                entry["score"] = base if final else max(0, min(10, base - rng.choice([0, 0, 1, 1, 2])))
            entries.append(entry)
        for code, rating in traits.items():
            kind = "quality" if code in catalogue.QUALITIES else "competence"
            value = rating if final or rng.random() < 0.85 else _drop(rating, trait=True)
            entries.append({"enrolment": enrolment.pk, "period": period, "kind": kind, "code": code, "rating": value,
                            "comment": rng.choice(phrases.trait_phrases(kind, code, value))})
    return entries


def year_results_save(year_results: dict[int, dict], loader, school_code: str) -> int:
    """Create or update each pupil's year-end page fields (``{enrolment id: fields}``) in bulk, logged like
    ``year_result_set``; returns how many were created."""
    fields = ("homeroom_comment", "height_cm", "weight_kg", "days_absent_excused", "days_absent_unexcused",
              "nominated_tieu_bieu", "plan_outcome")
    existing = {r.enrolment_id: r for r in YearResult.objects.filter(enrolment_id__in=list(year_results))}
    to_create, to_update, audit = [], [], []
    for enrolment_id, year_result in year_results.items():
        wanted = {f: year_result[f] for f in fields}
        wanted["weight_kg"] = None if wanted["weight_kg"] is None else round(float(wanted["weight_kg"]), 1)
        row = existing.get(enrolment_id)
        if row is None:
            to_create.append(YearResult(enrolment_id=enrolment_id, updated_by=loader, **wanted))
            audit.append(Action("year_result.change", "yearresult", str(enrolment_id), None, wanted,
                                school_code=school_code))
            continue
        before = {f: (float(getattr(row, f)) if f == "weight_kg" and getattr(row, f) is not None else getattr(row, f))
                  for f in fields}
        if before != wanted:
            for f, v in wanted.items():
                setattr(row, f, v)
            row.updated_by, row.revision = loader, row.revision + 1
            to_update.append(row)
            audit.append(Action("year_result.change", "yearresult", str(enrolment_id), before, wanted,
                                school_code=school_code))
    YearResult.objects.bulk_create(to_create, batch_size=1000)
    YearResult.objects.bulk_update(to_update, [*fields, "updated_by", "revision"], batch_size=1000)
    log_actions(audit, actor=loader)
    return len(to_create)


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Plain INSERTs of ``rows`` into ``model``'s table, for the demo's hundreds of thousands of cells (the ORM's
    bulk_create spends most of its time preparing each value)."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start:start + 5000])


def evaluations_load(entries: list[dict], loader, school_code: str) -> int:
    """Write ``evaluation_entries``' cells in bulk (thousands of pupil-years in seconds, where
    ``evaluations_save`` validates and diffs cell by cell), logged as one audit entry per class and period
    attributed to ``loader``. A pupil-year's period already entered is left as it is; returns how many cells
    were created. The demo's entries are valid by construction (``year_results_load`` checks each year; the
    table's constraints check ratings and scores)."""
    enrolment_ids = {entry["enrolment"] for entry in entries}
    done = set(SubjectEvaluation.objects.filter(enrolment_id__in=enrolment_ids)
               .values_list("enrolment_id", "period").distinct())
    classes = dict(Enrolment.objects.filter(pk__in=enrolment_ids).values_list("pk", "school_class_id"))
    grades = dict(Enrolment.objects.filter(pk__in=enrolment_ids).values_list("pk", "school_class__grade"))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    subjects, traits, cells = [], [], Counter()
    for entry in entries:
        key = (entry["enrolment"], entry["period"])
        if key in done:
            continue
        common = (key[0], key[1], entry["rating"], entry["comment"], 1, loader.pk, now)
        if "subject" in entry:
            subjects.append((*common, grades[key[0]], entry["subject"], entry.get("score")))
        else:
            traits.append((*common, entry["kind"], entry["code"]))
        cells[classes[key[0]], key[1]] += 1
    shared = ["enrolment", "period", "rating", "comment", "revision", "updated_by", "updated_at"]
    _insert(SubjectEvaluation, [*shared, "grade", "subject", "score"], subjects)
    _insert(TraitEvaluation, [*shared, "kind", "code"], traits)
    log_actions([Action("evaluation.change", "schoolclass", str(class_id), None, {"period": period, "cells": count},
                        school_code=school_code) for (class_id, period), count in sorted(cells.items())],
                actor=loader)
    return len(subjects) + len(traits)


def year_results_load(year_results: dict[int, dict], loader, school_code: str) -> int:
    """Create the year results of pupil-years that have none, page fields and TT27 assessment together, in one
    bulk insert: what ``year_results_save`` followed by ``year_results_assess`` store, without updating each row
    a second time. Logged like them (``year_result.change`` and ``year_result.assess``); returns how many were
    created. Raises ``RuntimeError`` on a pupil-year the engine finds invalid (the demo's data must be valid)."""
    fields = ("homeroom_comment", "height_cm", "weight_kg", "days_absent_excused", "days_absent_unexcused",
              "nominated_tieu_bieu", "plan_outcome")
    done = set(YearResult.objects.filter(enrolment_id__in=list(year_results)).values_list("enrolment_id", flat=True))
    wanted = [pk for pk in year_results if pk not in done]
    rows, audit, now, cache = [], [], timezone.now(), {}
    for enrolment in enrolments_for_records().filter(pk__in=wanted).order_by("pk"):
        page = {f: year_results[enrolment.pk][f] for f in fields}
        enrolment.year_result = row = YearResult(updated_by=loader, assessed_at=now, **page)
        assessment = assess(record_build(enrolment, principals=cache, with_results=False))
        if not assessment.valid:
            raise RuntimeError(f"demo data invalid for TT27 (enrolment {enrolment.pk}): {assessment.errors[:3]}")
        after = {f: getattr(assessment, f) for f in RESULT_FIELDS}
        for name, value in after.items():
            setattr(row, name, value)
        rows.append(row)
        audit += [Action("year_result.change", "yearresult", str(enrolment.pk), None,
                         {**page, "weight_kg": None if page["weight_kg"] is None else float(page["weight_kg"])},
                         school_code=school_code),
                  Action("year_result.assess", "yearresult", str(enrolment.pk), None, after, school_code=school_code)]
    YearResult.objects.bulk_create(rows, batch_size=1000)
    log_actions(audit, actor=loader)
    return len(rows)


def year_results_compute(entries: list[dict], year_results: dict[int, dict], grades: dict[int, int], loader,
                         school_code: str) -> int:
    """Like ``year_results_load``, for pupil-years whose only evaluations are ``entries`` (the year-end ones, as
    the province's other schools have; other periods' entries are ignored): the outcome, award and completion
    computed from the year-end entries in memory by
    TT27's own rules (``tt27.results``, as ``generate_province`` does), instead of reading every evaluation back
    and building each record (the engine's full check runs on the demo school's records, and a sample of these
    in the demo's tests). ``grades``: ``{enrolment id: grade}``. Returns how many were created."""
    fields = ("homeroom_comment", "height_cm", "weight_kg", "days_absent_excused", "days_absent_unexcused",
              "nominated_tieu_bieu", "plan_outcome")
    done = set(YearResult.objects.filter(enrolment_id__in=list(year_results)).values_list("enrolment_id", flat=True))
    inputs: dict[int, tuple[list, list, list]] = {}
    for entry in entries:
        pk = entry["enrolment"]
        if entry["period"] != catalogue.YEAR_END or pk in done or pk not in year_results:
            continue
        subjects, traits, scores = inputs.setdefault(pk, ([], [], []))
        (subjects if "subject" in entry else traits).append(entry["rating"])
        if entry.get("score") is not None:
            scores.append(entry["score"])
    rows, audit, now = [], [], timezone.now()
    for pk, (subjects, traits, scores) in sorted(inputs.items()):
        page = {f: year_results[pk][f] for f in fields}
        outcome = compute_outcome(subject_ratings=subjects, trait_ratings=traits, scores=scores)
        completed_grade, completed_primary = completion(grades[pk], outcome)
        after = {"outcome": outcome, "award": award_for(outcome, nominated=page["nominated_tieu_bieu"]),
                 "completed_grade": completed_grade, "completed_primary": completed_primary}
        rows.append(YearResult(enrolment_id=pk, updated_by=loader, assessed_at=now, **page, **after))
        audit += [Action("year_result.change", "yearresult", str(pk), None,
                         {**page, "weight_kg": None if page["weight_kg"] is None else float(page["weight_kg"])},
                         school_code=school_code),
                  Action("year_result.assess", "yearresult", str(pk), None, after, school_code=school_code)]
    YearResult.objects.bulk_create(rows, batch_size=1000)
    log_actions(audit, actor=loader)
    return len(rows)
