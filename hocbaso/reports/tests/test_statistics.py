import re

from django.urls import reverse

from hocbaso.directory.models import Role, School, Staff, StaffRole
from hocbaso.records.outcomes import year_results_assess
from hocbaso.reports.selectors import school_statistics
from hocbaso.tt27 import catalogue


def test_counts_and_outcomes(world, fill_year):
    fill_year(world.enrolment, world.member.user, rating="T", score=9, trait="T")
    year_results_assess(enrolments=[world.enrolment, world.enrolment1], by=world.owner.user)
    stats = school_statistics(School.objects.filter(pk=world.school.pk), "2024-2025")
    row = stats["rows"][0]
    assert (row["classes"], row["pupils"], row["issued"]) == (3, 2, 0)
    assert row["outcomes"] == {"HTXS": 1, "HTT": 0, "HT": 0, "CHT": 0, "none": 1}
    assert row["awards"] == {"hoc_sinh_xuat_sac": 1}
    assert stats["total"]["pupils"] == 2


def test_commune_officer_sees_every_school_of_the_commune(client, world, django_user_model):
    user = django_user_model.objects.create_user("ubndxa", password="x" * 10)
    StaffRole.objects.create(staff=Staff.objects.create(user=user, full_name="Cán Bộ Xã", commune=world.commune),
                             role=Role.COMMUNE_OFFICER)
    client.force_login(user)
    text = client.get(reverse("reports:statistics")).content.decode()
    assert "Trường Tiểu học Thử Nghiệm" in text and "Trường Tiểu học Bên Cạnh" in text and "Tổng cộng (2 trường)" in text


def test_principal_sees_only_the_own_school(client, world):
    client.force_login(world.owner.user)
    text = client.get(reverse("reports:statistics")).content.decode()
    assert "Thử Nghiệm" in text and "Bên Cạnh" not in text


def test_teachers_may_not(client, world):
    client.force_login(world.member.user)
    assert client.get(reverse("reports:statistics")).status_code == 403


def test_the_page_counts_each_outcome_under_its_catalogue_name(client, world, fill_year):
    fill_year(world.enrolment, world.member.user, rating="T", score=9, trait="T")
    year_results_assess(enrolments=[world.enrolment, world.enrolment1], by=world.owner.user)
    client.force_login(world.owner.user)
    text = client.get(reverse("reports:statistics")).content.decode()
    headers = re.findall(r'<th class="num" title="([^"]+)">', text)
    assert headers == list(catalogue.OUTCOMES.values())
    body = re.search(r"<tbody>(.*?)</tbody>", text, re.S)[1]
    counts = re.findall(r'<td class="num">(\d+)</td>', body)
    # classes, pupils, issued, then one count per outcome in the headers' order, then "Chưa có kết quả"
    assert counts == ["3", "2", "0", "1", "0", "0", "0", "1"]
