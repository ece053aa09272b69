"""The class summary's Excel download (Bảng tổng hợp, “Tải Excel” on the portal's summary page): the importable
layout of ``exchange.excel.summary``. At the end of the year the TT27 engine's results are stored first when the
viewer may write the year page and the class is not locked, as the summary page does, so file and screen agree."""

import io

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hocbaso.assessment.selectors import is_locked
from hocbaso.exchange.excel.summary import class_summary_workbook
from hocbaso.exchange.pages import class_period_for, require
from hocbaso.exchange.uploads import XLSX
from hocbaso.records.outcomes import year_results_refresh
from hocbaso.records.selectors import enrolments_for_records
from hocbaso.tt27 import catalogue
from hocbaso.web.pages import class_summary_file_name


@login_required
@require_GET
def class_summary_xlsx(request, class_id: int, period: str):
    """One class's Bảng tổng hợp at one period as ``tong-hop-<school>-<year>-lop-<class>-<period>.xlsx``."""
    school_class, access = class_period_for(
        request, class_id, period, related=("school_year__school", "homeroom_teacher"))
    require(access.view_all, _("Bảng tổng hợp của lớp dành cho giáo viên chủ nhiệm và lãnh đạo nhà trường."))
    if period == catalogue.YEAR_END:
        year_results_refresh(list(enrolments_for_records().filter(school_class=school_class)), by=request.user,
                             may_store=lambda: access.edit_year and not is_locked(school_class))
    buffer = io.BytesIO()
    class_summary_workbook(school_class, period).save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    name = class_summary_file_name(school_class, period, "xlsx")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
