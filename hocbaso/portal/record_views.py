"""A pupil's record and its corrections in the browser: the record as a PDF (issued, being signed, or a preview),
the class's correction requests with the form to file one, and the principal's decision."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hocbaso.assessment.services import EvaluationInputError
from hocbaso.core.files import file_read
from hocbaso.directory.models import Enrolment
from hocbaso.directory.selectors import class_pupils
from hocbaso.portal.corrections import correction_fields, with_labels
from hocbaso.portal.forms import CorrectionForm, DecisionForm
from hocbaso.portal.lifecycle_views import safe_next
from hocbaso.portal.views import _class_for
from hocbaso.records.corrections import correction_approve, correction_reject, correction_request
from hocbaso.records.drafts import verify_url_template
from hocbaso.records.extracts import extract_record
from hocbaso.records.guards import LifecycleRefused, correction_filers_only, principal_only
from hocbaso.records.models import (OPEN_STATES, CorrectionRequest, CorrectionStatus, ExtractForm, IssuedRecord,
                                    RecordDraft)
from hocbaso.records.outcomes import RESULT_FIELDS
from hocbaso.records.renewal import latest_file
from hocbaso.records.selectors import current_issued, enrolments_for_records, record_build
from hocbaso.tt27 import assess
from hocbaso.web.permissions import can_request_correction, school_access


# ---------------------------------------------------------------------- record preview

@login_required
@require_GET
def record_pdf(request, class_id: int, enrolment_id: int):
    """The pupil's record as a PDF, inline: the issued file when there is one, else the draft being signed, else a
    preview rendered now from the entered data (no lookup code, not signed)."""
    from hocbaso.documents import render_year  # deferred: typst loads when a preview renders

    school_class, access = _class_for(request, class_id)
    if not access.view_all:
        raise PermissionDenied(_("Học bạ cả năm dành cho giáo viên chủ nhiệm và lãnh đạo nhà trường."))
    enrolment = Enrolment.objects.filter(pk=enrolment_id, school_class=school_class).select_related("pupil").first()
    if enrolment is None:
        raise Http404(_("Không tìm thấy học sinh trong lớp này."))
    issued = current_issued(IssuedRecord.objects.filter(enrolment=enrolment)).order_by("-version").first()
    draft = RecordDraft.objects.filter(enrolment=enrolment, state__in=OPEN_STATES).first()
    if issued is not None and draft is None:
        # the issued record leaves the system: its latest archive time stamp renewal, recorded as an extract
        name, digest = latest_file(issued)
        kind, data = "phat-hanh", file_read(name)
        extract_record(issued=issued, form=ExtractForm.PDF, channel="portal.record_pdf", sha256=digest,
                       by=request.user)
    elif draft is not None:
        kind, data = "ban-cho-ky", file_read(draft.pdf)
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


# ---------------------------------------------------------------------- corrections

@login_required
@require_http_methods(["GET", "POST"])
def corrections(request, class_id: int):
    """Đề nghị điều chỉnh of a class: the list with statuses, and the form to file one (pick a pupil, then the
    field among those the user enters, the new value and the reason)."""
    school_class, access = _class_for(request, class_id)
    may_file = can_request_correction(request.user, school_class)
    lead = school_access(request.user, school_class.school_year.school).lead
    if not (access.view_all or may_file):
        raise PermissionDenied(_("Bạn không có quyền xem đề nghị điều chỉnh của lớp này."))
    if request.method == "POST" and not may_file:
        raise PermissionDenied(correction_filers_only(school_class))
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
    if decision not in ("duyet", "tu-choi"):
        raise Http404()
    correction = (CorrectionRequest.objects.select_related("enrolment__school_class__school_year__school",
                                                           "enrolment__pupil").filter(pk=correction_id).first())
    access = school_access(request.user, correction.enrolment.school_class.school_year.school) if correction else None
    if correction is None or not access.visible:
        raise Http404(_("Không tìm thấy đề nghị điều chỉnh."))
    if not access.lead:
        raise PermissionDenied(principal_only(correction.enrolment.school_class.school_year.school))
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
    back = safe_next(request)
    return redirect(back) if back else redirect("portal:corrections", correction.enrolment.school_class_id)
