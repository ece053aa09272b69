"""The Excel pages: a pupil list or a class's evaluations imported from Excel (upload, a preview with every
problem, then confirm; the file waits in between, see ``exchange.uploads``), a class's evaluations exported in the
import layout, and the school-wide Excel downloads of the data page (pupil list, Bảng tổng hợp, blank templates)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hocbaso.directory.models import SchoolClass
from hocbaso.exchange.excel.evaluation_export import evaluations_workbook
from hocbaso.exchange.excel.evaluation_import import evaluations_import
from hocbaso.exchange.excel.pupil_export import pupils_workbook
from hocbaso.exchange.excel.pupil_import import pupils_import
from hocbaso.exchange.excel.summary import school_summary_workbook
from hocbaso.exchange.excel.template_files import evaluations_template, pupils_template
from hocbaso.exchange.pages import class_period_for, require, year_for
from hocbaso.exchange.uploads import stash_keep, stash_take, upload_read, workbook_response
from hocbaso.tt27 import catalogue
from hocbaso.web.permissions import class_access


def _import_page(request, *, title: str, back: str, back_label: str, run, scope: dict, extra_fields=None,
                 templates=()):
    """The shared upload → preview → confirm flow. ``run(file, dry_run, values)`` imports; ``values`` are the
    extra form fields (e.g. the period) as chosen on upload and carried through the confirmation."""
    extra_fields = extra_fields or {}
    context = {"title": title, "back": back, "back_label": back_label, "fields": extra_fields,
               "templates": templates, "values": {}, "report": None, "key": None, "errors": []}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in extra_fields}
        bad = [name for name, field in extra_fields.items() if values[name] not in field["choices"]]
        context["values"] = values
        key = request.POST.get("confirm")
        if key:
            stashed = stash_take(request, key, **scope)
            if stashed is None:
                context["errors"].append(_("Bản xem trước đã hết hạn hoặc đã được dùng. Hãy tải tệp lên lại."))
            else:
                data, meta = stashed
                report = run(ContentFile(data, name=meta["name"]), False, meta["values"])
                if report.applied:
                    messages.success(request, report.summary())
                    return redirect(back)
                context.update(report=report, name=meta["name"], values=meta["values"])
        elif bad:
            context["errors"].append(_("Hãy chọn %(what)s.") % {"what": extra_fields[bad[0]]["label"]})
        else:
            data, name, problem = upload_read(request)
            if problem:
                context["errors"].append(problem)
            else:
                report = run(ContentFile(data, name=name), True, values)
                context.update(report=report, name=name)
                if report.ok:
                    context["key"] = stash_keep(request, data, name=name, values=values, **scope)
    return render(request, "exchange/import.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def import_pupils(request, year_id: int):
    """Nhập danh sách học sinh (and their classes) from Excel: the clerk or the principal."""

    year, access = year_for(request, year_id)
    require(access.pupils, _("Chỉ văn thư hoặc hiệu trưởng của trường mới nhập được danh sách học sinh."))
    return _import_page(
        request, title=_("Nhập danh sách học sinh từ Excel — năm học %(year)s") % {"year": year.name},
        back=reverse("exchange:hub", args=[year.pk]), back_label=_("Dữ liệu vào – ra"),
        scope={"kind": "pupils", "year": year.pk, "user": request.user.pk},
        run=lambda file, dry_run, values: pupils_import(school_year=year, file=file, by=request.user,
                                                        dry_run=dry_run),
        templates=[(reverse("exchange:export", args=[year.pk, "mau-danh-sach"]), _("Mẫu danh sách học sinh"))])


@login_required
@require_http_methods(["GET", "POST"])
def import_evaluations(request, class_id: int):
    """Nhập kết quả đánh giá of one class and period from Excel: each cell must be one the user may enter."""
    school_class = (SchoolClass.objects.select_related("school_year__school")
                    .filter(pk=class_id).first())
    access = class_access(request.user, school_class) if school_class else None
    if school_class is None or not access.view:
        raise Http404(_("Không tìm thấy lớp, hoặc bạn không có quyền xem lớp này."))
    require(access.edits_anything, _("Bạn không được nhập kết quả đánh giá của lớp này."))
    periods = {code: _(name) for code, name in catalogue.PERIODS.items()}
    return _import_page(
        request, title=_("Nhập kết quả đánh giá từ Excel — lớp %(name)s") % {"name": school_class.name},
        back=reverse("portal:class_detail", args=[school_class.pk]),
        back_label=_("Lớp %(name)s") % {"name": school_class.name},
        scope={"kind": "evaluations", "class": school_class.pk, "user": request.user.pk},
        extra_fields={"period": {"label": _("thời điểm đánh giá"), "choices": periods}},
        run=lambda file, dry_run, values: evaluations_import(
            school_class=school_class, period=values["period"], file=file, by=request.user, dry_run=dry_run,
            may_edit=access.can_edit_sheet),
        templates=[(reverse("exchange:export", args=[school_class.school_year_id, "mau-danh-gia"])
                    + f"?khoi={school_class.grade}", _("Mẫu bảng đánh giá khối %(grade)s") % {"grade": school_class.grade})]
        + ([(reverse("exchange:class_export", args=[school_class.pk, code]),
             _("Dữ liệu đang có: %(period)s") % {"period": name}) for code, name in periods.items()]
           if access.view_all else []))


@login_required
@require_GET
def class_export(request, class_id: int, period: str):
    """A class's evaluations for a period in the import layout (export → edit → import changes only the edits)."""
    school_class, access = class_period_for(request, class_id, period)
    require(access.view_all, _("Bảng đánh giá cả lớp dành cho giáo viên chủ nhiệm và lãnh đạo nhà trường."))
    return workbook_response(evaluations_workbook(school_class, period),
                             f"danh-gia-{school_class.school_year.name}-{slugify(school_class.name)}-{period}.xlsx")


def pupils_export(request, year, stem: str):
    """The school year's pupil list (``export/danh-sach-hoc-sinh``)."""
    return workbook_response(pupils_workbook(year), f"danh-sach-hoc-sinh-{stem}.xlsx")


def summary_export(request, year, stem: str):
    """The school's results (Bảng tổng hợp) for a period, ``?ky=`` (``export/tong-hop``)."""
    period = request.GET.get("ky", catalogue.YEAR_END)
    if period not in catalogue.PERIODS:
        raise Http404(_("Thời điểm đánh giá không tồn tại."))
    return workbook_response(school_summary_workbook(year, period), f"tong-hop-{stem}-{period}.xlsx")


def pupils_template_export(request, year, stem: str):
    """The blank pupil list (``export/mau-danh-sach``)."""
    return workbook_response(pupils_template(), "mau-danh-sach-hoc-sinh.xlsx")


def evaluations_template_export(request, year, stem: str):
    """The blank evaluation sheet, of a grade when ``?khoi=`` names one (``export/mau-danh-gia``)."""
    grade = request.GET.get("khoi")
    grade = int(grade) if grade in {str(g) for g in catalogue.GRADES} else None
    return workbook_response(evaluations_template(grade=grade), "mau-danh-gia.xlsx")
