"""The demo school's year taken through the lifecycle: certificates, locks, sign-offs, signatures, issuance."""

import datetime as dt

from django.db.models import Count
from django.utils.translation import gettext

from hocbaso.demo.builder import SCHOOL_CODE, SCHOOL_YEAR
from hocbaso.directory.models import Enrolment, Role, SchoolClass, SchoolYear, Staff
from hocbaso.records.drafts import record_drafts_prepare
from hocbaso.records.issuance import records_issue
from hocbaso.records.locks import data_lock
from hocbaso.records.models import DraftState, RecordDraft
from hocbaso.records.selectors import subjects_needing_signoff
from hocbaso.records.signatures import class_sign, school_sign
from hocbaso.records.signatures import subject_signoff
from hocbaso.signing.models import SigningIdentity, SubjectSignoff
from hocbaso.signing.services import identity_for, identity_issue, signer_open

DEMO_PIN = "246810"  # every demo signer's signing PIN (printed with the accounts)
OPEN_CLASSES = ("1A", "4A")  # left open for entering evaluations; every other class is locked, signed, issued


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


def demo_issue(*, progress=None) -> int:
    """Take the demo school's year through the lifecycle: built-in certificates for every signer and the
    school's seal (PIN ``DEMO_PIN``), lock every class except ``OPEN_CLASSES``, the subject teachers'
    sign-offs, the homeroom teachers' and the principal's signatures, issuance with class packages.
    Idempotent: what is already done is skipped. Returns how many records were issued now."""
    say = progress or (lambda message: None)
    year = SchoolYear.objects.select_related("school").get(school__code=SCHOOL_CODE, name=SCHOOL_YEAR)
    school = year.school
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

    classes = list(SchoolClass.objects.filter(school_year=year).exclude(name__in=OPEN_CLASSES)
                   .select_related("homeroom_teacher__user").order_by("grade", "name"))
    for klass in classes:
        data_lock(school_year=year, school_class=klass, by=principal.user)
    signed = set(SubjectSignoff.objects.filter(school_class__in=classes, current=True)
                 .values_list("school_class_id", "subject"))
    for klass in classes:
        for subject, teacher in subjects_needing_signoff(klass).items():
            if (klass.pk, subject) not in signed:
                subject_signoff(school_class=klass, subject=subject, by=teacher.user, signer=signer(teacher))
    say("Giáo viên bộ môn đã ký xác nhận kết quả các môn.")
    enrolments = list(Enrolment.objects.filter(school_class__in=classes).select_related("pupil"))
    record_drafts_prepare(enrolments=enrolments, by=principal.user, effective_date=dt.date(2025, 6, 2),
                          progress=None)
    say(f"Đã tạo bản PDF của {len(enrolments)} học bạ.")
    for klass in classes:
        class_sign(school_class=klass, by=klass.homeroom_teacher.user, signer=signer(klass.homeroom_teacher))
    say("Giáo viên chủ nhiệm đã ký học bạ các lớp.")
    school_sign(school_year=year, by=principal.user, signer=signer(principal, seal=True))
    seal = signer_open(identity_for(school=school), DEMO_PIN)
    report = records_issue(school_year=year, by=principal.user, seal_signer=seal)
    say(f"Hiệu trưởng đã ký, đóng dấu và phát hành {report.done} học bạ "
        f"(các lớp {', '.join(OPEN_CLASSES)} để mở cho nhập liệu).")
    demo_issued_check(classes)
    return report.done
