from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from hocbaso.directory.models import Role
from hocbaso.directory.selectors import schools_visible_to, staff_for_user
from hocbaso.reports.selectors import latest_school_year, school_statistics
from hocbaso.tt27 import catalogue

ALLOWED = {Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER}


@login_required
def statistics(request):
    """Thống kê: offices see their schools, a principal their own school."""
    staff = staff_for_user(request.user)
    if not request.user.is_superuser and (staff is None or not staff.roles & ALLOWED):
        raise PermissionDenied("Chỉ lãnh đạo nhà trường và cán bộ UBND xã/phường, Sở GD&ĐT được xem thống kê.")
    schools = schools_visible_to(request.user)
    year = request.GET.get("nam_hoc") or latest_school_year(schools)
    stats = school_statistics(schools, year) if year else None
    return render(request, "reports/statistics.html", {"stats": stats, "outcome_names": catalogue.OUTCOMES,
                                                        "year": year})
