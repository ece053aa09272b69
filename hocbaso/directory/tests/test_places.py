"""Today's hierarchy: a school's dated place (``school_places``), who sees which schools (a commune office its
schools, a Sở its province), placing a school (``school_place``) and the migration of an installation's schools
and district officers."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from hocbaso.audit.models import AuditEntry
from hocbaso.directory.models import (TWO_LEVEL_GOVERNMENT_FROM, Commune, Province, Role, School, SchoolPlacement, Staff,
                                      StaffRole)
from hocbaso.directory.selectors import SchoolPlace, school_places, schools_visible_to
from hocbaso.directory.services import commune_ensure, school_place
from hocbaso.testing.people import PASSWORD
from hocbaso.web.permissions import can_receive_submissions, class_access, school_access


def officer(django_user_model, username, role, **organisation):
    user = django_user_model.objects.create_user(username=username, password=PASSWORD)
    staff = Staff.objects.create(user=user, full_name=f"Cán bộ {username}", **organisation)
    StaffRole.objects.create(staff=staff, role=role)
    return staff


@pytest.fixture
def neighbours(world):
    """A second commune of Lâm Đồng with its school, and a school of another province."""
    world.commune2 = Commune.objects.create(province=world.province, code="24715", name="xã Nâm Nung")
    world.school2 = School.objects.create(code="68000201", name="Trường Tiểu học Nâm Nung")
    SchoolPlacement.objects.create(school=world.school2, since=TWO_LEVEL_GOVERNMENT_FROM, province=world.province,
                                   commune=world.commune2)
    world.far_province = Province.objects.create(code="66", name="Tỉnh Đắk Lắk")
    far_commune = Commune.objects.create(province=world.far_province, code="24100", name="phường Buôn Ma Thuột")
    world.far_school = School.objects.create(code="66000301", name="Trường Tiểu học Xa")
    SchoolPlacement.objects.create(school=world.far_school, since=TWO_LEVEL_GOVERNMENT_FROM,
                                   province=world.far_province, commune=far_commune)
    return world


# ---------------------------------------------------------------------- the place as of a date

def test_a_school_is_named_today_by_its_commune_and_before_the_reform_by_its_district(world):
    today = school_places([world.school])[world.school.pk]
    assert today == SchoolPlace(province_code="68", province_name="Tỉnh Lâm Đồng", commune_code="24730",
                                commune_name="xã Trường Xuân", authority_name="UBND xã Trường Xuân",
                                since=TWO_LEVEL_GOVERNMENT_FROM)
    assert today.place_name == "Trường Xuân" and today.province_office == "Sở Giáo dục và Đào tạo Tỉnh Lâm Đồng"
    before = school_places([world.school], on=dt.date(2025, 6, 30))[world.school.pk]
    assert (before.province_code, before.province_name, before.commune_code, before.commune_name) == (
        "67", "Tỉnh Đắk Nông", "", "Xã Trường Xuân")
    assert (before.district_name, before.authority_name) == ("Huyện Đắk Song",
                                                             "Phòng GD&ĐT Đắk Song")
    assert school_places([world.school], on=TWO_LEVEL_GOVERNMENT_FROM)[world.school.pk] == today


def test_school_places_answers_every_school_asked_in_one_query(world, neighbours, django_assert_num_queries):
    unplaced = School.objects.create(code="68000999", name="Trường Tiểu học Chưa Xếp")
    schools = [world.school, world.other_school, neighbours.school2, neighbours.far_school, unplaced]
    with django_assert_num_queries(1):  # the placements with their names, in one query
        places = school_places(schools)
    assert set(places) == {s.pk for s in schools}
    assert places[unplaced.pk] == SchoolPlace() and places[unplaced.pk].authority_name == ""
    assert [places[s.pk].commune_code for s in schools[:4]] == ["24730", "24730", "24715", "24100"]
    assert school_places([s.pk for s in schools]) == places  # ids do as well as schools


def test_a_school_that_moves_keeps_its_earlier_place_for_earlier_dates(world, neighbours):
    school_place(school=world.school, commune=neighbours.commune2, since=dt.date(2026, 9, 1), by=world.owner.user)
    assert school_places([world.school], on=dt.date(2026, 8, 31))[world.school.pk].commune_code == "24730"
    assert school_places([world.school], on=dt.date(2026, 9, 1))[world.school.pk].commune_code == "24715"
    entry = AuditEntry.objects.filter(action="directory.school_place").latest("seq")
    assert entry.target_id == world.school.code and entry.after["commune"] == "24715"


def test_school_place_refuses_a_district_or_no_commune_after_the_reform_and_a_second_one_the_same_day(world):
    with pytest.raises(ValidationError, match="xã/phường"):
        school_place(school=world.school, province=world.province, since=dt.date(2026, 1, 1), by=None)
    with pytest.raises(ValidationError, match="cấp huyện"):
        school_place(school=world.school, commune=world.commune, district=world.district, since=dt.date(2026, 1, 1),
                     by=None)
    with pytest.raises(ValidationError, match="01/07/2025"):
        school_place(school=world.school, commune=world.commune, since=TWO_LEVEL_GOVERNMENT_FROM, by=None)
    assert world.school.placements.count() == 2  # nothing written by the refusals


def test_commune_ensure_creates_once_and_refuses_a_code_of_another_province(world, neighbours):
    again = commune_ensure(province=world.province, code="24730", name="xã Khác", by=None)
    assert again == world.commune and again.name == "xã Trường Xuân"
    created = commune_ensure(province=world.province, code="24720", name="xã Đắk Mol", by=None)
    assert created.authority_name == "UBND xã Đắk Mol"
    with pytest.raises(ValidationError, match="Tỉnh Đắk Lắk"):
        commune_ensure(province=world.province, code="24100", name="phường Buôn Ma Thuột", by=None)
    with pytest.raises(ValidationError):
        commune_ensure(province=world.province, code="247", name="xã Ngắn", by=None)


# ---------------------------------------------------------------------- who sees which schools

def test_a_commune_office_sees_its_schools_and_not_another_communes(world, neighbours, django_user_model):
    xa = officer(django_user_model, "ubnd.truongxuan", Role.COMMUNE_OFFICER, commune=world.commune)
    assert set(schools_visible_to(xa.user)) == {world.school, world.other_school}
    # An office reads aggregates only (issue 17, finding 18): its schools exist for it, their pupils' data does not.
    assert school_access(xa.user, world.school).visible and not school_access(xa.user, world.school).dashboard
    assert not school_access(xa.user, neighbours.school2).visible
    assert not school_access(xa.user, neighbours.far_school).visible
    assert not class_access(xa.user, world.class4a).view
    assert can_receive_submissions(xa.user)


def test_a_province_office_sees_its_province_only(world, neighbours, django_user_model):
    so = officer(django_user_model, "so.lamdong", Role.PROVINCE_OFFICER, province=world.province)
    assert set(schools_visible_to(so.user)) == {world.school, world.other_school, neighbours.school2}
    assert not school_access(so.user, neighbours.far_school).visible
    # The former province (Đắk Nông, merged away) has no school today.
    old = officer(django_user_model, "so.daknong", Role.PROVINCE_OFFICER, province=world.old_province)
    assert not schools_visible_to(old.user).exists() and not school_access(old.user, world.school).visible


def test_a_school_that_moved_away_leaves_its_old_commune_office(world, neighbours, django_user_model):
    xa = officer(django_user_model, "ubnd.truongxuan", Role.COMMUNE_OFFICER, commune=world.commune)
    school_place(school=world.school, commune=neighbours.commune2, since=dt.date(2026, 1, 1), by=None)
    assert set(schools_visible_to(xa.user)) == {world.other_school}
    assert not school_access(xa.user, world.school).visible


def test_a_former_district_officer_sees_nothing_until_given_an_office(world, django_user_model):
    former = officer(django_user_model, "phong.daksong", Role.COMMUNE_OFFICER, district=world.district)
    assert not schools_visible_to(former.user).exists()
    assert not school_access(former.user, world.school).visible and not class_access(former.user, world.class4a).view
    assert not can_receive_submissions(former.user)


# ---------------------------------------------------------------------- moving an installation's data

@pytest.mark.django_db(transaction=True)
def test_the_migration_places_each_school_in_its_district_and_makes_district_officers_commune_officers():
    executor = MigrationExecutor(connection)
    executor.migrate([("directory", "0001_initial")])
    old = MigrationExecutor(connection).loader.project_state([("directory", "0001_initial")]).apps
    province = old.get_model("directory", "Province").objects.create(code="67", name="Tỉnh Đắk Nông")
    district = old.get_model("directory", "District").objects.create(province=province, code="6706",
                                                                     name="Huyện Đắk Song")
    school = old.get_model("directory", "School").objects.create(district=district, code="67000101",
                                                                 name="Trường Tiểu học Trung Vương",
                                                                 commune="Xã Trường Xuân")
    staff = old.get_model("directory", "Staff").objects.create(full_name="Cán Bộ Phòng", district=district)
    old.get_model("directory", "StaffRole").objects.create(staff=staff, role="district_officer")
    try:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        placement = SchoolPlacement.objects.get(school_id=school.pk)
        assert (placement.province_id, placement.district_id, placement.commune_id, placement.commune_name) == (
            province.pk, district.pk, None, "Xã Trường Xuân")
        before = school_places([school.pk], on=dt.date(2024, 9, 5))[school.pk]
        assert before.authority_name == "Phòng GD&ĐT Đắk Song"
        migrated = Staff.objects.get(pk=staff.pk)
        assert migrated.roles == {Role.COMMUNE_OFFICER} and migrated.district_id == district.pk
        assert migrated.commune_id is None and migrated.province_id is None
    finally:
        SchoolPlacement.objects.all().delete()
        StaffRole.objects.all().delete()
        Staff.objects.all().delete()
        School.objects.all().delete()


# ---------------------------------------------------------------------- office accounts

def test_office_account_creates_a_commune_officer_with_a_temporary_password(world, neighbours, client):
    out = io.StringIO()
    call_command("office-account", "ubnd.namnung", "--commune", "24715", "--full-name", "Trần Thị Xã",
                 "--by", world.owner.user.username, stdout=out)
    password = out.getvalue().split("Mật khẩu tạm (đổi ở lần đăng nhập đầu): ")[1].strip()
    staff = Staff.objects.get(user__username="ubnd.namnung")
    assert staff.roles == {Role.COMMUNE_OFFICER} and staff.commune == neighbours.commune2
    assert set(schools_visible_to(staff.user)) == {neighbours.school2}
    assert client.login(username="ubnd.namnung", password=password)
    assert staff.user.temporary_password.set_by == world.owner.user
    assert AuditEntry.objects.filter(action="user.office_account_open").exists()


def test_a_former_district_officer_is_given_a_province_office(world, django_user_model):
    former = officer(django_user_model, "phong.daksong", Role.COMMUNE_OFFICER, district=world.district)
    password_before = former.user.password
    out = io.StringIO()
    call_command("office-account", "phong.daksong", "--province", "68", "--by", world.owner.user.username, stdout=out)
    former.refresh_from_db()
    assert former.roles == {Role.PROVINCE_OFFICER} and former.province == world.province
    assert former.district == world.district and former.commune is None  # the old district stays as history
    assert set(schools_visible_to(former.user)) == {world.school, world.other_school}
    assert "Mật khẩu tạm" not in out.getvalue() and former.user.password == password_before
    entry = AuditEntry.objects.filter(action="directory.office_assign").latest("seq")
    assert entry.before["roles"] == [Role.COMMUNE_OFFICER] and entry.after["province"] == "68"


def test_office_account_refuses_school_staff_unknown_offices_and_a_new_account_without_a_name(world):
    from django.core.management.base import CommandError

    by = world.owner.user.username
    with pytest.raises(CommandError, match="cán bộ của trường"):
        call_command("office-account", world.member.user.username, "--commune", "24730", "--by", by)
    with pytest.raises(CommandError, match="Không có xã/phường mã 99999"):
        call_command("office-account", "moi", "--commune", "99999", "--by", by)
    with pytest.raises(CommandError, match="Cần họ và tên"):
        call_command("office-account", "moi", "--province", "68", "--by", by)
    assert world.member.roles == {Role.HOMEROOM_TEACHER} and not Staff.objects.filter(user__username="moi").exists()


def test_pages_of_another_communes_school_answer_404_to_a_commune_office(world, neighbours, django_user_model, client):
    from django.urls import reverse

    from hocbaso.directory.models import SchoolClass, SchoolYear

    year = SchoolYear.objects.create(school=neighbours.school2, name="2025-2026", start_date=dt.date(2025, 9, 5),
                                     end_date=dt.date(2026, 5, 31))
    klass = SchoolClass.objects.create(school_year=year, grade=4, name="4A")
    xa = officer(django_user_model, "ubnd.truongxuan", Role.COMMUNE_OFFICER, commune=world.commune)
    so = officer(django_user_model, "so.lamdong", Role.PROVINCE_OFFICER, province=world.province)
    client.force_login(xa.user)
    assert client.get(reverse("portal:class_detail", args=[klass.pk])).status_code == 404
    # Its own commune's classes are 404 too: offices read aggregates only (issue 17, finding 18).
    assert client.get(reverse("portal:class_detail", args=[world.class4a.pk])).status_code == 404
    home = client.get(reverse("portal:home")).content.decode()
    assert "Trường Tiểu học Thử Nghiệm" in home and "Nâm Nung" not in home and "UBND xã Trường Xuân" in home
    client.force_login(so.user)
    assert client.get(reverse("portal:class_detail", args=[klass.pk])).status_code == 404
    assert "Nâm Nung" in client.get(reverse("portal:home")).content.decode()
