"""The dashboards against an independent count: a small generated province (3 communes, 6 schools, 300 pupils)
plus campaign events, counted in the test by walking the records one by one."""

import datetime as dt
import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from hocbaso.assessment.models import DataLock, YearResult
from hocbaso.directory.models import Commune, Enrolment, Province, Pupil, Role, School, SchoolClass, Staff, StaffRole
from hocbaso.records.models import ClassPackage, IssuedRecord, PackageReceipt, RecordDraft, RecordWithdrawal
from hocbaso.records.packages import package_receipts_record
from hocbaso.directory.selectors import school_places
from hocbaso.reports.models import YearFigures, YearVersion
from hocbaso.testing.people import PASSWORD
from hocbaso.tt27 import catalogue

YEAR = "2025-2026"


@pytest.fixture
def province(db, django_user_model):
    call_command("generate_province", "--small", "--code", "91", stdout=io.StringIO())
    p = Province.objects.get(code="91")
    communes = list(Commune.objects.filter(province=p).order_by("code"))
    officers = {}
    for username, org, role in (("so91", {"province": p}, Role.PROVINCE_OFFICER),
                                ("xa1", {"commune": communes[0]}, Role.COMMUNE_OFFICER),
                                ("xa2", {"commune": communes[1]}, Role.COMMUNE_OFFICER)):
        user = django_user_model.objects.create_user(username=username, password=PASSWORD)
        StaffRole.objects.create(staff=Staff.objects.create(user=user, full_name=f"Cán bộ {username}", **org),
                                 role=role)
        officers[username] = user
    # Campaign events: one school of the first commune locks a class and makes a package for every class, all
    # received by the Sở; one school of the second commune makes one package, not received.
    school = School.objects.filter(placements__commune=communes[0]).order_by("code").first()
    klass = SchoolClass.objects.filter(school_year__school=school).order_by("grade", "name").first()
    if not DataLock.objects.filter(school_year=klass.school_year).exists():
        DataLock.objects.create(school_year=klass.school_year, school_class=klass, locked_at=timezone.now())
    for n, each in enumerate(SchoolClass.objects.filter(school_year__school=school)):
        ClassPackage.objects.create(school_class=each, file="x.zip", sha256=f"{n:064d}", records=1,
                                    created_by=officers["so91"])
    package_receipts_record(sha256s=ClassPackage.objects.values_list("sha256", flat=True),
                            schools=School.objects.filter(placements__province=p), by=officers["so91"])
    ClassPackage.objects.create(school_class=SchoolClass.objects.filter(school_year__school__placements__commune=communes[1])
                                .first(), file="y.zip", sha256="f" * 64, records=1, created_by=officers["so91"])
    pupil = Enrolment.objects.filter(school_class=klass).first().pupil
    pupil.disability = "Khuyết tật vận động"
    pupil.save()
    return {"province": p, "communes": communes, "officers": officers, "school": school, "class": klass}


def independent_count(schools) -> dict:
    """Counted from the records one by one, without the dashboards' code."""
    ids = {s.pk for s in schools}
    out = {"classes": 0, "pupils": 0, "disability": 0, "outcomes": Counter(), "awards": Counter(),
           "grade5": 0, "completed_primary": 0, "locked": 0, "packaged": 0, "received": 0, "by_grade": Counter()}
    for klass in SchoolClass.objects.filter(school_year__name=YEAR).select_related("school_year"):
        if klass.school_year.school_id not in ids:
            continue
        out["classes"] += 1
        locks = DataLock.objects.filter(school_year=klass.school_year)
        if any(lock.school_class_id in (None, klass.pk) for lock in locks):
            out["locked"] += 1
        if ClassPackage.objects.filter(school_class=klass).exists():
            out["packaged"] += 1
        if PackageReceipt.objects.filter(package__school_class=klass).exists():
            out["received"] += 1
        for enrolment in Enrolment.objects.filter(school_class=klass, status="studying").select_related("pupil"):
            out["pupils"] += 1
            out["disability"] += bool(enrolment.pupil.disability)
            result = YearResult.objects.filter(enrolment=enrolment).first()
            outcome = result.outcome if result and result.outcome else "none"
            out["outcomes"][outcome] += 1
            out["by_grade"][(klass.grade, outcome)] += 1
            if result and result.award:
                out["awards"][result.award] += 1
            if klass.grade == 5:
                out["grade5"] += 1
                out["completed_primary"] += bool(result and result.completed_primary)
    return out


def table_row(html: str, table: str, key: str) -> list[str]:
    body = re.search(rf'<table class="stat" id="{table}">(.*?)</table>', html, re.S)[1]
    if key == "total":
        row = re.search(r"<tfoot>(.*?)</tfoot>", body, re.S)[1]
    else:
        row = re.search(rf'<tr data-key="{re.escape(key)}">(.*?)</tr>', body, re.S)[1]
    return re.findall(r'class="num[^"]*">([^<]*)<', row)


def expected_outcome_cells(count, schools=None) -> list[str]:
    cells = [] if schools is None else [str(schools)]
    cells += [str(count["classes"]), str(count["pupils"]), str(count["disability"])]
    cells += [str(count["outcomes"].get(k, 0)) for k in (*catalogue.OUTCOMES, "none")]
    cells += [str(count["awards"].get(k, 0)) for k in catalogue.AWARDS]
    return cells + [f'{count["completed_primary"]}/{count["grade5"]}']


def test_province_commune_and_school_pages_equal_an_independent_count(client, province):
    client.force_login(province["officers"]["so91"])
    html = client.get(reverse("reports:statistics")).content.decode()
    schools = list(School.objects.filter(placements__province=province["province"]))
    assert f'{province["province"].name} — năm học {YEAR}' in html
    whole = independent_count(schools)
    assert whole["pupils"] == 300 and sum(whole["outcomes"].values()) == 300
    assert table_row(html, "outcome-table", "total") == expected_outcome_cells(whole, len(schools))
    places = school_places(schools)
    for commune in province["communes"]:
        mine = [s for s in schools if places[s.pk].commune_code == commune.code]
        count = independent_count(mine)
        assert table_row(html, "outcome-table", commune.code) == expected_outcome_cells(count, len(mine))
        page = client.get(reverse("reports:dashboard", args=["xa", commune.code])).content.decode()
        assert table_row(page, "outcome-table", "total") == expected_outcome_cells(count, len(mine))
        for school in mine:
            assert table_row(page, "outcome-table", school.code) == expected_outcome_cells(independent_count([school]),
                                                                                            1)
    # The campaign: one class locked (or its school's whole year) and one class package made, over the province.
    campaign = table_row(html, "campaign-table", "total")
    assert campaign[:3] == [str(whole["classes"]), str(whole["pupils"]), str(whole["locked"])]
    assert campaign[6:8] == [str(whole["packaged"]), str(whole["received"])]
    assert whole["received"] == whole["packaged"] - 1 > 0
    # By grade, in the school's page.
    school = province["school"]
    page = client.get(reverse("reports:dashboard", args=["truong", school.code])).content.decode()
    count = independent_count([school])
    grades = re.search(r'id="grade-table">(.*?)</table>', page, re.S)[1]
    for grade in catalogue.GRADES:
        row = re.search(rf"<td>Lớp {grade}</td>(.*?)</tr>", grades, re.S)[1]
        numbers = re.findall(r'class="num">(\d+)<', row)
        assert numbers[1:6] == [str(count["by_grade"][(grade, k)]) for k in (*catalogue.OUTCOMES, "none")]


def test_late_are_the_schools_past_the_lock_date_whose_packages_the_office_has_not_all_received(client, province):
    client.force_login(province["officers"]["so91"])
    html = client.get(reverse("reports:statistics")).content.decode()
    late = re.findall(r'<tr data-school="(\d+)">', html)
    assert sorted(late) == sorted(School.objects.filter(placements__province=province["province"])
                                  .exclude(pk=province["school"].pk).values_list("code", flat=True))
    assert School.objects.get(code=late[0]).years.get().lock_date < dt.date.today()
    assert f"Trường trễ hạn ({len(late)})" in html


def test_a_commune_sees_only_its_schools(client, province):
    first, second = province["communes"][:2]
    client.force_login(province["officers"]["xa1"])
    home = client.get(reverse("reports:statistics")).content.decode()
    assert first.name in home and second.name not in home
    for code in School.objects.filter(placements__commune=second).values_list("code", flat=True):
        assert code not in home
        assert client.get(reverse("reports:dashboard", args=["truong", code])).status_code == 404
        assert client.get(reverse("reports:workbook", args=["truong", code])).status_code == 404
    assert client.get(reverse("reports:dashboard", args=["xa", second.code])).status_code == 404
    assert client.get(reverse("reports:chart", args=["xa", second.code, "ket-qua"])).status_code == 404
    assert client.get(reverse("reports:dashboard", args=["tinh", "91"])).status_code == 404
    other_class = SchoolClass.objects.filter(school_year__school__placements__commune=second).first()
    assert client.get(reverse("reports:dashboard", args=["lop", other_class.pk])).status_code == 404
    mine = School.objects.filter(placements__commune=first).first()
    assert client.get(reverse("reports:dashboard", args=["truong", mine.code])).status_code == 200


def test_an_office_sees_a_class_s_counts_and_no_pupil(client, province):
    """Offices read aggregates only (issue 17, finding 18): the class page's figures, no name."""
    klass = province["class"]
    client.force_login(province["officers"]["so91"])
    html = client.get(reverse("reports:dashboard", args=["lop", klass.pk])).content.decode()
    enrolments = list(Enrolment.objects.filter(school_class=klass).select_related("pupil"))
    assert 'id="names-hidden"' in html and 'id="pupil-table"' not in html
    assert f'<b id="fig-pupils">{len(enrolments)}</b>' in html
    assert not [e.pupil.full_name for e in enrolments if e.pupil.full_name in html]
    crumbs = re.search(r'<nav class="crumbs" id="crumbs"[^>]*>(.*?)</nav>', html, re.S)[1]
    assert crumbs.count("<a ") == 3 and f"Lớp {klass.name}" in crumbs  # province, commune, school


def test_the_class_page_lists_each_pupil_with_the_outcome(client, province, django_user_model):
    from hocbaso.directory.models import Role
    from hocbaso.testing.people import make_staff

    klass = province["class"]
    principal = make_staff(django_user_model, klass.school_year.school, "ht.lop", "Hiệu Trưởng Lớp", Role.PRINCIPAL)
    client.force_login(principal.user)
    html = client.get(reverse("reports:dashboard", args=["lop", klass.pk])).content.decode()
    body = re.search(r'id="pupil-table">.*?<tbody>(.*?)</tbody>', html, re.S)[1]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    enrolments = list(Enrolment.objects.filter(school_class=klass).select_related("pupil", "year_result"))
    assert len(rows) == len(enrolments)
    words = Counter(catalogue.OUTCOMES[e.year_result.outcome] for e in enrolments)
    assert Counter(w for row in rows for w in catalogue.OUTCOMES.values() if f"<td>{w}</td>" in row) == words
    assert [c.split("›")[0] for c in re.findall(r'<nav class="crumbs".*?</nav>', html, re.S)]
    crumbs = re.search(r'<nav class="crumbs" id="crumbs"[^>]*>(.*?)</nav>', html, re.S)[1]
    assert crumbs.count("<a ") == 1 and f"Lớp {klass.name}" in crumbs  # a principal's top is the school


def test_charts_are_svg_and_the_workbook_opens_with_the_page_numbers(client, province):
    client.force_login(province["officers"]["so91"])
    for chart in ("ket-qua", "tien-do"):
        response = client.get(reverse("reports:chart", args=["tinh", "91", chart]))
        assert response["Content-Type"].startswith("image/svg+xml")
        assert response.content.startswith(b"<svg") and b"</svg>" in response.content
    assert "Lớp 5".encode() in client.get(reverse("reports:chart", args=["tinh", "91", "ket-qua"])).content
    response = client.get(reverse("reports:workbook", args=["tinh", "91"]))
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Tổng hợp", "Theo khối", "Tiến độ", "Trường trễ hạn"]
    sheet = book["Tổng hợp"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    whole = independent_count(list(School.objects.filter(placements__province=province["province"])))
    total = rows[-1]
    assert total[0] == "Tổng cộng" and total[3:6] == (whole["classes"], whole["pupils"], whole["disability"])
    assert list(total[6:11]) == [whole["outcomes"].get(k, 0) for k in (*catalogue.OUTCOMES, "none")]
    assert len(rows) == len(province["communes"]) + 1
    assert book["Trường trễ hạn"].max_row == 1 + 5


def test_teachers_and_pupils_outside_may_not(client, world):
    client.force_login(world.member.user)
    assert client.get(reverse("reports:statistics")).status_code == 403
    assert client.get(reverse("reports:dashboard", args=["truong", world.school.code])).status_code == 403


def test_generator_places_every_school_in_a_commune_of_its_province_under_the_commune_s_ubnd(province):
    schools = list(School.objects.filter(placements__province=province["province"]))
    places = school_places(schools)
    communes = {c.code: c for c in province["communes"]}
    assert len(schools) == 6 and len(communes) == 3
    for school in schools:
        place = places[school.pk]
        assert place.province_code == "91" and place.commune_code in communes
        assert place.authority_name == f"UBND {communes[place.commune_code].name}"
    assert {places[s.pk].commune_code for s in schools} == set(communes)


def test_generator_writes_outcomes_by_the_tt27_rules(province):
    results = YearResult.objects.filter(
        enrolment__school_class__school_year__school__placements__province__code="91")
    assert results.count() == Pupil.objects.filter(school__placements__province__code="91").count() == 300
    assert set(results.values_list("outcome", flat=True)) <= set(catalogue.OUTCOMES)
    assert not results.filter(outcome="HTXS").exclude(award="hoc_sinh_xuat_sac").exists()
    assert not results.filter(enrolment__school_class__grade=5, outcome="CHT", completed_primary=True).exists()


def campaign_count(schools) -> list[int]:
    """The campaign row (classes, pupils, locked, homeroom-signed, principal-signed, issued, packaged, received)
    counted from the records one by one."""
    count = independent_count(schools)
    ids = {s.pk for s in schools}
    studying = Enrolment.objects.filter(school_class__school_year__name=YEAR, school_class__school_year__school__in=ids)
    teacher = principal = issued = 0
    for enrolment in studying:
        drafts = [d for d in RecordDraft.objects.filter(enrolment=enrolment) if d.state != "discarded"]
        teacher += any(d.teacher_signed_at for d in drafts)
        principal += any(d.principal_signed_at for d in drafts)
        issued += any(not hasattr(r, "superseded_by") and not hasattr(r, "withdrawal")
                      for r in IssuedRecord.objects.filter(enrolment=enrolment))
    return [count["classes"], count["pupils"], count["locked"], teacher, principal, issued, count["packaged"],
            count["received"]]


def test_the_summary_stays_exact_after_each_kind_of_change(client, province, django_user_model):
    """Each school year's figures are stored (``YearFigures``) and counted again only when the triggers have
    raised its version: after each kind of change the pages still equal an independent count, and a page with
    nothing changed reads the stored figures."""
    from hocbaso.directory.services import school_place
    from hocbaso.records.codes import new_lookup_code, new_record_id
    from hocbaso.records.locks import data_lock

    so = province["officers"]["so91"]
    client.force_login(so)
    schools = list(School.objects.filter(placements__province=province["province"]))
    school = School.objects.filter(placements__commune=province["communes"][1]).order_by("code").first()
    year = school.years.get(name=YEAR)
    klass = SchoolClass.objects.filter(school_year=year).order_by("grade", "name").last()
    enrolment = Enrolment.objects.filter(school_class=klass).order_by("pk").first()
    now = timezone.now()

    def check(what):
        html = client.get(reverse("reports:statistics")).content.decode()
        places = school_places(schools)
        assert table_row(html, "outcome-table", "total") == expected_outcome_cells(
            independent_count(schools), len(schools)), what
        for commune in province["communes"]:
            mine = [s for s in schools if places[s.pk].commune_code == commune.code]
            row = table_row(html, "outcome-table", commune.code) if mine else None
            assert row is None or row == expected_outcome_cells(independent_count(mine), len(mine)), what
        assert [int(n) for n in table_row(html, "campaign-table", "total")[:8]] == campaign_count(schools), what
        stored = YearFigures.objects.get(school_year=year)
        assert stored.counted_version == YearVersion.objects.filter(school_year=year).values_list(
            "version", flat=True).first() or 0, what

    def changes(what, change):
        before = YearVersion.objects.filter(school_year=year).values_list("version", flat=True).first() or 0
        change()
        assert YearVersion.objects.get(school_year=year).version > before, what  # the trigger saw it
        check(what)

    check("first count")
    # Nothing changed: the stored figures are what the page shows (a wrong stored count would show).
    stored = YearFigures.objects.get(school_year=year)
    YearFigures.objects.filter(pk=stored.pk).update(counts=[n + 1 if i == 1 else n for i, n in enumerate(stored.counts)])
    html = client.get(reverse("reports:dashboard", args=["xa", province["communes"][1].code])).content.decode()
    assert int(table_row(html, "outcome-table", school.code)[2]) == int(
        expected_outcome_cells(independent_count([school]), 1)[2]) + 1
    YearFigures.objects.filter(pk=stored.pk).update(counts=stored.counts)

    result = YearResult.objects.get(enrolment=enrolment)
    changes("a new year result", lambda: YearResult.objects.filter(pk=result.pk).update(
        outcome="CHT" if result.outcome != "CHT" else "HT", award=None))
    changes("a lock", lambda: data_lock(school_year=year, school_class=klass, by=so))
    draft = {}

    def render():
        draft["x"] = RecordDraft.objects.create(
            enrolment=enrolment, record_id=new_record_id(school.code, YEAR), lookup_code=new_lookup_code(),
            effective_date=dt.date(2026, 6, 2), record={}, boxes={}, pdf="d.pdf", sha256="d" * 64, created_by=so)
    changes("a draft rendered", render)
    changes("the homeroom teacher's signature", lambda: RecordDraft.objects.filter(pk=draft["x"].pk).update(
        state="teacher_signed", teacher_signed_at=now))
    changes("the principal's signature", lambda: RecordDraft.objects.filter(pk=draft["x"].pk).update(
        state="principal_signed", principal_signed_at=now))
    issued = {}

    def issue(version=1, supersedes=None):
        issued["x"] = IssuedRecord.objects.create(
            record_id=new_record_id(school.code, YEAR), lookup_code=new_lookup_code(), enrolment=enrolment,
            version=version, supersedes=supersedes, school_code=school.code, school_year=YEAR, class_name=klass.name,
            pupil_name=enrolment.pupil.full_name, pupil_birth_date=enrolment.pupil.birth_date,
            effective_date=dt.date(2026, 6, 2), issued_at=timezone.now(), issued_by=so,
            sha256=f"{version}" * 64, pdf="r.pdf", record={})
        RecordDraft.objects.filter(pk=draft["x"].pk).update(state="issued")
    changes("issuance", issue)
    changes("a correction (version 2 supersedes)", lambda: issue(2, issued["x"]))
    changes("a withdrawal", lambda: RecordWithdrawal.objects.create(issued_record=issued["x"], reason="nhầm",
                                                                    withdrawn_by=so))
    package = {}

    def make_package():
        package["x"] = ClassPackage.objects.create(school_class=klass, file="p.zip", sha256="e" * 64, records=1,
                                                   created_by=so)
    changes("a class package", make_package)
    changes("a package receipt", lambda: package_receipts_record(sha256s=["e" * 64], schools=[school], by=so))
    changes("a pupil's disability", lambda: Pupil.objects.filter(pk=enrolment.pupil_id).update(
        disability="Khuyết tật nghe" if not enrolment.pupil.disability else ""))
    changes("a pupil who left", lambda: Enrolment.objects.filter(pk=enrolment.pk).update(
        status="left", left_on=dt.date(2026, 1, 5)))
    # A school moved to another commune: its figures did not change, its row did.
    moved_to = province["communes"][2]
    school_place(school=school, since=timezone.localdate(), commune=moved_to, by=so)
    check("a school moved to another commune")
    html = client.get(reverse("reports:dashboard", args=["xa", moved_to.code])).content.decode()
    assert school.code in html


def test_generate_province_refuses_a_province_code_in_use(province):
    with pytest.raises(CommandError, match="Đã có tỉnh mã 91"):
        call_command("generate_province", "--small", "--code", "91", stdout=io.StringIO())


WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)


def writes(client, url) -> list[str]:
    """The SQL statements that write, run while fetching ``url``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return [q["sql"] for q in queries.captured_queries if WRITE.match(q["sql"])]


def test_reading_a_dashboard_writes_nothing_when_its_figures_are_current(client, province):
    """Reads do not write: once each school year's figures are stored at their present version, no page, chart or
    workbook of any level writes (the school's and the class's pages count their school afresh, for its classes,
    and leave its stored row alone). After a change, the first page stores the school year's row once, then
    nothing again."""
    client.force_login(province["officers"]["so91"])
    school, klass, commune = province["school"], province["class"], province["communes"][0]
    urls = [reverse("reports:statistics")]
    for level, key in (("tinh", "91"), ("xa", commune.code), ("truong", school.code), ("lop", klass.pk)):
        urls += [reverse("reports:dashboard", args=[level, key]), reverse("reports:workbook", args=[level, key]),
                 reverse("reports:chart", args=[level, key, "ket-qua"])]
        if level != "lop":
            urls.append(reverse("reports:chart", args=[level, key, "tien-do"]))
    assert writes(client, urls[0]), "the first page stores the figures counted"
    assert YearFigures.objects.count() == School.objects.filter(placements__province=province["province"]).count()
    for url in urls:
        assert writes(client, url) == [], url
    # A change in the class's school: its page counts and stores the school year's row once; then no write.
    year = klass.school_year
    YearResult.objects.filter(enrolment__school_class=klass).update(award=None)
    version = YearVersion.objects.get(school_year=year).version
    stored = writes(client, reverse("reports:dashboard", args=["truong", school.code]))
    assert len(stored) == 1 and "reports_yearfigures" in stored[0]
    assert YearFigures.objects.get(school_year=year).counted_version == version
    for url in urls:
        assert writes(client, url) == [], url


def test_storing_figures_never_goes_back_to_an_older_version(province):
    """Two pages counting the same school year at once: the one that read an older version stores nothing over
    the newer row (the UPSERT's condition), and a row at the present version is left as it is."""
    from hocbaso.reports.selectors import LAYOUT, Tally, _figures_store

    year = province["class"].school_year
    version = YearVersion.objects.get(school_year=year).version
    now = timezone.now()
    newer = Tally()
    newer.v[0] = 7
    _figures_store({year.pk: newer}, {year.pk: version}, now)
    row = YearFigures.objects.get(school_year=year)
    assert (row.counted_version, row.counts[0], row.layout) == (version, 7, LAYOUT)
    older = Tally()
    older.v[0] = 3
    _figures_store({year.pk: older}, {year.pk: version - 1}, now)
    _figures_store({year.pk: older}, {year.pk: version}, now)
    assert YearFigures.objects.get(school_year=year).counts[0] == 7
    later = Tally()
    later.v[0] = 9
    _figures_store({year.pk: later}, {year.pk: version + 1}, now)
    assert YearFigures.objects.get(school_year=year).counts[0] == 9
