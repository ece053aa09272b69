"""The pupil search behind every pupil picker (``web/_pupil_search.html``, ``web/pupil_search.js``): JSON, for the
school's readers (principal, vice-principal, clerk) over their school's year, or, with ``lop=``, for whoever sees
the whole class. The matching and the order are ``directory.search`` and ``directory.selectors.pupils_find``."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hocbaso.directory.models import SchoolClass
from hocbaso.directory.selectors import pupils_find
from hocbaso.web.pages import id_param, year_with_access
from hocbaso.web.permissions import class_access, school_access

LIMIT = 50


@login_required
@require_GET
def pupil_search(request, year_id: int):
    year, access = year_with_access(request, year_id, school_access)
    school_class = None
    if "lop" in request.GET:
        school_class = SchoolClass.objects.filter(pk=id_param(request.GET["lop"]) or 0, school_year=year).first()
        if school_class is None or not class_access(request.user, school_class).view:
            raise Http404(_("Không tìm thấy lớp, hoặc bạn không có quyền xem lớp này."))
        if not class_access(request.user, school_class).view_all:
            raise PermissionDenied(_("Tìm học sinh trong lớp dành cho giáo viên chủ nhiệm và lãnh đạo nhà trường."))
    elif not access.dashboard:
        raise PermissionDenied(_("Tìm học sinh của trường dành cho lãnh đạo nhà trường và văn thư."))
    found = pupils_find(year, request.GET.get("q", "")[:100], school_class=school_class, limit=LIMIT + 1)
    return JsonResponse({
        "results": [{"id": p.enrolment_id, "label": p.label, "name": p.full_name, "class": p.class_name,
                     "birth_date": p.birth_date.isoformat()} for p in found[:LIMIT]],
        "more": len(found) > LIMIT}, json_dumps_params={"ensure_ascii": False})
