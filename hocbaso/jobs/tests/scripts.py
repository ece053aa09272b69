"""Scripts the job tests run in a child installation (``hocbaso shell -c``)."""


def year_past_lock_date(school_code: str) -> str:
    """Create school ``school_code`` in xã Trường Xuân with its 2024-2025 year past its lock date (31/5/2025)."""
    return rf"""
import datetime as dt
from hocbaso.directory.models import Commune, Province, School, SchoolPlacement, SchoolYear
province = Province.objects.create(code="68", name="Tỉnh Lâm Đồng")
commune = Commune.objects.create(province=province, code="24730", name="xã Trường Xuân")
school = School.objects.create(code="{school_code}", name="Trường Tiểu học Thử Nghiệm")
SchoolPlacement.objects.create(school=school, since=dt.date(2025, 7, 1), province=province, commune=commune)
SchoolYear.objects.create(school=school, name="2024-2025", start_date=dt.date(2024, 9, 5),
                          end_date=dt.date(2025, 5, 31), lock_date=dt.date(2025, 5, 31))
"""
