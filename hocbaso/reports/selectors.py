"""Statistics for commune (UBND xã/phường) and province (Sở GD&ĐT) offices: schools, classes, pupils,
records issued and the distribution of outcomes, per school and in total."""

from collections import Counter, defaultdict

from django.db.models import Count, Q

from hocbaso.assessment.models import YearResult
from hocbaso.directory.models import EnrolmentStatus, SchoolClass, SchoolYear
from hocbaso.records.models import IssuedRecord
from hocbaso.tt27 import catalogue

# The outcomes in tt27.catalogue's order, then pupils without one yet: the order of the statistics' columns.
OUTCOME_KEYS = (*catalogue.OUTCOMES, "none")


def school_statistics(schools, school_year: str) -> dict:
    """Per school and in total: classes, pupils (studying), records issued (current versions),
    outcomes (HTXS/HTT/HT/CHT, ``none`` when not yet computed) and awards."""
    schools = list(schools)
    ids = [s.pk for s in schools]
    classes = dict(SchoolClass.objects.filter(school_year__school_id__in=ids, school_year__name=school_year)
                   .values("school_year__school_id").annotate(n=Count("pk")).values_list("school_year__school_id", "n"))
    pupils = dict(SchoolClass.objects.filter(school_year__school_id__in=ids, school_year__name=school_year)
                  .values("school_year__school_id")
                  .annotate(n=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.STUDYING)))
                  .values_list("school_year__school_id", "n"))
    outcomes: dict[int, Counter] = defaultdict(Counter)
    awards: dict[int, Counter] = defaultdict(Counter)
    for school_id, outcome, award in (YearResult.objects
                                      .filter(enrolment__school_class__school_year__school_id__in=ids,
                                              enrolment__school_class__school_year__name=school_year,
                                              enrolment__status=EnrolmentStatus.STUDYING)
                                      .values_list("enrolment__school_class__school_year__school_id", "outcome",
                                                   "award")):
        outcomes[school_id][outcome or "none"] += 1
        if award:
            awards[school_id][award] += 1
    codes = {s.pk: s.code for s in schools}
    issued = Counter(IssuedRecord.objects.filter(school_code__in=codes.values(), school_year=school_year,
                                                 superseded_by__isnull=True).values_list("school_code", flat=True))
    rows, total = [], {"classes": 0, "pupils": 0, "issued": 0, "outcomes": Counter(), "awards": Counter()}
    for school in schools:
        row = {"school": school, "classes": classes.get(school.pk, 0), "pupils": pupils.get(school.pk, 0),
               "issued": issued.get(school.code, 0),
               "outcomes": {k: outcomes[school.pk].get(k, 0) for k in OUTCOME_KEYS},
               "awards": dict(awards[school.pk])}
        rows.append(row)
        for key in ("classes", "pupils", "issued"):
            total[key] += row[key]
        total["outcomes"].update(outcomes[school.pk])
        total["awards"].update(awards[school.pk])
    total["outcomes"] = {k: total["outcomes"].get(k, 0) for k in OUTCOME_KEYS}
    total["awards"] = dict(total["awards"])
    return {"school_year": school_year, "rows": rows, "total": total}


def latest_school_year(schools) -> str | None:
    return (SchoolYear.objects.filter(school__in=schools).order_by("-name").values_list("name", flat=True).first())
