"""What one dashboard page shows: a level (the whole system, a province, a commune, a school, a class), the
schools a user may see inside it, its rows one level down and the way back up (drill-down and breadcrumbs).

A user's top level is the widest one their schools fit in (a Sở: its province; a commune: the commune; a
school's leaders: the school); a page above it, or one holding none of their schools, does not exist for them.
"""

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse

from hocbaso.directory.models import EnrolmentStatus, SchoolClass
from hocbaso.directory.selectors import class_pupils, school_places, schools_visible_to
from hocbaso.records.models import OPEN_STATES, IssuedRecord, RecordDraft
from hocbaso.records.progress import DRAFT_STAGE, STAGES
from hocbaso.reports.selectors import OUTCOME_NAMES, SchoolFigures, Tally, disability_condition, latest_school_year, \
    school_figures, today
from hocbaso.tt27 import catalogue
from hocbaso.web.permissions import reads_aggregates_only

LEVELS = ("ca-nuoc", "tinh", "xa", "truong", "lop")
LEVEL_NAMES = {"ca-nuoc": "Toàn hệ thống", "tinh": "Tỉnh", "xa": "Xã/phường", "truong": "Trường", "lop": "Lớp"}
CHILD_NAMES = {"ca-nuoc": "Tỉnh", "tinh": "Xã/phường", "xa": "Trường", "truong": "Lớp", "lop": "Học sinh"}


@dataclass
class Row:
    """One row of a dashboard's table: a province, commune, school or class, with where it drills down to."""

    label: str
    code: str
    level: str | None  # the row's own page, None for a class's pupils
    key: str
    tally: Tally
    schools: int = 0
    late: int = 0
    deadline: dt.date | None = None
    url: str = ""


@dataclass
class Dashboard:
    level: str
    key: str
    title: str
    year: str | None
    crumbs: list = field(default_factory=list)  # [(level, key, title)], from the top level down to this page
    rows: list = field(default_factory=list)
    total: Tally = field(default_factory=Tally)
    schools: list = field(default_factory=list)  # SchoolFigures in the scope
    late: list = field(default_factory=list)  # SchoolFigures past the deadline without every class's package
    pupils: list = field(default_factory=list)  # the class level: [dict]
    names_hidden: bool = False  # the class level seen by an office: counts only
    today: dt.date | None = None

    @property
    def child_name(self) -> str:
        return CHILD_NAMES[self.level]

    @property
    def office_level(self) -> bool:
        """A page over several schools (the whole system, a province, a commune)."""
        return self.level in ("ca-nuoc", "tinh", "xa")

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES[self.level]


def _top(places: dict, codes: dict) -> tuple[str, str] | None:
    if not places:
        return None
    provinces = {p.province_code for p in places.values()}
    communes = {p.commune_code for p in places.values()}
    if len(provinces) > 1:
        return "ca-nuoc", "all"
    if len(communes) > 1:
        return "tinh", provinces.pop()
    if len(places) > 1:
        return "xa", communes.pop()
    return "truong", codes[next(iter(places))]


def dashboard_for(user, level: str | None = None, key: str | None = None, year: str | None = None) \
        -> Dashboard | None:
    """The page ``level``/``key`` as ``user`` may see it (their top level when ``level`` is None); None when the
    page does not exist for them."""
    visible = {s.pk: s for s in schools_visible_to(user).only("pk", "code", "name")}
    places = school_places(list(visible.values()))
    codes = {pk: s.code for pk, s in visible.items()}
    top = _top(places, codes)
    if top is None or (level is not None and level not in LEVELS):
        return None
    if level is None:
        level, key = top
    if LEVELS.index(level) < LEVELS.index(top[0]):
        return None
    school_class = None
    if level == "lop":
        school_class = (SchoolClass.objects.filter(pk=int(key) if str(key).isdigit() else 0,
                                                   school_year__school_id__in=list(visible))
                        .select_related("school_year").first())
        if school_class is None:
            return None
        year = school_class.school_year.name
        scope = [school_class.school_year.school_id]
    else:
        match = {"ca-nuoc": lambda pk, p: True, "tinh": lambda pk, p: p.province_code == key,
                 "xa": lambda pk, p: p.commune_code == key, "truong": lambda pk, p: codes[pk] == key}[level]
        scope = [pk for pk, place in places.items() if match(pk, place)]
    if not scope:
        return None
    year = year or latest_school_year(scope)
    board = Dashboard(level=level, key=str(key), title="", year=year, today=today())
    place = places[scope[0]]
    board.crumbs = _crumbs(top[0], level, place, visible[scope[0]], school_class)
    board.title = board.crumbs[-1][2]
    if not year:
        return board
    board.schools = school_figures([visible[pk] for pk in scope], year, fresh=level in ("truong", "lop"),
                                   places=places)
    for school in board.schools:
        board.total.add(school.tally)
    board.late = [s for s in board.schools if s.late(board.today)]
    if level in ("truong", "lop"):
        classes = board.schools[0].classes if board.schools else []
        if level == "lop":
            classes = [c for c in classes if c.pk == school_class.pk]
            # An education office reads aggregates only (docs/security.md, finding 18): the class's counts, never
            # its pupils' names; the school's own leaders see the list.
            board.names_hidden = reads_aggregates_only(user)
            board.pupils = [] if board.names_hidden else class_pupil_rows(school_class)
        board.rows = [Row(label=f"Lớp {c.name}", code="", level="lop" if level == "truong" else None, key=str(c.pk),
                          tally=c.tally) for c in classes]
        board.total = classes[0].tally if level == "lop" and classes else board.total
    else:
        board.rows = _rows(level, board.schools, board.today)
    # One reverse per level, not per row (a province lists hundreds of schools); keys are digits only.
    query = f"?{urlencode({'nam_hoc': year})}"
    pattern = {name: reverse("reports:dashboard", args=[name, "0"])[:-2] for name in LEVELS}
    for row in board.rows:
        row.url = f"{pattern[row.level]}{row.key}/{query}" if row.level else ""
    for school in board.late:
        school.url = f"{pattern['truong']}{school.code}/{query}"
    return board


def _crumbs(top: str, level: str, place, school, school_class) -> list[tuple]:
    titles = {"ca-nuoc": ("all", "Toàn hệ thống"), "tinh": (place.province_code, place.province_name),
              "xa": (place.commune_code, place.commune_name), "truong": (school.code, school.name)}
    if school_class is not None:
        titles["lop"] = (str(school_class.pk), f"Lớp {school_class.name}")
    return [(name, *titles[name]) for name in LEVELS[LEVELS.index(top):LEVELS.index(level) + 1]]


def _rows(level: str, schools: list[SchoolFigures], on: dt.date) -> list[Row]:
    if level == "xa":
        return [Row(label=s.name, code=s.code, level="truong", key=s.code, tally=s.tally, schools=1,
                    late=int(s.late(on)), deadline=s.deadline) for s in schools]
    child, key_of, name_of = (("xa", lambda p: p.commune_code, lambda p: p.commune_name) if level == "tinh" else
                              ("tinh", lambda p: p.province_code, lambda p: p.province_name))
    rows: dict[str, Row] = {}
    for school in schools:
        code = key_of(school.place)
        row = rows.setdefault(code, Row(label=name_of(school.place), code=code, level=child, key=code, tally=Tally()))
        row.tally.add(school.tally)
        row.schools += 1
        row.late += int(school.late(on))
        if school.deadline and (row.deadline is None or school.deadline < row.deadline):
            row.deadline = school.deadline
    return sorted(rows.values(), key=lambda r: r.label)


def class_pupil_rows(school_class: SchoolClass) -> list[dict]:
    """The class's pupils in Vietnamese order with their outcome, award, completion, disability and where their
    record stands."""
    enrolments = class_pupils(school_class)
    disabled = set(school_class.enrolments.filter(disability_condition()).values_list("pk", flat=True))
    drafts = dict(RecordDraft.objects.filter(enrolment__school_class=school_class, state__in=OPEN_STATES)
                  .values_list("enrolment_id", "state"))
    issued = set(IssuedRecord.objects.filter(enrolment__school_class=school_class, superseded_by__isnull=True,
                                             withdrawal__isnull=True).values_list("enrolment_id", flat=True))
    rows = []
    for enrolment in enrolments:
        result = getattr(enrolment, "year_result", None)
        if enrolment.pk in drafts:
            stage = STAGES[DRAFT_STAGE[drafts[enrolment.pk]]]
        elif enrolment.pk in issued:
            stage = STAGES["issued"]
        else:
            stage = ""
        outcome = result.outcome if result else None
        rows.append({"name": enrolment.pupil.full_name, "studying": enrolment.status == EnrolmentStatus.STUDYING,
                     "status": enrolment.get_status_display(), "outcome": outcome,
                     "outcome_name": OUTCOME_NAMES[outcome or "none"],
                     "award": result.award if result else None,
                     "award_name": catalogue.AWARDS.get(result.award, "") if result and result.award else "",
                     "completed_primary": result.completed_primary if result else None,
                     "disability": enrolment.pk in disabled, "stage": stage})
    return rows
