"""The demo district and school: Trường Tiểu học Trung Vương, modelled on the first field report.

Deterministic (one random seed) and idempotent: every object is found by its natural key
(codes, usernames, class names, the pupil's sector code) and created only when missing, and
evaluations go through ``evaluations_save``, which writes nothing for unchanged cells.
"""

import datetime as dt
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext

from hocbaso.assessment import phrases
from hocbaso.assessment.models import SubjectEvaluation, YearResult
from hocbaso.assessment.services import evaluations_save
from hocbaso.audit.services import Action, log_actions
from hocbaso.demo import people, places
from hocbaso.directory.models import (District, Enrolment, Province, Pupil, Role, School, SchoolClass, SchoolYear,
                                      Staff, StaffRole, TeachingAssignment, Term)
from hocbaso.records.models import DraftState, RecordDraft
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
NOMINATED_SHARE = 0.95  # of HTT pupils, nominated "Học sinh Tiêu biểu" by their class (Điều 13)
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


def _staff(report, password_hash, username, full_name, gender, roles, *, title="", school=None, district=None,
           province=None, accounts=True, role_label=""):
    user = _user(username, report, password_hash)
    staff = _upsert(Staff, report, {"user": user}, {"full_name": full_name, "gender": gender, "title": title,
                                                    "school": school, "district": district, "province": province})
    for role in roles:
        _upsert(StaffRole, report, {"staff": staff, "role": role}, {})
    if accounts:
        report.accounts.append((role_label or title, full_name, username))
    return staff


def _directory(report: Report, password_hash: str):
    province = _upsert(Province, report, {"code": "67"}, {"name": places.PROVINCE})
    district = _upsert(District, report, {"code": "6706"}, {"province": province, "name": places.DISTRICT})
    school = _upsert(School, report, {"code": SCHOOL_CODE}, {
        "district": district, "name": "Trường Tiểu học Trung Vương", "commune": places.COMMUNE,
        "address": "Thôn 1, xã Trường Xuân, huyện Đắk Song, tỉnh Đắk Nông", "phone": "02613.507.507"})
    year = _upsert(SchoolYear, report, {"school": school, "name": SCHOOL_YEAR}, {
        "start_date": dt.date(2024, 9, 5), "end_date": dt.date(2025, 5, 31), "lock_date": dt.date(2025, 5, 31)})
    _upsert(Term, report, {"school_year": year, "number": 1},
            {"start_date": dt.date(2024, 9, 5), "end_date": dt.date(2025, 1, 11)})
    _upsert(Term, report, {"school_year": year, "number": 2},
            {"start_date": dt.date(2025, 1, 13), "end_date": dt.date(2025, 5, 31)})
    _staff(report, password_hash, "phong.daksong", "Nguyễn Thị Minh Thu", "female", [Role.DISTRICT_OFFICER],
           title="Trưởng phòng GD&ĐT", district=district, role_label="Phòng GD&ĐT (xem thống kê)")
    _staff(report, password_hash, "so.daknong", "Hoàng Văn Phong", "male", [Role.PROVINCE_OFFICER],
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


def _drop(rating: str, *, trait: bool = False) -> str:
    """A term result one level below the year's (pupils progress over the year)."""
    return ("Đ" if trait else "H") if rating == "T" else rating


def _year_end(rng: random.Random, plan: PupilPlan, subjects, grade) -> tuple[dict, dict, dict]:
    """Year-end ratings, scores and trait ratings consistent with the pupil's tier (Điều 9.2)."""
    scored = set(catalogue.scored_subjects(grade))
    tier = plan.tier
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


def _entries(rng, plan: PupilPlan, enrolment: Enrolment) -> list[dict]:
    grade = enrolment.school_class.grade
    subjects = enrolment.subjects()
    ratings, scores, traits = _year_end(rng, plan, subjects, grade)
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


def _year_results(plans_by_enrolment: dict, loader, school_code: str, report: Report) -> None:
    """Create or update each pupil's year-end page fields in bulk, logged like ``year_result_set``."""
    fields = ("homeroom_comment", "height_cm", "weight_kg", "days_absent_excused", "days_absent_unexcused",
              "nominated_tieu_bieu", "plan_outcome")
    existing = {r.enrolment_id: r for r in YearResult.objects.filter(enrolment_id__in=list(plans_by_enrolment))}
    to_create, to_update, audit = [], [], []
    for enrolment_id, plan in plans_by_enrolment.items():
        wanted = {f: plan.year_result[f] for f in fields}
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
    report.created["YearResult"] += len(to_create)


def demo_build(*, progress=None) -> Report:
    """Build or refresh the demo; returns what was created and the outcome distribution."""
    started = time.perf_counter()
    report = Report()
    rng = random.Random(SEED)
    say = progress or (lambda message: None)
    password_hash = make_password(PASSWORD)  # Argon2 once, shared by every demo account
    with transaction.atomic():
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
            entries += _entries(rng, plan, enrolment)
        saved = evaluations_save(entries=entries, by=loader, school_code=SCHOOL_CODE)
        report.created["Evaluation"] += saved.created
        say(f"Lớp {name}: {len(class_plans)} học sinh, {saved.created} ô mới, {saved.updated} ô sửa.")
    with transaction.atomic():
        _year_results(plans_by_enrolment, loader, SCHOOL_CODE, report)
    assessed = year_results_assess(enrolments=list(plans_by_enrolment), by=loader)
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


# ---------------------------------------------------------------------- signed and issued records

DEMO_PIN = "246810"  # every demo signer's signing PIN (printed with the accounts)
OPEN_CLASSES = ("1A", "4A")  # left open for entering evaluations; every other class is locked, signed, issued


class DemoIncomplete(RuntimeError):
    """The demo's lifecycle left records of its classes unissued; the message (Vietnamese) names them."""


def demo_issued_check(classes) -> None:
    """Every open record draft of ``classes`` must have reached issuance: otherwise raise ``DemoIncomplete``
    naming, class by class, how many records are left and in which state."""
    left = list(RecordDraft.objects.filter(enrolment__school_class__in=classes)
                .exclude(state__in=[DraftState.ISSUED, DraftState.DISCARDED])
                .values("enrolment__school_class__grade", "enrolment__school_class__name", "state")
                .annotate(count=Count("pk")).order_by("enrolment__school_class__grade", "enrolment__school_class__name",
                                                      "state"))
    if left:
        detail = "; ".join(gettext("lớp %(name)s: %(count)s học bạ (%(state)s)") % {
            "name": row["enrolment__school_class__name"], "count": row["count"],
            "state": DraftState(row["state"]).label} for row in left)
        raise DemoIncomplete(gettext("Trường mẫu chưa phát hành hết học bạ: còn %(count)s học bạ chưa phát hành — "
                                     "%(detail)s. Hãy chạy lại lệnh hocbaso demo.")
                             % {"count": sum(row["count"] for row in left), "detail": detail})


def demo_issue(*, progress=None) -> int:
    """Take the demo school's year through the lifecycle: built-in certificates for every signer and the
    school's seal (PIN ``DEMO_PIN``), lock every class except ``OPEN_CLASSES``, the subject teachers'
    sign-offs, the homeroom teachers' and the principal's signatures, issuance with class packages.
    Idempotent: what is already done is skipped. Returns how many records were issued now."""
    from hocbaso.records.drafts import record_drafts_prepare
    from hocbaso.records.issuance import records_issue
    from hocbaso.records.locks import data_lock
    from hocbaso.records.selectors import subjects_needing_signoff
    from hocbaso.records.signatures import class_sign, school_sign, subject_signoff
    from hocbaso.signing.models import SigningIdentity, SubjectSignoff
    from hocbaso.signing.services import identity_for, identity_issue, signer_open

    say = progress or (lambda message: None)
    year = SchoolYear.objects.select_related("school").get(school__code=SCHOOL_CODE, name=SCHOOL_YEAR)
    school = year.school
    principal = Staff.objects.get(user__username="hieutruong")
    signers = Staff.objects.filter(school=school, role_set__role__in=[Role.PRINCIPAL, Role.HOMEROOM_TEACHER,
                                                                      Role.SUBJECT_TEACHER]).distinct()
    with_identity = set(SigningIdentity.objects.filter(active=True, staff__isnull=False).values_list("staff_id", flat=True))
    for staff in signers:
        if staff.pk not in with_identity:
            identity_issue(staff=staff, pin=DEMO_PIN, by=principal.user)
    if not SigningIdentity.objects.filter(school=school, staff__isnull=True, active=True).exists():
        identity_issue(school=school, pin=DEMO_PIN, by=principal.user)
    opened: dict = {}

    def signer(staff, seal=False):
        if (staff.pk, seal) not in opened:
            opened[staff.pk, seal] = signer_open(identity_for(staff=staff), DEMO_PIN, seal=seal)
        return opened[staff.pk, seal]

    classes = list(SchoolClass.objects.filter(school_year=year).exclude(name__in=OPEN_CLASSES)
                   .select_related("homeroom_teacher__user").order_by("grade", "name"))
    for klass in classes:
        data_lock(school_year=year, school_class=klass, by=principal.user)
    signed = set(SubjectSignoff.objects.filter(school_class__in=classes, current=True)
                 .values_list("school_class_id", "subject"))
    for klass in classes:
        for subject, teacher in subjects_needing_signoff(klass).items():
            if (klass.pk, subject) not in signed:
                subject_signoff(school_class=klass, subject=subject, by=teacher.user, signer=signer(teacher))
    say("Giáo viên bộ môn đã ký xác nhận kết quả các môn.")
    enrolments = list(Enrolment.objects.filter(school_class__in=classes).select_related("pupil"))
    record_drafts_prepare(enrolments=enrolments, by=principal.user, effective_date=dt.date(2025, 6, 2),
                          progress=None)
    say(f"Đã tạo bản PDF của {len(enrolments)} học bạ.")
    for klass in classes:
        class_sign(school_class=klass, by=klass.homeroom_teacher.user, signer=signer(klass.homeroom_teacher))
    say("Giáo viên chủ nhiệm đã ký học bạ các lớp.")
    school_sign(school_year=year, by=principal.user, signer=signer(principal, seal=True))
    seal = signer_open(identity_for(school=school), DEMO_PIN)
    report = records_issue(school_year=year, by=principal.user, seal_signer=seal)
    say(f"Hiệu trưởng đã ký, đóng dấu và phát hành {report.done} học bạ "
        f"(các lớp {', '.join(OPEN_CLASSES)} để mở cho nhập liệu).")
    demo_issued_check(classes)
    return report.done
