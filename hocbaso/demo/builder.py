"""The demo school and its offices: Trường Tiểu học Trung Vương, modelled on the first field report.

The people, the classes and the pupils are made here, their evaluations in ``evaluations``; ``lifecycle`` signs
and issues their records. Deterministic (one random seed) and idempotent: every object is found by its natural
key (codes, usernames, class names, the pupil's sector code) and created only when missing, and evaluations go
through ``evaluations_save``, which writes nothing for unchanged cells.
"""

import datetime as dt
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from hocbaso.assessment import phrases
from hocbaso.assessment.models import SubjectEvaluation, YearResult
from hocbaso.demo import people, places
from hocbaso.demo.cases import TIEU_BIEU_SHARE, demo_cases, demo_summers
from hocbaso.demo.evaluations import evaluation_entries, evaluations_load, year_results_compute, year_results_load
from hocbaso.demo.guard import demo_allowed
from hocbaso.demo.models import DemoSchool
from hocbaso.demo.neighbours import province_build, province_exists
from hocbaso.directory.models import (EARLIEST_PLACEMENT, TWO_LEVEL_GOVERNMENT_FROM, Commune, District, Enrolment,
                                      Province, Pupil, Role, School, SchoolClass, SchoolPlacement, SchoolYear, Staff,
                                      StaffRole, TeachingAssignment, Term)
from hocbaso.tt27 import catalogue

SCHOOL_CODE = "67000101"  # kept through the reform: a school's code is an opaque identifier
SCHOOL_YEAR = "2025-2026"  # the finished year, issued under the new administration
CURRENT_YEAR = "2026-2027"  # in progress: the mid-term of the first term is entered
YEARS = ("2022-2023", "2023-2024", "2024-2025", SCHOOL_YEAR, CURRENT_YEAR)
CURRENT_PERIODS = ("giua_hk1",)
PASSWORD = "hocbaso@2025"
LOADER = "demo-loader"
SEED = 20252026
# Class sizes of each cohort by the year it entered grade 1; the 2021 cohort finished primary in 2025-2026 and
# is there only in that year, the others since they entered or since 2022-2023.
COHORTS = {2021: [40, 39, 41, 38], 2022: [38, 40, 39, 41, 40], 2023: [39, 40, 41, 40, 38],
           2024: [40, 40, 39, 41, 38], 2025: [40, 39, 40, 38, 41], 2026: [39, 41, 40, 38]}
TIERS = [("HTXS", 13.0), ("HTT", 39.0), ("HT", 46.5), ("CHT", 1.5)]
NOMINATED_SHARE = TIEU_BIEU_SHARE  # of HTT pupils, nominated "Học sinh Tiêu biểu" by their class (cases.py)
# Keyed by the pupil's class of 2025-2026 and number in it.
DISABLED = {("2B", 7): "Khuyết tật vận động", ("3C", 11): "Khuyết tật trí tuệ mức độ nhẹ",
            ("4D", 3): "Khuyết tật nghe mức độ nhẹ"}
INDIVIDUAL_PLAN = ("3C", 11)
WITHOUT_IDENTITY = {("1A", 5), ("1C", 17), ("2E", 30)}
SUBJECT_TEACHERS = [  # username, name, gender, subject, grades
    ("gv.tienganh1", "Vũ Thị Lan Anh", "female", "ngoai_ngu_1", (1, 2, 3)),
    ("gv.tienganh2", "Trần Minh Khoa", "male", "ngoai_ngu_1", (4, 5)),
    ("gv.tinhoc", "Phạm Quốc Bảo", "male", "tin_hoc", (3, 4, 5)),
    ("gv.amnhac", "Lê Thị Thu Hà", "female", "am_nhac", (1, 2, 3, 4, 5)),
    ("gv.mithuat", "Ngô Thanh Tùng", "male", "mi_thuat", (1, 2, 3, 4, 5)),
    ("gv.theduc1", "Hồ Văn Hải", "male", "giao_duc_the_chat", (1, 2, 3)),
    ("gv.theduc2", "Đặng Công Minh", "male", "giao_duc_the_chat", (4, 5)),
]
OTHER_STAFF = [("vanthu", "Bùi Thị Ngọc Hân", "female", Role.CLERK, "Văn thư"),
               ("ketoan", "Trương Thị Mai", "female", None, "Kế toán"),
               ("thuvien", "Dương Thị Yến", "female", None, "Thư viện"),
               ("thietbi", "Lý Văn Thành", "male", None, "Thiết bị"),
               ("yte", "Mai Thị Hồng", "female", None, "Y tế học đường")]


@dataclass
class Report:
    seconds: float = 0.0
    created: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    awards: Counter = field(default_factory=Counter)
    accounts: list = field(default_factory=list)
    pupils: int = 0
    classes: int = 0
    staff: int = 0
    cases: object = None  # cases.CasesReport
    schools: int = 0


def _upsert(model, report: Report, lookup: dict, values: dict):
    obj, created = model.objects.get_or_create(**lookup, defaults=values)
    if created:
        report.created[model.__name__] += 1
    else:
        changed = [k for k, v in values.items() if getattr(obj, k) != v]
        if changed:
            for k in changed:
                setattr(obj, k, values[k])
            obj.save(update_fields=changed)
    return obj


def _user(username: str, report: Report, password_hash: str, *, superuser: bool = False):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create(username=username, password=password_hash, is_staff=superuser,
                                   is_superuser=superuser)
        report.created["User"] += 1
    return user


def _staff(report, password_hash, username, full_name, gender, roles, *, title="", school=None, commune=None,
           province=None, accounts=True, role_label=""):
    user = _user(username, report, password_hash)
    staff = _upsert(Staff, report, {"user": user}, {"full_name": full_name, "gender": gender, "title": title,
                                                    "school": school, "commune": commune, "province": province})
    for role in roles:
        _upsert(StaffRole, report, {"staff": staff, "role": role}, {})
    if accounts:
        report.accounts.append((role_label or title, full_name, username))
    return staff


def year_dates(name: str) -> dict:
    start = int(name[:4])
    return {"start_date": dt.date(start, 9, 5), "end_date": dt.date(start + 1, 5, 31),
            "lock_date": dt.date(start + 1, 5, 31)}


def grade_in(cohort: int, year: str) -> int | None:
    """The grade of ``cohort`` (the year it entered grade 1) in ``year``, None when not at the school then."""
    grade = int(year[:4]) - cohort + 1
    if not 1 <= grade <= 5 or (cohort < 2022 and year != SCHOOL_YEAR):
        return None
    return grade


def class_names(year: str) -> list[tuple[int, str]]:
    return [(grade_in(cohort, year), f"{grade_in(cohort, year)}{'ABCDE'[i]}")
            for cohort, sizes in sorted(COHORTS.items(), reverse=True) if grade_in(cohort, year)
            for i in range(len(sizes))]


def _directory(report: Report, password_hash: str):
    old_province = _upsert(Province, report, {"code": "67"}, {"name": places.PROVINCE})
    district = _upsert(District, report, {"code": places.DISTRICT_CODE},
                       {"province": old_province, "name": places.DISTRICT})
    province = _upsert(Province, report, {"code": places.NEW_PROVINCE_CODE}, {"name": places.NEW_PROVINCE})
    commune = _upsert(Commune, report, {"code": places.NEW_COMMUNE_CODE},
                      {"province": province, "name": places.NEW_COMMUNE})
    school = _upsert(School, report, {"code": SCHOOL_CODE}, {
        "name": "Trường Tiểu học Trung Vương",
        "address": "Thôn 1, xã Trường Xuân, tỉnh Lâm Đồng", "phone": "02613.507.507"})
    # In its district until the two-level government of 1/7/2025, in xã Trường Xuân, Lâm Đồng since.
    _upsert(SchoolPlacement, report, {"school": school, "since": EARLIEST_PLACEMENT},
            {"province": old_province, "district": district, "commune_name": places.COMMUNE})
    _upsert(SchoolPlacement, report, {"school": school, "since": TWO_LEVEL_GOVERNMENT_FROM},
            {"province": province, "commune": commune})
    DemoSchool.objects.get_or_create(school=school)  # the mark that the guard reads (demo.guard)
    years = {}
    for name in YEARS:
        dates = year_dates(name)
        if name == CURRENT_YEAR:
            dates["lock_date"] = None
        years[name] = year = _upsert(SchoolYear, report, {"school": school, "name": name}, dates)
        start = dates["start_date"].year
        _upsert(Term, report, {"school_year": year, "number": 1},
                {"start_date": dates["start_date"], "end_date": dt.date(start + 1, 1, 10)})
        _upsert(Term, report, {"school_year": year, "number": 2},
                {"start_date": dt.date(start + 1, 1, 12), "end_date": dates["end_date"]})
    _staff(report, password_hash, "ubnd.truongxuan", "Nguyễn Thị Minh Thu", "female", [Role.COMMUNE_OFFICER],
           title="Trưởng phòng Văn hóa – Xã hội", commune=commune, role_label="UBND xã Trường Xuân (xem thống kê)")
    _staff(report, password_hash, "so.lamdong", "Hoàng Văn Phong", "male", [Role.PROVINCE_OFFICER],
           title="Chuyên viên Sở GD&ĐT", province=province, role_label="Sở GD&ĐT (xem thống kê)")
    return school, years


def _school_staff(report: Report, password_hash: str, school: School, rng: random.Random):
    principal = _staff(report, password_hash, "hieutruong", "Đoàn Trung Quế", "male", [Role.PRINCIPAL],
                       title="Hiệu trưởng", school=school, role_label="Hiệu trưởng")
    _staff(report, password_hash, "phohieutruong", "Trần Thị Thanh Hương", "female", [Role.VICE_PRINCIPAL],
           title="Phó hiệu trưởng", school=school, role_label="Phó hiệu trưởng")
    homeroom = {}  # the same teacher keeps the same class name year after year
    for grade, name in sorted({c for year in YEARS for c in class_names(year)}):
        full = "Lê Thị Hoa" if name == "4A" else people.kinh_name(rng, "female" if rng.random() < 0.85 else "male")
        gender = "female" if " Thị " in full or name == "4A" else rng.choice(["female", "male"])
        homeroom[name] = _staff(report, password_hash, f"gvcn.{name.lower()}", full, gender,
                                [Role.HOMEROOM_TEACHER], title="Giáo viên", school=school,
                                accounts=name in ("1A", "4A", "5A"), role_label=f"GVCN lớp {name}")
    teachers = {}
    for username, full, gender, subject, grades in SUBJECT_TEACHERS:
        teachers[username] = (_staff(report, password_hash, username, full, gender, [Role.SUBJECT_TEACHER],
                                     title="Giáo viên", school=school, accounts=username == "gv.tienganh2",
                                     role_label=f"GVBM {catalogue.SUBJECTS[subject]}"), subject, grades)
    for username, full, gender, role, title in OTHER_STAFF:
        _staff(report, password_hash, username, full, gender, [role] if role else [], title=title, school=school,
               accounts=role is not None, role_label=title)
    return principal, homeroom, teachers


@dataclass
class PupilPlan:
    key: tuple  # class of 2025-2026 (or of 2026-2027 for the newest cohort) and number in it
    sector_code: str
    values: dict
    optional: list
    individual_plan: bool
    years: dict  # year -> (class name, tier, year-end page fields)


def _identity_number(rng, gender, birth_year, used: set) -> str:
    century_gender = ("2" if gender == "male" else "3") if birth_year >= 2000 else ("0" if gender == "male" else "1")
    while True:
        number = f"067{century_gender}{birth_year % 100:02d}{rng.randrange(10**6):06d}"
        if number not in used:
            used.add(number)
            return number


def _plan_pupils(rng: random.Random) -> list[PupilPlan]:
    plans, used = [], set()
    tiers, weights = zip(*TIERS)
    for cohort, sizes in sorted(COHORTS.items()):
        birth_year, entry = cohort - 6, 0
        for index, size in enumerate(sizes):
            letter = "ABCDE"[index]
            for number in range(1, size + 1):
                entry += 1
                gender = "female" if rng.random() < 0.49 else "male"
                full_name, ethnicity = people.pupil_name_and_ethnicity(rng, gender)
                family = full_name.split()[0] if ethnicity == "Kinh" else people.weighted_family(rng)
                birth = dt.date(birth_year, 1, 1) + dt.timedelta(days=rng.randrange(365))
                village = rng.choice(places.VILLAGES)
                key = (f"{grade_in(cohort, SCHOOL_YEAR) or 1}{letter}", number)
                identity = None if key in WITHOUT_IDENTITY and cohort < 2026 else _identity_number(
                    rng, gender, birth.year, used)
                # Addresses are free text: families written before the reform keep the district and province.
                address = (f"{village}, {places.COMMUNE}, {places.DISTRICT}, {places.PROVINCE}" if cohort < 2025
                           else f"{village}, {places.NEW_COMMUNE}, {places.NEW_PROVINCE}")
                values = {
                    "identity_number": identity, "full_name": full_name, "gender": gender, "birth_date": birth,
                    "ethnicity": ethnicity, "nationality": "Việt Nam", "birthplace": rng.choice(places.BIRTHPLACES),
                    "hometown": rng.choice(places.HOMETOWNS), "address": address,
                    "father_name": people.parent_name(rng, "male", family),
                    "mother_name": people.parent_name(rng, "female", people.weighted_family(rng)),
                    "guardian_name": "", "disability": DISABLED.get(key, "") if cohort < 2026 else "",
                }
                if rng.random() < 0.02:  # raised by a grandparent
                    values["guardian_name"] = people.parent_name(rng, "female", family)
                optional = ["ngoai_ngu_1"] if rng.random() < 0.7 else []
                plan_years = {}
                for year in YEARS:
                    grade = grade_in(cohort, year)
                    if grade is None:
                        continue
                    tier = "HT" if values["disability"] else rng.choices(tiers, weights=weights)[0]
                    plan_years[year] = (f"{grade}{letter}", tier, {
                        "height_cm": 114 + 6 * (grade - 1) + rng.randint(-6, 8),
                        "weight_kg": round(19.5 + 3.2 * (grade - 1) + rng.uniform(-3, 5), 1),
                        "days_absent_excused": rng.choice([0, 0, 0, 1, 1, 2, 3, 4]),
                        "days_absent_unexcused": rng.choice([0] * 12 + [1]),
                        # the bank's first two per outcome: the demo's random draws stay as they were when
                        # the bank grew (issue 18), so the demo school is the same
                        "homeroom_comment": rng.choice(phrases.homeroom_phrases(tier)[:2]),
                        "nominated_tieu_bieu": tier == "HTT" and rng.random() < NOMINATED_SHARE,
                        "plan_outcome": "HT" if key == INDIVIDUAL_PLAN and cohort < 2026 else None,
                        "registry_number": f"{entry}/{cohort}", "joined_on": dt.date(cohort, 9, 5)})
                plans.append(PupilPlan(key, f"{SCHOOL_CODE}{cohort % 100:02d}{entry:03d}", values, optional,
                                       key == INDIVIDUAL_PLAN and cohort < 2026, plan_years))
    return plans


def _enrol(report: Report, school: School, years: dict, homeroom: dict, teachers: dict, plans: list) -> dict:
    """Classes, teaching assignments, pupils and enrolments of every year; returns ``{(sector code, year):
    enrolment}``."""
    classes = {}
    for year_name, year in years.items():
        for grade, name in class_names(year_name):
            classes[year_name, name] = _upsert(SchoolClass, report, {"school_year": year, "name": name},
                                               {"grade": grade, "homeroom_teacher": homeroom[name]})
    existing = set(TeachingAssignment.objects.filter(school_class__school_year__school=school)
                   .values_list("school_class_id", "subject"))
    TeachingAssignment.objects.bulk_create([
        TeachingAssignment(school_class=klass, subject=subject, teacher=teacher)
        for klass in classes.values() for teacher, subject, grades in teachers.values()
        if klass.grade in grades and (klass.pk, subject) not in existing])
    existing = {p.sector_code for p in Pupil.objects.filter(school=school)}
    new = [Pupil(school=school, sector_code=plan.sector_code, **plan.values) for plan in plans
           if plan.sector_code not in existing]
    for pupil in new:
        pupil.save()  # save() normalises text to NFC; a thousand inserts take well under a second
    report.created["Pupil"] += len(new)
    pupils = {p.sector_code: p for p in Pupil.objects.filter(school=school)}
    enrolled = set(Enrolment.objects.filter(pupil__school=school).values_list("pupil_id", "school_class_id"))
    missing = []
    for plan in plans:
        for year_name, (class_name, _tier, fields) in plan.years.items():
            pupil, klass = pupils[plan.sector_code], classes[year_name, class_name]
            if (pupil.pk, klass.pk) not in enrolled:
                missing.append(Enrolment(pupil=pupil, school_class=klass, registry_number=fields["registry_number"],
                                         joined_on=fields["joined_on"], individual_plan=plan.individual_plan,
                                         optional_subjects=plan.optional if klass.grade <= 2 else []))
    Enrolment.objects.bulk_create(missing, batch_size=1000)
    report.created["Enrolment"] += len(missing)
    report.classes = sum(1 for year_name, _ in classes if year_name == SCHOOL_YEAR)
    return {(e.pupil.sector_code, e.school_class.school_year.name): e for e in Enrolment.objects.filter(
        pupil__school=school).select_related("pupil", "school_class__school_year")}


def demo_build(*, progress=None, province: bool = True) -> Report:
    """Build or refresh the demo; returns what was created and the outcome distribution. Refused
    (``demo.guard.DemoRefused``) in production or on a database that holds a real school. ``province=False``
    leaves out the province's other schools (``./dev.sh start`` builds them in a background job once the server
    answers: ``demo.tasks``); ``report.schools`` is then 0."""
    started = time.perf_counter()
    report = Report()
    rng = random.Random(SEED)
    say = progress or (lambda message: None)
    password_hash = make_password(PASSWORD)  # Argon2 once, shared by every demo account
    with transaction.atomic():
        demo_allowed()
        loader = _user(LOADER, report, "!")  # unusable password: the name the audit log shows for demo data
        school, years = _directory(report, password_hash)
        principal, homeroom, teachers = _school_staff(report, password_hash, school, rng)
        plans = _plan_pupils(rng)
        say(f"Đã chuẩn bị {len(plans)} học sinh qua {len(YEARS)} năm học.")
        enrolments = _enrol(report, school, years, homeroom, teachers, plans)
    finished: dict[int, dict] = {}
    year_end: list[dict] = []  # the finished years' year-end entries
    for year_name in YEARS:
        entries, count = [], 0
        for plan in plans:
            if year_name not in plan.years:
                continue
            _class_name, tier, fields = plan.years[year_name]
            enrolment = enrolments[plan.sector_code, year_name]
            drawn = evaluation_entries(rng, tier, enrolment)
            if year_name == CURRENT_YEAR:
                drawn = [entry for entry in drawn if entry["period"] in CURRENT_PERIODS]
            else:
                finished[enrolment.pk] = fields
            entries += drawn
            count += 1
        if year_name != CURRENT_YEAR:
            year_end += [entry for entry in entries if entry["period"] == catalogue.YEAR_END]
        with transaction.atomic():
            created = evaluations_load(entries, loader, SCHOOL_CODE)
        report.created["Evaluation"] += created
        say(f"Năm học {year_name}: {count} học sinh, {created} ô đánh giá mới.")
    # The year results: computed from the year-end entries by TT27's rules in memory (``year_results_compute``);
    # a pupil on an individual education plan through the engine's full assessment of the built record. Every
    # class that is issued is assessed again by the engine when it is locked (``records.locks.data_lock``).
    special = {pk: fields for pk, fields in finished.items() if fields["plan_outcome"] is not None}
    plain = {pk: fields for pk, fields in finished.items() if pk not in special}
    grades = {e.pk: e.school_class.grade for e in enrolments.values()}
    with transaction.atomic():
        report.created["YearResult"] += year_results_compute(year_end, plain, grades, loader, SCHOOL_CODE)
        report.created["YearResult"] += year_results_load(special, loader, SCHOOL_CODE)
    # The earlier years' summers: their CHT pupils complete after the supplementary evaluation (Điều 11.2), as
    # the records issued for them must say. Then the pupil-year cases (cases.py) of the finished year; both
    # re-assess, and check, the pupil-years they touch.
    for year_name in YEARS:
        if year_name not in (SCHOOL_YEAR, CURRENT_YEAR):
            demo_summers(enrolments_by_key={plan.key: enrolments[plan.sector_code, year_name].pk
                                            for plan in plans if year_name in plan.years},
                         principal=principal, school_year_end=years[year_name].end_date)
    report.cases = demo_cases(enrolments_by_key={plan.key: enrolments[plan.sector_code, SCHOOL_YEAR].pk
                                                 for plan in plans if SCHOOL_YEAR in plan.years},
                              individual_plan_key=INDIVIDUAL_PLAN, principal=principal,
                              school_year_end=years[SCHOOL_YEAR].end_date)
    for result in YearResult.objects.filter(enrolment__school_class__school_year=years[SCHOOL_YEAR]):
        report.outcomes[result.outcome] += 1
        if result.award:
            report.awards[result.award] += 1
    report.pupils = sum(1 for plan in plans if SCHOOL_YEAR in plan.years)
    report.staff = Staff.objects.filter(school=school).count()
    report.schools = province_build(loader, progress=say) if province else 0
    report.seconds = time.perf_counter() - started
    return report


def demo_exists(*, province: bool = True) -> bool:
    """The demo is there: its school's current year with the mid-term entered, and (unless ``province`` is
    False) its province's other schools."""
    return SubjectEvaluation.objects.filter(enrolment__school_class__school_year__school__code=SCHOOL_CODE,
                                            enrolment__school_class__school_year__name=CURRENT_YEAR,
                                            period=CURRENT_PERIODS[-1]).exists() and (not province or province_exists())
