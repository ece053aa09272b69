"""The demo province around the demo school: a few dozen other primary schools of Lâm Đồng in several communes,
each with its finished year 2025-2026 (year-end evaluations and assessed year results) and its current year
2026-2027 (classes and pupils), so that an office account sees comparisons and a drill-down. No records are
rendered or signed. Deterministic (its own seed) and idempotent (a school that has its classes is left as it is);
written in bulk, the evaluations and year results attributed to the demo loader."""

import datetime as dt
import random

from django.db import transaction

from hocbaso.demo import people, places
from hocbaso.demo.evaluations import evaluation_entries, evaluations_load, year_results_compute
from hocbaso.demo.models import DemoSchool
from hocbaso.directory.models import (TWO_LEVEL_GOVERNMENT_FROM, Commune, Enrolment, Province, Pupil, School,
                                      SchoolClass, SchoolPlacement, SchoolYear)
from hocbaso.tt27 import catalogue

SEED = 680000
FINISHED, CURRENT = "2025-2026", "2026-2027"
PROVINCE_CODE, PROVINCE_NAME = places.NEW_PROVINCE_CODE, places.NEW_PROVINCE
# (code, name as written, how many other schools): real communes of Lâm Đồng since 1/7/2025 with their codes
# of Quyết định 19/2025/QĐ-TTg (Công văn 1027/CTK-CSCL, Phụ lục I; the source: demo/places.py).
COMMUNES = [(places.NEW_COMMUNE_CODE, places.NEW_COMMUNE, 2), ("24717", "xã Đức An", 4),
            ("24722", "xã Thuận Hạnh", 3), ("24611", "phường Bắc Gia Nghĩa", 5), ("24615", "phường Nam Gia Nghĩa", 4),
            ("24670", "xã Đắk Mil", 4), ("24649", "xã Nam Dong", 3)]
NAMES = ["Kim Đồng", "Lê Lợi", "Nguyễn Du", "Trần Phú", "Lý Tự Trọng", "Võ Thị Sáu", "Chu Văn An", "Lê Quý Đôn",
         "Nguyễn Trãi", "Hùng Vương", "Quang Trung", "Phan Bội Châu", "Trần Quốc Toản", "Bế Văn Đàn", "Nơ Trang Lơng",
         "Lê Văn Tám", "Nguyễn Văn Trỗi", "Đinh Tiên Hoàng", "Lê Hồng Phong", "Ngô Quyền", "Trần Hưng Đạo",
         "Hai Bà Trưng", "Phan Chu Trinh", "Nguyễn Thị Minh Khai", "Tô Hiệu", "Lương Thế Vinh", "Nguyễn Đình Chiểu",
         "Huỳnh Thúc Kháng", "Lê Đình Chinh", "Nguyễn Bỉnh Khiêm", "Y Jút", "Phan Đình Phùng", "Đoàn Thị Điểm",
         "Mạc Đĩnh Chi"]
TIERS = [("HTXS", 11.0), ("HTT", 36.0), ("HT", 50.5), ("CHT", 2.5)]


def school_codes() -> list[str]:
    """The other schools' Ministry codes, in order: 68 followed by six digits."""
    return [f"68{index:04d}01" for index in range(1, sum(n for *_, n in COMMUNES) + 1)]


def province_exists() -> bool:
    return SchoolClass.objects.filter(school_year__school__code=school_codes()[-1], school_year__name=CURRENT).exists()


def _year(school, name):
    start = int(name[:4])
    year, _ = SchoolYear.objects.get_or_create(school=school, name=name, defaults={
        "start_date": dt.date(start, 9, 5), "end_date": dt.date(start + 1, 5, 31),
        "lock_date": dt.date(start + 1, 5, 31) if name == FINISHED else None})
    return year


def _school_build(rng, loader, school, village: str) -> int:
    """One school's pupils, classes of both years, year-end evaluations and year results of the finished year;
    returns how many pupil-years of 2025-2026 it has."""
    finished, current = _year(school, FINISHED), _year(school, CURRENT)
    tiers, weights = zip(*TIERS)
    sizes = {grade: [rng.randint(18, 33) for _ in range(rng.choice([1, 1, 2]))] for grade in range(0, 6)}
    classes, rows = {}, []
    for grade in range(1, 6):  # 2025-2026: grades 1-5; 2026-2027: each cohort one grade up and a new grade 1
        for index in range(len(sizes[grade])):
            name = f"{grade}{'ABC'[index]}"
            classes[FINISHED, name] = SchoolClass(school_year=finished, grade=grade, name=name)
            if grade < 5:
                classes[CURRENT, f"{grade + 1}{'ABC'[index]}"] = SchoolClass(school_year=current, grade=grade + 1,
                                                                           name=f"{grade + 1}{'ABC'[index]}")
    for index in range(len(sizes[0])):
        classes[CURRENT, f"1{'ABC'[index]}"] = SchoolClass(school_year=current, grade=1, name=f"1{'ABC'[index]}")
    SchoolClass.objects.bulk_create(classes.values())
    classes = {(k.school_year.name, k.name): k for k in SchoolClass.objects.filter(school_year__school=school)
               .select_related("school_year")}
    pupils, number = [], 0
    for grade, class_sizes in sizes.items():
        cohort = 2026 - grade  # grade 0: the cohort entering grade 1 in 2026-2027
        for index, size in enumerate(class_sizes):
            for _ in range(size):
                number += 1
                gender = "female" if rng.random() < 0.49 else "male"
                full_name, ethnicity = people.pupil_name_and_ethnicity(rng, gender)
                pupil = Pupil(school=school, sector_code=f"{school.code}{number:05d}", full_name=full_name,
                              gender=gender, ethnicity=ethnicity, birthplace=village,
                              birth_date=dt.date(cohort - 6, 1, 1) + dt.timedelta(days=rng.randrange(365)),
                              disability="Khuyết tật vận động" if rng.random() < 0.004 else "")
                pupils.append(pupil)
                rows.append((pupil, grade, "ABC"[index], cohort, number, rng.choices(tiers, weights=weights)[0]))
    Pupil.objects.bulk_create(pupils, batch_size=1000)
    enrolments = []
    for pupil, grade, letter, cohort, number, _tier in rows:
        common = {"pupil": pupil, "registry_number": f"{number}/{cohort}", "joined_on": dt.date(cohort, 9, 5)}
        if grade >= 1:
            enrolments.append(Enrolment(school_class=classes[FINISHED, f"{grade}{letter}"], **common))
        if grade < 5:
            enrolments.append(Enrolment(school_class=classes[CURRENT, f"{grade + 1}{letter}"], **common))
    Enrolment.objects.bulk_create(enrolments, batch_size=1000)
    tier_of = {pupil.pk: tier for pupil, *_, tier in rows}
    done = list(Enrolment.objects.filter(school_class__school_year=finished).select_related("school_class")
                .order_by("pk"))
    entries = []
    for enrolment in done:
        tier = tier_of[enrolment.pupil_id]
        entries += evaluation_entries(rng, tier, enrolment, periods=(catalogue.YEAR_END,))
    evaluations_load(entries, loader, school.code)
    year_results_compute(entries, {e.pk: {"homeroom_comment": "", "height_cm": None, "weight_kg": None,
                                          "days_absent_excused": 0, "days_absent_unexcused": 0,
                                          "nominated_tieu_bieu": tier_of[e.pupil_id] == "HTT" and rng.random() < 0.9,
                                          "plan_outcome": None} for e in done},
                         {e.pk: e.school_class.grade for e in done}, loader, school.code)
    return len(done)


def province_build(loader, *, progress=None, each=None) -> int:
    """Build what is missing of the demo province's other schools; returns how many there are. ``each(message)``
    is called after each school (a background job's step and heartbeat)."""
    say = progress or (lambda message: None)
    province, _ = Province.objects.get_or_create(code=PROVINCE_CODE, defaults={"name": PROVINCE_NAME})
    codes = iter(school_codes())
    names = iter(NAMES)
    built = pupil_years = 0
    for commune_code, commune_name, count in COMMUNES:
        commune, _ = Commune.objects.get_or_create(code=commune_code, defaults={"province": province,
                                                                                "name": commune_name})
        for _ in range(count):
            code, name = next(codes), f"Trường Tiểu học {next(names)}"
            school_rng = random.Random(f"{SEED}-{code}")  # each school its own draws: one rebuilt alone is the same
            with transaction.atomic():
                school, _ = School.objects.get_or_create(code=code, defaults={
                    "name": name, "address": f"{commune_name[0].upper()}{commune_name[1:]}, {PROVINCE_NAME}"})
                SchoolPlacement.objects.get_or_create(school=school, since=TWO_LEVEL_GOVERNMENT_FROM,
                                                      defaults={"province": province, "commune": commune})
                DemoSchool.objects.get_or_create(school=school)  # demo data: the guard's mark (demo.guard)
                if not SchoolClass.objects.filter(school_year__school=school).exists():
                    pupil_years += _school_build(school_rng, loader, school, f"{commune_name}, {PROVINCE_NAME}")
                    built += 1
            if each is not None:  # after the commit: the school counts once it is there
                each(f"{name}, {commune_name}")
    if built:
        say(f"Tỉnh mẫu: {built} trường khác ở {len(COMMUNES)} xã/phường, {pupil_years} học sinh năm học {FINISHED}.")
    return len(school_codes())
