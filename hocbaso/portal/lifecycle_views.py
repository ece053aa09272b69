"""The record's lifecycle in the browser, stage by stage: the principal's dashboard, locking and unlocking,
signing (subject, class, school), issuing, and one's signing certificate.

Lock, class signing, school signing and issuing run as jobs (``hocbaso.records.tasks``; their progress pages:
``job_views``); the page that queues one checks the PIN first (a wrong PIN queues nothing). A subject teacher's
sign-off is one small PDF and is signed at once. Each page shows the refusals of its stage's
``records.guards.*_problems()``, the same the service and the job give. Record previews and corrections:
``record_views``. Permissions: ``hocbaso.portal.permissions`` (404 for what the user may not see, 403 for what
they may not do).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hocbaso.directory.selectors import staff_for_user
from hocbaso.jobs.models import Job
from hocbaso.jobs.selectors import active_job
from hocbaso.jobs.services import job_submit
from hocbaso.portal.corrections import with_labels
from hocbaso.portal.lifecycle import JOB_STATES, KIND_NAMES
from hocbaso.portal.views import _class_for
from hocbaso.records.guards import (class_sign_problems, homeroom_only, issue_problems, principal_only,
                                    school_sign_problems, subject_signer_only, subject_signoff_problems)
from hocbaso.records.locks import UnlockRefused, data_unlock
from hocbaso.records.models import DraftState
from hocbaso.records.progress import (KIND_CLASS_SIGN, KIND_ISSUE, KIND_LOCK_CLASS, KIND_LOCK_YEAR, KIND_SCHOOL_SIGN,
                                      STAGES, class_states, drafts_count, pending_corrections, school_totals)
from hocbaso.records.signatures import subject_signoff as signoff_service
from hocbaso.signing.errors import SigningError, WrongPinError
from hocbaso.signing.job_pins import ARG, pin_seal
from hocbaso.signing.models import SigningIdentity
from hocbaso.signing.selectors import NOTICE_DAYS, identities_revoked, rekey_approval_pending
from hocbaso.signing.services import identity_issue
from hocbaso.tt27 import catalogue
from hocbaso.web.pages import year_with_access
from hocbaso.web.permissions import can_hold_certificate, can_sign_class, school_access, signoff_subjects
from hocbaso.web.pins import NO_CERTIFICATE, NewPinForm, PinForm, pin_form, signer_form


def _year_for(request, year_id: int):
    """The school year and the user's rights in its school; 404 when the school is invisible to the user."""
    return year_with_access(request, year_id, school_access)


def _lead_year(request, year_id: int):
    year, access = _year_for(request, year_id)
    if not access.lead:
        raise PermissionDenied(principal_only(year.school))
    return year


def _submit(kind: str, *, by, school, args: dict, pin: str | None = None, target: str = "") -> Job:
    """Queue a lifecycle job; a PIN travels sealed (``hocbaso.signing.job_pins``), never in clear text."""
    args = dict(args)
    if pin is not None:
        args[ARG] = pin_seal(pin, kind=kind, target=target, user_id=by.pk)
    return job_submit(kind=kind, args=args, by=by, school_code=school.code)


def _identity(staff=None, school=None):
    if staff is not None:
        return SigningIdentity.objects.filter(staff=staff, active=True).first()
    return SigningIdentity.objects.filter(school=school, staff__isnull=True, active=True).first()


def _render_sign(request, context: dict, status: int = 200):
    return render(request, "portal/sign.html", context, status=status)


# ---------------------------------------------------------------------- the principal's dashboard

@login_required
@require_GET
def school_dashboard(request, year_id: int):
    """Each class's state with counts, school totals, the actions and the pending corrections."""
    year, access = _year_for(request, year_id)
    if not access.dashboard:
        raise PermissionDenied(_("Bảng điều hành dành cho lãnh đạo nhà trường và cán bộ quản lý."))
    states = class_states(year)
    totals = school_totals(states)
    jobs = list(Job.objects.filter(school_code=year.school.code, kind__in=list(KIND_NAMES))
                .select_related("created_by__staff")[:8])
    for job in jobs:
        job.kind_name, job.state_name = KIND_NAMES[job.kind], JOB_STATES.get(job.state, job.state)
    return render(request, "portal/dashboard.html", {
        "year": year, "school": year.school, "access": access, "states": states, "totals": totals,
        "stages": STAGES, "corrections": with_labels(pending_corrections(year)),
        "jobs": jobs, "year_locked": year.locks.filter(
            school_class__isnull=True).exists(),
        "year_lock_job": active_job(KIND_LOCK_YEAR, school_year=year.pk),
        "sign_job": active_job(KIND_SCHOOL_SIGN, school_year=year.pk),
        "issue_job": active_job(KIND_ISSUE, school_year=year.pk),
        "principal_identity": _identity(staff=staff_for_user(request.user)) if access.lead else None,
        "seal_identity": _identity(school=year.school) if access.lead else None,
        "sign_form": PinForm(auto_id="sign_%s"), "issue_form": PinForm(auto_id="issue_%s"),
    })


@login_required
@require_POST
def school_lock(request, year_id: int):
    """Chốt dữ liệu toàn trường (as a job: computes each unlocked class's year results, then locks)."""
    year = _lead_year(request, year_id)
    job = active_job(KIND_LOCK_YEAR, school_year=year.pk) or _submit(
        KIND_LOCK_YEAR, by=request.user, school=year.school, args={"school_year": year.pk})
    return redirect("portal:job", job.pk)


@login_required
@require_POST
def class_lock(request, class_id: int):
    """Chốt dữ liệu one class (principal)."""
    school_class, _access = _class_for(request, class_id)
    school = school_class.school_year.school
    if not school_access(request.user, school).lead:
        raise PermissionDenied(principal_only(school))
    job = active_job(KIND_LOCK_CLASS, class_id=school_class.pk) or _submit(
        KIND_LOCK_CLASS, by=request.user, school=school, args={"class_id": school_class.pk})
    return redirect("portal:job", job.pk)


@login_required
@require_POST
def class_unlock(request, class_id: int):
    """Mở chốt one class (principal), with a reason; only while nothing was signed from the locked data."""
    school_class, _access = _class_for(request, class_id)
    school = school_class.school_year.school
    if not school_access(request.user, school).lead:
        raise PermissionDenied(principal_only(school))
    try:
        data_unlock(school_class=school_class, by=request.user, reason=request.POST.get("reason", ""))
    except UnlockRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Đã mở chốt dữ liệu lớp %(name)s: giáo viên nhập và sửa đánh giá được trở lại.")
                         % {"name": school_class.name})
    return redirect("portal:class_detail", school_class.pk)


# ---------------------------------------------------------------------- signing

@login_required
@require_http_methods(["GET", "POST"])
def class_sign(request, class_id: int):
    """Ký học bạ cả lớp: the homeroom teacher signs every record of the class with one PIN."""
    school_class, _access = _class_for(request, class_id)
    if not can_sign_class(request.user, school_class):
        raise PermissionDenied(homeroom_only(school_class))
    running = active_job(KIND_CLASS_SIGN, class_id=school_class.pk)
    if running:
        return redirect("portal:job", running.pk)
    state = class_states(school_class.school_year, [school_class])[0]
    problems = class_sign_problems(school_class, state)
    identity = _identity(staff=staff_for_user(request.user))
    form, pin = pin_form(request, problems=problems, identity=identity)
    if pin is not None:
        job = _submit(KIND_CLASS_SIGN, by=request.user, school=school_class.school_year.school,
                      args={"class_id": school_class.pk}, pin=pin, target=f"class:{school_class.pk}")
        return redirect("portal:job", job.pk)
    waiting = state.stages.get("locked", 0)
    return _render_sign(request, {
        "title": _("Ký học bạ cả lớp %(name)s") % {"name": school_class.name}, "form": form,
        "identity": identity, "problems": problems, "back": reverse("portal:class_detail", args=[school_class.pk]),
        "back_label": _("Lớp %(name)s") % {"name": school_class.name},
        "lines": [_("Một lần nhập mã PIN ký tất cả học bạ của lớp đang chờ giáo viên chủ nhiệm ký: %(n)s học bạ.")
                  % {"n": waiting},
                  _("Việc ký chạy nền; bạn có thể đóng hoặc tải lại trang tiến độ mà không làm gián đoạn.")],
        "button": _("Ký học bạ cả lớp"), "state": state})


@login_required
@require_http_methods(["GET", "POST"])
def subject_signoff(request, class_id: int, subject: str):
    """Ký xác nhận kết quả môn: a subject teacher signs the subject's year-end results of the class."""
    school_class, _access = _class_for(request, class_id)
    if subject not in signoff_subjects(request.user, school_class):
        raise PermissionDenied(subject_signer_only(school_class))
    name = _(catalogue.SUBJECTS.get(subject, subject))
    problems = subject_signoff_problems(school_class, subject)
    identity = _identity(staff=staff_for_user(request.user))
    form, signer = signer_form(request, problems=problems, identity=identity)
    if signer is not None:
        try:
            signoff_service(school_class=school_class, subject=subject, by=request.user, signer=signer)
        except SigningError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Đã ký xác nhận kết quả môn %(subject)s của lớp %(name)s.")
                             % {"subject": name, "name": school_class.name})
            return redirect("portal:class_detail", school_class.pk)
    return _render_sign(request, {
        "title": _("Ký xác nhận kết quả môn %(subject)s — lớp %(name)s") % {"subject": name, "name": school_class.name},
        "form": form, "identity": identity, "problems": problems,
        "back": reverse("portal:class_detail", args=[school_class.pk]),
        "back_label": _("Lớp %(name)s") % {"name": school_class.name},
        "lines": [_("Bạn ký một bảng kết quả cuối năm môn %(subject)s của cả lớp (mức đạt được, điểm, nhận xét của "
                    "từng học sinh). Giáo viên chủ nhiệm chỉ ký học bạ được khi mọi môn đã được ký xác nhận.")
                  % {"subject": name}],
        "button": _("Ký xác nhận kết quả môn")})


def _year_pin_job(request, year, *, kind: str, problems: list, identity, no_identity, seal: bool):
    """The principal's school-wide actions (sign, issue): one PIN checked before queueing one job. Returns a
    redirect to the job, or ``(form, problems)`` for the page."""
    running = active_job(kind, school_year=year.pk)
    if running:
        return redirect("portal:job", running.pk)
    form, pin = pin_form(request, problems=problems, identity=identity, no_identity=no_identity, seal=seal)
    if pin is not None:
        job = _submit(kind, by=request.user, school=year.school, args={"school_year": year.pk}, pin=pin,
                      target=f"year:{year.pk}")
        return redirect("portal:job", job.pk)
    return form, problems


@login_required
@require_http_methods(["GET", "POST"])
def school_sign(request, year_id: int):
    """The principal signs every record the homeroom teachers have signed, with one PIN."""
    year = _lead_year(request, year_id)
    waiting = drafts_count(year, DraftState.TEACHER_SIGNED)
    identity = _identity(staff=staff_for_user(request.user))
    outcome = _year_pin_job(
        request, year, kind=KIND_SCHOOL_SIGN, problems=school_sign_problems(year), identity=identity,
        seal=True, no_identity=NO_CERTIFICATE)
    if not isinstance(outcome, tuple):
        return outcome
    form, problems = outcome
    return _render_sign(request, {
        "title": _("Hiệu trưởng ký học bạ — năm học %(year)s") % {"year": year.name}, "form": form,
        "identity": identity, "problems": problems, "back": reverse("portal:school_dashboard", args=[year.pk]),
        "back_label": _("Bảng điều hành"),
        "lines": [_("Một lần nhập mã PIN ký tất cả học bạ mà giáo viên chủ nhiệm đã ký: %(n)s học bạ.")
                  % {"n": waiting},
                  _("Học bạ của các lớp chưa được giáo viên chủ nhiệm ký sẽ chờ lần ký sau.")],
        "button": _("Ký học bạ toàn trường")})


@login_required
@require_http_methods(["GET", "POST"])
def school_issue(request, year_id: int):
    """Phát hành: every principal-signed record enters the registry; each class's package gets the school's seal."""
    year = _lead_year(request, year_id)
    waiting = drafts_count(year, DraftState.PRINCIPAL_SIGNED)
    identity = _identity(school=year.school)
    outcome = _year_pin_job(
        request, year, kind=KIND_ISSUE, problems=issue_problems(year), identity=identity, seal=False,
        no_identity=_("Trường chưa có con dấu số. Hãy tạo con dấu số của trường trước khi phát hành."))
    if not isinstance(outcome, tuple):
        return outcome
    form, problems = outcome
    form.fields["pin"].label = _("Mã PIN con dấu số của trường")
    return _render_sign(request, {
        "title": _("Phát hành học bạ — năm học %(year)s") % {"year": year.name}, "form": form, "identity": identity,
        "seal": True, "problems": problems, "back": reverse("portal:school_dashboard", args=[year.pk]),
        "back_label": _("Bảng điều hành"),
        "lines": [_("Phát hành %(n)s học bạ đã được hiệu trưởng ký: ghi vào sổ đăng ký học bạ số, cấp mã tra cứu, "
                    "lập gói học bạ của từng lớp có đóng dấu số của trường.") % {"n": waiting},
                  _("Học bạ đã phát hành không sửa được; mọi thay đổi sau đó phải qua đề nghị điều chỉnh.")],
        "button": _("Phát hành học bạ")})


# ---------------------------------------------------------------------- certificates

@login_required
@require_http_methods(["GET", "POST"])
def certificate(request):
    """Chứng thư số: create (or replace) one's own built-in certificate under a PIN typed twice; the principal also
    creates the school's seal."""
    if not can_hold_certificate(request.user):
        raise PermissionDenied(_("Chứng thư số ký học bạ dành cho hiệu trưởng và giáo viên của trường."))
    staff = staff_for_user(request.user)
    lead = school_access(request.user, staff.school).lead
    mine, seal = _identity(staff=staff), _identity(school=staff.school) if lead else None
    holder = request.POST.get("holder", "self") if request.method == "POST" else None
    if holder == "seal" and not lead:
        raise PermissionDenied(_("Chỉ hiệu trưởng mới tạo được con dấu số của trường."))
    forms = {"self": NewPinForm(prefix="self", replacing=mine is not None),
             "seal": NewPinForm(prefix="seal", replacing=seal is not None) if lead else None}
    if holder in forms and forms[holder] is not None:
        form = NewPinForm(request.POST, prefix=holder, replacing=(mine if holder == "self" else seal) is not None)
        forms[holder] = form
        if form.is_valid():
            try:
                identity_issue(pin=form.cleaned_data["pin"], by=request.user,
                               old_pin=form.cleaned_data.get("old_pin") or None,
                               **({"staff": staff} if holder == "self" else {"school": staff.school}))
            except WrongPinError as error:
                form.add_error("old_pin", str(error))
            except SigningError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Đã tạo chứng thư số. Hãy ghi nhớ mã PIN: hệ thống không lưu và không "
                                            "khôi phục được mã PIN.") if holder == "self" else
                                 _("Đã tạo con dấu số của trường. Hãy giữ kín mã PIN của con dấu."))
                back = safe_next(request)
                return redirect(back) if back else redirect("portal:certificate")
    return render(request, "portal/certificate.html", {
        "staff": staff, "lead": lead, "mine": mine, "seal": seal, "forms": forms, "next": safe_next(request),
        "approval": rekey_approval_pending(mine) if mine else None,
        "revoked": identities_revoked(staff=staff, days=NOTICE_DAYS)})


def safe_next(request) -> str:
    """The ``next`` address (POST, else GET) when it points into this site, else ""."""
    back = request.POST.get("next") or request.GET.get("next") or ""
    return back if back and url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()) else ""
