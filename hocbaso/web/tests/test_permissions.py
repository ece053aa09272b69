"""class_access: the one place that decides who sees and changes what (see permissions.py's table)."""

import pytest
from django.urls import reverse

from hocbaso.directory.models import TeachingAssignment
from hocbaso.tt27 import catalogue
from hocbaso.web.permissions import (NO_ACCESS, SHEET_TRAITS, SHEET_YEAR, can_manage_pupils, can_receive_submissions,
                                     can_use_two_factor, class_access)

GRADE4 = set(catalogue.grade_subjects(4))


def access(world, who, klass="class4a"):
    return class_access(getattr(world, who).user, getattr(world, klass))


def test_homeroom_teacher_edits_every_subject_not_assigned_to_someone_else(people):
    a = access(people, "colleague", "class4b")
    assert a.view and a.view_all and a.edit_traits and a.edit_year
    assert a.edit_subjects == GRADE4 - {"ngoai_ngu_1"}  # English in 4B is Vũ Thị Lan's
    assert a.can_view_sheet("ngoai_ngu_1") and not a.can_edit_sheet("ngoai_ngu_1")


def test_homeroom_teacher_of_4a_edits_all_its_subjects_and_nothing_in_4b(people):
    assert access(people, "member").edit_subjects == GRADE4
    assert not access(people, "member", "class4b").view


def test_homeroom_teacher_keeps_a_subject_assigned_to_themself(people):
    TeachingAssignment.objects.create(teacher=people.member, school_class=people.class4a, subject="tin_hoc")
    assert "tin_hoc" in access(people, "member").edit_subjects


def test_subject_teacher_only_their_subject_in_assigned_classes(people):
    a = access(people, "english", "class4b")
    assert a.view and not a.view_all
    assert a.edit_subjects == {"ngoai_ngu_1"} and a.view_subjects == {"ngoai_ngu_1"}
    assert not a.can_view_sheet("toan") and not a.can_view_sheet(SHEET_TRAITS) and not a.can_view_sheet(SHEET_YEAR)
    assert not a.edit_traits and not a.edit_year
    assert not access(people, "english", "class4a").view


def test_principal_reads_and_edits_everything_in_the_school(people):
    a = access(people, "owner")
    assert a.view_all and a.as_principal and a.edit_subjects == GRADE4 and a.edit_traits and a.edit_year
    assert not class_access(people.owner.user, people.other_class).view


@pytest.mark.parametrize("who", ["vice", "clerk"])
def test_readers_see_the_whole_school_and_change_nothing(people, who):
    for klass in ("class4a", "class4b", "class1a"):
        a = access(people, who, klass)
        assert a.view and a.view_all and not a.edits_anything


@pytest.mark.parametrize("who", ["outsider", "province_other"])
def test_others_see_nothing(people, who):
    assert not access(people, who).view


def test_offices_read_aggregates_only(people, client):
    """Finding 18: an office account (made for statistics, covering every school of the office) opens no class,
    sheet, record, dashboard or exchange data; its schools' statistics it does read."""
    from hocbaso.web.permissions import OFFICER_ROLES, exchange_access, reads_aggregates_only, school_access

    for who in ("commune", "province"):
        staff = getattr(people, who)
        assert staff.roles & OFFICER_ROLES and reads_aggregates_only(staff.user)
        for klass in ("class4a", "class4b", "class1a", "other_class"):
            assert class_access(staff.user, getattr(people, klass)) == NO_ACCESS
        school = school_access(staff.user, people.school)
        assert (school.visible, school.dashboard, school.lead) == (True, False, False)
        assert not exchange_access(staff.user, people.school).read
        assert can_receive_submissions(staff.user)  # schools still submit their class packages to the office
        client.force_login(staff.user)
        for url in (reverse("portal:class_detail", args=[people.class4a.pk]),
                    reverse("portal:grid", args=[people.class4a.pk, "cuoi_nam", "toan"]),
                    reverse("portal:api_evaluations", args=[people.class4a.pk, "cuoi_nam"]) + "?sheet=toan"):
            assert client.get(url).status_code == 404, url
        assert client.get(reverse("portal:school_dashboard", args=[people.year.pk])).status_code == 403
        home = client.get(reverse("portal:home")).content.decode()
        assert people.pupil.full_name not in home
        assert reverse("portal:class_detail", args=[people.class4a.pk]) not in home and "statistics-link" in home
        statistics = client.get(reverse("reports:statistics"))
        assert statistics.status_code == 200 and people.school.name in statistics.content.decode()
    assert not reads_aggregates_only(people.owner.user) and not reads_aggregates_only(people.vice.user)


def test_anonymous_sees_nothing(people):
    from django.contrib.auth.models import AnonymousUser

    assert not class_access(AnonymousUser(), people.class4a).view


def test_clerk_and_principal_manage_pupils(people):
    assert can_manage_pupils(people.clerk.user, people.school) and can_manage_pupils(people.owner.user, people.school)
    assert not can_manage_pupils(people.member.user, people.school)
    assert not can_manage_pupils(people.clerk.user, people.other_school)


def test_signers_and_principals_may_turn_on_two_factor(people):
    for who in ("owner", "vice", "member", "english"):
        assert can_use_two_factor(getattr(people, who).user)
    for who in ("clerk", "commune"):
        assert not can_use_two_factor(getattr(people, who).user)


# ---------------------------------------------------------------------- the record's lifecycle

def test_school_access_leads_reads_and_hides(people):
    from hocbaso.web.permissions import school_access

    def of(who, school="school"):
        a = school_access(getattr(people, who).user, getattr(people, school))
        return (a.visible, a.dashboard, a.lead)

    assert of("owner") == (True, True, True)
    for who in ("vice", "clerk"):
        assert of(who) == (True, True, False)
    for who in ("member", "colleague", "english"):
        assert of(who) == (True, False, False)  # their school: 403 on the dashboard, not 404
    assert of("outsider") == of("province_other") == (False, False, False)
    assert of("owner", "other_school") == (False, False, False)  # a principal leads only their own school


def test_only_the_homeroom_teacher_signs_the_class(people):
    from hocbaso.web.permissions import can_sign_class

    assert can_sign_class(people.member.user, people.class4a)
    for who in ("owner", "colleague", "english", "outsider", "vice"):
        assert not can_sign_class(getattr(people, who).user, people.class4a)
    assert can_sign_class(people.colleague.user, people.class4b)


def test_subject_signoff_belongs_to_the_subjects_teacher(people):
    from hocbaso.directory.models import Enrolment, Pupil
    from hocbaso.web.permissions import signoff_subjects

    pupil = Pupil.objects.create(school=people.school, full_name="Đỗ Văn Bình", gender="male",
                                 birth_date="2014-05-05", birthplace="Đắk Nông")
    Enrolment.objects.create(pupil=pupil, school_class=people.class4b, registry_number="2", joined_on="2024-09-05")
    assert signoff_subjects(people.english.user, people.class4b) == ["ngoai_ngu_1"]
    for who in ("colleague", "owner", "member", "outsider"):
        assert signoff_subjects(getattr(people, who).user, people.class4b) == []
    assert signoff_subjects(people.english.user, people.class4a) == []


def test_who_files_corrections(people):
    from hocbaso.web.permissions import can_request_correction

    assert can_request_correction(people.member.user, people.class4a)
    assert can_request_correction(people.owner.user, people.class4a)
    assert can_request_correction(people.english.user, people.class4b)  # assigned English in 4B
    for who in ("colleague", "english", "vice", "clerk", "outsider", "commune"):
        assert not can_request_correction(getattr(people, who).user, people.class4a)


def test_who_holds_a_signing_certificate(people):
    from hocbaso.web.permissions import can_hold_certificate

    for who in ("owner", "member", "colleague", "english", "outsider"):
        assert can_hold_certificate(getattr(people, who).user)
    for who in ("vice", "clerk", "commune", "province"):
        assert not can_hold_certificate(getattr(people, who).user)


def test_a_jobs_progress_is_for_its_owner_and_the_schools_leaders(people):
    from hocbaso.jobs.models import Job
    from hocbaso.web.permissions import can_view_job

    job = Job.objects.create(kind="portal.class_sign", args={"class_id": people.class4a.pk},
                             created_by=people.member.user, school_code=people.school.code)
    for who in ("member", "owner", "vice"):
        assert can_view_job(getattr(people, who).user, job)
    for who in ("colleague", "english", "clerk", "outsider", "commune"):
        assert not can_view_job(getattr(people, who).user, job)
