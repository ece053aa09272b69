"""The dashboards: the user's top level, each level's page, its charts (SVG) and its numbers (Excel)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render

from hocbaso.reports.charts import CHARTS
from hocbaso.reports.scopes import dashboard_for
from hocbaso.reports.selectors import CAMPAIGN, OUTCOME_KEYS, OUTCOME_NAMES
from hocbaso.reports.tables import campaign_rows, late_rows, outcome_rows
from hocbaso.reports.workbook import dashboard_workbook
from hocbaso.tt27 import catalogue
from hocbaso.web.permissions import can_see_statistics

# Column headings (short, full) of the outcome tables: a 360-pixel phone cannot fit the full names.
HEADS = [*((key if key != "none" else "Chưa có", OUTCOME_NAMES[key]) for key in OUTCOME_KEYS),
         *zip(("Khen XS", "Khen TB"), catalogue.AWARDS.values())]


def _board(request, level=None, key=None):
    """The page asked for, or 403 for a user who sees no statistics, 404 for a page outside their scope."""
    if not can_see_statistics(request.user):
        raise PermissionDenied("Chỉ lãnh đạo nhà trường và cán bộ quản lý giáo dục được xem thống kê.")
    board = dashboard_for(request.user, level, key, request.GET.get("nam_hoc") or None)
    if board is None and level is not None:
        raise Http404("Không có trang thống kê này.")
    return board


def _page(request, board):
    return render(request, "reports/dashboard.html", {
        "board": board, "heads": HEADS, "campaign": CAMPAIGN,
        "tables": {"outcomes": outcome_rows(board), "campaign": campaign_rows(board), "late": late_rows(board)}
        if board and board.year else {}})


@login_required
def statistics(request):
    """Thống kê: the user's top level (a Sở its province, a commune its schools, a principal the school)."""
    return _page(request, _board(request))


@login_required
def dashboard(request, level: str, key: str):
    return _page(request, _board(request, level, key))


@login_required
def chart(request, level: str, key: str, chart: str):
    board = _board(request, level, key)
    if chart not in CHARTS or board.level == "lop" and chart == "tien-do":
        raise Http404("Không có biểu đồ này.")
    response = HttpResponse(CHARTS[chart](board), content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, max-age=60"
    return response


@login_required
def workbook(request, level: str, key: str):
    board = _board(request, level, key)
    response = HttpResponse(dashboard_workbook(board),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="thong-ke-{level}-{key}-{board.year}.xlsx"'
    return response
