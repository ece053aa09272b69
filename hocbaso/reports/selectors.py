"""The offices' dashboards: per class, then rolled up per school, commune and province, for one school year —
pupils, classes, outcomes and awards by grade, completion of primary, pupils with disabilities, and the signing
campaign (locked, signed by the homeroom teacher, by the principal, issued, class packages made and received by
the office) against the year's lock date.

Every figure is counted by the database, grouped per class, in a fixed number of queries whatever the number of
schools. Each school year's figures are kept in the summary table ``reports.models.YearFigures``: a page over
several schools reads them in one query and counts again only the school years that changed since they were
counted (database triggers raise each school year's ``YearVersion``: migration 0001). A school's own page and a
class's count the school afresh (they show each class). Reads do not write once the figures are current: only
school years whose stored row is stale are stored (``_figures_store``). ``bench/bench_dashboards.py``
measures it.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, JSONField, Max, OuterRef, Q, Subquery
from django.utils import timezone

from hocbaso.assessment.models import DataLock
from hocbaso.directory.models import Enrolment, EnrolmentStatus, SchoolClass, SchoolYear
from hocbaso.records.models import ClassPackage, DraftState, IssuedRecord, PackageReceipt, RecordDraft
from hocbaso.directory.selectors import SchoolPlace, school_places
from hocbaso.reports.models import YearFigures, YearVersion
from hocbaso.tt27 import catalogue

# The outcomes in tt27.catalogue's order, then pupils without one yet: the order of the statistics' columns.
OUTCOME_KEYS = (*catalogue.OUTCOMES, "none")
OUTCOME_NAMES = {**catalogue.OUTCOMES, "none": "Chưa có kết quả"}
AWARD_KEYS = tuple(catalogue.AWARDS)
# The campaign's steps in order: (key, heading). ``locked``, ``packaged`` and ``received`` count classes, the
# others pupils.
CAMPAIGN = (("locked", "Lớp đã chốt"), ("teacher_signed", "GVCN đã ký"), ("principal_signed", "Hiệu trưởng đã ký"),
            ("issued", "Đã phát hành"), ("packaged", "Gói đã lập"), ("received", "Gói đã nhận"))
CLASS_STEPS = ("locked", "packaged", "received")

# A tally is a flat list of counts (cheap to add up, to cache and to read back):
COUNTS = ("classes", "pupils", "disability", "grade5", "completed_primary", *(k for k, _ in CAMPAIGN))
_AT = {name: i for i, name in enumerate(COUNTS)}
_OUTCOME = len(COUNTS)  # then one count per outcome key, then one per award
_AWARD = _OUTCOME + len(OUTCOME_KEYS)
_GRADE = _AWARD + len(AWARD_KEYS)  # then per grade: pupils, one per outcome key, one per award
_PER_GRADE = 1 + len(OUTCOME_KEYS) + len(AWARD_KEYS)
SIZE = _GRADE + len(catalogue.GRADES) * _PER_GRADE


def disability_condition() -> Q:
    """Which enrolments count as pupils with disabilities (TT27 Điều 8): the pupil's ``disability`` is filled in.
    The one definition the dashboards use."""
    return ~Q(pupil__disability="")


class Tally:
    """The figures of one class, or of any group of classes once added together."""

    __slots__ = ("v", "last")

    def __init__(self, v=None, last=None):
        self.v = v if v is not None else [0] * SIZE
        self.last = last if last is not None else [None] * len(CAMPAIGN)  # latest date-time of each step

    def __getattr__(self, name):
        if name in _AT:
            return self.v[_AT[name]]
        raise AttributeError(name)

    def add(self, other: "Tally") -> "Tally":
        self.v = [a + b for a, b in zip(self.v, other.v)]
        self.last = [max(a, b) if a and b else a or b for a, b in zip(self.last, other.last)]
        return self

    def outcome_row(self) -> list[int]:
        return self.v[_OUTCOME:_AWARD]

    def award_row(self) -> list[int]:
        return self.v[_AWARD:_GRADE]

    def campaign_row(self) -> list[int]:
        return [self.v[_AT[k]] for k, _ in CAMPAIGN]

    def last_rows(self) -> list[tuple]:
        """(step's heading, latest date-time) for the campaign steps done at least once, in order."""
        return [(name, when) for (_, name), when in zip(CAMPAIGN, self.last) if when]

    def grade_rows(self) -> list[tuple]:
        """(grade, pupils, [outcome counts], [award counts]) for grades 1–5."""
        rows = []
        for n, grade in enumerate(catalogue.GRADES):
            at = _GRADE + n * _PER_GRADE
            rows.append((grade, self.v[at], self.v[at + 1:at + 1 + len(OUTCOME_KEYS)],
                         self.v[at + 1 + len(OUTCOME_KEYS):at + _PER_GRADE]))
        return rows

    def _count(self, grade: int, outcome: str | None, award: str | None, n: int) -> None:
        v, at = self.v, _GRADE + (grade - 1) * _PER_GRADE
        key = OUTCOME_KEYS.index(outcome or "none")
        v[_AT["pupils"]] += n
        v[_OUTCOME + key] += n
        v[at] += n
        v[at + 1 + key] += n
        if award in AWARD_KEYS:
            v[_AWARD + AWARD_KEYS.index(award)] += n
            v[at + 1 + len(OUTCOME_KEYS) + AWARD_KEYS.index(award)] += n

    def _step(self, step: str, n: int, when) -> None:
        self.v[_AT[step]] = n
        if when:
            self.last[[k for k, _ in CAMPAIGN].index(step)] = when


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
    place: SchoolPlace
    tally: Tally = field(default_factory=Tally)
    counted_at: dt.datetime | None = None
    classes: list = field(default_factory=list)  # ClassFigures, when the school was counted by this call

    @property
    def finished(self) -> bool:
        """Every class's package has reached the office."""
        return bool(self.tally.classes) and self.tally.received >= self.tally.classes

    def late(self, today: dt.date) -> bool:
        """The lock date has passed and the office has not received every class's package yet."""
        return bool(self.deadline) and today > self.deadline and not self.finished


# What the stored counts mean: figures stored under another layout (catalogue or code changed) are counted again.
LAYOUT = hashlib.sha256(repr((COUNTS, OUTCOME_KEYS, AWARD_KEYS, catalogue.GRADES, CAMPAIGN)).encode()).hexdigest()[:16]


def school_figures(schools, school_year: str, *, fresh: bool = False, places: dict | None = None) \
        -> list[SchoolFigures]:
    """Each school's figures for ``school_year`` (schools without that year are left out), in the order of their
    places (province, commune) and names: from the summary table where they are current (counted at the school
    year's present ``YearVersion``), unless ``fresh``; the others counted together now (with their classes'
    figures, kept in ``classes``) and stored. ``places``: the schools' ``school_places`` when the caller has them."""
    schools = {s.pk: s for s in schools}
    places = places if places is not None else school_places(list(schools.values()))
    # One query: each school year with its version and its stored figures (a province's 400 school ids sent
    # once, not three times). The versions are read before anything is counted: a change committed meanwhile
    # leaves the stored version behind, so the next page counts that school year again.
    stored_row = YearFigures.objects.filter(school_year_id=OuterRef("pk"))
    found = list(SchoolYear.objects.filter(school_id__in=list(schools), name=school_year).annotate(
        version=Subquery(YearVersion.objects.filter(school_year_id=OuterRef("pk")).values("version")[:1]),
        counted=Subquery(stored_row.values("counted_version")[:1]),
        layout=Subquery(stored_row.values("layout")[:1]),
        counts=Subquery(stored_row.values("counts")[:1], output_field=JSONField()),
        last=Subquery(stored_row.values("last")[:1], output_field=JSONField()),
        at=Subquery(stored_row.values("counted_at")[:1]),
    ).values_list("pk", "school_id", "lock_date", "version", "counted", "layout", "counts", "last", "at"))
    years = [row[:3] for row in found]
    ids = [y[0] for y in years]
    versions = {row[0]: row[3] for row in found if row[3] is not None}
    rows = [(row[0], *row[4:]) for row in found if row[4] is not None]
    current = {pk for pk, counted, layout, *_ in rows if counted == versions.get(pk, 0) and layout == LAYOUT}
    stored = {pk: (counts, last, at) for pk, counted, layout, counts, last, at in rows
              if pk in current and not fresh}
    missing = [pk for pk in ids if pk not in stored]
    classes: dict[int, list] = {}
    if missing:
        now = timezone.now()
        counted = {y: Tally() for y in missing}
        for klass in class_figures(missing).values():
            counted[klass.year_id].add(klass.tally)
            classes.setdefault(klass.year_id, []).append(klass)
        # Only what was not current is stored: a page over figures that did not move writes nothing (a school's
        # page counts its school afresh, for its classes, but its stored row is already the same).
        _figures_store({y: t for y, t in counted.items() if y not in current}, versions, now)
        stored.update({y: (t.v, t.last, now) for y, t in counted.items()})
    out = []
    for year_id, school_id, lock_date in years:
        v, last, at = stored[year_id]
        school = schools[school_id]
        last = [dt.datetime.fromisoformat(when) if isinstance(when, str) else when for when in last]
        out.append(SchoolFigures(pk=school_id, code=school.code, name=school.name, deadline=lock_date,
                                 place=places[school_id], tally=Tally(list(v), last), counted_at=at,
                                 classes=classes.get(year_id, [])))
    return sorted(out, key=lambda s: (s.place.province_name, s.place.commune_name, s.name))


def _figures_store(counted: dict, versions: dict, now) -> None:
    """Store the figures ``counted`` (school year id → ``Tally``) at the ``versions`` read before counting: one
    UPSERT statement that leaves a row alone when it is already at
    that version or a later one in this layout (another page stored it meanwhile). Derived data, counted again
    if lost: not a change of anyone's data (no audit entry). On SQLite the statement runs alone in autocommit, not
    in a transaction block of its own: live-server tests share one in-memory connection between the server's
    threads, where two blocks at once collide ("cannot start a transaction within a transaction")."""
    if not counted:
        return
    fields = {name: YearFigures._meta.get_field(name) for name in ("counts", "last", "counted_at")}
    table, q = connection.ops.quote_name(YearFigures._meta.db_table), connection.ops.quote_name
    items = list(counted.items())
    for start in range(0, len(items), 500):
        part, params = items[start:start + 500], []
        for year_id, tally in part:
            last = [when.isoformat() if when else None for when in tally.last]
            params += [year_id, versions.get(year_id, 0), LAYOUT,
                       fields["counts"].get_db_prep_save(tally.v, connection),
                       fields["last"].get_db_prep_save(last, connection),
                       fields["counted_at"].get_db_prep_save(now, connection)]
        sql = (f"INSERT INTO {table} (school_year_id, counted_version, layout, counts, {q('last')}, counted_at) "
               "VALUES " + ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(part))
               + " ON CONFLICT (school_year_id) DO UPDATE SET counted_version = excluded.counted_version, "
               f"layout = excluded.layout, counts = excluded.counts, {q('last')} = excluded.{q('last')}, "
               "counted_at = excluded.counted_at "
               f"WHERE {table}.layout <> excluded.layout OR {table}.counted_version < excluded.counted_version")
        if connection.vendor == "postgresql":
            with transaction.atomic(), connection.cursor() as cursor:
                # The page does not wait for derived figures to reach the disk.
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
                cursor.execute(sql, params)
        else:  # SQLite: one statement in autocommit, no BEGIN of its own (see the docstring)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)


def class_figures(year_ids: list) -> dict[int, ClassFigures]:
    """Each class of the school years ``year_ids`` with its figures, counted now."""
    classes = {}
    years = dict(SchoolYear.objects.filter(pk__in=year_ids).values_list("pk", "school_id"))
    for pk, name, grade, year_id in (SchoolClass.objects.filter(school_year_id__in=year_ids)
                                     .values_list("pk", "name", "grade", "school_year_id")):
        tally = Tally()
        tally.v[_AT["classes"]] = 1
        classes[pk] = ClassFigures(pk=pk, name=name, grade=grade, school_id=years[year_id], year_id=year_id,
                                   tally=tally)
    _count_pupils(classes, year_ids)
    _count_campaign(classes, year_ids)
    return dict(sorted(classes.items(), key=lambda item: (item[1].grade, item[1].name)))


def _count_pupils(classes: dict, year_ids: list) -> None:
    rows = (Enrolment.objects.filter(school_class__school_year_id__in=year_ids, status=EnrolmentStatus.STUDYING)
            .values_list("school_class_id", "year_result__outcome", "year_result__award",
                         "year_result__completed_primary")
            .annotate(n=Count("id"), disabled=Count("id", filter=disability_condition())).order_by())
    for class_id, outcome, award, completed_primary, n, disabled in rows:
        klass = classes[class_id]
        tally = klass.tally
        tally._count(klass.grade, outcome, award, n)
        tally.v[_AT["disability"]] += disabled
        if klass.grade == 5:
            tally.v[_AT["grade5"]] += n
            tally.v[_AT["completed_primary"]] += n if completed_primary else 0


def _count_campaign(classes: dict, year_ids: list) -> None:
    year_locks = dict(DataLock.objects.filter(school_year_id__in=year_ids, school_class__isnull=True)
                      .values_list("school_year_id", "locked_at"))
    class_locks = dict(DataLock.objects.filter(school_year_id__in=year_ids, school_class__isnull=False)
                       .values_list("school_class_id", "locked_at"))
    for klass in classes.values():
        when = class_locks.get(klass.pk) or year_locks.get(klass.year_id)
        if when:
            klass.tally._step("locked", 1, when)
    in_years = Q(enrolment__school_class__school_year_id__in=year_ids)
    drafts = (RecordDraft.objects.filter(in_years).exclude(state=DraftState.DISCARDED)
              .values_list("enrolment__school_class_id")
              .annotate(teacher=Count("enrolment_id", filter=Q(teacher_signed_at__isnull=False), distinct=True),
                        principal=Count("enrolment_id", filter=Q(principal_signed_at__isnull=False), distinct=True),
                        teacher_at=Max("teacher_signed_at"), principal_at=Max("principal_signed_at")).order_by())
    for class_id, teacher, principal, teacher_at, principal_at in drafts:
        classes[class_id].tally._step("teacher_signed", teacher, teacher_at)
        classes[class_id].tally._step("principal_signed", principal, principal_at)
    issued = (IssuedRecord.objects.filter(in_years, superseded_by__isnull=True, withdrawal__isnull=True)
              .values_list("enrolment__school_class_id").annotate(n=Count("enrolment_id", distinct=True),
                                                                  at=Max("issued_at")).order_by())
    for class_id, n, at in issued:
        classes[class_id].tally._step("issued", n, at)
    packages = (ClassPackage.objects.filter(school_class__school_year_id__in=year_ids)
                .values_list("school_class_id").annotate(at=Max("created_at")).order_by())
    for class_id, at in packages:
        classes[class_id].tally._step("packaged", 1, at)
    receipts = (PackageReceipt.objects.filter(package__school_class__school_year_id__in=year_ids)
                .values_list("package__school_class_id").annotate(at=Max("received_at")).order_by())
    for class_id, at in receipts:
        classes[class_id].tally._step("received", 1, at)


def latest_school_year(schools) -> str | None:
    return (SchoolYear.objects.filter(school__in=schools).order_by("-name").values_list("name", flat=True).first())


def today() -> dt.date:
    return timezone.localdate()
