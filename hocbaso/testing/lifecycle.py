"""A class through the record's lifecycle, for the lifecycle, portal, exchange, verify and browser tests:
``lifecycle_school`` makes ``world``'s 4A ready to sign, ``sign_and_issue`` signs and issues it."""

import datetime as dt

from hocbaso.assessment.services import evaluations_save
from hocbaso.directory.models import Enrolment, Pupil, TeachingAssignment
from hocbaso.records.corrections import correction_approve, correction_request
from hocbaso.records.issuance import records_issue
from hocbaso.records.locks import data_lock
from hocbaso.records.outcomes import year_results_assess
from hocbaso.records.signatures import class_sign, school_sign, subject_signoff
from hocbaso.signing.services import identity_for, identity_issue, signer_open
from hocbaso.testing.people import ENGLISH_PIN, PRINCIPAL_PIN, SEAL_PIN, TEACHER_PIN
from hocbaso.tt27 import catalogue


def year_end_entries(enrolment, *, rating="T", score=9, trait="T", period="cuoi_nam"):
    """Entries for ``evaluations_save`` that fill one pupil's whole sheet for a period."""
    grade = enrolment.school_class.grade
    entries = []
    for subject in enrolment.subjects():
        entry = {"enrolment": enrolment.pk, "period": period, "subject": subject, "rating": rating,
                 "comment": "Em học tốt."}
        if catalogue.has_periodic_test(grade, subject, period):
            entry["score"] = score
        entries.append(entry)
    for kind, table in (("quality", catalogue.QUALITIES), ("competence", catalogue.COMPETENCES)):
        # The template has a comment cell for the qualities and for each group of competences (an issued record
        # needs them): one comment on the first entry of each.
        firsts = {next(iter(table))} if kind == "quality" else {next(iter(catalogue.COMPETENCES_GENERAL)),
                                                                 next(iter(catalogue.COMPETENCES_SPECIFIC))}
        entries += [{"enrolment": enrolment.pk, "period": period, "kind": kind, "code": code, "rating": trait,
                     "comment": "Em tự tin, biết hợp tác." if code in firsts else ""} for code in table]
    return entries


def lifecycle_school(world):
    """``world``'s 4A with three pupils, year-end filled and assessed; English in 4A taught by Vũ Thị Lan;
    certificates for the homeroom teacher, the English teacher, the principal and the school's seal (the PINs
    of ``hocbaso.testing.people``)."""
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


def open_signer(staff, pin, **kw):
    return signer_open(identity_for(staff=staff), pin, **kw)


def class_signed(w):
    """4A locked, its English signed off by the English teacher, its records signed by the homeroom teacher."""
    data_lock(school_year=w.year, school_class=w.class4a, by=w.owner.user)
    subject_signoff(school_class=w.class4a, subject="ngoai_ngu_1", by=w.english.user,
                    signer=open_signer(w.english, ENGLISH_PIN))
    class_sign(school_class=w.class4a, by=w.member.user, signer=open_signer(w.member, TEACHER_PIN))


def sign_and_issue(w):
    class_signed(w)
    school_sign(school_year=w.year, by=w.owner.user, signer=open_signer(w.owner, PRINCIPAL_PIN, seal=True))
    seal = signer_open(identity_for(school=w.school), SEAL_PIN)
    return records_issue(school_year=w.year, by=w.owner.user, seal_signer=seal)


def correct_and_reissue(w):
    """After ``sign_and_issue``: the pupil's Toán score corrected (9 → 10), approved by the principal, signed again
    by the homeroom teacher and the principal, and issued as version 2, which supersedes version 1."""
    correction = correction_request(enrolment=w.enrolment, field="subjects.toan.score", new_value=10,
                                    reason="Nhập nhầm điểm kiểm tra cuối năm.", by=w.member.user)
    correction_approve(correction=correction, by=w.owner.user)
    class_sign(school_class=w.class4a, by=w.member.user, signer=open_signer(w.member, TEACHER_PIN))
    school_sign(school_year=w.year, by=w.owner.user, signer=open_signer(w.owner, PRINCIPAL_PIN, seal=True))
    records_issue(school_year=w.year, by=w.owner.user)
    return correction
