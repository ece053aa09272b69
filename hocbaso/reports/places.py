"""Where each school stands in the administration: its province and its commune (the level that manages it).

The one place the dashboards read the hierarchy. Today's model has province → district → school, and the
district acts as the commune level here; ``hocbaso.directory.selectors.school_places`` (same signature, dated
places of the two-level administration) replaces this function when it lands.
"""

import datetime as dt
from dataclasses import dataclass

from hocbaso.directory.models import School


@dataclass(frozen=True)
class SchoolPlace:
    province_code: str
    province_name: str
    commune_code: str
    commune_name: str
    authority_name: str  # the school's managing body, as printed above its name


def school_places(schools, on: dt.date | None = None) -> dict[int, SchoolPlace]:
    """Each school's place by its primary key. ``on`` (the date the place is asked for) is accepted for the
    dated hierarchy's sake; today's model has one place per school."""
    ids = [s.pk for s in schools] if not hasattr(schools, "values_list") else schools.values_list("pk", flat=True)
    rows = (School.objects.filter(pk__in=list(ids))
            .values_list("pk", "district__province__code", "district__province__name", "district__code",
                         "district__name"))
    return {pk: SchoolPlace(province_code=p_code, province_name=p_name, commune_code=c_code, commune_name=c_name,
                            authority_name=c_name)
            for pk, p_code, p_name, c_code, c_name in rows}
