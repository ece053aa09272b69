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
from hocbaso.assessment.services import evaluations_save
from hocbaso.demo import people, places
from hocbaso.demo.cases import TIEU_BIEU_SHARE, demo_cases
from hocbaso.demo.evaluations import evaluation_entries, year_results_save
from hocbaso.demo.guard import demo_allowed
from hocbaso.demo.models import DemoSchool
from hocbaso.directory.models import (EARLIEST_PLACEMENT, TWO_LEVEL_GOVERNMENT_FROM, Commune, District, Enrolment,
                                      Province, Pupil, Role, School, SchoolClass, SchoolPlacement, SchoolYear, Staff,
                                      StaffRole, TeachingAssignment, Term)
from hocbaso.records.outcomes import year_results_assess
from hocbaso.tt27 import catalogue

SCHOOL_CODE = "67000101"
SCHOOL_YEAR = "2024-2025"
PASSWORD = "hocbaso@2025"
LOADER = "demo-loader"
SEED = 20242025
CLASS_SIZES = {1: [40, 39, 40, 38, 41], 2: [40, 40, 39, 41, 38], 3: [39, 40, 41, 40, 38], 4: [38, 40, 39, 41, 40],
               5: [40, 39, 41, 38]}
TIERS = [("HTXS", 13.0), ("HTT", 39.0), ("HT", 46.5), ("CHT", 1.5)]
NOMINATED_SHARE = TIEU_BIEU_SHARE  # of HTT pupils, nominated "Học sinh Tiêu biểu" by their class (cases.py)
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


def _directory(report: Report, password_hash: str):
    old_province = _upsert(Province, report, {"code": "67"}, {"name": places.PROVINCE})
    district = _upsert(District, report, {"code": "6706"}, {"province": old_province, "name": places.DISTRICT})
    province = _upsert(Province, report, {"code": places.NEW_PROVINCE_CODE}, {"name": places.NEW_PROVINCE})
    commune = _upsert(Commune, report, {"code": places.NEW_COMMUNE_CODE},
                      {"province": province, "name": places.NEW_COMMUNE})
    school = _upsert(School, report, {"code": SCHOOL_CODE}, {
        "name": "Trường Tiểu học Trung Vương",
        "address": "Thôn 1, xã Trường Xuân, huyện Đắk Song, tỉnh Đắk Nông", "phone": "02613.507.507"})
    # In its district until the two-level government of 1/7/2025, in xã Trường Xuân, Lâm Đồng since.
    _upsert(SchoolPlacement, report, {"school": school, "since": EARLIEST_PLACEMENT},
            {"province": old_province, "district": district, "commune_name": places.COMMUNE})
    _upsert(SchoolPlacement, report, {"school": school, "since": TWO_LEVEL_GOVERNMENT_FROM},
            {"province": province, "commune": commune})
    DemoSchool.objects.get_or_create(school=school)  # the mark that the guard reads (demo.guard)
    year = _upsert(SchoolYear, report, {"school": school, "name": SCHOOL_YEAR}, {
        "start_date": dt.date(2024, 9, 5), "end_date": dt.date(2025, 5, 31), "lock_date": dt.date(2025, 5, 31)})
    _upsert(Term, report, {"school_year": year, "number": 1},
            {"start_date": dt.date(2024, 9, 5), "end_date": dt.date(2025, 1, 11)})
    _upsert(Term, report, {"school_year": year, "number": 2},
            {"start_date": dt.date(2025, 1, 13), "end_date": dt.date(2025, 5, 31)})
    _staff(report, password_hash, "ubnd.truongxuan", "Nguyễn Thị Minh Thu", "female", [Role.COMMUNE_OFFICER],
           title="Trưởng phòng Văn hóa – Xã hội", commune=commune, role_label="UBND xã Trường Xuân (xem thống kê)")
    _staff(report, password_hash, "so.lamdong", "Hoàng Văn Phong", "male", [Role.PROVINCE_OFFICER],
           title="Chuyên viên Sở GD&ĐT", province=province, role_label="Sở GD&ĐT (xem thống kê)")
    return school, year


def _school_staff(report: Report, password_hash: str, school: School, rng: random.Random):
    principal = _staff(report, password_hash, "hieutruong", "Đoàn Trung Quế", "male", [Role.PRINCIPAL],
                       title="Hiệu trưởng", school=school, role_label="Hiệu trưởng")
    _staff(report, password_hash, "phohieutruong", "Trần Thị Thanh Hương", "female", [Role.VICE_PRINCIPAL],
           title="Phó hiệu trưởng", school=school, role_label="Phó hiệu trưởng")
    homeroom = {}
    for grade, sizes in CLASS_SIZES.items():
        for index in range(len(sizes)):
            name = f"{grade}{'ABCDE'[index]}"
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
    key: tuple
    sector_code: str
    values: dict
    optional: list
    tier: str
    individual_plan: bool
    year_result: dict


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
    entry = 0
    for grade, sizes in CLASS_SIZES.items():
        birth_year = 2019 - grade
        for index, size in enumerate(sizes):
            class_name = f"{grade}{'ABCDE'[index]}"
            for number in range(1, size + 1):
                entry += 1
                gender = "female" if rng.random() < 0.49 else "male"
                full_name, ethnicity = people.pupil_name_and_ethnicity(rng, gender)
                family = full_name.split()[0] if ethnicity == "Kinh" else people.weighted_family(rng)
                birth = dt.date(birth_year, 1, 1) + dt.timedelta(days=rng.randrange(365))
                village = rng.choice(places.VILLAGES)
                key = (class_name, number)
                identity = None if key in WITHOUT_IDENTITY else _identity_number(rng, gender, birth.year, used)
                tier = rng.choices(tiers, weights=weights)[0]
                if key in DISABLED:
                    tier = "HT"
                joined_year = 2024 - grade + 1
                values = {
                    "identity_number": identity, "full_name": full_name, "gender": gender, "birth_date": birth,
                    "ethnicity": ethnicity, "nationality": "Việt Nam", "birthplace": rng.choice(places.BIRTHPLACES),
                    "hometown": rng.choice(places.HOMETOWNS),
                    "address": f"{village}, {places.COMMUNE}, {places.DISTRICT}, {places.PROVINCE}",
                    "father_name": people.parent_name(rng, "male", family),
                    "mother_name": people.parent_name(rng, "female", people.weighted_family(rng)),
                    "guardian_name": "", "disability": DISABLED.get(key, ""),
                }
                if rng.random() < 0.02:  # raised by a grandparent
                    values["guardian_name"] = people.parent_name(rng, "female", family)
                height = 114 + 6 * (grade - 1) + rng.randint(-6, 8)
                weight = round(19.5 + 3.2 * (grade - 1) + rng.uniform(-3, 5), 1)
                year_result = {"height_cm": height, "weight_kg": weight,
                               "days_absent_excused": rng.choice([0, 0, 0, 1, 1, 2, 3, 4]),
                               "days_absent_unexcused": rng.choice([0] * 12 + [1]),
                               "homeroom_comment": rng.choice(phrases.homeroom_phrases(tier)),
                               "nominated_tieu_bieu": tier == "HTT" and rng.random() < NOMINATED_SHARE,
                               "plan_outcome": "HT" if key == INDIVIDUAL_PLAN else None,
                               "registry_number": f"{entry}/{joined_year}",
                               "joined_on": dt.date(joined_year, 9, 5)}
                optional = ["ngoai_ngu_1"] if grade <= 2 and rng.random() < 0.7 else []
                plans.append(PupilPlan(key, f"{SCHOOL_CODE}{entry:05d}", values, optional, tier,
                                       key == INDIVIDUAL_PLAN, year_result))
    return plans


def demo_build(*, progress=None) -> Report:
    """Build or refresh the demo; returns what was created and the outcome distribution. Refused
    (``demo.guard.DemoRefused``) in production or on a database that holds a real school."""
    started = time.perf_counter()
    report = Report()
    rng = random.Random(SEED)
    say = progress or (lambda message: None)
    password_hash = make_password(PASSWORD)  # Argon2 once, shared by every demo account
    with transaction.atomic():
        demo_allowed()
        loader = _user(LOADER, report, "!")  # unusable password: the name the audit log shows for demo data
        school, year = _directory(report, password_hash)
        principal, homeroom, teachers = _school_staff(report, password_hash, school, rng)
        classes = {}
        for grade, sizes in CLASS_SIZES.items():
            for index in range(len(sizes)):
                name = f"{grade}{'ABCDE'[index]}"
                classes[name] = _upsert(SchoolClass, report, {"school_year": year, "name": name},
                                        {"grade": grade, "homeroom_teacher": homeroom[name]})
        for teacher, subject, grades in teachers.values():
            for name, school_class in classes.items():
                if school_class.grade in grades:
                    _upsert(TeachingAssignment, report, {"school_class": school_class, "subject": subject},
                            {"teacher": teacher})
        plans = _plan_pupils(rng)
        say(f"Đã chuẩn bị {len(plans)} học sinh.")
        existing = {p.sector_code: p for p in Pupil.objects.filter(school=school)}
        new = [Pupil(school=school, sector_code=plan.sector_code, **plan.values) for plan in plans
               if plan.sector_code not in existing]
        for pupil in new:
            pupil.save()  # save() normalises text to NFC; a thousand inserts take well under a second
        report.created["Pupil"] += len(new)
        pupils = {p.sector_code: p for p in Pupil.objects.filter(school=school)}
        enrolments = {(e.pupil_id, e.school_class_id): e
                      for e in Enrolment.objects.filter(school_class__school_year=year)}
        missing = []
        for plan in plans:
            pupil, school_class = pupils[plan.sector_code], classes[plan.key[0]]
            if (pupil.pk, school_class.pk) not in enrolments:
                missing.append(Enrolment(pupil=pupil, school_class=school_class,
                                         registry_number=plan.year_result["registry_number"],
                                         joined_on=plan.year_result["joined_on"], individual_plan=plan.individual_plan,
                                         optional_subjects=plan.optional))
        Enrolment.objects.bulk_create(missing, batch_size=1000)
        report.created["Enrolment"] += len(missing)
        enrolment_by_plan = {}
        for e in Enrolment.objects.filter(school_class__school_year=year).select_related("school_class", "pupil"):
            enrolment_by_plan[(e.pupil.sector_code, e.school_class.name)] = e
    by_class: dict[str, list] = {}
    for plan in plans:
        by_class.setdefault(plan.key[0], []).append(plan)
    plans_by_enrolment = {}
    for name, class_plans in by_class.items():
        entries = []
        for plan in class_plans:
            enrolment = enrolment_by_plan[(plan.sector_code, name)]
            plans_by_enrolment[enrolment.pk] = plan
            entries += evaluation_entries(rng, plan.tier, enrolment)
        saved = evaluations_save(entries=entries, by=loader, school_code=SCHOOL_CODE)
        report.created["Evaluation"] += saved.created
        say(f"Lớp {name}: {len(class_plans)} học sinh, {saved.created} ô mới, {saved.updated} ô sửa.")
    with transaction.atomic():
        report.created["YearResult"] += year_results_save(
            {pk: plan.year_result for pk, plan in plans_by_enrolment.items()}, loader, SCHOOL_CODE)
    assessed = year_results_assess(enrolments=list(plans_by_enrolment), by=loader)
    # The pupil-year cases (cases.py) re-assess, and check, the pupil-years they touch.
    report.cases = demo_cases(enrolments_by_key={plan.key: pk for pk, plan in plans_by_enrolment.items()},
                              individual_plan_key=INDIVIDUAL_PLAN, principal=principal, school_year_end=year.end_date)
    invalid = [pk for pk, a in assessed.items() if not a.valid]
    if invalid:
        raise RuntimeError(f"demo data invalid for TT27 in {len(invalid)} pupil-years: "
                           f"{assessed[invalid[0]].errors[:3]}")
    for result in YearResult.objects.filter(enrolment_id__in=list(plans_by_enrolment)):
        report.outcomes[result.outcome] += 1
        if result.award:
            report.awards[result.award] += 1
    report.pupils, report.classes = len(plans), len(classes)
    report.staff = Staff.objects.filter(school=school).count()
    report.seconds = time.perf_counter() - started
    return report


def demo_exists() -> bool:
    """The demo school is there with its year-end evaluations."""
    return SubjectEvaluation.objects.filter(enrolment__school_class__school_year__school__code=SCHOOL_CODE,
                                            enrolment__school_class__school_year__name=SCHOOL_YEAR,
                                            period=catalogue.YEAR_END).exists()
