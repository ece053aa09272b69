"""Certified copies in the browser: the requests (the office records them) and the copies issued, the
principal's signing of a request with a PIN (the copy is made as a job on the portal's progress page), and the
download of an issued copy."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hocbaso.directory.models import SchoolYear
from hocbaso.directory.selectors import pupils_find, staff_for_user
from hocbaso.exchange.copies.services import copy_download_record, copy_request_file
from hocbaso.exchange.copies.tasks import KIND_COPY
from hocbaso.exchange.models import CertifiedCopy, CopyRequest
from hocbaso.exchange.pages import require, year_enrolments, year_for
from hocbaso.exchange.roles import office_only
from hocbaso.jobs.selectors import active_job
from hocbaso.jobs.services import job_submit
from hocbaso.records.guards import LifecycleRefused, principal_only
from hocbaso.signing.job_pins import ARG, pin_seal
from hocbaso.signing.models import SigningIdentity
from hocbaso.web.pages import id_param
from hocbaso.web.downloads import stored_file_response
from hocbaso.web.permissions import exchange_access
from hocbaso.web.pins import pin_form


@login_required
@require_http_methods(["GET", "POST"])
def copies(request, year_id: int):
    """Cấp bản sao: the requests (the office records them) and the copies issued, with their numbers."""
    year, access = year_for(request, year_id)
    require(access.read, _("Bản sao học bạ dành cho lãnh đạo nhà trường, văn thư và cán bộ quản lý."))
    school = year.school
    error = None
    if request.method == "POST":
        require(access.office, office_only(school))
        enrolment = year_enrolments(year).filter(pk=id_param(request.POST.get("enrolment")) or 0,
                                                 pupil__school=school).first()
        if enrolment is None:
            error = _("Hãy chọn học sinh của trường.")
        else:
            try:
                copy_request_file(pupil=enrolment.pupil, requester=request.POST.get("requester", ""),
                                  reason=request.POST.get("reason", ""), by=request.user)
            except LifecycleRefused as refused:
                error = str(refused)
            else:
                messages.success(request, _("Đã ghi nhận đề nghị cấp bản sao học bạ của %(pupil)s; hiệu trưởng sẽ ký "
                                            "bản sao.") % {"pupil": enrolment.pupil.full_name})
                return redirect("exchange:copies", year.pk)
    return render(request, "exchange/copies.html", {
        "year": year, "school": school, "access": access, "error": error, "posted": request.POST,
        "search": request.GET.get("tim", ""),  # the pupil picker's search box (without JavaScript too)
        "enrolments": pupils_find(year, request.GET.get("tim", ""), own_pupils=True, limit=None)
        if access.office else [],
        "requests": CopyRequest.objects.filter(school=school).select_related("pupil", "copy", "requested_by__staff"),
        "copies": CertifiedCopy.objects.filter(school=school).select_related("pupil", "issued_by__staff")
        .order_by("-issued_at")})


@login_required
@require_http_methods(["GET", "POST"])
def copy_sign(request, request_id: int):
    """The principal signs the copy a request asks for, with their PIN; the copy is made as a job."""
    copy_request = CopyRequest.objects.select_related("pupil", "school", "copy").filter(pk=request_id).first()
    access = exchange_access(request.user, copy_request.school) if copy_request else None
    if copy_request is None or not access.visible:
        raise Http404(_("Không tìm thấy đề nghị cấp bản sao."))
    require(access.lead, principal_only(copy_request.school))
    year = (SchoolYear.objects.filter(school=copy_request.school, classes__enrolments__pupil=copy_request.pupil)
            .order_by("-name").first())
    back = reverse("exchange:copies", args=[year.pk]) if year else reverse("portal:home")
    running = active_job(KIND_COPY, request=copy_request.pk)
    if running:
        return redirect("portal:job", running.pk)
    problems = []
    if copy_request.copy_id:
        problems.append(_("Đề nghị này đã được cấp bản sao (lần cấp %(n)s).") % {"n": copy_request.copy.number})
    identity = SigningIdentity.objects.filter(staff=staff_for_user(request.user), active=True).first()
    form, pin = pin_form(request, problems=problems, identity=identity)
    if pin is not None:
        sealed = pin_seal(pin, kind=KIND_COPY, target=f"copy:{copy_request.pk}", user_id=request.user.pk)
        job = job_submit(kind=KIND_COPY, args={"request": copy_request.pk, "back": back, ARG: sealed},
                         by=request.user, school_code=copy_request.school.code)
        return redirect("portal:job", job.pk)
    return render(request, "portal/sign.html", {
        "title": _("Ký bản sao học bạ — %(pupil)s") % {"pupil": copy_request.pupil.full_name}, "form": form,
        "identity": identity, "problems": problems, "back": back, "back_label": _("Bản sao học bạ"),
        "lines": [_("Người đề nghị: %(who)s. %(reason)s") % {"who": copy_request.requester,
                                                             "reason": copy_request.reason},
                  _("Bản sao gồm toàn bộ quá trình học tập của học sinh, mỗi trang ghi «BẢN SAO» và số lần cấp; hiệu "
                    "trưởng ký số ở trang bìa. Bản sao được ghi sổ và tra cứu được như bản chính.")],
        "button": _("Ký bản sao")})


@login_required
@require_GET
def copy_download(request, copy_id: int):
    copy = CertifiedCopy.objects.select_related("pupil", "school").filter(pk=copy_id).first()
    access = exchange_access(request.user, copy.school) if copy else None
    if copy is None or not access.visible:
        raise Http404(_("Không tìm thấy bản sao."))
    require(access.read, _("Bản sao học bạ dành cho lãnh đạo nhà trường, văn thư và cán bộ quản lý."))
    # The pupil's name as written (Vietnamese letters kept: the header carries it as RFC 6266's filename*).
    name = f"ban-sao-{copy.number}-{'-'.join(copy.pupil.full_name.split())}.pdf"
    copy_download_record(copy=copy, by=request.user)
    response = stored_file_response(copy.file, filename=name, content_type="application/pdf")
    response["X-Content-SHA256"] = copy.sha256
    return response
