"""The record's lifecycle in the browser: the principal's dashboard, locking, signing (class, subject, school),
issuing, the progress of background jobs, record previews, signing certificates and corrections.

Lock, class signing, school signing and issuing run as jobs (``hocbaso.portal.tasks``); the page that queues one
checks the PIN first (a wrong PIN queues nothing) and then shows the job's progress page, which polls a JSON
endpoint and so survives a reload. A subject teacher's sign-off is one small PDF and is signed at once.
Permissions: ``hocbaso.web.permissions`` (404 for what the user may not see, 403 for what they may not do).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hocbaso.assessment.services import EvaluationInputError
from hocbaso.directory.models import Enrolment, SchoolYear
from hocbaso.directory.selectors import class_pupils, staff_for_user
from hocbaso.jobs.models import Job, JobState
from hocbaso.jobs.services import job_submit
from hocbaso.portal import lifecycle
from hocbaso.portal.corrections import correction_fields, with_labels
from hocbaso.portal.forms import CorrectionForm, DecisionForm
from hocbaso.web.pins import NO_CERTIFICATE, NewPinForm, PinForm, pin_form
from hocbaso.portal.jobsecret import ARG, pin_seal
from hocbaso.web.permissions import (can_cancel_job, can_hold_certificate, can_request_correction, can_sign_class,
                                        can_view_job, school_access, signoff_subjects)
from hocbaso.portal.views import _class_for, api_login_required
from hocbaso.records.models import (OPEN_STATES, CorrectionRequest, CorrectionStatus, DraftState, IssuedRecord,
                                    RecordDraft)
from hocbaso.signing.errors import SigningError, WrongPinError
from hocbaso.tt27 import catalogue


def _year_for(request, year_id: int):
    """The school year and the user's rights in its school; 404 when the school is invisible to the user."""
    year = SchoolYear.objects.select_related("school__district__province").filter(pk=year_id).first()
    access = school_access(request.user, year.school) if year else None
    if year is None or not access.visible:
        raise Http404(_("Không tìm thấy năm học, hoặc bạn không có quyền xem trường này."))
    return year, access


def _lead_year(request, year_id: int):
    year, access = _year_for(request, year_id)
    if not access.lead:
        raise PermissionDenied(_("Chỉ hiệu trưởng của trường mới thực hiện được thao tác này."))
    return year


def _submit(kind: str, *, by, school, args: dict, pin: str | None = None, target: str = "") -> Job:
    """Queue a lifecycle job; a PIN travels sealed (``hocbaso.portal.jobsecret``), never in clear text."""
    args = dict(args)
    if pin is not None:
        args[ARG] = pin_seal(pin, kind=kind, target=target, user_id=by.pk)
    return job_submit(kind=kind, args=args, by=by, school_code=school.code)


def _identity(staff=None, school=None):
    from hocbaso.signing.models import SigningIdentity

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
    states = lifecycle.class_states(year)
    totals = lifecycle.school_totals(states)
    jobs = list(Job.objects.filter(school_code=year.school.code, kind__in=list(lifecycle.KIND_NAMES))
                .select_related("created_by__staff")[:8])
    for job in jobs:
        job.kind_name, job.state_name = lifecycle.KIND_NAMES[job.kind], lifecycle.JOB_STATES.get(job.state, job.state)
    return render(request, "portal/dashboard.html", {
        "year": year, "school": year.school, "access": access, "states": states, "totals": totals,
        "stages": lifecycle.STAGES, "corrections": with_labels(lifecycle.pending_corrections(year)),
        "jobs": jobs, "year_locked": year.locks.filter(
            school_class__isnull=True).exists(),
        "year_lock_job": lifecycle.active_job(lifecycle.KIND_LOCK_YEAR, school_year=year.pk),
        "sign_job": lifecycle.active_job(lifecycle.KIND_SCHOOL_SIGN, school_year=year.pk),
        "issue_job": lifecycle.active_job(lifecycle.KIND_ISSUE, school_year=year.pk),
        "principal_identity": _identity(staff=staff_for_user(request.user)) if access.lead else None,
        "seal_identity": _identity(school=year.school) if access.lead else None,
        "sign_form": PinForm(auto_id="sign_%s"), "issue_form": PinForm(auto_id="issue_%s"),
    })


@login_required
@require_POST
def school_lock(request, year_id: int):
    """Chốt dữ liệu toàn trường (as a job: computes each unlocked class's year results, then locks)."""
    year = _lead_year(request, year_id)
    job = lifecycle.active_job(lifecycle.KIND_LOCK_YEAR, school_year=year.pk) or _submit(
        lifecycle.KIND_LOCK_YEAR, by=request.user, school=year.school, args={"school_year": year.pk})
    return redirect("portal:job", job.pk)


@login_required
@require_POST
def class_lock(request, class_id: int):
    """Chốt dữ liệu one class (principal)."""
    school_class, _access = _class_for(request, class_id)
    if not school_access(request.user, school_class.school_year.school).lead:
        raise PermissionDenied(_("Chỉ hiệu trưởng của trường mới chốt được dữ liệu."))
    job = lifecycle.active_job(lifecycle.KIND_LOCK_CLASS, class_id=school_class.pk) or _submit(
        lifecycle.KIND_LOCK_CLASS, by=request.user, school=school_class.school_year.school,
        args={"class_id": school_class.pk})
    return redirect("portal:job", job.pk)


@login_required
@require_POST
def class_unlock(request, class_id: int):
    """Mở chốt one class (principal), with a reason; only while nothing was signed from the locked data."""
    from hocbaso.assessment.services import UnlockRefused, data_unlock

    school_class, _access = _class_for(request, class_id)
    if not school_access(request.user, school_class.school_year.school).lead:
        raise PermissionDenied(_("Chỉ hiệu trưởng của trường mới mở chốt được dữ liệu."))
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
        raise PermissionDenied(_("Chỉ giáo viên chủ nhiệm của lớp mới ký học bạ của lớp."))
    running = lifecycle.active_job(lifecycle.KIND_CLASS_SIGN, class_id=school_class.pk)
    if running:
        return redirect("portal:job", running.pk)
    state = lifecycle.class_states(school_class.school_year, [school_class])[0]
    problems = lifecycle.class_sign_problems(school_class, state)
    identity = _identity(staff=staff_for_user(request.user))
    form, pin = pin_form(request, problems=problems, identity=identity)
    if pin is not None:
        job = _submit(lifecycle.KIND_CLASS_SIGN, by=request.user, school=school_class.school_year.school,
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
    from hocbaso.signing.models import SubjectSignoff
    from hocbaso.signing.services import signer_open, subject_signoff as signoff_service

    school_class, _access = _class_for(request, class_id)
    if subject not in signoff_subjects(request.user, school_class):
        raise PermissionDenied(_("Bạn không phải giáo viên ký xác nhận môn này ở lớp này."))
    name = _(catalogue.SUBJECTS.get(subject, subject))
    done = SubjectSignoff.objects.filter(school_class=school_class, subject=subject, current=True).first()
    state = lifecycle.class_states(school_class.school_year, [school_class])[0]
    problems = [] if state.locked else [_("Lớp chưa chốt dữ liệu: hiệu trưởng chốt dữ liệu trước khi ký.")]
    if done:
        problems.append(_("Môn này đã được ký xác nhận ngày %(date)s.")
                        % {"date": timezone.localtime(done.signed_at).strftime("%d/%m/%Y")})
    identity = _identity(staff=staff_for_user(request.user))
    form = PinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if problems:
            form.add_error(None, problems[0])
        elif identity is None:
            form.add_error(None, NO_CERTIFICATE)
        else:
            try:
                signer = signer_open(identity, form.cleaned_data["pin"])
                signoff_service(school_class=school_class, subject=subject, by=request.user, signer=signer)
            except WrongPinError as error:
                form.add_error("pin", str(error))
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


def _year_pin_job(request, year, *, kind: str, waiting: int, empty: str, identity, no_identity, seal: bool):
    """The principal's school-wide actions (sign, issue): one PIN checked before queueing one job. Returns a
    redirect to the job, or ``(form, problems)`` for the page."""
    running = lifecycle.active_job(kind, school_year=year.pk)
    if running:
        return redirect("portal:job", running.pk)
    problems = [] if waiting else [empty]
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
    waiting = lifecycle.drafts_count(year, DraftState.TEACHER_SIGNED)
    identity = _identity(staff=staff_for_user(request.user))
    outcome = _year_pin_job(
        request, year, kind=lifecycle.KIND_SCHOOL_SIGN, waiting=waiting, identity=identity, seal=True,
        empty=_("Không có học bạ nào đang chờ hiệu trưởng ký (giáo viên chủ nhiệm chưa ký lớp nào)."),
        no_identity=NO_CERTIFICATE)
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
    waiting = lifecycle.drafts_count(year, DraftState.PRINCIPAL_SIGNED)
    identity = _identity(school=year.school)
    outcome = _year_pin_job(
        request, year, kind=lifecycle.KIND_ISSUE, waiting=waiting, identity=identity, seal=False,
        empty=_("Không có học bạ nào đã được hiệu trưởng ký và đang chờ phát hành."),
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


# ---------------------------------------------------------------------- background jobs

def _job_for(request, job_id: int) -> Job:
    job = Job.objects.select_related("created_by__staff").filter(pk=job_id, kind__in=lifecycle.KIND_NAMES).first()
    if job is None or not can_view_job(request.user, job):
        raise Http404(_("Không tìm thấy tác vụ."))
    return job


def _job_back(job: Job) -> str:
    args = job.args or {}
    if args.get("back", "").startswith("/"):
        return args["back"]
    if "class_id" in args:
        return reverse("portal:class_detail", args=[args["class_id"]])
    if "school_year" in args:
        return reverse("portal:school_dashboard", args=[args["school_year"]])
    return reverse("portal:home")


def job_json(job: Job) -> dict:
    finished = job.state in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)
    return {"id": job.pk, "kind": job.kind, "kind_name": str(lifecycle.KIND_NAMES.get(job.kind, job.kind)),
            "state": job.state, "state_name": str(lifecycle.JOB_STATES.get(job.state, job.state)),
            "done": job.done, "total": job.total, "percent": job.percent, "message": job.message,
            "summary": (job.result or {}).get("summary", "") if job.state == JobState.DONE else "",
            "finished": finished, "back_url": _job_back(job)}


@login_required
@require_GET
def job_detail(request, job_id: int):
    """A job's progress: the bar is drawn from the row (so a reload shows where it stands) and refreshed by
    polling ``api_job``."""
    job = _job_for(request, job_id)
    return render(request, "portal/job.html", {"job": job, "data": job_json(job),
                                               "api_url": reverse("portal:api_job", args=[job.pk]),
                                               "can_cancel": can_cancel_job(request.user, job)})


@login_required
@require_POST
def job_cancel(request, job_id: int):
    """Hủy tác vụ: a queued job never runs; a running one stops at its next step (what was done stays done)."""
    from hocbaso.jobs.services import job_cancel as cancel

    job = _job_for(request, job_id)
    if not can_cancel_job(request.user, job):
        raise PermissionDenied(_("Chỉ người đã bắt đầu tác vụ hoặc hiệu trưởng mới hủy được tác vụ."))
    if cancel(job=job, by=request.user, forget=(ARG,)):
        messages.success(request, _("Đã hủy tác vụ.") if job.state == JobState.CANCELLED else
                         _("Đã yêu cầu dừng tác vụ: tác vụ sẽ dừng sau bước đang làm; phần đã xong được giữ nguyên."))
    else:
        messages.error(request, _("Tác vụ đã kết thúc, không còn gì để hủy."))
    return redirect("portal:job", job.pk)


@api_login_required
@require_GET
def api_job(request, job_id: int):
    return JsonResponse(job_json(_job_for(request, job_id)))


# ---------------------------------------------------------------------- record preview

@login_required
@require_GET
def record_pdf(request, class_id: int, enrolment_id: int):
    """The pupil's record as a PDF, inline: the issued file when there is one, else the draft being signed, else a
    preview rendered now from the entered data (no lookup code, not signed)."""
    from hocbaso.documents import render_year
    from hocbaso.records.selectors import enrolments_for_records, record_build
    from hocbaso.records.services import RESULT_FIELDS, current_issued, verify_url_template
    from hocbaso.tt27 import assess

    school_class, access = _class_for(request, class_id)
    if not access.view_all:
        raise PermissionDenied(_("Học bạ cả năm dành cho giáo viên chủ nhiệm và lãnh đạo nhà trường."))
    enrolment = Enrolment.objects.filter(pk=enrolment_id, school_class=school_class).select_related("pupil").first()
    if enrolment is None:
        raise Http404(_("Không tìm thấy học sinh trong lớp này."))
    issued = current_issued(IssuedRecord.objects.filter(enrolment=enrolment)).order_by("-version").first()
    draft = RecordDraft.objects.filter(enrolment=enrolment, state__in=OPEN_STATES).first()
    if issued is not None and draft is None:
        kind, data = "phat-hanh", _read(issued.pdf)
    elif draft is not None:
        kind, data = "ban-cho-ky", _read(draft.pdf)
    else:
        full = enrolments_for_records().get(pk=enrolment.pk)
        record = record_build(full, with_results=False)
        verdict = assess(record)
        record.update({name: getattr(verdict, name) for name in RESULT_FIELDS})
        kind, data = "xem-truoc", render_year(record, verify_url=verify_url_template())
    response = HttpResponse(data, content_type="application/pdf")
    name = slugify(f"hoc-ba-{school_class.school_year.name}-{school_class.name}-{enrolment.pupil.full_name}")
    response["Content-Disposition"] = f'inline; filename="{name}-{slugify(kind)}.pdf"'
    response["X-Record-Kind"] = {"phat-hanh": "issued", "xem-truoc": "preview"}.get(kind, "draft")
    return response


def _read(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


# ---------------------------------------------------------------------- certificates

@login_required
@require_http_methods(["GET", "POST"])
def certificate(request):
    """Chứng thư số: create (or replace) one's own built-in certificate under a PIN typed twice; the principal also
    creates the school's seal."""
    from hocbaso.signing.services import identity_issue

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
                               **({"staff": staff} if holder == "self" else {"school": staff.school}))
            except SigningError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Đã tạo chứng thư số. Hãy ghi nhớ mã PIN: hệ thống không lưu và không "
                                            "khôi phục được mã PIN.") if holder == "self" else
                                 _("Đã tạo con dấu số của trường. Hãy giữ kín mã PIN của con dấu."))
                back = _safe_next(request)
                return redirect(back) if back else redirect("portal:certificate")
    return render(request, "portal/certificate.html", {
        "staff": staff, "lead": lead, "mine": mine, "seal": seal, "forms": forms, "next": _safe_next(request)})


def _safe_next(request) -> str:
    """The ``next`` address (POST, else GET) when it points into this site, else ""."""
    back = request.POST.get("next") or request.GET.get("next") or ""
    return back if back and url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()) else ""


# ---------------------------------------------------------------------- corrections

@login_required
@require_http_methods(["GET", "POST"])
def corrections(request, class_id: int):
    """Đề nghị điều chỉnh of a class: the list with statuses, and the form to file one (pick a pupil, then the
    field among those the user enters, the new value and the reason)."""
    from hocbaso.records.services import LifecycleRefused, correction_request

    school_class, access = _class_for(request, class_id)
    may_file = can_request_correction(request.user, school_class)
    lead = school_access(request.user, school_class.school_year.school).lead
    if not (access.view_all or may_file):
        raise PermissionDenied(_("Bạn không có quyền xem đề nghị điều chỉnh của lớp này."))
    if request.method == "POST" and not may_file:
        raise PermissionDenied(_("Chỉ giáo viên dạy lớp hoặc hiệu trưởng mới gửi được đề nghị điều chỉnh."))
    pupils = class_pupils(school_class)
    chosen = request.POST.get("enrolment") or request.GET.get("hs")
    enrolment = next((e for e in pupils if str(e.pk) == str(chosen)), None) if chosen else None
    form = None
    if may_file and enrolment is not None:
        fields = correction_fields(enrolment, access)
        form = CorrectionForm(request.POST or None, fields=fields)
        if request.method == "POST" and form.is_valid():
            try:
                correction_request(enrolment=enrolment, field=form.cleaned_data["field"],
                                   new_value=form.cleaned_data["value"], reason=form.cleaned_data["reason"],
                                   by=request.user)
            except LifecycleRefused as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Đã gửi đề nghị điều chỉnh; hiệu trưởng sẽ xem xét."))
                return redirect("portal:corrections", school_class.pk)
    elif request.method == "POST":
        raise Http404(_("Không tìm thấy học sinh trong lớp này."))
    requests = (CorrectionRequest.objects.filter(enrolment__school_class=school_class)
                .select_related("enrolment__pupil", "requested_by__staff", "decided_by__staff"))
    if not (access.view_all or lead):
        requests = requests.filter(requested_by=request.user)
    return render(request, "portal/corrections.html", {
        "school_class": school_class, "access": access, "may_file": may_file, "lead": lead, "pupils": pupils,
        "enrolment": enrolment, "form": form, "requests": with_labels(requests), "decision_form": DecisionForm(),
        "statuses": CorrectionStatus})


@login_required
@require_POST
def correction_decide(request, correction_id: int, decision: str):
    """The principal approves (the change is applied; a new version follows after issuance) or rejects."""
    from hocbaso.records.services import LifecycleRefused, correction_approve, correction_reject

    if decision not in ("duyet", "tu-choi"):
        raise Http404()
    correction = (CorrectionRequest.objects.select_related("enrolment__school_class__school_year__school",
                                                           "enrolment__pupil").filter(pk=correction_id).first())
    access = school_access(request.user, correction.enrolment.school_class.school_year.school) if correction else None
    if correction is None or not access.visible:
        raise Http404(_("Không tìm thấy đề nghị điều chỉnh."))
    if not access.lead:
        raise PermissionDenied(_("Chỉ hiệu trưởng mới duyệt hoặc từ chối đề nghị điều chỉnh."))
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    pupil = correction.enrolment.pupil.full_name
    try:
        if decision == "duyet":
            draft = correction_approve(correction=correction, by=request.user, note=note)
            messages.success(request, _("Đã duyệt đề nghị điều chỉnh của %(pupil)s.") % {"pupil": pupil} + (
                " " + _("Phiên bản %(v)s của học bạ đã được tạo, chờ giáo viên chủ nhiệm và hiệu trưởng ký rồi phát "
                        "hành.") % {"v": draft.version} if draft else ""))
        else:
            correction_reject(correction=correction, by=request.user, note=note)
            messages.success(request, _("Đã từ chối đề nghị điều chỉnh của %(pupil)s.") % {"pupil": pupil})
    except (LifecycleRefused, EvaluationInputError) as error:
        messages.error(request, str(error))
    back = _safe_next(request)
    return redirect(back) if back else redirect("portal:corrections", correction.enrolment.school_class_id)
