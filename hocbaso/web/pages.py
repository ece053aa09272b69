"""What a school-year page of any web app starts from: the year, and the user's access in its school."""

from django.http import Http404
from django.utils.translation import gettext as _

from hocbaso.directory.models import SchoolYear


def year_with_access(request, year_id: int, access_of):
    """``(year, access)`` where ``access = access_of(user, school)`` has ``visible``; 404 when the year does not
    exist or its school is invisible to the user (the same answer for both, so ids cannot be probed)."""
    year = SchoolYear.objects.select_related("school__district__province").filter(pk=year_id).first()
    access = access_of(request.user, year.school) if year else None
    if year is None or not access.visible:
        raise Http404(_("Không tìm thấy năm học, hoặc bạn không có quyền xem trường này."))
    return year, access
