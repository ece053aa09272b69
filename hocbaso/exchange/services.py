"""The exchange app's public entry points (used by the CLI and the web pages in ``views.py``).

- ``pupils_import(*, school_year, file, by, dry_run=False) -> ImportReport``
- ``evaluations_import(*, school_class, period, file, by, dry_run=False) -> ImportReport``
- ``pupils_workbook(school_year, class_name=None)``, ``evaluations_workbook(school_class, period)``
- ``class_summary_workbook(school_class, period)``, ``school_summary_workbook(school_year, period, class_name=None)``
- ``pupils_template()``, ``evaluations_template(grade=None, period=None)``
- ``sector_export(*, school_year, term) -> SectorExport`` and ``identity_number_problems(...)``
- ``transfer_package_build(*, pupil, by, seal_signer) -> Transfer`` (with ``.token``/``.url``),
  ``transfer_download(token)``, ``transfer_package_import(*, data, school_year, school_class, by) -> TransferImport``
- ``pupil_history(pupil, *, issued_only=False) -> (records, history)``: local and transferred-in years
- ``copy_issue(*, pupil, by, signer) -> CertifiedCopy``, ``copy_file_verdict(data)`` (for ``verify``);
  on the web: ``copy_request_file(*, pupil, requester, reason, by)``, ``copy_request_fulfil(*, request, by, signer)``
- ``identity_failures(school_year)``: the pupils whose identity number the sector database would refuse
- ``submission_collect(*, school_year, out)``, ``submission_receive(paths)``, ``receive_counts(received)``
- ``archive_build(*, school_year, out, by=None)``, ``archive_restore(source, *, by=None)``, ``registry_rows(...)``

Formats: docs/exchange.md (transfer package, certified copy, submission, year-end archive).
"""

from hocbaso.exchange.archive import ArchiveRefused, archive_build, archive_open, archive_restore, registry_rows
from hocbaso.exchange.copies import copy_file_verdict, copy_for, copy_issue, copy_request_file, copy_request_fulfil
from hocbaso.exchange.report import ImportReport, Problem
from hocbaso.exchange.sector import (SectorExport, identity_failures, identity_number_problems, sector_export,
                                     sector_workbook)
from hocbaso.exchange.submission import SubmissionRefused, receive_counts, submission_collect, submission_receive
from hocbaso.exchange.summary import class_summary_workbook, school_summary_workbook
from hocbaso.exchange.transfer import (TransferRefused, transfer_by_token, transfer_download, transfer_package_build,
                                       transfer_package_check, transfer_package_import)
from hocbaso.exchange.xlsx_export import evaluations_template, evaluations_workbook, pupils_template, pupils_workbook
from hocbaso.exchange.xlsx_import import evaluations_import, pupils_import
from hocbaso.records.history import pupil_history
from hocbaso.signing.packages import PackageRefused

__all__ = ["ArchiveRefused", "ImportReport", "PackageRefused", "Problem", "SectorExport", "SubmissionRefused",
           "TransferRefused", "archive_build", "archive_open", "archive_restore", "class_summary_workbook",
           "copy_file_verdict", "copy_for", "copy_issue", "copy_request_file", "copy_request_fulfil", "evaluations_import", "evaluations_template",
           "evaluations_workbook", "identity_failures", "identity_number_problems", "pupil_history", "pupils_import", "pupils_template",
           "pupils_workbook", "receive_counts", "registry_rows", "school_summary_workbook", "sector_export",
           "sector_workbook", "submission_collect", "submission_receive", "transfer_by_token",
           "transfer_download", "transfer_package_build", "transfer_package_check", "transfer_package_import"]
