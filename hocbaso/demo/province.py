"""A province-sized data set for the dashboards' benchmark: communes, primary schools, one school year of classes,
pupils and enrolments with their year-end evaluations and year results (no rendering, no signing).

Ratings are drawn at random per pupil around a level (so outcomes spread as in real schools) and the year's
outcome, award and completion come from TT27's own rules (``tt27.results``). Rows go in with PostgreSQL's COPY
(evaluations: millions of rows) or bulk inserts; ~200,000 pupil-years take a few minutes on PostgreSQL.
"""

import datetime as dt
import math
import random
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from hocbaso.assessment.models import DataLock, SubjectEvaluation, TraitEvaluation, YearResult
from hocbaso.audit.services import log_action
from hocbaso.directory.models import (Commune, Enrolment, Province, Pupil, School, SchoolClass, SchoolPlacement,
                                      SchoolYear)
from hocbaso.directory.places import TWO_LEVEL_GOVERNMENT_FROM
from hocbaso.tt27 import catalogue
from hocbaso.tt27.results import award_for, completion, compute_outcome

CLASS_SIZE = 35
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hòa", "Hùng", "Khánh", "Lan", "Linh", "Long",
         "Mai", "Minh", "Nam", "Ngọc", "Nhung", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Thanh", "Hoài", "Gia", "Bảo", "Đức", "Khánh"]
DISABILITIES = ["Khuyết tật vận động", "Khuyết tật nghe, nói", "Khuyết tật nhìn", "Khuyết tật trí tuệ"]
# A pupil's level: (share of pupils, chance of each subject rating T/H/C, of each trait T/Đ/C, score range).
LEVELS = ((0.30, (0.97, 0.03, 0.0), (0.97, 0.03, 0.0), (8, 10)),
          (0.35, (0.75, 0.25, 0.0), (0.7, 0.3, 0.0), (7, 10)),
          (0.32, (0.3, 0.7, 0.0), (0.3, 0.7, 0.0), (5, 9)),
          (0.03, (0.2, 0.6, 0.2), (0.2, 0.6, 0.2), (2, 7)))


@dataclass
class GeneratedProvince:
    communes: int
    schools: int
    classes: int
    pupils: int
    evaluations: int


def commune_name(n: int) -> str:
    """The ``n``-th generated commune's name, as written in a sentence."""
    return f"xã Thử Nghiệm {n}"


def province_places_create(*, code: str, name: str, communes: int, schools: list[School],
                           since: dt.date = TWO_LEVEL_GOVERNMENT_FROM) -> list[Commune]:
    """The province, its ``communes`` communes (codes ``<code>001``…, each managed by its UBND) and every school's
    placement from ``since``: the n-th school (counting from 1) in commune ``n % communes + 1``.

    The one function that knows the hierarchy's models."""
    province = Province.objects.create(code=code, name=name)
    made = Commune.objects.bulk_create(
        Commune(province=province, code=f"{code}{n:03d}", name=commune_name(n),
                authority_name=f"UBND {commune_name(n)}") for n in range(1, communes + 1))
    SchoolPlacement.objects.bulk_create(
        SchoolPlacement(school=school, since=since, province=province, commune=made[n % communes])
        for n, school in enumerate(schools, start=1))
    return made


def _pick(rng: random.Random, chances, values) -> str:
    roll, total = rng.random(), 0.0
    for chance, value in zip(chances, values):
        total += chance
        if roll < total:
            return value
    return values[-1]


def _copy(model, columns: list[str], rows) -> int:
    """Insert tuples of database-ready values: COPY on PostgreSQL, executemany elsewhere."""
    table = model._meta.db_table
    count = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.cursor.copy(
                f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    marks = ", ".join(["%s"] * len(columns))
    rows = list(rows)
    with connection.cursor() as cursor:
        cursor.executemany(f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})', rows)
    return len(rows)


def province_generate(*, code: str = "90", name: str = "Tỉnh Thử Tải", communes: int = 120, schools: int = 400,
                      pupils: int = 200_000, school_year: str = "2025-2026", seed: int = 1, by=None,
                      progress=lambda message: None) -> GeneratedProvince:
    """Generate the data set in one transaction. ``pupils`` is spread evenly over the schools (classes of at
    most 35 in grades 1–5); 60% of the schools have locked their year; the lock date has passed."""
    rng = random.Random(seed)
    start = int(school_year[:4])
    now = timezone.now()
    at = connection.ops.adapt_datetimefield_value(now)
    with transaction.atomic():
        created = School.objects.bulk_create(
            School(code=f"{code}{n:06d}", name=f"Trường Tiểu học Số {n} {commune_name(n % communes + 1)[3:]}")
            for n in range(1, schools + 1))
        province_places_create(code=code, name=name, communes=communes, schools=created)
        years = SchoolYear.objects.bulk_create(
            SchoolYear(school=school, name=school_year, start_date=dt.date(start, 9, 5),
                       end_date=dt.date(start + 1, 5, 31), lock_date=dt.date(start + 1, 5, 25)) for school in created)
        progress(f"{communes} xã/phường, {schools} trường")
        per_school = pupils // schools
        class_rows = []
        for year in years:
            for grade in catalogue.GRADES:
                size = per_school // 5 + (1 if grade <= per_school % 5 else 0)
                count = max(1, math.ceil(size / CLASS_SIZE))
                for i in range(count):
                    class_rows.append((SchoolClass(school_year=year, grade=grade, name=f"{grade}{chr(65 + i)}"),
                                       size // count + (1 if i < size % count else 0)))
        classes = SchoolClass.objects.bulk_create([c for c, _ in class_rows], batch_size=2000)
        locks = [DataLock(school_year=year, locked_at=now - dt.timedelta(days=rng.randint(1, 30)), automatic=False)
                 for year in years if rng.random() < 0.6]
        DataLock.objects.bulk_create(locks)
        pupil_rows = []
        for (klass, size) in class_rows:
            school_id = klass.school_year.school_id
            for _ in range(size):
                pupil_rows.append(Pupil(
                    school_id=school_id, full_name=f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
                    gender=rng.choice(("male", "female")), birth_date=dt.date(start - 5 - klass.grade, 1, 1)
                    + dt.timedelta(days=rng.randint(0, 364)), birthplace=name,
                    disability=rng.choice(DISABILITIES) if rng.random() < 0.012 else ""))
        Pupil.objects.bulk_create(pupil_rows, batch_size=5000)
        progress(f"{len(classes)} lớp, {len(pupil_rows)} học sinh")
        enrolment_rows, n = [], 0
        for klass, size in class_rows:
            for _ in range(size):
                enrolment_rows.append(Enrolment(pupil=pupil_rows[n], school_class=klass, registry_number=str(n + 1),
                                                joined_on=dt.date(start, 9, 5)))
                n += 1
        Enrolment.objects.bulk_create(enrolment_rows, batch_size=5000)
        evaluations = _evaluations_and_results(enrolment_rows, rng, at, progress)
        log_action("province.generate", actor=by, data={"province": code, "communes": communes, "schools": schools,
                                                         "pupils": len(pupil_rows), "school_year": school_year})
    if connection.vendor == "postgresql":
        # Fresh statistics for the planner: without them the grouped counts over the new rows take a bad plan.
        with connection.cursor() as cursor:
            for model in (Pupil, Enrolment, SchoolClass, SubjectEvaluation, TraitEvaluation, YearResult):
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    return GeneratedProvince(communes=communes, schools=schools, classes=len(classes), pupils=len(pupil_rows),
                             evaluations=evaluations)


def _evaluations_and_results(enrolments, rng: random.Random, at, progress) -> int:
    subjects, traits, results = [], [], []
    trait_codes = [("quality", c) for c in catalogue.QUALITIES] + [("competence", c) for c in catalogue.COMPETENCES]
    period = catalogue.YEAR_END
    for enrolment in enrolments:
        grade = enrolment.school_class.grade
        level = _pick(rng, [lv[0] for lv in LEVELS], LEVELS)
        scored = set(catalogue.scored_subjects(grade, period))
        subject_ratings, trait_ratings, scores = [], [], []
        for subject in catalogue.compulsory_subjects(grade):
            rating = _pick(rng, level[1], ("T", "H", "C"))
            score = rng.randint(*level[3]) if subject in scored else None
            subject_ratings.append(rating)
            if score is not None:
                scores.append(score)
            subjects.append((enrolment.pk, period, "", 1, at, grade, subject, rating, score))
        for kind, trait in trait_codes:
            rating = _pick(rng, level[2], ("T", "Đ", "C"))
            trait_ratings.append(rating)
            traits.append((enrolment.pk, period, "", 1, at, kind, trait, rating))
        outcome = compute_outcome(subject_ratings=subject_ratings, trait_ratings=trait_ratings, scores=scores)
        completed_grade, completed_primary = completion(grade, outcome)
        nominated = outcome == "HTT" and rng.random() < 0.3
        results.append((enrolment.pk, "", nominated, outcome, award_for(outcome, nominated=nominated),
                        completed_grade, completed_primary, "[]", at, 1, at))
    base = ["enrolment_id", "period", "comment", "revision", "updated_at"]
    count = _copy(SubjectEvaluation, [*base, "grade", "subject", "rating", "score"], subjects)
    count += _copy(TraitEvaluation, [*base, "kind", "code", "rating"], traits)
    _copy(YearResult, ["enrolment_id", "homeroom_comment", "nominated_tieu_bieu", "outcome", "award",
                       "completed_grade", "completed_primary", "errors", "assessed_at", "revision", "updated_at"],
          results)
    progress(f"{count} đánh giá cuối năm, {len(results)} kết quả năm học")
    return count

