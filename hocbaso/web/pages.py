"""What the web apps' pages share: the school year a page starts from (with the user's access in its school), and
the name of a class summary's downloads, which the portal (PDF) and exchange (Excel) both serve."""

from django.http import Http404
from django.utils.translation import gettext as _

from hocbaso.directory.models import SchoolYear


def year_with_access(request, year_id: int, access_of):
    """``(year, access)`` where ``access = access_of(user, school)`` has ``visible``; 404 when the year does not
    exist or its school is invisible to the user (the same answer for both, so ids cannot be probed)."""
    year = SchoolYear.objects.select_related("school").filter(pk=year_id).first()
    access = access_of(request.user, year.school) if year else None
    if year is None or not access.visible:
        raise Http404(_("Không tìm thấy năm học, hoặc bạn không có quyền xem trường này."))
    return year, access


def class_summary_file_name(school_class, period: str, extension: str) -> str:
    """``tong-hop-<school code>-<year>-lop-<class>-<period>.<extension>``."""
    year = school_class.school_year
    return f"tong-hop-{year.school.code}-{year.name}-lop-{school_class.name}-{period}.{extension}"
