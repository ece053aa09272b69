"""The demo school's year taken through the lifecycle: certificates, locks, sign-offs, signatures, issuance."""

import datetime as dt

from django.db.models import Count
from django.utils.translation import gettext

from hocbaso.demo.builder import CURRENT_YEAR, SCHOOL_CODE, YEARS
from hocbaso.directory.models import TWO_LEVEL_GOVERNMENT_FROM, Enrolment, Role, School, SchoolClass, SchoolYear, Staff
from hocbaso.records.drafts import record_drafts_prepare
from hocbaso.records.issuance import records_issue
from hocbaso.records.locks import data_lock
from hocbaso.records.models import DraftState, IssuedRecord, RecordDraft
from hocbaso.records.selectors import subjects_needing_signoff
from hocbaso.records.signatures import class_sign, school_sign
from hocbaso.records.signatures import subject_signoff
from hocbaso.signing.models import SigningIdentity, SubjectSignoff
from hocbaso.signing.services import identity_for, identity_issue, signer_open

DEMO_PIN = "246810"  # every demo signer's signing PIN (printed with the accounts)
ISSUED_BEFORE_REFORM = ("A",)  # of 2022-2025, the classes issued (A): the others' years are evaluated, not issued


class DemoIncomplete(RuntimeError):
    """The demo's lifecycle left records of its classes unissued; the message (Vietnamese) names them."""


def demo_issued_check(classes) -> None:
    """Every open record draft of ``classes`` must have reached issuance: otherwise raise ``DemoIncomplete``
    naming, class by class, how many records are left and in which state."""
    left = list(RecordDraft.objects.filter(enrolment__school_class__in=classes)
                .exclude(state__in=[DraftState.ISSUED, DraftState.DISCARDED])
                .values("enrolment__school_class__grade", "enrolment__school_class__name", "state")
                .annotate(count=Count("pk")).order_by("enrolment__school_class__grade", "enrolment__school_class__name",
                                                      "state"))
    if left:
        detail = "; ".join(gettext("lớp %(name)s: %(count)s học bạ (%(state)s)") % {
            "name": row["enrolment__school_class__name"], "count": row["count"],
            "state": DraftState(row["state"]).label} for row in left)
        raise DemoIncomplete(gettext("Trường mẫu chưa phát hành hết học bạ: còn %(count)s học bạ chưa phát hành — "
                                     "%(detail)s. Hãy chạy lại lệnh hocbaso demo.")
                             % {"count": sum(row["count"] for row in left), "detail": detail})


def _unissued(classes) -> list:
    """The classes of which some pupil has no issued record."""
    issued = set(IssuedRecord.objects.filter(enrolment__school_class__in=classes).values_list("enrolment_id",
                                                                                               flat=True))
    waiting = set(Enrolment.objects.filter(school_class__in=classes).exclude(pk__in=issued)
                  .values_list("school_class_id", flat=True))
    return [klass for klass in classes if klass.pk in waiting]


def demo_issue(*, progress=None, earlier: bool = True, finished: bool = True, step=None) -> int:
    """Take the demo school's finished years through the lifecycle: built-in certificates for every signer and
    the school's seal (PIN ``DEMO_PIN``), locks, the subject teachers' sign-offs, the homeroom teachers' and the
    principal's signatures, issuance with class packages. 2025-2026 is issued whole, under today's
    administration; of the years before 1/7/2025 the classes of ``ISSUED_BEFORE_REFORM`` (the start-up budget)
    under the names of then. Idempotent: what is already done is skipped. ``finished`` and ``earlier`` choose the
    finished year 2025-2026 and the years before 1/7/2025 (``./dev.sh start`` issues the earlier ones in a
    background job once the server answers: ``demo.tasks``); ``step(n, message)`` is called after each year.
    Returns how many records were issued."""
    say = progress or (lambda message: None)
    school = School.objects.get(code=SCHOOL_CODE)
    principal = Staff.objects.get(user__username="hieutruong")
    signers = Staff.objects.filter(school=school, role_set__role__in=[Role.PRINCIPAL, Role.HOMEROOM_TEACHER,
                                                                      Role.SUBJECT_TEACHER]).distinct()
    with_identity = set(SigningIdentity.objects.filter(active=True, staff__isnull=False).values_list("staff_id", flat=True))
    for staff in signers:
        if staff.pk not in with_identity:
            identity_issue(staff=staff, pin=DEMO_PIN, by=principal.user)
    if not SigningIdentity.objects.filter(school=school, staff__isnull=True, active=True).exists():
        identity_issue(school=school, pin=DEMO_PIN, by=principal.user)
    opened: dict = {}

    def signer(staff, seal=False):
        if (staff.pk, seal) not in opened:
            opened[staff.pk, seal] = signer_open(identity_for(staff=staff), DEMO_PIN, seal=seal)
        return opened[staff.pk, seal]

    issued = 0
    for year in _years():
        before = year.end_date < TWO_LEVEL_GOVERNMENT_FROM
        if not (earlier if before else finished):
            continue
        classes = _classes(year)
        if _unissued(classes):  # dated 2 June after the year: before 1/7/2025, under the names of then
            messages = []
            done = _year_issue(year, classes, principal, signer, school, lambda m: (messages.append(m), say(m)))
            issued += done
            if step is not None:
                step(done, messages[-1] if messages else "")
    return issued


def _years():
    return (SchoolYear.objects.filter(school__code=SCHOOL_CODE, name__in=YEARS).exclude(name=CURRENT_YEAR)
            .order_by("name"))


def _classes(year) -> list:
    """The classes of ``year`` the demo issues: all of 2025-2026, the A track of the years before 1/7/2025."""
    classes = list(SchoolClass.objects.filter(school_year=year).select_related("homeroom_teacher__user")
                   .order_by("grade", "name"))
    if year.end_date < TWO_LEVEL_GOVERNMENT_FROM:
        classes = [klass for klass in classes if klass.name[1:] in ISSUED_BEFORE_REFORM]
    return classes


def earlier_unissued() -> int:
    """How many records of the years before 1/7/2025 the demo issues are not issued yet."""
    return sum(Enrolment.objects.filter(school_class__in=_unissued(_classes(year))).count()
               for year in _years() if year.end_date < TWO_LEVEL_GOVERNMENT_FROM)


def _year_issue(year, classes, principal, signer, school, say) -> int:
    for klass in classes:
        data_lock(school_year=year, school_class=klass, by=principal.user)
    signed = set(SubjectSignoff.objects.filter(school_class__in=classes, current=True)
                 .values_list("school_class_id", "subject"))
    for klass in classes:
        for subject, teacher in subjects_needing_signoff(klass).items():
            if (klass.pk, subject) not in signed:
                subject_signoff(school_class=klass, subject=subject, by=teacher.user, signer=signer(teacher))
    enrolments = list(Enrolment.objects.filter(school_class__in=classes).select_related("pupil"))
    record_drafts_prepare(enrolments=enrolments, by=principal.user,
                          effective_date=dt.date(year.end_date.year, 6, 2), progress=None)
    for klass in classes:
        class_sign(school_class=klass, by=klass.homeroom_teacher.user, signer=signer(klass.homeroom_teacher))
    school_sign(school_year=year, by=principal.user, signer=signer(principal, seal=True))
    seal = signer_open(identity_for(school=school), DEMO_PIN)
    report = records_issue(school_year=year, by=principal.user, seal_signer=seal)
    say(f"Năm học {year.name}: hiệu trưởng đã ký, đóng dấu và phát hành {report.done} học bạ "
        f"(lớp {', '.join(klass.name for klass in classes)}).")
    demo_issued_check(classes)
    return report.done
