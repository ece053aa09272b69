"""The submission to the commune (UBND xã/phường) or province (Sở GD&ĐT) office (every class's sealed package as
one ZIP, from the data page) and the office's page that checks the packages schools submitted."""

import tempfile
import zipfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hocbaso.directory.selectors import schools_visible_to
from hocbaso.exchange.pages import require
from hocbaso.exchange.submission.services import (ReceivedPackage, SubmissionRefused, package_receive, receive_counts,
                                                  submission_collect)
from hocbaso.exchange.uploads import too_big
from hocbaso.records.packages import package_receipts_record
from hocbaso.signing.packages import sha256
from hocbaso.web.permissions import can_receive_submissions


def submission_download(request, year, stem: str):
    """Every class's latest sealed package with ``submission.json``, as one ZIP (``export/nop-phong-so``)."""
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


@login_required
@require_http_methods(["GET", "POST"])
def receive(request):
    """Sở GD&ĐT or UBND xã/phường: check the class packages schools submitted (uploaded ZIP files) and count the
    records; the sound packages that are this installation's own, of the office's schools, are recorded as received
    (the dashboards count them); nothing else is stored."""
    require(can_receive_submissions(request.user), _("Trang này dành cho cán bộ Sở GD&ĐT và UBND xã/phường."))
    received, counts, error, recorded = [], [], None, []
    if request.method == "POST":
        uploads = request.FILES.getlist("files")
        if not uploads:
            error = _("Hãy chọn các tệp gói học bạ (.zip) mà trường đã nộp.")
        sound = []
        for upload in uploads:
            if upload.name.endswith(".json"):
                continue  # the submission's index travels beside the packages
            if upload.size > settings.PACKAGE_MAX_UPLOAD:  # one at a time in memory, each capped
                received.append(ReceivedPackage(file=upload.name, ok=False,
                                                problems=[too_big(settings.PACKAGE_MAX_UPLOAD)]))
                continue
            data = upload.read()
            received.append(package_receive(data, label=upload.name))
            if received[-1].ok:
                sound.append(sha256(data))
        counts = receive_counts(received)
        recorded = package_receipts_record(sha256s=sound, schools=schools_visible_to(request.user), by=request.user)
    return render(request, "exchange/receive.html", {"received": received, "counts": counts, "error": error,
                                                     "recorded": recorded})
