"""The error pages (403, 404, 500 and a refused CSRF check) in the portal's style and the chosen language, saying
why and what to do.

A refusal's reason is the one the check gave: ``PermissionDenied("…")`` raised by a page or a service reaches
``handler403`` as its exception, and its words (already in the chosen language: they are translated where they
are raised) are the page's. A request for JSON (the grid's saves, the search endpoints, ``/api/``) gets
``{"error": reason}`` with the same status instead of a page. The 500 page draws nothing that needs the
database or the session (it may be what failed).
"""

import re

from django.http import Http404, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import Resolver404
from django.utils.translation import gettext as _

from hocbaso.web.headers import security_headers

DJANGO_NOT_FOUND = re.compile(r"^No \w+ matches the given query\.$")


def _wants_json(request) -> bool:
    accept = request.headers.get("Accept", "")
    return (request.path.startswith("/api/") or "application/json" in accept
            or request.headers.get("X-Requested-With") == "fetch")


def _reason(exception) -> str:
    """The words a refusal or a 404 carries, when they are ours (Django's resolver puts a dict or a path there)."""
    if exception is None or isinstance(exception, Resolver404):
        return ""
    words = exception.args[0] if getattr(exception, "args", None) else ""
    return words if isinstance(words, str) else ""


def _page(request, status: int, *, title: str, reason: str, advice: str):
    if _wants_json(request):
        return JsonResponse({"error": reason or title, "status": status}, status=status,
                            json_dumps_params={"ensure_ascii": False})
    return render(request, "web/error.html", {"status": status, "title": title, "reason": reason,
                                              "advice": advice}, status=status)


def forbidden(request, exception=None):
    """``handler403``: the refusal's own reason, and what to do."""
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    advice = (_("Nếu bạn cho rằng mình cần làm việc này, hãy liên hệ hiệu trưởng hoặc văn thư của trường để được "
                "phân quyền.") if signed_in else
              _("Hãy đăng nhập bằng tài khoản được trường cấp rồi thử lại."))
    return _page(request, 403, title=_("Bạn không có quyền làm việc này"),
                 reason=_reason(exception) or _("Tài khoản của bạn không có quyền mở trang này."), advice=advice)


def not_found(request, exception=None):
    """``handler404``: what was not found when the page said so, else the address. Django's own words
    (``get_object_or_404``: "No Staff matches the given query.") are English and name a model: not shown."""
    reason = _reason(exception) if isinstance(exception, Http404) else ""
    if DJANGO_NOT_FOUND.match(reason):
        reason = ""
    return _page(request, 404, title=_("Không tìm thấy trang"),
                 reason=reason or _("Không có trang nào ở địa chỉ này, hoặc nó đã được chuyển đi."),
                 advice=_("Kiểm tra lại địa chỉ, hoặc quay về trang chính và chọn từ danh sách."))


def server_error(request):
    """``handler500``: a page drawn without the database, the session or the user (any of them may be down)."""
    if _wants_json(request):
        return JsonResponse({"error": _("Máy chủ gặp lỗi. Dữ liệu bạn vừa gửi có thể chưa được lưu."),
                             "status": 500}, status=500, json_dumps_params={"ensure_ascii": False})
    body = loader.get_template("web/500.html").render({})
    return security_headers(HttpResponseServerError(body))


def csrf_failure(request, reason: str = ""):
    """``CSRF_FAILURE_VIEW``: a form sent from a page that is too old (the session ended, the browser was left
    open overnight) or from elsewhere. Django's reason is for developers; the user reads what to do."""
    return _page(request, 403, title=_("Trang đã cũ, chưa gửi được"),
                 reason=_("Biểu mẫu này được gửi từ một trang đã hết hạn (phiên đăng nhập đã kết thúc hoặc trang "
                          "mở quá lâu), nên máy chủ không nhận để bảo vệ tài khoản của bạn. Chưa có gì được lưu."),
                 advice=_("Tải lại trang (hoặc đăng nhập lại), nhập lại rồi gửi. Nếu vẫn không được, hãy bật "
                          "cookie cho trang này trong trình duyệt."))
