"""A stored file handed out by a page (a year-end archive, a certified copy, an issued record), after the view's
own checks: from an S3 bucket, a redirect to a short-lived pre-signed URL, so the bytes go from the bucket to the
browser and no web process holds a connection open for them; on the file system (or with
``HOCBASO_S3_URL_EXPIRY=0``), streamed block by block. Files a page builds per request (exports, the submission
ZIP, a transfer package) and the record preview shown inline in the portal stay answers of the web process."""

from django.http import FileResponse, HttpResponse, HttpResponseRedirect

from hocbaso.core.files import file_stream, file_url


def stored_file_response(name: str, *, filename: str, content_type: str, as_attachment: bool = True) -> HttpResponse:
    """The stored file ``name`` as a download named ``filename`` (see the module's text)."""
    url = file_url(name, filename=filename, content_type=content_type, as_attachment=as_attachment)
    if url is None:
        return FileResponse(file_stream(name), content_type=content_type, as_attachment=as_attachment,
                            filename=filename)
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "no-store"  # the address is valid minutes: never kept by a cache
    return response
