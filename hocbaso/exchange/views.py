"""Data in and out in the browser (issue 7): the school's data page, Excel import with a preview, exports, the
sector file and the submission to the district/province office, transfers out and in, certified copies, the
year-end archive, and (for officers) checking the class packages schools submit.

The transfer link ``/chuyen-truong/<token>/`` (a bearer token, no login) downloads the sealed transfer package
while the link is valid.

An uploaded file is checked whole first (the import's ``dry_run``, ``transfer_package_check``) and shown; only
a second POST with the preview's key writes, re-running every check. Between the two the file waits in the
data folder (``tmp/uploads/``), named by a random key kept in the user's session. The archive and a copy of a
whole history run as jobs on the portal's progress page. Permissions: ``portal.permissions.exchange_access``
(404 for a school the user may not see, 403 for what they may not do).
"""

import datetime as dt
import io
import re
import secrets
import tempfile
import zipfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hocbaso.directory.models import Enrolment, SchoolYear
from hocbaso.directory.selectors import staff_for_user
from hocbaso.exchange.transfer import TransferLinkExpired, TransferRefused, transfer_download
from hocbaso.jobs.models import Job, JobState
from hocbaso.portal.permissions import can_receive_submissions, class_access, exchange_access
from hocbaso.tt27 import catalogue

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STASH = "exchange_uploads"
MAX_UPLOAD = 50 * 1024 * 1024


# ---------------------------------------------------------------------- the transfer link (public)

@require_GET
def transfer_package(request, token: str):
    """The package as a ZIP download; 404 for an unknown token, 410 once the link has expired (in Vietnamese)."""
    try:
        transfer, data = transfer_download(token)
    except TransferRefused as refused:
        status = 410 if isinstance(refused, TransferLinkExpired) else 404
        return HttpResponse(str(refused), status=status, content_type="text/plain; charset=utf-8")
    name = f"chuyen-truong-{transfer.pupil.identity_number or transfer.pupil_id}.zip"
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-SHA256"] = transfer.sha256
    return response


# ---------------------------------------------------------------------- helpers

def _year_for(request, year_id: int):
    year = SchoolYear.objects.select_related("school__district__province").filter(pk=year_id).first()
    access = exchange_access(request.user, year.school) if year else None
    if year is None or not access.visible:
        raise Http404(_("Không tìm thấy năm học, hoặc bạn không có quyền xem trường này."))
    return year, access


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _download(data: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _workbook_response(workbook, name: str) -> HttpResponse:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _download(buffer.getvalue(), name, XLSX)


def _stash(request, data: bytes, **meta) -> str:
    """Keep an uploaded file until the user confirms the preview; returns the key."""
    _stash_sweep()
    key = secrets.token_urlsafe(16)
    name = default_storage.save(f"tmp/uploads/{key}.bin", ContentFile(data))
    stash = request.session.get(STASH, {})
    for old in list(stash)[:-4]:  # at most five waiting previews per session
        default_storage.delete(stash.pop(old)["file"])
    stash[key] = {"file": name, **meta}
    request.session[STASH] = stash
    return key


def _stash_sweep(max_age=dt.timedelta(days=1)) -> None:
    """Remove previews nobody confirmed (their session ended) after a day."""
    try:
        _folders, names = default_storage.listdir("tmp/uploads")
    except (FileNotFoundError, NotImplementedError):
        return
    limit = timezone.now() - max_age
    for name in names:
        path = f"tmp/uploads/{name}"
        try:
            if default_storage.get_modified_time(path) < limit:
                default_storage.delete(path)
        except (FileNotFoundError, NotImplementedError):
            continue


def _unstash(request, key: str, **expected):
    """The stashed bytes and their metadata for ``key`` (which must match ``expected``), removed from the
    session; None when unknown (expired, already used, or someone else's)."""
    stash = request.session.get(STASH, {})
    meta = stash.get(key or "")
    if meta is None or any(meta.get(k) != v for k, v in expected.items()):
        return None
    stash.pop(key)
    request.session[STASH] = stash
    try:
        with default_storage.open(meta["file"], "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    default_storage.delete(meta["file"])
    return data, meta


def _upload(request, field: str = "file") -> tuple[bytes | None, str, str | None]:
    """``(data, name, problem)`` of an uploaded file."""
    upload = request.FILES.get(field)
    if upload is None:
        return None, "", _("Hãy chọn một tệp để tải lên.")
    if upload.size > MAX_UPLOAD:
        return None, upload.name, _("Tệp quá lớn (tối đa 50 MB).")
    return upload.read(), upload.name, None


def _year_enrolments(year):
    return (Enrolment.objects.filter(school_class__school_year=year).select_related("pupil", "school_class")
            .order_by("school_class__grade", "school_class__name", "pupil__full_name", "pk"))


# ---------------------------------------------------------------------- the data page

@login_required
@require_GET
def hub(request, year_id: int):
    """Dữ liệu vào – ra: imports, exports, the sector file and the submission, transfers, copies, the archive."""
    from hocbaso.exchange.models import CopyRequest, ImportedRecord, Transfer
    from hocbaso.exchange.sector import TERM_LABELS, identity_failures
    from hocbaso.exchange.tasks import KIND_ARCHIVE
    from hocbaso.records.models import ClassPackage

    year, access = _year_for(request, year_id)
    _require(access.read, _("Trang dữ liệu vào – ra dành cho lãnh đạo nhà trường, văn thư và cán bộ quản lý."))
    school = year.school
    archives = list(Job.objects.filter(kind=KIND_ARCHIVE, school_code=school.code, args__school_year=year.pk)
                    .select_related("created_by__staff")[:10]) if access.lead else []
    return render(request, "exchange/hub.html", {
        "year": year, "school": school, "access": access, "identity_failures": identity_failures(year),
        "classes": list(year.classes.order_by("grade", "name")),
        "periods": catalogue.PERIODS, "terms": TERM_LABELS,
        "enrolments": _year_enrolments(year).filter(pupil__school=school) if access.lead else [],
        "transfers": Transfer.objects.filter(school=school).select_related("pupil")[:20],
        "received": ImportedRecord.objects.filter(school=school).select_related("pupil")[:20],
        "pending_copies": CopyRequest.objects.filter(school=school, copy__isnull=True).count(),
        "packages": ClassPackage.objects.filter(school_class__school_year=year).count(),
        "archives": archives, "done": JobState.DONE,
    })


# ---------------------------------------------------------------------- Excel import: upload, preview, confirm

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
            stashed = _unstash(request, key, **scope)
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
            data, name, problem = _upload(request)
            if problem:
                context["errors"].append(problem)
            else:
                report = run(ContentFile(data, name=name), True, values)
                context.update(report=report, name=name)
                if report.ok:
                    context["key"] = _stash(request, data, name=name, values=values, **scope)
    return render(request, "exchange/import.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def import_pupils(request, year_id: int):
    """Nhập danh sách học sinh (and their classes) from Excel: the clerk or the principal."""
    from hocbaso.exchange.services import pupils_import

    year, access = _year_for(request, year_id)
    _require(access.pupils, _("Chỉ văn thư hoặc hiệu trưởng của trường mới nhập được danh sách học sinh."))
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
    from hocbaso.directory.models import SchoolClass
    from hocbaso.exchange.services import evaluations_import

    school_class = (SchoolClass.objects.select_related("school_year__school__district__province")
                    .filter(pk=class_id).first())
    access = class_access(request.user, school_class) if school_class else None
    if school_class is None or not access.view:
        raise Http404(_("Không tìm thấy lớp, hoặc bạn không có quyền xem lớp này."))
    _require(access.edits_anything, _("Bạn không được nhập kết quả đánh giá của lớp này."))
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


# ---------------------------------------------------------------------- exports

@login_required
@require_GET
def class_export(request, class_id: int, period: str):
    """A class's evaluations for a period in the import layout (export → edit → import changes only the edits)."""
    from hocbaso.directory.models import SchoolClass
    from hocbaso.exchange.services import evaluations_workbook

    school_class = SchoolClass.objects.select_related("school_year__school").filter(pk=class_id).first()
    access = class_access(request.user, school_class) if school_class else None
    if school_class is None or not access.view:
        raise Http404(_("Không tìm thấy lớp, hoặc bạn không có quyền xem lớp này."))
    if period not in catalogue.PERIODS:
        raise Http404(_("Thời điểm đánh giá không tồn tại."))
    _require(access.view_all, _("Bảng đánh giá cả lớp dành cho giáo viên chủ nhiệm và lãnh đạo nhà trường."))
    return _workbook_response(evaluations_workbook(school_class, period),
                              f"danh-gia-{school_class.school_year.name}-{slugify(school_class.name)}-{period}.xlsx")


EXPORTS = ("danh-sach-hoc-sinh", "tong-hop", "csdl-nganh", "nop-phong-so", "mau-danh-sach", "mau-danh-gia")


@login_required
@require_GET
def export(request, year_id: int, what: str):
    """Downloads: the pupil list, the school's results (Bảng tổng hợp) for a period, the sector file for a term
    (``?hk=1|2|year``, ``&dang=json`` for JSON), the submission to the office (the latest sealed package of
    every class with ``submission.json``, as one ZIP), and the blank templates."""
    from hocbaso.exchange import services
    from hocbaso.exchange.sector import TERMS

    if what not in EXPORTS:
        raise Http404()
    year, access = _year_for(request, year_id)
    _require(access.read, _("Xuất dữ liệu dành cho lãnh đạo nhà trường, văn thư và cán bộ quản lý."))
    stem = f"{year.school.code}-{year.name}"
    if what == "danh-sach-hoc-sinh":
        return _workbook_response(services.pupils_workbook(year), f"danh-sach-hoc-sinh-{stem}.xlsx")
    if what == "tong-hop":
        period = request.GET.get("ky", catalogue.YEAR_END)
        if period not in catalogue.PERIODS:
            raise Http404(_("Thời điểm đánh giá không tồn tại."))
        return _workbook_response(services.school_summary_workbook(year, period), f"tong-hop-{stem}-{period}.xlsx")
    if what == "csdl-nganh":
        term = request.GET.get("hk", "year")
        if term not in TERMS:
            raise Http404(_("Học kì không tồn tại."))
        result = services.sector_export(school_year=year, term=term)
        response = (_download(result.json().encode(), f"csdl-nganh-{stem}-hk{term}.json", "application/json")
                    if request.GET.get("dang") == "json" else
                    _workbook_response(services.sector_workbook(result), f"csdl-nganh-{stem}-hk{term}.xlsx"))
        response["X-Identity-Failures"] = str(len(result.failures))
        return response
    if what == "nop-phong-so":
        return _submission(request, year, stem)
    if what == "mau-danh-sach":
        return _workbook_response(services.pupils_template(), "mau-danh-sach-hoc-sinh.xlsx")
    grade = request.GET.get("khoi")
    grade = int(grade) if grade in {str(g) for g in range(1, 6)} else None
    return _workbook_response(services.evaluations_template(grade=grade), "mau-danh-gia.xlsx")


def _submission(request, year, stem: str):
    from hocbaso.exchange.submission import SubmissionRefused, submission_collect

    # A whole school's packages are about 100 MB: built in a temporary file (gone once sent), not in memory.
    spool = tempfile.TemporaryFile()
    with tempfile.TemporaryDirectory() as folder:
        try:
            index = submission_collect(school_year=year, out=Path(folder))
        except SubmissionRefused as refused:
            spool.close()
            messages.error(request, str(refused))
            return redirect("exchange:hub", year.pk)
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_STORED) as archive:
            for path in sorted(Path(folder).iterdir()):
                archive.write(path, path.name)
    spool.seek(0)
    response = FileResponse(spool, content_type="application/zip", as_attachment=True,
                            filename=f"nop-phong-so-{stem}.zip")
    response["Cache-Control"] = "no-store"
    response["X-Packages"] = str(len(index["packages"]))
    return response


# ---------------------------------------------------------------------- transfer out

def _open_signer(identity, pin: str, *, seal: bool = False):
    """The signer, or the Vietnamese reason it cannot open (wrong PIN, blocked, no certificate)."""
    from hocbaso.signing.errors import SigningError
    from hocbaso.signing.services import signer_open

    try:
        return signer_open(identity, pin, seal=seal), None
    except SigningError as error:
        return None, str(error)


@login_required
@require_http_methods(["GET", "POST"])
def transfer_create(request, year_id: int):
    """Lập gói chuyển trường: the principal picks a pupil and seals the package with the school's seal; the link
    is shown once (only its hash is kept)."""
    from hocbaso.exchange.transfer import transfer_package_build
    from hocbaso.portal.forms import PinForm
    from hocbaso.records.guards import LifecycleRefused
    from hocbaso.signing.models import SigningIdentity

    year, access = _year_for(request, year_id)
    _require(access.lead, _("Chỉ hiệu trưởng mới lập được gói chuyển trường."))
    chosen = request.POST.get("enrolment") or request.GET.get("hs")
    enrolment = _year_enrolments(year).filter(pk=chosen, pupil__school=year.school).first() if chosen else None
    if enrolment is None:
        raise Http404(_("Không tìm thấy học sinh của trường trong năm học này."))
    pupil = enrolment.pupil
    identity = SigningIdentity.objects.filter(school=year.school, staff__isnull=True, active=True).first()
    form = PinForm(request.POST or None)
    form.fields["pin"].label = _("Mã PIN con dấu số của trường")
    problems = []
    if request.method == "POST" and form.is_valid():
        if identity is None:
            form.add_error(None, _("Trường chưa có con dấu số. Hãy tạo con dấu số của trường trước."))
        else:
            signer, problem = _open_signer(identity, form.cleaned_data["pin"])
            if problem:
                form.add_error("pin", problem)
            else:
                try:
                    transfer = transfer_package_build(pupil=pupil, by=request.user, seal_signer=signer)
                except (LifecycleRefused, TransferRefused) as refused:
                    form.add_error(None, str(refused))
                else:
                    return render(request, "exchange/transfer_done.html", {
                        "year": year, "transfer": transfer, "pupil": pupil})
    from hocbaso.records.models import IssuedRecord

    if not IssuedRecord.objects.filter(enrolment__pupil=pupil).exists() and \
            not pupil.imported_records.filter(school=year.school).exists():
        problems.append(_("Học sinh %(pupil)s chưa có học bạ nào đã phát hành để chuyển.") % {"pupil": pupil.full_name})
    return render(request, "portal/sign.html", {
        "title": _("Lập gói chuyển trường — %(pupil)s (lớp %(name)s)") % {"pupil": pupil.full_name,
                                                                         "name": enrolment.school_class.name},
        "form": form, "identity": identity, "seal": True, "problems": problems,
        "back": reverse("exchange:hub", args=[year.pk]), "back_label": _("Dữ liệu vào – ra"),
        "hidden": {"enrolment": enrolment.pk},
        "lines": [_("Gói gồm mọi học bạ đã phát hành của học sinh (tệp PDF có chữ ký số và dữ liệu đính kèm) và danh "
                    "sách có đóng dấu số của trường. Trường nhận kiểm tra mọi chữ ký trước khi nhận học sinh."),
                  _("Liên kết tải gói chỉ hiện một lần và hết hạn sau 14 ngày.")],
        "button": _("Đóng dấu và lập gói chuyển trường")})


# ---------------------------------------------------------------------- transfer in

TOKEN = re.compile(r"/chuyen-truong/([A-Za-z0-9_\-]+)/?")


@login_required
@require_http_methods(["GET", "POST"])
def transfer_receive(request, year_id: int):
    """Nhận học sinh chuyển đến: upload the package (or paste this deployment's link), see the verified history,
    choose the class, confirm. Every signature and hash is checked on the preview and again on confirming."""
    from hocbaso.directory.models import SchoolClass
    from hocbaso.exchange.transfer import transfer_package_check, transfer_package_import
    from hocbaso.signing.packages import signature_summary

    year, access = _year_for(request, year_id)
    _require(access.office, _("Chỉ hiệu trưởng, phó hiệu trưởng hoặc văn thư mới nhận được học sinh chuyển đến."))
    classes = list(year.classes.order_by("grade", "name"))
    back = reverse("exchange:hub", args=[year.pk])
    context = {"year": year, "classes": classes, "problems": [], "preview": None, "key": None, "back": back}
    if request.method == "POST":
        key = request.POST.get("confirm")
        if key:
            school_class = SchoolClass.objects.filter(pk=request.POST.get("class") or 0, school_year=year).first()
            stashed = _unstash(request, key, kind="transfer", year=year.pk, user=request.user.pk)
            if stashed is None:
                context["problems"].append(_("Bản xem trước đã hết hạn hoặc đã được dùng. Hãy tải gói lên lại."))
            elif school_class is None:
                context["problems"].append(_("Hãy chọn lớp cho học sinh."))
                context["key"] = _stash(request, stashed[0], kind="transfer", year=year.pk, user=request.user.pk,
                                        name=stashed[1]["name"], preview=stashed[1]["preview"])
                context["preview"] = stashed[1]["preview"]
            else:
                try:
                    result = transfer_package_import(data=stashed[0], school_year=year, school_class=school_class,
                                                     by=request.user)
                except TransferRefused as refused:
                    context["problems"] += refused.problems
                else:
                    messages.success(request, _("Đã nhận học sinh %(pupil)s vào lớp %(name)s với %(n)s học bạ đã "
                                                "kiểm tra chữ ký.") % {"pupil": result.pupil.full_name,
                                                                        "name": school_class.name,
                                                                        "n": len(result.records)})
                    return redirect(back)
        else:
            data, name, problem = _package_from(request)
            if problem:
                context["problems"].append(problem)
            else:
                try:
                    opened, checked = transfer_package_check(data)
                except TransferRefused as refused:
                    context["problems"] += refused.problems
                else:
                    manifest = opened.manifest
                    pupil = dict(manifest["pupil"])
                    try:
                        pupil["birth_date"] = dt.date.fromisoformat(pupil["birth_date"]).strftime("%d/%m/%Y")
                    except (TypeError, ValueError):
                        pass
                    preview = {"school_name": manifest.get("school_name"), "school": manifest.get("school"),
                               "pupil": pupil, "history": manifest.get("history") or [],
                               "records": [{**{k: e.get(k) for k in ("school_year", "class_name", "school_name",
                                                                      "record_id", "version", "sha256")},
                                            "signers": signature_summary(checked[e["file"]][1] or {})}
                                           for e in manifest["records"]],
                               "seal": signature_summary(opened.seal or {})}
                    context["preview"] = preview
                    context["key"] = _stash(request, data, kind="transfer", year=year.pk, user=request.user.pk,
                                            name=name, preview=preview)
    return render(request, "exchange/transfer_receive.html", context)


def _package_from(request):
    """The package bytes from the upload, else from a link of this deployment."""
    if request.FILES.get("file"):
        return _upload(request)
    link = (request.POST.get("link") or "").strip()
    if not link:
        return None, "", _("Hãy chọn tệp gói chuyển trường (.zip) hoặc dán liên kết chuyển trường.")
    match = TOKEN.search(link)
    token = match.group(1) if match else link
    try:
        _transfer, data = transfer_download(token)
    except TransferRefused as refused:
        return None, "", str(refused)
    return data, "chuyen-truong.zip", None


# ---------------------------------------------------------------------- certified copies

@login_required
@require_http_methods(["GET", "POST"])
def copies(request, year_id: int):
    """Cấp bản sao: the requests (the office records them) and the copies issued, with their numbers."""
    from hocbaso.exchange.copies import copy_request_file
    from hocbaso.exchange.models import CertifiedCopy, CopyRequest
    from hocbaso.records.guards import LifecycleRefused

    year, access = _year_for(request, year_id)
    _require(access.read, _("Bản sao học bạ dành cho lãnh đạo nhà trường, văn thư và cán bộ quản lý."))
    school = year.school
    error = None
    if request.method == "POST":
        _require(access.office, _("Chỉ hiệu trưởng, phó hiệu trưởng hoặc văn thư mới ghi nhận đề nghị cấp bản sao."))
        enrolment = _year_enrolments(year).filter(pk=request.POST.get("enrolment") or 0,
                                                  pupil__school=school).first()
        if enrolment is None:
            error = _("Hãy chọn học sinh của trường.")
        else:
            try:
                copy_request_file(pupil=enrolment.pupil, requester=request.POST.get("requester", ""),
                                  reason=request.POST.get("reason", ""), by=request.user)
            except LifecycleRefused as refused:
                error = str(refused)
            else:
                messages.success(request, _("Đã ghi nhận đề nghị cấp bản sao học bạ của %(pupil)s; hiệu trưởng sẽ ký "
                                            "bản sao.") % {"pupil": enrolment.pupil.full_name})
                return redirect("exchange:copies", year.pk)
    return render(request, "exchange/copies.html", {
        "year": year, "school": school, "access": access, "error": error, "posted": request.POST,
        "enrolments": _year_enrolments(year).filter(pupil__school=school) if access.office else [],
        "requests": CopyRequest.objects.filter(school=school).select_related("pupil", "copy", "requested_by__staff"),
        "copies": CertifiedCopy.objects.filter(school=school).select_related("pupil", "issued_by__staff")
        .order_by("-issued_at")})


@login_required
@require_http_methods(["GET", "POST"])
def copy_sign(request, request_id: int):
    """The principal signs the copy a request asks for, with their PIN; the copy is made as a job."""
    from hocbaso.exchange.models import CopyRequest
    from hocbaso.exchange.tasks import KIND_COPY
    from hocbaso.jobs.selectors import active_job
    from hocbaso.jobs.services import job_submit
    from hocbaso.portal.forms import pin_form
    from hocbaso.signing.job_pins import ARG, pin_seal
    from hocbaso.signing.models import SigningIdentity

    copy_request = CopyRequest.objects.select_related("pupil", "school", "copy").filter(pk=request_id).first()
    access = exchange_access(request.user, copy_request.school) if copy_request else None
    if copy_request is None or not access.visible:
        raise Http404(_("Không tìm thấy đề nghị cấp bản sao."))
    _require(access.lead, _("Chỉ hiệu trưởng mới ký bản sao học bạ."))
    year = (SchoolYear.objects.filter(school=copy_request.school, classes__enrolments__pupil=copy_request.pupil)
            .order_by("-name").first())
    back = reverse("exchange:copies", args=[year.pk]) if year else reverse("portal:home")
    running = active_job(KIND_COPY, request=copy_request.pk)
    if running:
        return redirect("portal:job", running.pk)
    problems = []
    if copy_request.copy_id:
        problems.append(_("Đề nghị này đã được cấp bản sao (lần cấp %(n)s).") % {"n": copy_request.copy.number})
    identity = SigningIdentity.objects.filter(staff=staff_for_user(request.user), active=True).first()
    form, pin = pin_form(request, problems=problems, identity=identity)
    if pin is not None:
        sealed = pin_seal(pin, kind=KIND_COPY, target=f"copy:{copy_request.pk}", user_id=request.user.pk)
        job = job_submit(kind=KIND_COPY, args={"request": copy_request.pk, "back": back, ARG: sealed},
                         by=request.user, school_code=copy_request.school.code)
        return redirect("portal:job", job.pk)
    return render(request, "portal/sign.html", {
        "title": _("Ký bản sao học bạ — %(pupil)s") % {"pupil": copy_request.pupil.full_name}, "form": form,
        "identity": identity, "problems": problems, "back": back, "back_label": _("Bản sao học bạ"),
        "lines": [_("Người đề nghị: %(who)s. %(reason)s") % {"who": copy_request.requester,
                                                             "reason": copy_request.reason},
                  _("Bản sao gồm toàn bộ quá trình học tập của học sinh, mỗi trang ghi «BẢN SAO» và số lần cấp; hiệu "
                    "trưởng ký số ở trang bìa. Bản sao được ghi sổ và tra cứu được như bản chính.")],
        "button": _("Ký bản sao")})


@login_required
@require_GET
def copy_download(request, copy_id: int):
    from hocbaso.exchange.models import CertifiedCopy

    copy = CertifiedCopy.objects.select_related("pupil", "school").filter(pk=copy_id).first()
    access = exchange_access(request.user, copy.school) if copy else None
    if copy is None or not access.visible:
        raise Http404(_("Không tìm thấy bản sao."))
    _require(access.read, _("Bản sao học bạ dành cho lãnh đạo nhà trường, văn thư và cán bộ quản lý."))
    name = slugify(f"ban-sao-{copy.number}-{copy.pupil.full_name}") + ".pdf"
    response = FileResponse(default_storage.open(copy.file, "rb"), content_type="application/pdf",
                            as_attachment=True, filename=name)
    response["X-Content-SHA256"] = copy.sha256
    return response


# ---------------------------------------------------------------------- the year-end archive

@login_required
@require_POST
def archive(request, year_id: int):
    """Start (or show the running) year-end archive job."""
    from hocbaso.exchange.tasks import KIND_ARCHIVE
    from hocbaso.jobs.selectors import active_job
    from hocbaso.jobs.services import job_submit

    year, access = _year_for(request, year_id)
    _require(access.lead, _("Chỉ hiệu trưởng mới lập được bản lưu trữ cuối năm."))
    job = active_job(KIND_ARCHIVE, school_year=year.pk) or job_submit(
        kind=KIND_ARCHIVE, args={"school_year": year.pk, "back": reverse("exchange:hub", args=[year.pk]) + "#luu-tru"},
        by=request.user, school_code=year.school.code)
    return redirect("portal:job", job.pk)


@login_required
@require_GET
def archive_download(request, job_id: int):
    from hocbaso.exchange.tasks import KIND_ARCHIVE

    job = Job.objects.filter(pk=job_id, kind=KIND_ARCHIVE, state=JobState.DONE).first()
    year = SchoolYear.objects.select_related("school").filter(pk=(job.args or {}).get("school_year")).first() \
        if job else None
    access = exchange_access(request.user, year.school) if year else None
    if year is None or not access.visible:
        raise Http404(_("Không tìm thấy bản lưu trữ."))
    _require(access.lead, _("Chỉ hiệu trưởng mới tải được bản lưu trữ cuối năm."))
    name = (job.result or {}).get("file")
    if not name or not default_storage.exists(name):
        raise Http404(_("Tệp lưu trữ không còn trên máy chủ."))
    response = FileResponse(default_storage.open(name, "rb"), content_type="application/zip", as_attachment=True,
                            filename=Path(name).name)
    response["X-Content-SHA256"] = job.result.get("sha256", "")
    return response


# ---------------------------------------------------------------------- the office: receiving submissions

@login_required
@require_http_methods(["GET", "POST"])
def receive(request):
    """Phòng/Sở: check the class packages schools submitted (uploaded ZIP files) and count the records; nothing
    is stored."""
    from hocbaso.exchange.submission import package_receive, receive_counts

    _require(can_receive_submissions(request.user), _("Trang này dành cho cán bộ Phòng/Sở GD&ĐT."))
    received, counts, error = [], [], None
    if request.method == "POST":
        uploads = request.FILES.getlist("files")
        if not uploads:
            error = _("Hãy chọn các tệp gói học bạ (.zip) mà trường đã nộp.")
        for upload in uploads:
            if upload.name.endswith(".json"):
                continue  # the submission's index travels beside the packages
            received.append(package_receive(upload.read(), label=upload.name))
        counts = receive_counts(received)
    return render(request, "exchange/receive.html", {"received": received, "counts": counts, "error": error})
