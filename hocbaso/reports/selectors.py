"""The offices' dashboards: per class, then rolled up per school, commune and province, for one school year —
pupils, classes, outcomes and awards by grade, completion of primary, pupils with disabilities, and the signing
campaign (locked, signed by the homeroom teacher, by the principal, issued, class packages made and received)
against the year's lock date.

Every figure is counted by the database, grouped per class, in a fixed number of queries whatever the number of
schools (``bench/bench_dashboards.py`` measures it); the roll-ups add the classes' tallies in Python.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q
from django.utils import timezone

from hocbaso.assessment.models import DataLock
from hocbaso.directory.models import Enrolment, EnrolmentStatus, SchoolClass, SchoolYear
from hocbaso.records.models import ClassPackage, DraftState, IssuedRecord, PackageReceipt, RecordDraft
from hocbaso.reports.places import school_places
from hocbaso.tt27 import catalogue

# The outcomes in tt27.catalogue's order, then pupils without one yet: the order of the statistics' columns.
OUTCOME_KEYS = (*catalogue.OUTCOMES, "none")
OUTCOME_NAMES = {**catalogue.OUTCOMES, "none": "Chưa có kết quả"}
# The campaign's steps in order: (key, heading). ``locked`` and ``packaged`` count classes, the others pupils.
CAMPAIGN = (("locked", "Lớp đã chốt"), ("teacher_signed", "GVCN đã ký"), ("principal_signed", "Hiệu trưởng đã ký"),
            ("issued", "Đã phát hành"), ("packaged", "Gói đã lập"), ("received", "Gói Sở đã nhận"))


def disability_condition() -> Q:
    """Which enrolments count as pupils with disabilities (TT27 Điều 8): the pupil's ``disability`` is filled in.
    The one definition the dashboards use."""
    return ~Q(pupil__disability="")


@dataclass
class Tally:
    """The figures of one class, or of any group of classes once added together."""

    classes: int = 0
    pupils: int = 0  # studying
    disability: int = 0
    outcomes: Counter = field(default_factory=Counter)
    awards: Counter = field(default_factory=Counter)
    by_grade: dict = field(default_factory=dict)  # grade -> Counter (pupils, outcomes, awards)
    grade5: int = 0
    completed_primary: int = 0
    locked: int = 0
    teacher_signed: int = 0
    principal_signed: int = 0
    issued: int = 0
    packaged: int = 0
    received: int = 0
    last: dict = field(default_factory=dict)  # campaign step -> latest date-time

    def add(self, other: "Tally") -> "Tally":
        for name in ("classes", "pupils", "disability", "grade5", "completed_primary", *(k for k, _ in CAMPAIGN)):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.outcomes.update(other.outcomes)
        self.awards.update(other.awards)
        for grade, counts in other.by_grade.items():
            self.by_grade.setdefault(grade, Counter()).update(counts)
        for step, when in other.last.items():
            if when and (step not in self.last or self.last[step] < when):
                self.last[step] = when
        return self

    def outcome_row(self) -> list[int]:
        return [self.outcomes.get(k, 0) for k in OUTCOME_KEYS]

    def award_row(self) -> list[int]:
        return [self.awards.get(k, 0) for k in catalogue.AWARDS]

    def campaign_row(self) -> list[int]:
        return [getattr(self, k) for k, _ in CAMPAIGN]

    def last_rows(self) -> list[tuple]:
        """(step's heading, latest date-time) for the campaign steps done at least once, in order."""
        return [(name, self.last[key]) for key, name in CAMPAIGN if self.last.get(key)]

    def grade_rows(self) -> list[tuple]:
        """(grade, pupils, [outcome counts], [award counts]) for grades 1–5."""
        rows = []
        for grade in catalogue.GRADES:
            counts = self.by_grade.get(grade, Counter())
            rows.append((grade, counts.get("pupils", 0), [counts.get(k, 0) for k in OUTCOME_KEYS],
                         [counts.get(k, 0) for k in catalogue.AWARDS]))
        return rows


@dataclass
class ClassFigures:
    pk: int
    name: str
    grade: int
    school_id: int
    year_id: int
    tally: Tally


@dataclass
class SchoolFigures:
    pk: int
    code: str
    name: str
    deadline: dt.date | None  # the year's lock date
    place: object  # reports.places.SchoolPlace
    classes: list = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)

    @property
    def finished(self) -> bool:
        """Every class's package has reached the office."""
        return bool(self.tally.classes) and self.tally.received >= self.tally.classes

    def late(self, today: dt.date) -> bool:
        """The lock date has passed and the office has not received every class's package yet."""
        return bool(self.deadline) and today > self.deadline and not self.finished


def dashboard_figures(schools, school_year: str) -> list[SchoolFigures]:
    """Each school's figures for ``school_year`` with its classes' (schools without that year are left out),
    in the order of the schools' places (province, commune) and names."""
    schools = list(schools)
    places = school_places(schools)
    years = list(SchoolYear.objects.filter(school__in=[s.pk for s in schools], name=school_year)
                 .values_list("pk", "school_id", "lock_date"))
    year_ids = [y[0] for y in years]
    by_school = {}
    names = {s.pk: s for s in schools}
    for year_id, school_id, lock_date in years:
        school = names[school_id]
        by_school[school_id] = SchoolFigures(pk=school_id, code=school.code, name=school.name, deadline=lock_date,
                                             place=places[school_id])
    school_of_year = {y[0]: y[1] for y in years}
    classes = {}
    for pk, name, grade, year_id in (SchoolClass.objects.filter(school_year_id__in=year_ids)
                                     .values_list("pk", "name", "grade", "school_year_id")):
        classes[pk] = ClassFigures(pk=pk, name=name, grade=grade, school_id=school_of_year[year_id],
                                   year_id=year_id, tally=Tally(classes=1, by_grade={grade: Counter()}))
    _count_pupils(classes, year_ids)
    _count_campaign(classes, year_ids)
    for klass in sorted(classes.values(), key=lambda c: (c.grade, c.name)):
        school = by_school[klass.school_id]
        school.classes.append(klass)
        school.tally.add(klass.tally)
    return sorted(by_school.values(), key=lambda s: (s.place.province_name, s.place.commune_name, s.name))


def _count_pupils(classes: dict, year_ids: list) -> None:
    rows = (Enrolment.objects.filter(school_class__school_year_id__in=year_ids, status=EnrolmentStatus.STUDYING)
            .values_list("school_class_id", "year_result__outcome", "year_result__award",
                         "year_result__completed_primary")
            .annotate(n=Count("id"), disabled=Count("id", filter=disability_condition())).order_by())
    for class_id, outcome, award, completed_primary, n, disabled in rows:
        klass = classes[class_id]
        tally, grade = klass.tally, klass.grade
        counts = tally.by_grade[grade]
        tally.pupils += n
        tally.disability += disabled
        tally.outcomes[outcome or "none"] += n
        counts["pupils"] += n
        counts[outcome or "none"] += n
        if award:
            tally.awards[award] += n
            counts[award] += n
        if grade == 5:
            tally.grade5 += n
            tally.completed_primary += n if completed_primary else 0


def _count_campaign(classes: dict, year_ids: list) -> None:
    year_locks = dict(DataLock.objects.filter(school_year_id__in=year_ids, school_class__isnull=True)
                      .values_list("school_year_id", "locked_at"))
    class_locks = dict(DataLock.objects.filter(school_year_id__in=year_ids, school_class__isnull=False)
                       .values_list("school_class_id", "locked_at"))
    for klass in classes.values():
        when = class_locks.get(klass.pk) or year_locks.get(klass.year_id)
        if when:
            klass.tally.locked = 1
            klass.tally.last["locked"] = when
    in_years = Q(enrolment__school_class__school_year_id__in=year_ids)
    drafts = (RecordDraft.objects.filter(in_years).exclude(state=DraftState.DISCARDED)
              .values_list("enrolment__school_class_id")
              .annotate(teacher=Count("enrolment_id", filter=Q(teacher_signed_at__isnull=False), distinct=True),
                        principal=Count("enrolment_id", filter=Q(principal_signed_at__isnull=False), distinct=True),
                        teacher_at=Max("teacher_signed_at"), principal_at=Max("principal_signed_at")).order_by())
    for class_id, teacher, principal, teacher_at, principal_at in drafts:
        tally = classes[class_id].tally
        tally.teacher_signed, tally.principal_signed = teacher, principal
        tally.last.update({k: v for k, v in (("teacher_signed", teacher_at), ("principal_signed", principal_at)) if v})
    issued = (IssuedRecord.objects.filter(in_years, superseded_by__isnull=True, withdrawal__isnull=True)
              .values_list("enrolment__school_class_id").annotate(n=Count("enrolment_id", distinct=True),
                                                                  at=Max("issued_at")).order_by())
    for class_id, n, at in issued:
        classes[class_id].tally.issued = n
        classes[class_id].tally.last["issued"] = at
    packages = (ClassPackage.objects.filter(school_class__school_year_id__in=year_ids)
                .values_list("school_class_id").annotate(at=Max("created_at")).order_by())
    for class_id, at in packages:
        classes[class_id].tally.packaged = 1
        classes[class_id].tally.last["packaged"] = at
    receipts = (PackageReceipt.objects.filter(package__school_class__school_year_id__in=year_ids)
                .values_list("package__school_class_id").annotate(at=Max("received_at")).order_by())
    for class_id, at in receipts:
        classes[class_id].tally.received = 1
        classes[class_id].tally.last["received"] = at


def latest_school_year(schools) -> str | None:
    return (SchoolYear.objects.filter(school__in=schools).order_by("-name").values_list("name", flat=True).first())


def today() -> dt.date:
    return timezone.localdate()
