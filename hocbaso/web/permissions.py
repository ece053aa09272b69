"""Who may see and change what, decided in one place (object-level checks).

| who                              | sees                                  | changes                                |
|----------------------------------|---------------------------------------|----------------------------------------|
| principal (hiệu trưởng)          | every class of the school             | every sheet (each change logged)       |
| vice-principal (phó hiệu trưởng) | every class of the school             | nothing                                |
| clerk (văn thư)                  | every class of the school             | pupils and enrolments, no evaluations  |
| homeroom teacher (GVCN)          | the whole class                       | subjects not assigned to someone else, |
|                                  |                                       | qualities, competences, year-end page  |
| subject teacher (GVBM)           | the class list, their subject's sheet | their subject in the classes assigned  |
| commune / province officer       | no class: their schools' statistics   | nothing                                |
| anyone else                      | nothing                               | nothing                                |

Education offices (``OFFICER_ROLES``) read aggregates only (``reports``: counts and outcomes per school): their
accounts are made for statistics and cover every school of the office, so a leaked or shared office password
must not open every pupil's record. They see that their schools exist, never a class, a sheet, a record, the
dashboard or the exchange pages' data; they still receive the class packages schools submit to them.

A homeroom teacher enters every subject of the class except those a teaching assignment gives
to someone else (in practice the GVCN enters all but English, IT, music, art, PE …); TT27 Điều 9.1
has subject teachers and the homeroom teacher each record their own results.
Views answer 404 for a class the user may not see (so its existence does not leak) and 403 for a
sheet of a visible class that the user may not see or change.
"""

from dataclasses import dataclass, field

from hocbaso.directory.models import Role, School, SchoolClass, TeachingAssignment
from hocbaso.directory.selectors import is_officer, office_covers, staff_for_user
from hocbaso.records.selectors import subjects_needing_signoff
from hocbaso.tt27 import catalogue

# Sheets of the entry grid besides the subject codes.
SHEET_TRAITS = "pham_chat_nang_luc"
SHEET_YEAR = "nhan_xet_cuoi_nam"

LEADER_ROLES = {Role.PRINCIPAL, Role.VICE_PRINCIPAL}
# Education offices (phòng / sở): aggregates only (see the module's docstring).
OFFICER_ROLES = {Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER}
READ_SCHOOL_ROLES = {Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.CLERK}
# Signers (TT27 lifecycle: subject teachers, the homeroom teacher, the principal) may turn on 2FA.
TWO_FACTOR_ROLES = {Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.HOMEROOM_TEACHER, Role.SUBJECT_TEACHER}


@dataclass(frozen=True)
class ClassAccess:
    """What one user may do in one class. ``view`` False means the class is invisible to them."""

    view: bool = False
    view_all: bool = False  # every sheet and the class summary (read)
    view_subjects: frozenset = field(default_factory=frozenset)
    edit_subjects: frozenset = field(default_factory=frozenset)
    edit_traits: bool = False
    edit_year: bool = False
    as_principal: bool = False  # edits are the principal's (shown as such on screen, logged like any)

    def can_view_sheet(self, sheet: str) -> bool:
        if sheet in (SHEET_TRAITS, SHEET_YEAR):
            return self.view_all
        return self.view_all or sheet in self.view_subjects

    def can_edit_sheet(self, sheet: str) -> bool:
        if sheet == SHEET_TRAITS:
            return self.edit_traits
        if sheet == SHEET_YEAR:
            return self.edit_year
        return sheet in self.edit_subjects

    @property
    def edits_anything(self) -> bool:
        return bool(self.edit_subjects or self.edit_traits or self.edit_year)


NO_ACCESS = ClassAccess()


def reads_aggregates_only(user) -> bool:
    """An education office's account (``OFFICER_ROLES``): statistics, never a pupil's data."""
    staff = staff_for_user(user)
    return bool(staff is not None and not user.is_superuser and staff.roles & OFFICER_ROLES)


def class_access(user, school_class: SchoolClass) -> ClassAccess:
    """The user's rights in ``school_class`` (see the module's table)."""
    if not getattr(user, "is_authenticated", False):
        return NO_ACCESS
    school = school_class.school_year.school
    staff = staff_for_user(user)
    if user.is_superuser:
        return ClassAccess(view=True, view_all=True)
    if staff is None or staff.school_id != school.pk or reads_aggregates_only(user):
        return NO_ACCESS
    roles = staff.roles
    subjects = frozenset(catalogue.grade_subjects(school_class.grade))
    if Role.PRINCIPAL in roles:
        return ClassAccess(view=True, view_all=True, edit_subjects=subjects, edit_traits=True, edit_year=True,
                           as_principal=True)
    assigned = dict(TeachingAssignment.objects.filter(school_class=school_class).values_list("subject", "teacher_id"))
    own = frozenset(code for code, teacher_id in assigned.items() if teacher_id == staff.pk)
    if school_class.homeroom_teacher_id == staff.pk:
        mine = frozenset(code for code in subjects if assigned.get(code, staff.pk) == staff.pk)
        return ClassAccess(view=True, view_all=True, edit_subjects=mine, edit_traits=True, edit_year=True)
    if roles & READ_SCHOOL_ROLES:
        return ClassAccess(view=True, view_all=True, view_subjects=own, edit_subjects=own)
    if own:
        return ClassAccess(view=True, view_subjects=own, edit_subjects=own)
    return NO_ACCESS


def can_manage_pupils(user, school: School) -> bool:
    """Pupils and enrolments (hồ sơ học sinh, xếp lớp): the clerk and the principal of the school."""
    staff = staff_for_user(user)
    return bool(staff and staff.school_id == school.pk and staff.roles & {Role.CLERK, Role.PRINCIPAL})


def can_assess_results(user, school_class: SchoolClass) -> bool:
    """Storing the computed year results (Điều 9.2) is part of the year-end page: GVCN or principal."""
    return class_access(user, school_class).edit_year


def can_use_two_factor(user) -> bool:
    """Signers and principals may turn on two-factor sign-in."""
    staff = staff_for_user(user)
    return bool(user.is_authenticated and (user.is_superuser or (staff and staff.roles & TWO_FACTOR_ROLES)))


def can_manage_accounts(user) -> bool:
    """Tài khoản của trường (the school's accounts, password resets): the principal of a school."""
    staff = staff_for_user(user)
    return bool(staff is not None and staff.school_id is not None and Role.PRINCIPAL in staff.roles)


def can_reset_password(user, staff) -> bool:
    """Đặt lại mật khẩu of a colleague: the principal of the colleague's school, never for their own account
    (that is Đổi mật khẩu, which asks for the current password)."""
    mine = staff_for_user(user)
    return bool(can_manage_accounts(user) and mine.school_id == staff.school_id and staff.pk != mine.pk)


# ---------------------------------------------------------------------- the record's lifecycle
#
# | who                         | dashboard  | lock, sign school, issue,   | sign the    | subject     | file a        |
# |                             | (states)   | decide corrections, seal    | class       | sign-off    | correction    |
# |-----------------------------|------------|-----------------------------|-------------|-------------|---------------|
# | principal                   | yes        | yes                         | —           | —           | any field     |
# | vice-principal, clerk       | read       | —                           | —           | —           | —             |
# | commune / province officer  | —          | —                           | —           | —           | —             |
# | homeroom teacher of a class | —          | —                           | their class | —           | their fields  |
# | subject teacher             | —          | —                           | —           | their subj. | their subject |
# A school the user may not see answers 404; a visible school whose dashboard they may not open, 403.

SIGNER_ROLES = {Role.PRINCIPAL, Role.HOMEROOM_TEACHER, Role.SUBJECT_TEACHER}


@dataclass(frozen=True)
class SchoolAccess:
    visible: bool = False  # the school exists for this user (else 404)
    dashboard: bool = False  # the principal's dashboard (read)
    lead: bool = False  # lock, sign the school, issue, decide corrections, the school's seal


def school_access(user, school: School) -> SchoolAccess:
    if not getattr(user, "is_authenticated", False):
        return SchoolAccess()
    staff = staff_for_user(user)
    if user.is_superuser:
        return SchoolAccess(visible=True, dashboard=True)
    if reads_aggregates_only(user):  # the school exists for its office (403, not 404), its data does not
        return SchoolAccess(visible=office_covers(staff, school))
    if staff is None or staff.school_id != school.pk:
        return SchoolAccess()
    roles = staff.roles
    return SchoolAccess(visible=True, dashboard=bool(roles & READ_SCHOOL_ROLES), lead=Role.PRINCIPAL in roles)


def can_sign_class(user, school_class: SchoolClass) -> bool:
    """Ký học bạ cả lớp: the class's homeroom teacher only (the service checks it again)."""
    staff = staff_for_user(user)
    return bool(staff is not None and school_class.homeroom_teacher_id == staff.pk)


def signoff_subjects(user, school_class: SchoolClass) -> list[str]:
    """The subjects of the class whose year-end results this user signs off (taught by someone other than the
    homeroom teacher; see ``signing.services.subjects_needing_signoff``)."""
    staff = staff_for_user(user)
    if staff is None or staff.school_id != school_class.school_year.school_id:
        return []
    return [code for code, teacher in subjects_needing_signoff(school_class).items() if teacher.pk == staff.pk]


def can_request_correction(user, school_class: SchoolClass) -> bool:
    """Đề nghị điều chỉnh: a teacher of the class (homeroom or assigned) or the principal."""
    staff = staff_for_user(user)
    if staff is None or staff.school_id != school_class.school_year.school_id:
        return False
    return (staff.pk == school_class.homeroom_teacher_id or Role.PRINCIPAL in staff.roles
            or TeachingAssignment.objects.filter(teacher=staff, school_class=school_class).exists())


def can_hold_certificate(user) -> bool:
    """Who may create their own signing certificate: the school's signers (principal, homeroom and subject
    teachers)."""
    staff = staff_for_user(user)
    return bool(staff is not None and staff.school_id and staff.roles & SIGNER_ROLES)


def can_view_job(user, job) -> bool:
    """A background job's progress: whoever started it, and the leaders of its school."""
    if not getattr(user, "is_authenticated", False):
        return False
    if job.created_by_id == user.pk or user.is_superuser:
        return True
    staff = staff_for_user(user)
    return bool(staff is not None and staff.school_id and job.school_code
                and staff.school.code == job.school_code and staff.roles & LEADER_ROLES)


def can_cancel_job(user, job) -> bool:
    """Cancelling a background job: whoever started it, and the principal of its school."""
    if not can_view_job(user, job):
        return False
    if job.created_by_id == user.pk or user.is_superuser:
        return True
    staff = staff_for_user(user)
    return Role.PRINCIPAL in staff.roles


# ---------------------------------------------------------------------- data in and out (hocbaso.exchange)
#
# | who                         | data page, exports, | import the  | receive a transfer, | transfer out, sign |
# |                             | submission, copies  | pupil list  | request a copy      | copies, archive    |
# |-----------------------------|---------------------|-------------|---------------------|--------------------|
# | principal                   | yes                 | yes         | yes                 | yes                |
# | vice-principal              | yes                 | —           | yes                 | —                  |
# | clerk                       | yes                 | yes         | yes                 | —                  |
# | commune / province officer  | —                   | —           | —                   | —                  |
# | teachers                    | — (403)             | —           | —                   | —                  |
# Evaluations are imported from a class page by whoever may enter them (each cell checked: ClassAccess).
# Receiving class packages submitted by schools: commune and province officers.

OFFICE_ROLES = {Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.CLERK}


@dataclass(frozen=True)
class ExchangeAccess:
    visible: bool = False  # else 404
    read: bool = False  # the data page, exports, the submission, certified copies' files
    pupils: bool = False  # import the pupil list
    office: bool = False  # receive a transferred pupil, record a copy request
    lead: bool = False  # transfer out, sign copies, the year-end archive


def exchange_access(user, school: School) -> ExchangeAccess:
    access = school_access(user, school)
    if not access.visible:
        return ExchangeAccess()
    staff = staff_for_user(user)
    mine = staff is not None and staff.school_id == school.pk
    return ExchangeAccess(visible=True, read=access.dashboard, pupils=can_manage_pupils(user, school),
                          office=bool(mine and staff.roles & OFFICE_ROLES), lead=access.lead)


def can_receive_submissions(user) -> bool:
    """Commune and province officers receive the class packages their schools submit."""
    staff = staff_for_user(user)
    return bool(getattr(user, "is_authenticated", False)
                and (user.is_superuser or (is_officer(staff) and staff.roles & OFFICER_ROLES)))


def can_see_statistics(user) -> bool:
    """The dashboards (``reports``): commune and province officers for their schools, a school's principal and
    vice-principal for their own school."""
    staff = staff_for_user(user)
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or is_officer(staff):
        return True
    return staff is not None and bool(staff.school_id) and bool(staff.roles & LEADER_ROLES)
