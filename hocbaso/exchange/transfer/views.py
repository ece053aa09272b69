"""Transfers in the browser: the public transfer link (``/chuyen-truong/#<token>``, a bearer token in the
fragment, which never reaches the server's access log; no login) opens a page that posts the token and downloads
the sealed package while the link is valid; the principal seals a pupil's package (transfer out);
the receiving school uploads the package or pastes the link, sees the verified history and confirms (transfer
in; every signature and hash is checked on the preview and again on confirming)."""

import datetime as dt
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hocbaso.directory.models import SchoolClass
from hocbaso.exchange.pages import require, year_enrolments, year_for
from hocbaso.exchange.roles import office_only
from hocbaso.exchange.transfer.services import (TransferLinkExpired, TransferRefused, transfer_download,
                                                transfer_package_build, transfer_package_check, transfer_package_import)
from hocbaso.exchange.uploads import stash_keep, stash_take, upload_read
from hocbaso.records.guards import LifecycleRefused, principal_only
from hocbaso.records.models import IssuedRecord
from hocbaso.signing.errors import SigningError
from hocbaso.signing.models import SigningIdentity
from hocbaso.signing.packages import signature_summary
from hocbaso.signing.services import signer_open
from hocbaso.web.pages import id_param
from hocbaso.web.pins import PinForm


@require_http_methods(["GET", "POST"])
def transfer_package(request):
    """GET: the link's page, whose script (``exchange/transfer_link.js``) copies the token from the address's
    fragment into the form. POST ``token``: the package as a ZIP download; 404 for an unknown token, 410 once the
    link has expired (in Vietnamese). The token travels in the request body, never in a logged address."""
    if request.method == "GET":
        return render(request, "exchange/transfer_link.html")
    try:
        transfer, data = transfer_download((request.POST.get("token") or "").strip())
    except TransferRefused as refused:
        status = 410 if isinstance(refused, TransferLinkExpired) else 404
        return render(request, "exchange/transfer_link.html", {"error": str(refused)}, status=status)
    name = f"chuyen-truong-{transfer.pupil.identity_number or transfer.pupil_id}.zip"
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-SHA256"] = transfer.sha256
    return response


# ---------------------------------------------------------------------- transfer out


def _open_signer(identity, pin: str, *, seal: bool = False):
    """The signer, or the Vietnamese reason it cannot open (wrong PIN, blocked, no certificate)."""
    try:
        return signer_open(identity, pin, seal=seal), None
    except SigningError as error:
        return None, str(error)


@login_required
@require_http_methods(["GET", "POST"])
def transfer_create(request, year_id: int):
    """Lập gói chuyển trường: the principal picks a pupil and seals the package with the school's seal; the link
    is shown once (only its hash is kept)."""
    year, access = year_for(request, year_id)
    require(access.lead, principal_only(year.school))
    chosen = id_param(request.POST.get("enrolment") or request.GET.get("hs"))
    enrolment = year_enrolments(year).filter(pk=chosen, pupil__school=year.school).first() if chosen else None
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

TOKEN = re.compile(r"/chuyen-truong/#?([A-Za-z0-9_\-]+)/?")  # the link (older links had the token in the path)


@login_required
@require_http_methods(["GET", "POST"])
def transfer_receive(request, year_id: int):
    """Nhận học sinh chuyển đến: upload the package (or paste this deployment's link), see the verified history,
    choose the class, confirm. Every signature and hash is checked on the preview and again on confirming."""
    year, access = year_for(request, year_id)
    require(access.office, office_only(year.school))
    classes = list(year.classes.order_by("grade", "name"))
    back = reverse("exchange:hub", args=[year.pk])
    context = {"year": year, "classes": classes, "problems": [], "preview": None, "key": None, "back": back}
    if request.method == "POST":
        key = request.POST.get("confirm")
        if key:
            school_class = SchoolClass.objects.filter(pk=id_param(request.POST.get("class")) or 0,
                                                      school_year=year).first()
            stashed = stash_take(request, key, kind="transfer", year=year.pk, user=request.user.pk)
            if stashed is None:
                context["problems"].append(_("Bản xem trước đã hết hạn hoặc đã được dùng. Hãy tải gói lên lại."))
            elif school_class is None:
                context["problems"].append(_("Hãy chọn lớp cho học sinh."))
                context["key"] = stash_keep(request, stashed[0], kind="transfer", year=year.pk, user=request.user.pk,
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
                    context["key"] = stash_keep(request, data, kind="transfer", year=year.pk, user=request.user.pk,
                                                name=name, preview=preview)
    return render(request, "exchange/transfer_receive.html", context)


def _package_from(request):
    """The package bytes from the upload, else from a link of this deployment."""
    if request.FILES.get("file"):
        return upload_read(request, limit=settings.PACKAGE_MAX_UPLOAD)
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
