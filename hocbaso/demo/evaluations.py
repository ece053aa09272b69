"""The demo's evaluations: every period's ratings, scores and comments consistent with each pupil's tier
(Điều 9.2), and the year-end page fields."""

import random

from hocbaso.assessment import phrases
from hocbaso.assessment.models import YearResult
from hocbaso.audit.services import Action, log_actions
from hocbaso.directory.models import Enrolment
from hocbaso.tt27 import catalogue


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


def evaluation_entries(rng: random.Random, tier: str, enrolment: Enrolment) -> list[dict]:
    """Every evaluation of one pupil-year, each period, for ``evaluations_save``: consistent with the tier."""
    grade = enrolment.school_class.grade
    subjects = enrolment.subjects()
    ratings, scores, traits = _year_end(rng, tier, subjects, grade)
    entries = []
    for period in catalogue.PERIODS:
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
