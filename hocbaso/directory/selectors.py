"""Reads over the school directory, scoped to what a user may see."""

import datetime as dt
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from hocbaso.directory.models import (District, Enrolment, EnrolmentStatus, Role, School, SchoolClass, SchoolPlacement,
                                      Staff, without_unit)
from hocbaso.directory.search import pupil_matches, query_parse


def vietnamese_sort_key(full_name: str) -> tuple:
    """Sort the Vietnamese way: by given name (last word), then family name, then middle names.

    Letters compare by their base letter first (a < ă < â < b … d < đ), then by tone, as in a Vietnamese class list.
    """
    words = unicodedata.normalize("NFC", full_name or "").split()
    if not words:
        return ((),)
    ordered = [words[-1], words[0], *words[1:-1]]
    return tuple(_letter_key(word) for word in ordered)


_BASE_ORDER = "aăâbcdđeêghiklmnoôơpqrstuưvxy"


def _letter_key(word: str) -> tuple:
    keys, tones = [], []
    for char in word.lower():
        decomposed = unicodedata.normalize("NFD", char)
        base, marks = decomposed[0], decomposed[1:]
        # Breve, circumflex and horn are letters of their own in Vietnamese, tones are not.
        letter_marks = "".join(m for m in marks if m in "\u0306\u0302\u031b")
        tone = "".join(m for m in marks if m not in letter_marks)
        letter = unicodedata.normalize("NFC", base + letter_marks)
        keys.append(_BASE_ORDER.index(letter) if letter in _BASE_ORDER else 100 + ord(letter[0]))
        tones.append("\u0300\u0309\u0303\u0301\u0323".find(tone[:1]) + 1 if tone else 0)
    return (tuple(keys), tuple(tones))


def staff_for_user(user) -> Staff | None:
    return getattr(user, "staff", None) if user.is_authenticated else None


# ---------------------------------------------------------------------- the hierarchy: province → commune → school

@dataclass(frozen=True)
class SchoolPlace:
    """A school's place on a date, as documents print it.

    From 1/7/2025: the province (``province_code`` two digits), the commune or ward (``commune_code`` five
    digits, ``commune_name`` as written in a sentence, "xã Trường Xuân") and its managing authority
    (``authority_name``, "UBND xã Trường Xuân"). Before: the province, the district (``district_name``,
    historical) with its Phòng GD&ĐT as the authority ("Phòng GD&ĐT Đắk Song", as the headers wrote it), and
    the commune as then written (no code). ``since``: the placement's first day. A school never placed has
    every field empty."""

    province_code: str = ""
    province_name: str = ""
    commune_code: str = ""
    commune_name: str = ""
    authority_name: str = ""
    district_name: str = ""
    since: dt.date | None = None

    @property
    def place_name(self) -> str:
        """The place before the date of a signature ("Trường Xuân, ngày …"): the commune, else the district."""
        return without_unit(self.commune_name or self.district_name)

    @property
    def province_office(self) -> str:
        """The Sở GD&ĐT's name ("Sở Giáo dục và Đào tạo Tỉnh Lâm Đồng")."""
        return f"Sở Giáo dục và Đào tạo {self.province_name}" if self.province_name else ""


def school_places(schools: Iterable[School | int], on: dt.date | None = None) -> dict[int, SchoolPlace]:
    """Each school's place as of ``on`` (today by default), by school id; in one query whatever the number.

    Every school asked for is in the answer; one not placed by that date has an empty ``SchoolPlace()``."""
    on = on or timezone.localdate()
    ids = [s if isinstance(s, int) else s.pk for s in schools]
    places = {school_id: SchoolPlace() for school_id in ids}
    # Plain rows, not model instances: a province's page asks for hundreds of schools (three instances each cost
    # more than the query). Only a placement before 1/7/2025 has a district, whose header needs its model.
    rows = (SchoolPlacement.objects.filter(school_id__in=ids, since__lte=on).order_by("school_id", "since")
            .values_list("school_id", "since", "commune_name", "province__code", "province__name", "commune__code",
                         "commune__name", "commune__authority_name", "district_id"))
    latest = {row[0]: row for row in rows}  # later placements overwrite earlier ones
    districts = {d.pk: d for d in District.objects.filter(pk__in={row[8] for row in latest.values() if row[8]})} \
        if any(row[8] for row in latest.values()) else {}
    for school_id, since, written, province_code, province_name, commune_code, commune_name, authority, district_id \
            in latest.values():
        district = districts.get(district_id)
        places[school_id] = SchoolPlace(
            province_code=province_code, province_name=province_name, commune_code=commune_code or "",
            commune_name=commune_name if commune_code else written,
            authority_name=authority if commune_code else (district.header_name if district else ""),
            district_name=district.name if district else "", since=since)
    return places


def school_names(school: School, on: dt.date | None = None) -> dict:
    """The school's managing authority, commune and province as a manifest writes them (as of ``on``, today by
    default): ``{"authority", "commune", "province"}``."""
    place = school_places([school], on)[school.pk]
    return {"authority": place.authority_name, "commune": place.commune_name, "province": place.province_name}


def placements_in_force(on: dt.date | None = None) -> QuerySet[SchoolPlacement]:
    """The placement in force on ``on`` (today by default) of every placed school, one row per school."""
    on = on or timezone.localdate()
    latest = (SchoolPlacement.objects.filter(school_id=OuterRef("school_id"), since__lte=on)
              .order_by("-since").values("pk")[:1])
    return SchoolPlacement.objects.filter(pk=Subquery(latest))


def schools_placed(*, commune_id: int | None = None, province_id: int | None = None,
                   on: dt.date | None = None) -> QuerySet[School]:
    """The schools of a commune, or of a province, as of ``on`` (today by default)."""
    placements = placements_in_force(on)
    if commune_id is not None:
        placements = placements.filter(commune_id=commune_id)
    if province_id is not None:
        placements = placements.filter(province_id=province_id)
    return School.objects.filter(pk__in=placements.values("school_id"))


def office_covers(staff: Staff, school: School | int) -> bool:
    """Whether a commune or province officer's office has ``school`` today (a commune its schools, a Sở its
    province's)."""
    if not (staff.commune_id or staff.province_id):
        return False
    place = placements_in_force().filter(school_id=school if isinstance(school, int) else school.pk).first()
    if place is None:
        return False
    return place.commune_id == staff.commune_id if staff.commune_id else place.province_id == staff.province_id


def is_officer(staff: Staff | None) -> bool:
    """A commune or province office's account (reads its schools, changes nothing in them)."""
    return bool(staff is not None and (staff.commune_id or staff.province_id))


def schools_visible_to(user) -> QuerySet[School]:
    """Schools a user may see: their own school, or every school placed today in their commune (commune
    office) or province (Sở GD&ĐT). A former district officer not yet given an office sees none."""
    staff = staff_for_user(user)
    if user.is_superuser:
        return School.objects.all()
    if staff is None:
        return School.objects.none()
    if staff.school_id:
        return School.objects.filter(pk=staff.school_id)
    if staff.commune_id:
        return schools_placed(commune_id=staff.commune_id)
    if staff.province_id:
        return schools_placed(province_id=staff.province_id)
    return School.objects.none()


def classes_visible_to(user, school: School, school_year_name: str | None = None) -> QuerySet[SchoolClass]:
    """Classes of ``school`` the user may see: all for leaders, clerks and offices; otherwise the classes
    the teacher is homeroom teacher of or teaches a subject in."""
    classes = SchoolClass.objects.filter(school_year__school=school).select_related("homeroom_teacher", "school_year")
    if school_year_name:
        classes = classes.filter(school_year__name=school_year_name)
    staff = staff_for_user(user)
    if user.is_superuser or is_officer(staff):
        pass
    elif staff is None or staff.school_id != school.pk:
        return classes.none()
    elif not staff.roles & {Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.CLERK}:
        classes = classes.filter(Q(homeroom_teacher=staff) | Q(assignments__teacher=staff)).distinct()
    return classes.annotate(pupil_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.STUDYING),
                                              distinct=True)).order_by("grade", "name")


def class_pupils(school_class: SchoolClass) -> list[Enrolment]:
    """The class list in Vietnamese order."""
    enrolments = list(school_class.enrolments.select_related("pupil", "year_result"))
    enrolments.sort(key=lambda e: vietnamese_sort_key(e.pupil.full_name))
    return enrolments


@dataclass(frozen=True)
class FoundPupil:
    enrolment_id: int
    full_name: str
    class_name: str
    birth_date: dt.date
    identity_tail: str  # the identity number's last 4 digits, or ""

    @property
    def label(self) -> str:
        """"Ka Liên — 1A — 12/03/2017": what a picker shows."""
        return f"{self.full_name} — {self.class_name} — {self.birth_date:%d/%m/%Y}"


def pupils_find(school_year, text: str, *, school_class=None, own_pupils: bool = False,
                limit: int | None = 50) -> list[FoundPupil]:
    """The pupils of the year (or of one class; with ``own_pupils``, only pupils whose school is the year's) who
    match ``text`` (``directory.search``), in Vietnamese order; every pupil when the text is empty. One query;
    matching is in Python (a school has at most a few thousand)."""
    query = query_parse(text)
    rows = Enrolment.objects.filter(school_class__school_year=school_year)
    if own_pupils:
        rows = rows.filter(pupil__school_id=school_year.school_id)
    if school_class is not None:
        rows = rows.filter(school_class=school_class)
    rows = rows.values_list("pk", "pupil__full_name", "school_class__name", "pupil__birth_date",
                            "pupil__identity_number")
    found = [FoundPupil(pk, name, klass, birth, (number or "")[-4:]) for pk, name, klass, birth, number in rows
             if query.empty or pupil_matches(query, full_name=name, birth_date=birth, identity_number=number)]
    found.sort(key=lambda p: (vietnamese_sort_key(p.full_name), p.birth_date, p.class_name, p.enrolment_id))
    return found[:limit] if limit else found
