"""The data page (Dữ liệu vào – ra) of a school year, the hub of the exchange features, and its downloads.

The features live in subpackages with their own views and URLs: ``excel`` (import and export), ``sector`` (the
CSDL ngành file), ``submission`` (to the office, and the office's check), ``transfer``, ``copies`` (certified
copies) and ``archive`` (year-end). An uploaded file is checked whole first and shown; only a second POST with the
preview's key writes, re-running every check (``exchange.uploads``). The archive and a copy of a whole history run
as jobs on the portal's progress page. Permissions: ``web.permissions.exchange_access`` (404 for a school the
user may not see, 403 for what they may not do).
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hocbaso.directory.selectors import pupils_find
from hocbaso.exchange.archive.tasks import KIND_ARCHIVE
from hocbaso.exchange.excel import views as excel_views
from hocbaso.exchange.models import CopyRequest, Transfer
from hocbaso.exchange.pages import require, year_for
from hocbaso.exchange.sector import views as sector_views
from hocbaso.exchange.sector.services import TERM_LABELS, identity_failures
from hocbaso.exchange.submission import views as submission_views
from hocbaso.jobs.models import Job, JobState
from hocbaso.records.models import ClassPackage, ImportedRecord
from hocbaso.tt27 import catalogue


# ---------------------------------------------------------------------- the data page


@login_required
@require_GET
def hub(request, year_id: int):
    """Dữ liệu vào – ra: imports, exports, the sector file and the submission, transfers, copies, the archive."""
    year, access = year_for(request, year_id)
    require(access.read, _("Trang dữ liệu vào – ra dành cho lãnh đạo nhà trường, văn thư và cán bộ quản lý."))
    school = year.school
    archives = list(Job.objects.filter(kind=KIND_ARCHIVE, school_code=school.code, args__school_year=year.pk)
                    .select_related("created_by__staff")[:10]) if access.lead else []
    return render(request, "exchange/hub.html", {
        "year": year, "school": school, "access": access, "identity_failures": identity_failures(year),
        "classes": list(year.classes.order_by("grade", "name")),
        "periods": catalogue.PERIODS, "terms": TERM_LABELS,
        # the transfer's pupil picker: the search box's words (``?tim=``, without JavaScript too)
        "search": request.GET.get("tim", ""),
        "enrolments": pupils_find(year, request.GET.get("tim", ""), own_pupils=True, limit=None)
        if access.lead else [],
        "transfers": Transfer.objects.filter(school=school).select_related("pupil")[:20],
        "received": ImportedRecord.objects.filter(school=school).select_related("pupil")[:20],
        "pending_copies": CopyRequest.objects.filter(school=school, copy__isnull=True).count(),
        "packages": ClassPackage.objects.filter(school_class__school_year=year).count(),
        "archives": archives, "done": JobState.DONE,
    })


# ---------------------------------------------------------------------- downloads

# What the data page's download links (``export/<what>``) give, each written by its feature.
EXPORTS = {"danh-sach-hoc-sinh": excel_views.pupils_export, "tong-hop": excel_views.summary_export,
           "csdl-nganh": sector_views.sector_file, "nop-phong-so": submission_views.submission_download,
           "mau-danh-sach": excel_views.pupils_template_export,
           "mau-danh-gia": excel_views.evaluations_template_export}
# Blank templates carry no data: every member of the school gets them (a teacher's import page links one).
BLANK_TEMPLATES = {"mau-danh-sach", "mau-danh-gia"}


@login_required
@require_GET
def export(request, year_id: int, what: str):
    """Downloads: the pupil list, the school's results (Bảng tổng hợp) for a period, the sector file for a term
    (``?hk=1|2|year``, ``&dang=json`` for JSON), the submission to the office (the latest sealed package of
    every class with ``submission.json``, as one ZIP), and the blank templates (for every member of the school)."""
    if what not in EXPORTS:
        raise Http404()
    year, access = year_for(request, year_id)
    if what not in BLANK_TEMPLATES:
        require(access.read, _("Xuất dữ liệu dành cho lãnh đạo nhà trường, văn thư và cán bộ quản lý."))
    stem = f"{year.school.code}-{year.name}"
    return EXPORTS[what](request, year, stem)
