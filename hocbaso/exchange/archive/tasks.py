"""The year-end archive as a background job (``exchange.archive``).

Registered with ``hocbaso.jobs`` when the apps load (``ExchangeConfig.ready`` imports it). Its progress shows on
the portal's job page (``portal:job``); ``args["back"]`` is where its "back" button leads. The handler checks
the rules again (the user may have lost a role since queueing).
"""

import tempfile
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from hocbaso.directory.models import SchoolYear
from hocbaso.exchange.archive.write import archive_build
from hocbaso.jobs.registry import job_handler
from hocbaso.jobs.selectors import job_creator
from hocbaso.records.guards import LifecycleRefused, principal_only
from hocbaso.web.permissions import school_access

KIND_ARCHIVE = "exchange.archive"


def archive_storage_name(school_year: SchoolYear, job_id: int) -> str:
    school = school_year.school
    return f"archives-out/{school.code}/{school_year.name}/luu-tru-{school.code}-{school_year.name}-{job_id}.zip"


@job_handler(KIND_ARCHIVE)
def archive(job, progress):
    """``archive_build`` into the storage; the file is downloaded from the data page by the principal."""
    year = SchoolYear.objects.select_related("school").get(pk=job.args["school_year"])
    by = job_creator(job)
    if not school_access(by, year.school).lead:
        raise LifecycleRefused(principal_only(year.school))
    progress.total(2)
    progress.step(1, _("Đang ghi học bạ, sổ đăng ký, dữ liệu đánh giá và nhật ký vào bản lưu trữ…"))
    # Built in a temporary file, then stored (on the file system or uploaded in parts to an S3 bucket): the
    # archive is never read whole into memory, and another machine serves its download.
    with tempfile.TemporaryDirectory(prefix="hocbaso-archive-") as folder:
        target = Path(folder) / "archive.zip"
        manifest = archive_build(school_year=year, out=target, by=by)
        size = target.stat().st_size
        with target.open("rb") as handle:
            name = default_storage.save(archive_storage_name(year, job.pk), File(handle))
    progress.step(1, _("Đã ghi bản lưu trữ."))
    counts = manifest["counts"]
    return {"summary": _("Đã lập bản lưu trữ năm học %(year)s: %(n)s học bạ, %(files)s tệp. SHA-256: %(sha)s")
            % {"year": year.name, "n": counts["issued"], "files": len(manifest["files"]), "sha": manifest["sha256"]},
            "file": name, "sha256": manifest["sha256"], "size": size}
