"""Shared fixtures: one small school with an owner (principal), a member (homeroom teacher)
and an outsider (a teacher of another school), in the healthchecks manner."""

import datetime as dt

import pytest

from hocbaso.directory.models import (District, Enrolment, Province, Pupil, Role, School, SchoolClass, SchoolYear,
                                      Staff, StaffRole, TeachingAssignment)


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path_factory):
    """Every test writes files (PDFs, packages, the built-in CA) under its own temporary folder."""
    base = tmp_path_factory.mktemp("data")
    settings.MEDIA_ROOT = base / "files"
    settings.PKI_DIR = base / "pki"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is the product's hasher (see test_password_hasher); tests hash with MD5 to stay fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_staff(django_user_model, school, username, full_name, *roles, password="matkhau-an-toan"):
    user = django_user_model.objects.create_user(username=username, password=password)
    staff = Staff.objects.create(user=user, full_name=full_name, school=school)
    for role in roles:
        StaffRole.objects.create(staff=staff, role=role)
    return staff


class World:
    """The objects a test needs, by name."""


@pytest.fixture
def world(db, django_user_model):
    w = World()
    w.province = Province.objects.create(code="67", name="Tỉnh Đắk Nông")
    w.district = District.objects.create(province=w.province, code="6701", name="Huyện Đắk Song")
    w.school = School.objects.create(district=w.district, code="67000199", name="Trường Tiểu học Thử Nghiệm",
                                     commune="Xã Trường Xuân")
    w.other_school = School.objects.create(district=w.district, code="67000198", name="Trường Tiểu học Bên Cạnh")
    w.year = SchoolYear.objects.create(school=w.school, name="2024-2025", start_date=dt.date(2024, 9, 5),
                                       end_date=dt.date(2025, 5, 31), lock_date=dt.date(2025, 5, 31))
    w.other_year = SchoolYear.objects.create(school=w.other_school, name="2024-2025", start_date=dt.date(2024, 9, 5),
                                             end_date=dt.date(2025, 5, 31))
    w.owner = make_staff(django_user_model, w.school, "hieutruong", "Đoàn Trung Quế", Role.PRINCIPAL)
    w.member = make_staff(django_user_model, w.school, "gvcn4a", "Lê Thị Hoa", Role.HOMEROOM_TEACHER)
    w.colleague = make_staff(django_user_model, w.school, "gvcn4b", "Phạm Văn Nam", Role.HOMEROOM_TEACHER)
    w.english = make_staff(django_user_model, w.school, "gvta", "Vũ Thị Lan", Role.SUBJECT_TEACHER)
    w.outsider = make_staff(django_user_model, w.other_school, "gvkhac", "Trần Văn Khác", Role.HOMEROOM_TEACHER)
    w.class4a = SchoolClass.objects.create(school_year=w.year, grade=4, name="4A", homeroom_teacher=w.member)
    w.class4b = SchoolClass.objects.create(school_year=w.year, grade=4, name="4B", homeroom_teacher=w.colleague)
    w.class1a = SchoolClass.objects.create(school_year=w.year, grade=1, name="1A", homeroom_teacher=w.colleague)
    w.other_class = SchoolClass.objects.create(school_year=w.other_year, grade=4, name="4A", homeroom_teacher=w.outsider)
    TeachingAssignment.objects.create(teacher=w.english, school_class=w.class4b, subject="ngoai_ngu_1")
    w.pupil = Pupil.objects.create(school=w.school, identity_number="067214001234", full_name="Nguyễn Thị Ánh Tuyết",
                                   gender="female", birth_date=dt.date(2014, 9, 2),
                                   birthplace="Xã Trường Xuân, Huyện Đắk Song, Tỉnh Đắk Nông",
                                   hometown="Xã Trường Xuân, Huyện Đắk Song, Tỉnh Đắk Nông",
                                   address="Thôn 1, Xã Trường Xuân", father_name="Nguyễn Văn Hùng",
                                   mother_name="Trần Thị Lan")
    w.enrolment = Enrolment.objects.create(pupil=w.pupil, school_class=w.class4a, registry_number="15/2020",
                                           joined_on=dt.date(2024, 9, 5))
    w.pupil1 = Pupil.objects.create(school=w.school, identity_number="067318004321", full_name="Hoàng Minh An",
                                    gender="male", birth_date=dt.date(2018, 3, 1), birthplace="Tỉnh Đắk Nông")
    w.enrolment1 = Enrolment.objects.create(pupil=w.pupil1, school_class=w.class1a, registry_number="40/2024",
                                            joined_on=dt.date(2024, 9, 5))
    return w


@pytest.fixture
def people(world, django_user_model):
    """``world`` plus a vice-principal, a clerk, district and province officers (and one of another province)."""
    world.vice = make_staff(django_user_model, world.school, "phohieutruong", "Trần Thị Hương", Role.VICE_PRINCIPAL)
    world.clerk = make_staff(django_user_model, world.school, "vanthu", "Bùi Thị Hân", Role.CLERK)
    for attr, username, org, role in (("district", "phong", {"district": world.district}, Role.DISTRICT_OFFICER),
                                      ("province", "so", {"province": world.province}, Role.PROVINCE_OFFICER)):
        user = django_user_model.objects.create_user(username=username, password="matkhau-an-toan")
        staff = Staff.objects.create(user=user, full_name=f"Cán bộ {username}", **org)
        StaffRole.objects.create(staff=staff, role=role)
        setattr(world, attr, staff)
    other = Province.objects.create(code="66", name="Tỉnh Đắk Lắk")
    user = django_user_model.objects.create_user(username="sokhac", password="matkhau-an-toan")
    world.province_other = Staff.objects.create(user=user, full_name="Cán bộ sở khác", province=other)
    StaffRole.objects.create(staff=world.province_other, role=Role.PROVINCE_OFFICER)
    return world


def year_end_entries(enrolment, *, rating="T", score=9, trait="T", period="cuoi_nam"):
    """Entries for ``evaluations_save`` that fill one pupil's whole sheet for a period."""
    from hocbaso.tt27 import catalogue

    grade = enrolment.school_class.grade
    entries = []
    for subject in enrolment.subjects():
        entry = {"enrolment": enrolment.pk, "period": period, "subject": subject, "rating": rating,
                 "comment": "Em học tốt."}
        if catalogue.has_periodic_test(grade, subject, period):
            entry["score"] = score
        entries.append(entry)
    for kind, table in (("quality", catalogue.QUALITIES), ("competence", catalogue.COMPETENCES)):
        entries += [{"enrolment": enrolment.pk, "period": period, "kind": kind, "code": code, "rating": trait,
                     "comment": ""} for code in table]
    return entries


@pytest.fixture
def fill_year():
    """fill_year(enrolment, by, **ratings): save a full year-end sheet through the service."""
    from hocbaso.assessment.services import evaluations_save

    def fill(enrolment, by, **kwargs):
        return evaluations_save(entries=year_end_entries(enrolment, **kwargs), by=by)

    return fill


@pytest.fixture
def inline_jobs(settings, django_capture_on_commit_callbacks):
    """Jobs run at once, in the request (``JOBS_INLINE``); the test's transaction needs its commit hooks run."""
    settings.JOBS_INLINE = True

    def post(client, url, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {})
    return post


TEACHER_PIN, PRINCIPAL_PIN, SEAL_PIN, ENGLISH_PIN = "246810", "135790", "975310", "112233"


def lifecycle_school(world):
    """``world``'s 4A with three pupils, year-end filled and assessed; English in 4A taught by Vũ Thị Lan;
    certificates for the homeroom teacher, the English teacher, the principal and the school's seal (the PINs
    above). Shared by the lifecycle, portal, exchange, verify and browser tests."""
    import datetime as dt

    from hocbaso.assessment.services import evaluations_save
    from hocbaso.conftest import year_end_entries
    from hocbaso.directory.models import Enrolment, Pupil, TeachingAssignment
    from hocbaso.records.outcomes import year_results_assess
    from hocbaso.signing.services import identity_issue

    TeachingAssignment.objects.create(teacher=world.english, school_class=world.class4a, subject="ngoai_ngu_1")
    enrolments = [world.enrolment]
    for i, name in enumerate(["Trần Văn Bình", "Phạm Thị Cúc"]):
        pupil = Pupil.objects.create(school=world.school, identity_number=f"06721400{i}999", full_name=name,
                                     gender="male" if i == 0 else "female", birth_date=dt.date(2014, 1, 2 + i),
                                     birthplace="Tỉnh Đắk Nông")
        enrolments.append(Enrolment.objects.create(pupil=pupil, school_class=world.class4a,
                                                   registry_number=f"{20 + i}/2020", joined_on=dt.date(2024, 9, 5)))
    for enrolment in enrolments:
        entries = year_end_entries(enrolment)
        evaluations_save(entries=[e for e in entries if e.get("subject") != "ngoai_ngu_1"], by=world.member.user)
        evaluations_save(entries=[e for e in entries if e.get("subject") == "ngoai_ngu_1"], by=world.english.user)
    year_results_assess(enrolments=enrolments, by=world.member.user)
    identity_issue(staff=world.member, pin=TEACHER_PIN, by=world.owner.user)
    identity_issue(staff=world.english, pin=ENGLISH_PIN, by=world.owner.user)
    identity_issue(staff=world.owner, pin=PRINCIPAL_PIN, by=world.owner.user)
    identity_issue(school=world.school, pin=SEAL_PIN, by=world.owner.user)
    world.enrolments = enrolments
    return world


GETTEXT_MISSING = ("xgettext/msgattrib missing: install the Debian package gettext (listed in "
                   "scripts/system-packages.txt)")


def gettext_tools() -> bool:
    import shutil

    return bool(shutil.which("xgettext") and shutil.which("msgattrib"))


def assert_catalogue_complete(po, name: str = "django.po") -> None:
    """An English catalogue with no string left untranslated, compiled after its last change."""
    import re

    text = po.read_text(encoding="utf-8")
    assert not re.search(r'^msgstr(\[\d\])? ""\n\n', text + "\n", re.M), f"untranslated strings in {name}"
    assert po.with_suffix(".mo").stat().st_mtime >= po.stat().st_mtime - 1, "django.mo is older than django.po"


def strings_without_english(app_dir, tmp_path) -> list[str]:
    """What ``makemessages`` finds in an app's code and templates that its English catalogue (``locale/en``)
    leaves empty or fuzzy. Run on a copy, so the catalogue is not touched."""
    import os
    import re
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    app_dir = Path(app_dir)
    copy = tmp_path / app_dir.name
    shutil.copytree(app_dir, copy, ignore=shutil.ignore_patterns("tests", "__pycache__", "*.mo"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hocbaso.settings",
           "PYTHONPATH": os.pathsep.join(p for p in (str(app_dir.parents[1]), os.environ.get("PYTHONPATH")) if p)}
    # -P: a copied module (selectors.py, say) must not shadow the standard library's
    run = subprocess.run([sys.executable, "-P", "-m", "django", "makemessages", "-l", "en", "--no-obsolete"],
                         cwd=copy, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    merged = copy / "locale" / "en" / "LC_MESSAGES" / "django.po"
    left = []
    for option in ("--untranslated", "--only-fuzzy"):
        out = subprocess.run(["msgattrib", option, "--no-wrap", str(merged)], check=True, capture_output=True,
                             text=True).stdout
        left += [m for m in re.findall(r'^msgid "(.+)"$', out, re.M)]
    return left
