"""What the web apps' pages share: the school year a page starts from (with the user's access in its school), an
id read from a form or query string, and the name of a class summary's downloads, which the portal (PDF) and
exchange (Excel) both serve."""

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


ID_MAX = 2**63 - 1  # the largest primary key either database stores


def id_param(value) -> int | None:
    """A primary key from a form field or query parameter (``"12"``), or None for anything else (``"abc"``,
    ``"1.5"``, ``""``, ``"-1"``, one beyond a 64-bit key): a page answers "not found" instead of the database
    raising on a value it cannot compare with an id."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= ID_MAX else None


def class_summary_file_name(school_class, period: str, extension: str) -> str:
    """``tong-hop-<school code>-<year>-lop-<class>-<period>.<extension>``."""
    year = school_class.school_year
    return f"tong-hop-{year.school.code}-{year.name}-lop-{school_class.name}-{period}.{extension}"
