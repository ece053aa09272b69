"""Public pages and JSON API for verifying a record. No login; nothing personal in URLs but the code."""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from hocbaso.core.limits import TooLarge
from hocbaso.directory.models import Role
from hocbaso.documents.view import year_view
from hocbaso.records.codes import normalize_lookup_code
from hocbaso.records.extracts import extract_record, school_extracts
from hocbaso.records.models import ExtractForm, IssuedRecord
from hocbaso.records.renewal import latest_file
from hocbaso.verify.files import file_check
from hocbaso.verify.models import RecordLookup
from hocbaso.verify.openapi import OPENAPI
from hocbaso.verify.pages import status_page, status_text
from hocbaso.verify.ratelimit import bucket_take, client_ip, ip_key, write_turn
from hocbaso.verify.services import RateLimited, lookup_full, lookup_status, status_answer
from hocbaso.verify.xml_check import issued_xml
from hocbaso.web.downloads import stored_file_response

FAILED_FACTOR = gettext_lazy("Mã tra cứu hoặc thông tin xác minh (ngày sinh / mã định danh) không đúng.")
GRANT_SECONDS = 600


def _too_many(request, api: bool):
    message = str(RateLimited())
    if api:
        return JsonResponse({"error": "rate_limited", "message": message}, status=429)
    return render(request, "verify/lookup.html", {"error": message}, status=429)


def lookup_form(request):
    """GET: the form. A submitted code goes to its status page (the QR link's page)."""
    code = request.GET.get("ma", "")
    if code:
        normal = normalize_lookup_code(code)
        if normal:
            return redirect("verify:status", code=normal)
        error = _("Mã tra cứu không hợp lệ: hãy kiểm tra lại từng ký tự.")
        return render(request, "verify/lookup.html", {"error": error, "code": code})
    return render(request, "verify/lookup.html", {})


def status(request, code: str):
    """The status page (QR target). POST with the second factor shows the full record."""
    ip = client_ip(request)
    try:
        if request.method == "POST":
            issued = lookup_full(text=code, factor=request.POST.get("xac_minh", ""), ip=ip,
                                 identity_digits=request.POST.get("so_cuoi", ""))
            if issued is None:
                # The same page for a wrong code and a wrong second factor: nothing tells them apart.
                return render(request, "verify/lookup.html", {"error": FAILED_FACTOR,
                                                              "next_url": reverse("verify:lookup")})
            request.session[f"grant:{issued.lookup_code}"] = timezone.now().timestamp() + GRANT_SECONDS
            answer = status_answer(issued)
            return render(request, "verify/full.html", {"issued": issued, "record": issued.record,
                                                        "year": _year_view(issued.record),
                                                        "grant_minutes": GRANT_SECONDS // 60,
                                                        "answer": answer, "status_text": status_text(answer)})
        answer = lookup_status(text=code, ip=ip)
    except RateLimited:
        return _too_many(request, api=False)
    return status_page(request, answer)


def _year_view(record: dict) -> dict | None:
    """The record as the PDF prints it (subjects, ratings and outcome in words), or None for a record that
    lacks the parts a year page needs."""
    try:
        return year_view(record)
    except (KeyError, TypeError, ValueError):
        return None


def _granted(request, code: str):
    """The issued record of ``code`` when this browser session passed its second factor in the last few minutes;
    else a redirect to the code's status page (Http404 for a code the registry does not hold)."""
    normal = normalize_lookup_code(code)
    expiry = request.session.get(f"grant:{normal}") if normal else None
    if not expiry or expiry < timezone.now().timestamp():
        return redirect("verify:status", code=normal or code)
    issued = IssuedRecord.objects.filter(lookup_code=normal).first()
    if issued is None:
        raise Http404
    return issued


@require_GET
def download(request, code: str):
    """The signed PDF, for a browser session that passed the second factor in the last few minutes."""
    issued = _granted(request, code)
    if not isinstance(issued, IssuedRecord):
        return issued
    return _pdf_response(request, issued, "verify.download")


def _pdf_response(request, issued: IssuedRecord, channel: str) -> HttpResponse:
    """The record's PDF as a download, recorded as an extract: its latest renewal of the archive time stamp when
    there is one (the same record and version, and the file that stays verifiable longest; the registry matches
    either)."""
    name, digest = latest_file(issued)
    extract_record(issued=issued, form=ExtractForm.PDF, channel=channel, sha256=digest,
                   by=getattr(request, "user", None))
    response = stored_file_response(name, filename=f"hoc-ba-{issued.record_id}-v{issued.version}.pdf",
                                    content_type="application/pdf")
    response["X-Content-SHA256"] = digest
    return response


def _xml_response(request, issued: IssuedRecord, channel: str) -> HttpResponse:
    xml = issued_xml(issued)
    if xml is None:  # issued before the record had its XML form
        raise Http404
    extract_record(issued=issued, form=ExtractForm.XML, channel=channel, data=xml, by=getattr(request, "user", None))
    response = HttpResponse(xml, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="hoc-ba-{issued.record_id}-v{issued.version}.xml"'
    return response


@require_GET
def download_xml(request, code: str):
    """The signed record XML, for a browser session that passed the second factor in the last few minutes."""
    issued = _granted(request, code)
    if not isinstance(issued, IssuedRecord):
        return issued
    return _xml_response(request, issued, "verify.download_xml")


def _read_upload(request) -> bytes | None:
    if request.content_type in ("application/pdf", "application/xml", "text/xml", "application/octet-stream"):
        data = request.body
    else:
        upload = request.FILES.get("tep") or request.FILES.get("file")
        if upload is None:
            return None
        data = upload.read(settings.VERIFY_MAX_UPLOAD + 1)
    return data


def file_page(request):
    if request.method != "POST":
        return render(request, "verify/file.html", {})
    if not _file_token(request):
        return render(request, "verify/file.html", {"error": str(RateLimited())}, status=429)
    upload = request.FILES.get("tep")
    if upload is None:
        return render(request, "verify/file.html", {"error": _("Hãy chọn một tệp PDF để kiểm tra.")}, status=400)
    if upload.size > settings.VERIFY_MAX_UPLOAD:
        return render(request, "verify/file.html", {"error": _too_big()}, status=413)
    try:
        verdict = file_check(upload.read())
    except TooLarge as refused:
        return render(request, "verify/file.html", {"error": _refused_text(refused)}, status=413)
    _log_file(request, verdict, via_api=False)
    return render(request, "verify/file.html", {"verdict": verdict,
                                                "details_json": json.dumps(verdict.as_dict(), ensure_ascii=False,
                                                                           indent=2, default=str)})


def _refused_text(refused: TooLarge) -> str:
    return _("Hệ thống không kiểm tra tệp này: %(reason)s") % {"reason": refused}


def _too_big() -> str:
    return _("Tệp quá lớn: tối đa %(size)s MB.") % {"size": settings.VERIFY_MAX_UPLOAD // (1024 * 1024)}


def _file_token(request) -> bool:
    with write_turn():
        return bucket_take(f"file-ip:{ip_key(client_ip(request))}", capacity=settings.VERIFY_LIMITS["file_burst"],
                           per_hour=settings.VERIFY_LIMITS["file_per_hour"])


def _log_file(request, verdict, via_api: bool) -> None:
    issued = IssuedRecord.objects.filter(sha256=verdict.sha256).first()
    with write_turn():
        RecordLookup.objects.create(kind="file", ip_hash=ip_key(client_ip(request)), issued_record=issued,
                                    ok=verdict.verdict.startswith("authentic"), via_api=via_api,
                                    school_code=issued.school_code if issued else "")


# ---- JSON API -------------------------------------------------------------------------------------

@require_GET
def api_status(request, code: str):
    try:
        answer = lookup_status(text=code, ip=client_ip(request), via_api=True)
    except RateLimited:
        return _too_many(request, api=True)
    return JsonResponse(answer.as_dict(), status=404 if answer.status in ("unknown", "invalid") else 200,
                        json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_POST
def api_full(request, code: str):
    return _api_second_factor(request, code, form="json")


@csrf_exempt
@require_POST
def api_xml(request, code: str):
    """The signed record XML (application/xml) to whoever passes the second factor, as ``api_full``."""
    return _api_second_factor(request, code, form="xml")


@csrf_exempt
@require_POST
def api_pdf(request, code: str):
    """The signed PDF (its latest archive time stamp renewal) to whoever passes the second factor, as ``api_full``."""
    return _api_second_factor(request, code, form="pdf")


def _api_second_factor(request, code: str, *, form: str):
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):  # RecursionError: nesting too deep to read
        return JsonResponse({"error": "invalid_json", "message": _("Nội dung yêu cầu không phải JSON.")}, status=400)
    if not isinstance(body, dict):
        return JsonResponse({"error": "invalid_json", "message": _("Nội dung yêu cầu không phải JSON.")}, status=400)
    factor = str(body.get("birth_date") or "")
    digits = str(body.get("identity_last4") or body.get("identity_number") or "")
    try:
        issued = lookup_full(text=code, factor=factor, ip=client_ip(request), via_api=True, identity_digits=digits)
    except RateLimited:
        return _too_many(request, api=True)
    if issued is None:
        return JsonResponse({"error": "not_verified", "message": FAILED_FACTOR}, status=404,
                            json_dumps_params={"ensure_ascii": False})
    if form == "pdf":
        return _pdf_response(request, issued, "verify.api_pdf")
    if form == "xml":
        try:
            return _xml_response(request, issued, "verify.api_xml")
        except Http404:
            return JsonResponse({"error": "no_xml", "message": _("Học bạ này được phát hành trước khi có dạng XML.")},
                                status=404, json_dumps_params={"ensure_ascii": False})
    extract_record(issued=issued, form=ExtractForm.JSON, channel="verify.api_full", by=getattr(request, "user", None))
    # ``sha256``: the issued file's (the registry's); ``file_sha256``: the file /pdf serves (its latest renewal)
    return JsonResponse({"record": issued.record, "sha256": issued.sha256, "file_sha256": latest_file(issued)[1],
                         "signers": issued.signers, "pdf_url": None}, json_dumps_params={"ensure_ascii": False})


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@csrf_exempt
@require_POST
def api_file(request):
    if not _file_token(request):
        return _too_many(request, api=True)
    if _content_length(request) > settings.VERIFY_MAX_UPLOAD + 1024 * 64:
        return JsonResponse({"error": "too_large", "message": _too_big()}, status=413)
    data = _read_upload(request)
    if data is None:
        return JsonResponse({"error": "no_file", "message": _("Thiếu tệp: gửi PDF trong trường 'file' hoặc "
                                                              "với Content-Type: application/pdf.")}, status=400)
    if len(data) > settings.VERIFY_MAX_UPLOAD:
        return JsonResponse({"error": "too_large", "message": _too_big()}, status=413)
    try:
        verdict = file_check(data)
    except TooLarge as refused:
        return JsonResponse({"error": "too_large", "message": _refused_text(refused)}, status=413,
                            json_dumps_params={"ensure_ascii": False})
    _log_file(request, verdict, via_api=True)
    return JsonResponse(verdict.as_dict(), json_dumps_params={"ensure_ascii": False, "default": str})


@require_GET
def api_openapi(request):
    spec = dict(OPENAPI, servers=[{"url": settings.SITE_URL}])
    return JsonResponse(spec, json_dumps_params={"ensure_ascii": False})


# ---- the principal's log ----------------------------------------------------------------------------

@login_required
def lookup_log(request):
    """Nhật ký tra cứu of the school's records, for its principal and vice-principals."""
    staff = getattr(request.user, "staff", None)
    if staff is None or not staff.school_id or not staff.roles & {Role.PRINCIPAL, Role.VICE_PRINCIPAL}:
        raise PermissionDenied(_("Chỉ hiệu trưởng, phó hiệu trưởng được xem nhật ký tra cứu của trường."))
    entries = (RecordLookup.objects.filter(school_code=staff.school.code).select_related("issued_record")
               .order_by("-at")[:500])
    return render(request, "verify/log.html", {"entries": entries, "school": staff.school,
                                               "extracts": school_extracts(staff.school.code)})


def record_url(lookup_code: str) -> str:
    """The public address a QR code opens."""
    return settings.SITE_URL + reverse("verify:status", args=[lookup_code])
