"""The school portal's pages and the grid's JSON endpoint. Views stay thin: permissions, selectors,
services. A class the user may not see answers 404; a sheet of a visible class they may not open, 403."""

import json
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hocbaso.assessment.selectors import locks_for_classes
from hocbaso.directory.models import SchoolClass
from hocbaso.directory.selectors import (class_pupils, classes_visible_to, school_places, schools_visible_to,
                                         staff_for_user)
from hocbaso.jobs.selectors import active_job
from hocbaso.portal import summary as summaries
from hocbaso.portal.messages import grid_messages
from hocbaso.portal.phrases import teacher_phrase_add, teacher_phrase_delete
from hocbaso.portal.selectors import (class_progress, class_sheet_codes, grid_columns, grid_phrases, grid_rows,
                                      own_phrases, sheet_name)
from hocbaso.portal.services import GridRequestError, grid_save
from hocbaso.records.guards import class_sign_problems, unlock_problems
from hocbaso.records.models import CorrectionRequest, CorrectionStatus
from hocbaso.records.outcomes import year_results_assess, year_results_preview
from hocbaso.records.progress import KIND_CLASS_SIGN, class_states
from hocbaso.signing.models import SigningIdentity
from hocbaso.tt27 import catalogue
from hocbaso.web.pages import class_summary_file_name
from hocbaso.web.permissions import (SHEET_TRAITS, SHEET_YEAR, can_assess_results, can_hold_certificate,
                                     can_manage_accounts, can_request_correction, can_see_statistics, can_sign_class,
                                     class_access, reads_aggregates_only, school_access, signoff_subjects)
from hocbaso.web.pins import PinForm


def _class_for(request, class_id: int):
    """The class and the user's rights in it; 404 when the class is invisible to the user."""
    school_class = (SchoolClass.objects.select_related("school_year__school", "homeroom_teacher")
                    .filter(pk=class_id).first())
    if school_class is None:
        raise Http404(_("Không tìm thấy lớp, hoặc bạn không có quyền xem lớp này."))
    access = class_access(request.user, school_class)
    if not access.view:
        raise Http404(_("Không tìm thấy lớp, hoặc bạn không có quyền xem lớp này."))
    return school_class, access


def _period_or_404(period: str) -> str:
    if period not in catalogue.PERIODS:
        raise Http404(_("Thời điểm đánh giá không tồn tại."))
    return period


def api_login_required(view):
    """Like login_required, but a JSON 401 instead of a redirect: the grid keeps its queue and says so."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return JsonResponse({"error": _("Phiên đăng nhập đã hết hạn. Hãy đăng nhập lại; các thay đổi "
                                            "chưa gửi vẫn được giữ trong máy.")}, status=401)
        return view(request, *args, **kwargs)
    return wrapper


@login_required
def home(request):
    schools = list(schools_visible_to(request.user))
    places = school_places(schools[:50])
    blocks = []
    for school in schools[:50]:
        year = school.years.order_by("-name").first()
        classes = list(classes_visible_to(request.user, school, year.name if year else None)) if year else []
        blocks.append({"school": school, "place": places[school.pk], "year": year, "classes": classes,
                       "pupil_total": sum(c.pupil_count for c in classes),
                       "dashboard": bool(year) and school_access(request.user, school).dashboard})
    return render(request, "portal/home.html", {"staff": staff_for_user(request.user), "blocks": blocks,
                                                "aggregates_only": reads_aggregates_only(request.user),
                                                "more_schools": max(0, len(schools) - 50),
                                                "can_certificate": can_hold_certificate(request.user),
                                                "can_reset_passwords": can_manage_accounts(request.user),
                                                "can_see_statistics": can_see_statistics(request.user)})


@login_required
def class_detail(request, class_id: int):
    school_class, access = _class_for(request, class_id)
    locked = school_class.pk in locks_for_classes([school_class.pk])
    lifecycle = _lifecycle_context(request, school_class, access)
    enrolments = class_pupils(school_class)
    blockers = None
    if access.view_all and not locked and lifecycle["state"].stage == "complete":
        # every rating is in: say why an outcome cannot be computed, in the summary's words
        assessments, blockers = year_results_preview(school_class)
        for enrolment in enrolments:
            found = assessments.get(enrolment.pk)
            enrolment.outcome_problems = [e.message for e in found.errors] if found else []
    return render(request, "portal/class_detail.html", {
        "school_class": school_class, "access": access, "enrolments": enrolments,
        "progress": class_progress(school_class, access), "periods": catalogue.PERIODS,
        "locked": locked, "blockers": blockers, **lifecycle})


def _lifecycle_context(request, school_class, access) -> dict:
    """The class page's lifecycle block: the class's state, signing for the homeroom teacher (one PIN) and for
    subject teachers (their subjects' sign-off), record previews and corrections."""
    state = class_states(school_class.school_year, [school_class])[0]
    staff = staff_for_user(request.user)
    signer = can_sign_class(request.user, school_class)
    mine = signoff_subjects(request.user, school_class)
    has_identity = bool(staff and SigningIdentity.objects.filter(staff=staff, active=True).exists())
    school = school_class.school_year.school
    lead = school_access(request.user, school).lead
    may_correct = can_request_correction(request.user, school_class)
    return {
        "can_unlock": lead and not unlock_problems(school_class),
        "state": state, "can_sign": signer, "has_identity": has_identity,
        "sign_problems": class_sign_problems(school_class, state) if signer else [],
        "sign_job": active_job(KIND_CLASS_SIGN, class_id=school_class.pk) if signer else None,
        "sign_form": PinForm(), "my_signoffs": [s for s in state.signoffs if s["subject"] in mine],
        "lead": lead, "may_correct": may_correct,
        "show_corrections": may_correct or access.view_all,
        "pending_corrections": CorrectionRequest.objects.filter(
            enrolment__school_class=school_class, status=CorrectionStatus.PENDING).count(),
    }


def _sheet_context(school_class, period: str, sheet: str) -> dict:
    return {"columns": grid_columns(school_class, period, sheet), "rows": grid_rows(school_class, period, sheet)}


@login_required
def grid(request, class_id: int, period: str, sheet: str):
    """Nhập đánh giá: one class × one sheet × one period."""
    school_class, access = _class_for(request, class_id)
    _period_or_404(period)
    if sheet not in class_sheet_codes(school_class, period):
        raise Http404(_("Lớp này không có trang nhập này ở thời điểm đã chọn."))
    if not access.can_view_sheet(sheet):
        raise PermissionDenied(_("Bạn không được phân công môn này ở lớp này."))
    lock = locks_for_classes([school_class.pk]).get(school_class.pk)
    editable = access.can_edit_sheet(sheet) and lock is None
    data = _sheet_context(school_class, period, sheet)
    data["phrases"] = grid_phrases(sheet) if editable else {}
    data["own_phrases"] = own_phrases(request.user, sheet) if editable else []
    data["messages"] = grid_messages(school_class, period, sheet)
    data["config"] = {
        "editable": editable, "sheet": sheet, "period": period, "csrf": get_token(request),
        "save_url": reverse("portal:api_evaluations", args=[school_class.pk, period]),
        "data_url": reverse("portal:api_evaluations", args=[school_class.pk, period]) + f"?sheet={sheet}",
        "storage_key": f"hocbaso:q:{request.user.pk}:{school_class.pk}:{sheet}:{period}",
        # A rating without a score is flagged where the subject has a periodic test at this period for this
        # class's grade (tt27.catalogue.has_periodic_test, through the score column: grades 4–5 at mid-term too).
        "score_expected": any(c["type"] == "score" and not c["no_test"] for c in data["columns"]),
        # The TT27 scales the script checks what is typed against (letters and their Vietnamese words).
        "scales": {"subject": catalogue.SUBJECT_RATINGS, "trait": catalogue.TRAIT_RATINGS},
        "score_min": catalogue.SCORE_MIN, "score_max": catalogue.SCORE_MAX,
        "phrase_add_url": reverse("portal:api_phrase_add"),
        "phrase_delete_url": reverse("portal:api_phrase_delete", args=[0]),
        # the service worker's cache of pages and their data (static/portal/sw.js), refreshed after each save
        "page_cache": "hocbaso-pages",
    }
    sheets = [{"code": code, "name": sheet_name(code)} for code in class_sheet_codes(school_class, period)
              if access.can_view_sheet(code)]
    return render(request, "portal/grid.html", {
        "school_class": school_class, "access": access, "period": period, "period_name": catalogue.PERIODS[period],
        "sheet": sheet, "sheet_name": sheet_name(sheet), "sheets": sheets, "periods": catalogue.PERIODS,
        "data": data, "editable": editable, "lock": lock, "has_optional": sheet == SHEET_TRAITS,
        "is_subject": sheet not in (SHEET_TRAITS, SHEET_YEAR),
        "subject_ratings": catalogue.SUBJECT_RATINGS, "trait_ratings": catalogue.TRAIT_RATINGS,
        "no_test": any(c.get("no_test") for c in data["columns"])})


@api_login_required
@require_http_methods(["GET", "POST"])
def api_evaluations(request, class_id: int, period: str):
    """GET ?sheet=…: the sheet's rows with their revisions. POST {"entries": [...]}: save changed cells
    (see ``hocbaso.portal.services.grid_save``); one result per entry."""
    school_class, access = _class_for(request, class_id)
    _period_or_404(period)
    if request.method == "GET":
        sheet = request.GET.get("sheet", "")
        if sheet not in class_sheet_codes(school_class, period):
            raise Http404(_("Lớp này không có trang nhập này ở thời điểm đã chọn."))
        if not access.can_view_sheet(sheet):
            raise PermissionDenied(_("Bạn không được phân công môn này ở lớp này."))
        return JsonResponse(_sheet_context(school_class, period, sheet))
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nesting too deep to read
        return JsonResponse({"error": "body is not JSON"}, status=400)
    if not isinstance(body, dict):
        return JsonResponse({"error": "body must be a JSON object"}, status=400)
    try:
        results = grid_save(school_class=school_class, period=period, entries=body.get("entries"),
                            user=request.user, access=access)
    except GridRequestError as error:
        return JsonResponse({"error": str(error)}, status=400)
    except PermissionDenied as error:
        return JsonResponse({"error": str(error) or _("Bạn không có quyền sửa trang này.")}, status=403)
    return JsonResponse({"results": results,
                         "saved": sum(1 for r in results if r["status"] == "saved")})


@api_login_required
@require_POST
def api_phrase_add(request):
    """POST {"sheet": code, "text": …}: keep a phrase of the teacher's own for a sheet; answers {"id", "text"}."""
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return JsonResponse({"error": "body is not JSON"}, status=400)
    if not isinstance(body, dict) or not isinstance(body.get("text"), str):
        return JsonResponse({"error": _("Lời nhận xét đang trống.")}, status=400)
    sheet = body.get("sheet")
    if sheet not in catalogue.SUBJECTS and sheet not in (SHEET_TRAITS, SHEET_YEAR):
        return JsonResponse({"error": _("Trang nhập không tồn tại.")}, status=400)
    try:
        phrase = teacher_phrase_add(user=request.user, sheet=sheet, text=body["text"])
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse({"id": phrase.pk, "text": phrase.text})


@api_login_required
@require_POST
def api_phrase_delete(request, phrase_id: int):
    """POST: delete one of the teacher's own phrases (someone else's: 403)."""
    try:
        teacher_phrase_delete(user=request.user, phrase_id=phrase_id)
    except PermissionDenied as error:
        return JsonResponse({"error": str(error)}, status=403)
    return JsonResponse({"deleted": phrase_id})


def _summary_for(request, class_id: int, period: str):
    school_class, access = _class_for(request, class_id)
    _period_or_404(period)
    if not access.view_all:
        raise PermissionDenied(_("Bảng tổng hợp của lớp dành cho giáo viên chủ nhiệm và lãnh đạo nhà trường."))
    return school_class, access, summaries.class_summary(school_class, period, user=request.user, access=access)


@login_required
@require_GET
def summary(request, class_id: int, period: str):
    """Bảng tổng hợp kết quả đánh giá giáo dục của lớp at one period."""
    school_class, access, data = _summary_for(request, class_id, period)
    return render(request, "portal/summary.html", {
        **data, "access": access, "periods": catalogue.PERIODS, "outcomes": catalogue.OUTCOMES,
        "subject_ratings": catalogue.SUBJECT_RATINGS, "trait_ratings": catalogue.TRAIT_RATINGS,
        "locked": school_class.pk in locks_for_classes([school_class.pk]),
        "can_assess": can_assess_results(request.user, school_class)})


@login_required
@require_GET
def summary_pdf(request, class_id: int, period: str):
    school_class, _access, data = _summary_for(request, class_id, period)
    response = HttpResponse(summaries.class_summary_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{class_summary_file_name(school_class, period, "pdf")}"'
    return response


@login_required
@require_POST
def results_assess(request, class_id: int):
    """Store the TT27 engine's year results of the class now (what the year-end summary also does on view)."""
    school_class, _access = _class_for(request, class_id)
    if not can_assess_results(request.user, school_class):
        raise PermissionDenied(_("Chỉ giáo viên chủ nhiệm và hiệu trưởng được tính kết quả cuối năm."))
    if school_class.pk in locks_for_classes([school_class.pk]):
        raise PermissionDenied(_("Dữ liệu lớp đã được chốt."))
    year_results_assess(enrolments=list(school_class.enrolments.values_list("pk", flat=True)), by=request.user)
    return redirect("portal:summary", school_class.pk, catalogue.YEAR_END)
