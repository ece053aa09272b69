"""The demo school: its shape, its spread of outcomes, idempotence, and the export → assess round trip."""

import hashlib
import json
import os
import subprocess
import sys

import pytest
from django.db.models import Count, Q

from hocbaso.assessment.models import SubjectEvaluation, TraitEvaluation, YearResult
from hocbaso.audit.models import AuditEntry
from hocbaso.demo.builder import SCHOOL_CODE, SCHOOL_YEAR, demo_build
from hocbaso.directory.models import Enrolment, Pupil, SchoolClass, Staff
from hocbaso.records.selectors import enrolments_for_records, record_build
from hocbaso.tt27 import assess

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Build the demo once for the module, inside a transaction rolled back afterwards,
    so the rest of the suite sees an empty database."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        yield demo_build()
        transaction.set_rollback(True)


def evaluation_digest() -> str:
    rows = SubjectEvaluation.objects.order_by("pk").values_list("pk", "rating", "score", "comment", "revision")
    traits = TraitEvaluation.objects.order_by("pk").values_list("pk", "rating", "comment", "revision")
    return hashlib.sha256(repr((list(rows), list(traits))).encode()).hexdigest()


@pytest.mark.django_db
def test_shape_of_the_school(demo):
    classes = SchoolClass.objects.filter(school_year__school__code=SCHOOL_CODE, school_year__name=SCHOOL_YEAR)
    assert classes.count() == 24
    assert sorted(set(classes.values_list("grade", flat=True))) == [1, 2, 3, 4, 5]
    pupils = Pupil.objects.filter(school__code=SCHOOL_CODE)
    assert 900 <= pupils.count() <= 1000
    assert Staff.objects.filter(school__code=SCHOOL_CODE).count() == 38
    numbers = [n for n in pupils.values_list("identity_number", flat=True) if n]
    assert len(numbers) == len(set(numbers)) == pupils.count() - 3
    assert all(len(n) == 12 and n.isdigit() and n.startswith("067") for n in numbers)
    disabled = pupils.exclude(disability="")
    assert disabled.count() == 3
    assert Enrolment.objects.filter(pupil__in=disabled, individual_plan=True).count() == 1
    # Names are Vietnamese, not "Student 1".
    assert not pupils.filter(full_name__icontains="student").exists()
    assert pupils.filter(full_name__startswith="Nguyễn").count() > 150


@pytest.mark.django_db
def test_every_pupil_has_all_four_periods_and_a_valid_outcome(demo):
    periods = set(SubjectEvaluation.objects.values_list("period", flat=True).distinct())
    assert periods == {"giua_hk1", "cuoi_hk1", "giua_hk2", "cuoi_nam"}
    results = YearResult.objects.filter(enrolment__school_class__school_year__school__code=SCHOOL_CODE)
    assert results.count() == Pupil.objects.filter(school__code=SCHOOL_CODE).count()
    assert not results.filter(outcome__isnull=True).exists()
    assert all(r == [] for r in results.values_list("errors", flat=True))


@pytest.mark.django_db
def test_believable_spread_of_outcomes_and_awards(demo):
    counts = dict(YearResult.objects.values_list("outcome").annotate(n=Count("pk")))
    total = sum(counts.values())
    share = {k: v / total for k, v in counts.items()}
    assert 0.08 <= share["HTXS"] <= 0.18
    assert 0.30 <= share["HTT"] <= 0.48
    assert 0.38 <= share["HT"] <= 0.55
    assert 0.005 <= share["CHT"] <= 0.03
    awarded = YearResult.objects.exclude(award__isnull=True).count() / total
    assert 0.15 <= awarded <= 0.35
    # Tiêu biểu needs the class's recognition: a minority of HTT pupils, as in real schools (issue 19: it was 95 %).
    htt = YearResult.objects.filter(outcome="HTT")
    tieu_bieu = htt.filter(award="hoc_sinh_tieu_bieu").count() / htt.count()
    assert 0.15 <= tieu_bieu <= 0.45
    for name in SchoolClass.objects.filter(school_year__school__code=SCHOOL_CODE).values_list("name", flat=True):
        in_class = htt.filter(enrolment__school_class__name=name)
        assert in_class.filter(award="hoc_sinh_tieu_bieu").count() < max(2, in_class.count())


@pytest.mark.django_db
def test_the_cases_of_issue_19(demo):
    """At least one pupil completed after the supplementary evaluation, one kept back by the principal, one on an
    individual plan with an exempted subject, one with an award for an exceptional achievement; each record valid."""
    cases = demo.cases
    assert cases.completed_after_supplementary and len(cases.kept_back) == 1 and cases.exempted
    assert ("dot_xuat" in [kind for _key, kind in cases.awards])
    cht = YearResult.objects.filter(outcome="CHT")
    assert cht.filter(completed_grade=True).count() == len(cases.completed_after_supplementary)
    records = {}
    for enrolment in enrolments_for_records().filter(
            Q(supplementary__isnull=False) | Q(exemptions__isnull=False) | Q(awards__isnull=False)).distinct():
        record = json.loads(json.dumps(record_build(enrolment), ensure_ascii=False))
        assessment = assess(record)
        assert assessment.valid, (enrolment.pk, assessment.errors)
        assert assessment.completed_grade == enrolment.year_result.completed_grade
        records[enrolment.pk] = (record, assessment)
    kept = [a for _r, a in records.values() if a.promoted is False]
    assert len(kept) == 1
    assert any(r["supplementary_evaluation"] and r["supplementary_evaluation"]["completed"] for r, _a in records.values())
    assert any(r["exempted_subjects"] and r["individual_plan"] for r, _a in records.values())
    assert any(r["awards"] and r["awards"][0]["kind"] == "dot_xuat" for r, _a in records.values())


@pytest.mark.django_db
def test_second_run_changes_nothing(demo):
    before = (evaluation_digest(), Pupil.objects.count(), Enrolment.objects.count(), Staff.objects.count(),
              AuditEntry.objects.count())
    again = demo_build()
    after = (evaluation_digest(), Pupil.objects.count(), Enrolment.objects.count(), Staff.objects.count(),
             AuditEntry.objects.count())
    assert before == after
    assert sum(again.created.values()) == 0


@pytest.mark.django_db
def test_demo_changes_are_attributed_to_the_demo_loader(demo):
    entry = AuditEntry.objects.filter(action="evaluation.change").first()
    assert entry.actor.username == "demo-loader" and entry.school_code == SCHOOL_CODE
    assert SubjectEvaluation.objects.filter(updated_by__username="demo-loader").count() == SubjectEvaluation.objects.count()


@pytest.mark.django_db
def test_exported_records_feed_back_into_assess_with_the_stored_outcome(demo):
    sample = list(enrolments_for_records().filter(school_class__school_year__school__code=SCHOOL_CODE)
                  .order_by("pk")[::37])
    sample += list(enrolments_for_records().filter(individual_plan=True))
    grades = set()
    for enrolment in sample:
        record = json.loads(json.dumps(record_build(enrolment), ensure_ascii=False))
        result = assess(record)
        stored = enrolment.year_result
        assert result.valid, (enrolment.pk, result.errors)
        assert (result.outcome, result.award, result.completed_grade, result.completed_primary) == \
            (stored.outcome, stored.award, stored.completed_grade, stored.completed_primary)
        grades.add(enrolment.school_class.grade)
    assert grades == {1, 2, 3, 4, 5}


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")),
                    reason="runs on its own SQLite data folder; the PostgreSQL pass would repeat it unchanged")
def test_cli_export_record_pipes_into_assess(tmp_path):
    """The real commands, on a data folder of their own: demo, export-record, assess."""
    env = {**os.environ, "HOCBASO_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    run = lambda *args, **kw: subprocess.run([sys.executable, "-m", "hocbaso", *args], env=env,  # noqa: E731
                                             capture_output=True, text=True, **kw)
    built = run("demo")
    assert built.returncode == 0, built.stderr
    assert "hieutruong" in built.stdout and "hocbaso@2025" in built.stdout
    assert "Đã ký số và phát hành" in built.stdout and "/tra-cuu/" in built.stdout  # signed, issued, a sample code
    exported = run("export-record", "--pupil", "06731", "--year", SCHOOL_YEAR)  # not an id: refused clearly
    assert exported.returncode != 0 and "Không tìm thấy" in exported.stderr
    pupil_id = run("shell", "-v", "0", "-c", "from hocbaso.directory.models import Pupil;"
                   "print(Pupil.objects.filter(enrolments__school_class__name='5A').order_by('pk').first().pk)")
    exported = run("export-record", "--pupil", pupil_id.stdout.strip(), "--year", SCHOOL_YEAR)
    assert exported.returncode == 0, exported.stderr
    record = json.loads(exported.stdout)
    assert record["grade"] == 5 and record["completed_primary"] in (True, False)
    assessed = run("assess", "-", input=exported.stdout)
    assert assessed.returncode == 0, assessed.stdout
    assert json.loads(assessed.stdout)["outcome"] == record["outcome"]
