"""Who may act on the record's lifecycle and why a step is refused now: one wording per refusal, read by the
views, the jobs, the commands and the services alike (each stage's ``*_problems()`` read)."""

from cryptography.hazmat.primitives import serialization
from django.utils import timezone
from django.utils.translation import gettext

from hocbaso.assessment.models import DataLock, SupplementaryEvaluation
from hocbaso.assessment.selectors import locks_for_classes
from hocbaso.directory.models import Role, SchoolClass, SchoolYear, Staff
from hocbaso.records.models import DraftState, RecordDraft
from hocbaso.records.progress import ClassState, class_states, drafts_count
from hocbaso.records.selectors import subjects_needing_signoff
from hocbaso.signing.errors import SigningError
from hocbaso.signing.models import SubjectSignoff
from hocbaso.signing.services import identity_certificate, identity_for
from hocbaso.tt27 import catalogue


class LifecycleRefused(SigningError):
    """A lifecycle step the rules do not allow now; the message says why, in Vietnamese."""


# ---------------------------------------------------------------------- who may act

def staff_of(user) -> Staff | None:
    return Staff.objects.filter(user=user).select_related("school").first()


def principal_only(school) -> str:
    """The one refusal of an action that is the principal's (lock, unlock, sign the school, issue, decide a
    correction, copies, transfers)."""
    return gettext("Chỉ hiệu trưởng %(school)s mới thực hiện được thao tác này.") % {"school": school.name}


def homeroom_only(school_class) -> str:
    """The one refusal of signing a class's records by anyone but its homeroom teacher."""
    return gettext("Chỉ giáo viên chủ nhiệm lớp %(class)s mới ký học bạ của lớp.") % {"class": school_class.name}


def subject_signer_only(school_class) -> str:
    """The one refusal of a subject's sign-off by anyone but the teacher who answers for it in the class."""
    return gettext("Chỉ giáo viên dạy môn này ở lớp %(class)s mới ký xác nhận được kết quả môn học.") % {
        "class": school_class.name}


def correction_filers_only(school_class) -> str:
    """The one refusal of a correction request by anyone but the class's teachers and the principal."""
    return gettext("Chỉ giáo viên dạy lớp %(class)s hoặc hiệu trưởng mới gửi được đề nghị điều chỉnh.") % {
        "class": school_class.name}


def require_principal(by, school) -> Staff:
    """``by``'s staff row when they are the principal of ``school``; else ``LifecycleRefused``."""
    staff = staff_of(by)
    if staff is None or staff.school_id != school.pk or Role.PRINCIPAL not in staff.roles:
        raise LifecycleRefused(principal_only(school))
    return staff


def require_own_certificate(staff: Staff, signer) -> None:
    """The signer must hold the certificate registered for ``staff`` (no signing with a colleague's key)."""
    registered = identity_certificate(identity_for(staff=staff))
    if signer.certificate.public_bytes(serialization.Encoding.DER) != registered.public_bytes(serialization.Encoding.DER):
        raise LifecycleRefused(f"Chứng thư số dùng để ký không phải chứng thư số đã đăng ký của {staff.full_name}.")


# ---------------------------------------------------------------------- signing

def not_locked_problem() -> str:
    return gettext("Lớp chưa chốt dữ liệu: hiệu trưởng chốt dữ liệu trước khi ký.")


def signoffs_missing_problem(missing: dict[str, Staff]) -> str:
    """``missing``: subject code -> the teacher whose sign-off is missing."""
    names = ", ".join(f"{catalogue.SUBJECTS.get(code, code)} ({teacher.full_name})"
                      for code, teacher in sorted(missing.items()))
    return gettext("Còn môn chưa được giáo viên bộ môn ký xác nhận: %(names)s.") % {"names": names}


def supplementary_unconfirmed_problems(school_class: SchoolClass) -> list[str]:
    """A supplementary evaluation of the class the principal has not confirmed yet (TT27 Điều 11): its pupils'
    records wait for it."""
    names = list(SupplementaryEvaluation.objects.filter(enrolment__school_class=school_class, confirmed_at__isnull=True)
                 .order_by("enrolment__pupil__full_name").values_list("enrolment__pupil__full_name", flat=True))
    if not names:
        return []
    return [gettext("Hiệu trưởng chưa xác nhận đánh giá bổ sung của: %(names)s.") % {"names": ", ".join(names)}]


def class_sign_blockers(school_class: SchoolClass) -> list[str]:
    """What stops the homeroom teacher's signature whatever is waiting: the lock, the subject sign-offs, a
    supplementary evaluation awaiting the principal's confirmation."""
    problems = supplementary_unconfirmed_problems(school_class)
    if school_class.pk not in locks_for_classes([school_class.pk]):
        problems.append(not_locked_problem())
    signed = set(SubjectSignoff.objects.filter(school_class=school_class, current=True)
                 .values_list("subject", flat=True))
    missing = {s: t for s, t in subjects_needing_signoff(school_class).items() if s not in signed}
    if missing:
        problems.append(signoffs_missing_problem(missing))
    return problems


def class_sign_problems(school_class: SchoolClass, state: ClassState | None = None) -> list[str]:
    """Why the homeroom teacher cannot sign the class now (the service refuses the same cases, and the job checks
    again), in Vietnamese; empty when they can."""
    state = state or class_states(school_class.school_year, [school_class])[0]
    problems = supplementary_unconfirmed_problems(school_class)
    if not state.locked:
        problems.append(not_locked_problem())
    missing = {s["subject"]: s["teacher"] for s in state.signoffs if not s["done"]}
    if missing:
        problems.append(signoffs_missing_problem(missing))
    if state.locked and not missing and not state.stages.get("locked", 0):
        problems.append(gettext("Không còn học bạ nào của lớp chờ giáo viên chủ nhiệm ký."))
    return problems


def subject_signoff_problems(school_class: SchoolClass, subject: str) -> list[str]:
    """Why the subject's sign-off cannot be signed now (the class is not locked, or it is signed already)."""
    problems = [] if school_class.pk in locks_for_classes([school_class.pk]) else [not_locked_problem()]
    done = SubjectSignoff.objects.filter(school_class=school_class, subject=subject, current=True).first()
    if done:
        problems.append(gettext("Môn này đã được ký xác nhận ngày %(date)s.")
                        % {"date": timezone.localtime(done.signed_at).strftime("%d/%m/%Y")})
    return problems


def school_sign_problems(school_year: SchoolYear) -> list[str]:
    """Why the principal has nothing to sign now."""
    if drafts_count(school_year, DraftState.TEACHER_SIGNED):
        return []
    return [gettext("Không có học bạ nào đang chờ hiệu trưởng ký (giáo viên chủ nhiệm chưa ký lớp nào).")]


def issue_problems(school_year: SchoolYear) -> list[str]:
    """Why there is nothing to issue now."""
    if drafts_count(school_year, DraftState.PRINCIPAL_SIGNED):
        return []
    return [gettext("Không có học bạ nào đã được hiệu trưởng ký và đang chờ phát hành.")]


# ---------------------------------------------------------------------- unlocking

def unlock_problems(school_class: SchoolClass) -> list[str]:
    """Why the principal cannot open a locked class again (``locks.data_unlock``), in Vietnamese; empty when they
    can.

    Only a lock of the class itself, and only while nothing has been signed or rendered for signing from the
    locked data: no subject teacher's sign-off and no record of the class on its way to issuance.
    """
    year_locked = DataLock.objects.filter(school_year_id=school_class.school_year_id, school_class__isnull=True)
    whole_school = (f"Dữ liệu toàn trường đã được chốt: không mở chốt riêng lớp {school_class.name} được; "
                    "hãy sửa qua yêu cầu điều chỉnh.")
    if not DataLock.objects.filter(school_class=school_class).exists():
        if year_locked.exists():
            return [whole_school]
        return [f"Dữ liệu lớp {school_class.name} chưa được chốt."]
    problems = []
    if year_locked.exists():
        problems.append(whole_school)
    if SubjectSignoff.objects.filter(school_class=school_class, current=True).exists():
        problems.append("Đã có giáo viên bộ môn ký xác nhận kết quả môn học trên dữ liệu đã chốt; "
                        "hãy sửa qua yêu cầu điều chỉnh.")
    if RecordDraft.objects.filter(enrolment__school_class=school_class).exclude(state=DraftState.DISCARDED).exists():
        problems.append("Học bạ của lớp đã được tạo để ký hoặc đã ký, phát hành; hãy sửa qua yêu cầu điều chỉnh.")
    return problems
