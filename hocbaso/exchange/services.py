"""The exchange app's public entry points (used by the CLI and, later, the web app).

- ``pupils_import(*, school_year, file, by, dry_run=False) -> ImportReport``
- ``evaluations_import(*, school_class, period, file, by, dry_run=False) -> ImportReport``
- ``pupils_workbook(school_year, class_name=None)``, ``evaluations_workbook(school_class, period)``
- ``class_summary_workbook(school_class, period)``, ``school_summary_workbook(school_year, period, class_name=None)``
- ``pupils_template()``, ``evaluations_template(grade=None, period=None)``
- ``sector_export(*, school_year, term) -> SectorExport`` and ``identity_number_problems(...)``
"""

from hocbaso.exchange.report import ImportReport, Problem
from hocbaso.exchange.sector import SectorExport, identity_number_problems, sector_export, sector_workbook
from hocbaso.exchange.summary import class_summary_workbook, school_summary_workbook
from hocbaso.exchange.xlsx_export import evaluations_template, evaluations_workbook, pupils_template, pupils_workbook
from hocbaso.exchange.xlsx_import import evaluations_import, pupils_import

__all__ = ["ImportReport", "Problem", "SectorExport", "class_summary_workbook", "evaluations_import",
           "evaluations_template", "evaluations_workbook", "identity_number_problems", "pupils_import",
           "pupils_template", "pupils_workbook", "school_summary_workbook", "sector_export", "sector_workbook"]
