"""Uploads, previews and downloads of the data pages: an uploaded file read with its size limit, kept in the
data folder (``tmp/uploads/``) under a random key held in the user's session until the preview is confirmed
(swept after a day), and files sent back as downloads."""

import datetime as dt
import io
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from hocbaso.core.limits import size_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STASH = "exchange_uploads"


def download(data: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def workbook_response(workbook, name: str) -> HttpResponse:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return download(buffer.getvalue(), name, XLSX)


def stash_keep(request, data: bytes, **meta) -> str:
    """Keep an uploaded file until the user confirms the preview; returns the key."""
    stash_sweep()
    key = secrets.token_urlsafe(16)
    name = default_storage.save(f"tmp/uploads/{key}.bin", ContentFile(data))
    stash = request.session.get(STASH, {})
    for old in list(stash)[:-4]:  # at most five waiting previews per session
        default_storage.delete(stash.pop(old)["file"])
    stash[key] = {"file": name, **meta}
    request.session[STASH] = stash
    return key


def stash_sweep(max_age=dt.timedelta(days=1)) -> None:
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


def stash_take(request, key: str, **expected):
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


def too_big(limit: int) -> str:
    return _("Tệp quá lớn (tối đa %(size)s).") % {"size": size_text(limit)}


def upload_read(request, field: str = "file", *, limit: int | None = None) -> tuple[bytes | None, str, str | None]:
    """``(data, name, problem)`` of an uploaded file, refused over ``limit`` bytes (the Excel pages' cap,
    ``HOCBASO_EXCEL_MAX_UPLOAD_BYTES``, unless the page names another)."""
    limit = settings.EXCEL_MAX_UPLOAD if limit is None else limit
    upload = request.FILES.get(field)
    if upload is None:
        return None, "", _("Hãy chọn một tệp để tải lên.")
    if upload.size > limit:
        return None, upload.name, too_big(limit)
    return upload.read(), upload.name, None

