"""What every data page starts from: the school year (or the class and period) the user may see, with their
access, a refusal, and the year's enrolments."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from hocbaso.directory.models import Enrolment, SchoolClass
from hocbaso.tt27 import catalogue
from hocbaso.web.pages import year_with_access
from hocbaso.web.permissions import class_access, exchange_access


def year_for(request, year_id: int):
    """The school year and the user's exchange access in its school; 404 when the school is invisible."""
    return year_with_access(request, year_id, exchange_access)


def class_period_for(request, class_id: int, period: str, *, related: tuple[str, ...] = ("school_year__school",)):
    """The class the user may see and its access, at a period of the catalogue; 404 otherwise."""
    school_class = SchoolClass.objects.select_related(*related).filter(pk=class_id).first()
    access = class_access(request.user, school_class) if school_class else None
    if school_class is None or not access.view:
        raise Http404(_("Không tìm thấy lớp, hoặc bạn không có quyền xem lớp này."))
    if period not in catalogue.PERIODS:
        raise Http404(_("Thời điểm đánh giá không tồn tại."))
    return school_class, access


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def year_enrolments(year):
    return (Enrolment.objects.filter(school_class__school_year=year).select_related("pupil", "school_class")
            .order_by("school_class__grade", "school_class__name", "pupil__full_name", "pk"))
