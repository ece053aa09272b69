import re

from django.urls import reverse

from hocbaso.directory.models import Role, School, Staff, StaffRole
from hocbaso.records.outcomes import year_results_assess
from hocbaso.reports.selectors import class_figures, school_figures
from hocbaso.tt27 import catalogue


def test_counts_and_outcomes(world, fill_year):
    fill_year(world.enrolment, world.member.user, rating="T", score=9, trait="T")
    year_results_assess(enrolments=[world.enrolment, world.enrolment1], by=world.owner.user)
    school = school_figures(School.objects.filter(pk=world.school.pk), "2024-2025")[0]
    tally = school.tally
    assert (tally.classes, tally.pupils, tally.issued) == (3, 2, 0)
    assert dict(zip((*catalogue.OUTCOMES, "none"), tally.outcome_row())) == {"HTXS": 1, "HTT": 0, "HT": 0, "CHT": 0,
                                                                            "none": 1}
    assert dict(zip(catalogue.AWARDS, tally.award_row())) == {"hoc_sinh_xuat_sac": 1, "hoc_sinh_tieu_bieu": 0}
    assert [c.name for c in class_figures([world.year.pk]).values()] == ["1A", "4A", "4B"]


def test_commune_officer_sees_every_school_of_the_commune(client, world, django_user_model):
    user = django_user_model.objects.create_user("ubndxa", password="x" * 10)
    StaffRole.objects.create(staff=Staff.objects.create(user=user, full_name="Cán Bộ Xã", commune=world.commune),
                             role=Role.COMMUNE_OFFICER)
    client.force_login(user)
    text = client.get(reverse("reports:statistics")).content.decode()
    assert "Trường Tiểu học Thử Nghiệm" in text and "Trường Tiểu học Bên Cạnh" in text
    assert re.search(r'id="fig-schools">2<', text)


def test_principal_sees_only_the_own_school(client, world):
    client.force_login(world.owner.user)
    text = client.get(reverse("reports:statistics")).content.decode()
    assert "Thử Nghiệm" in text and "Bên Cạnh" not in text
    assert client.get(reverse("reports:dashboard", args=["truong", world.other_school.code])).status_code == 404
    assert client.get(reverse("reports:dashboard", args=["xa", world.commune.code])).status_code == 404


def test_teachers_may_not(client, world):
    client.force_login(world.member.user)
    assert client.get(reverse("reports:statistics")).status_code == 403


def test_the_page_counts_each_outcome_under_its_catalogue_name(client, world, fill_year):
    fill_year(world.enrolment, world.member.user, rating="T", score=9, trait="T")
    year_results_assess(enrolments=[world.enrolment, world.enrolment1], by=world.owner.user)
    client.force_login(world.owner.user)
    text = client.get(reverse("reports:statistics")).content.decode()
    table = re.search(r'id="outcome-table">(.*?)</table>', text, re.S)[1]
    headers = re.findall(r'<abbr title="([^"]+)">', re.search(r"<thead>(.*?)</thead>", table, re.S)[1])
    assert headers[:4] == list(catalogue.OUTCOMES.values())
    total = re.findall(r'<th class="num">([^<]+)</th>', re.search(r"<tfoot>(.*?)</tfoot>", table, re.S)[1])
    # classes, pupils, disability, then one count per outcome in the headers' order, then "Chưa có kết quả"
    assert total[:8] == ["3", "2", "0", "1", "0", "0", "0", "1"]


def test_the_home_page_links_the_statistics_for_offices_and_school_leaders_only(client, people):
    for who, shown in ((people.province, True), (people.commune, True), (people.owner, True), (people.vice, True),
                       (people.member, False), (people.clerk, False)):
        client.force_login(who.user)
        text = client.get(reverse("portal:home")).content.decode()
        assert ('id="statistics-link"' in text) == shown, who
