"""The transfer link: ``/chuyen-truong/<token>/`` downloads the sealed transfer package while the link is valid."""

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from hocbaso.exchange.transfer import TransferLinkExpired, TransferRefused, transfer_download


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
