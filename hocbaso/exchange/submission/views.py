"""The submission to the commune (UBND xã/phường) or province (Sở GD&ĐT) office (every class's sealed package as
one ZIP, from the data page) and the office's page that checks the packages schools submitted."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hocbaso.directory.selectors import schools_visible_to
from hocbaso.exchange.pages import require
from hocbaso.exchange.submission.services import (ReceivedPackage, SubmissionRefused, file_receive, receive_counts,
                                                  submission_build)
from hocbaso.exchange.uploads import too_big
from hocbaso.records.packages import package_receipts_record
from hocbaso.web.permissions import can_receive_submissions


def submission_download(request, year, stem: str):
    """The school's submission as ONE file (``export/nop-phong-so``): every class's latest package in XML with
    ``submission.json``; exactly what the office's page accepts. Each record sent is recorded as an extract."""
    try:
        data, index = submission_build(school_year=year, by=request.user)
    except SubmissionRefused as refused:
        messages.error(request, str(refused))
        return redirect("exchange:hub", year.pk)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="nop-phong-so-{stem}.zip"'
    response["Cache-Control"] = "no-store"
    response["X-Packages"] = str(len(index["packages"]))
    return response


@login_required
@require_http_methods(["GET", "POST"])
def receive(request):
    """Sở GD&ĐT or UBND xã/phường: check the files schools submitted (a school's whole submission as downloaded,
    or class packages) and count the records; the sound class packages that are this installation's own, of the
    office's schools, are recorded as received (the dashboards count them); nothing of a refused file is stored."""
    require(can_receive_submissions(request.user), _("Trang này dành cho cán bộ Sở GD&ĐT và UBND xã/phường."))
    received, counts, error, recorded = [], [], None, []
    if request.method == "POST":
        uploads = request.FILES.getlist("files")
        if not uploads:
            error = _("Hãy chọn tệp nộp học bạ (.zip) mà trường đã gửi.")
        for upload in uploads:
            if upload.name.endswith(".json"):
                continue  # an index sent beside loose class packages
            if upload.size > settings.PACKAGE_MAX_UPLOAD:  # one at a time in memory, each capped
                received.append(ReceivedPackage(file=upload.name, ok=False,
                                                problems=[too_big(settings.PACKAGE_MAX_UPLOAD)]))
                continue
            received += file_receive(upload.read(), label=upload.name)
        counts = receive_counts(received)
        recorded = package_receipts_record(sha256s=[r.sha256 for r in received if r.ok],
                                           schools=schools_visible_to(request.user), by=request.user)
    return render(request, "exchange/receive.html", {"received": received, "counts": counts, "error": error,
                                                     "recorded": recorded})
