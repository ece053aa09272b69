"""Reads over the school directory, scoped to what a user may see."""

import unicodedata

from django.db.models import Count, Q, QuerySet

from hocbaso.directory.models import Enrolment, EnrolmentStatus, Role, School, SchoolClass, Staff


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


def schools_visible_to(user) -> QuerySet[School]:
    """Schools a user may see: their own school, or every school of their district/province office."""
    staff = staff_for_user(user)
    if user.is_superuser:
        return School.objects.all()
    if staff is None:
        return School.objects.none()
    if staff.school_id:
        return School.objects.filter(pk=staff.school_id)
    if staff.district_id:
        return School.objects.filter(district_id=staff.district_id)
    return School.objects.filter(district__province_id=staff.province_id)


def classes_visible_to(user, school: School, school_year_name: str | None = None) -> QuerySet[SchoolClass]:
    """Classes of ``school`` the user may see: all for leaders, clerks and offices; otherwise the classes
    the teacher is homeroom teacher of or teaches a subject in."""
    classes = SchoolClass.objects.filter(school_year__school=school).select_related("homeroom_teacher", "school_year")
    if school_year_name:
        classes = classes.filter(school_year__name=school_year_name)
    staff = staff_for_user(user)
    if user.is_superuser or (staff and (staff.district_id or staff.province_id)):
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
