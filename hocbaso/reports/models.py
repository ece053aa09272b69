"""The dashboards' summary: each school year's figures as last counted, and a change counter that database
triggers raise whenever something the figures are made of changes (migration 0001 lists the tables).

A school year's stored figures are current while ``YearFigures.counted_version`` equals its
``YearVersion.version`` (a missing ``YearVersion`` is version 0); otherwise ``reports.selectors`` counts that school
year again, alone, and stores it. The triggers catch every write path (services, bulk inserts, COPY, raw SQL), so
no service has to remember the dashboards.
"""

from django.db import models


class YearVersion(models.Model):
    """How many times the data a school year's figures are made of has changed (raised by triggers only)."""

    school_year = models.OneToOneField("directory.SchoolYear", on_delete=models.DO_NOTHING, primary_key=True,
                                       db_constraint=False, related_name="+")
    version = models.BigIntegerField(default=0)


class YearFigures(models.Model):
    """One school year's figures (``reports.selectors.Tally``: the flat list of counts and the campaign steps'
    latest dates), counted at ``counted_version`` of its ``YearVersion``, in the counts' ``layout``."""

    school_year = models.OneToOneField("directory.SchoolYear", on_delete=models.CASCADE, primary_key=True,
                                       related_name="+")
    counted_version = models.BigIntegerField()
    layout = models.CharField(max_length=16)
    counts = models.JSONField()
    last = models.JSONField()  # ISO date-times or null, one per campaign step
    counted_at = models.DateTimeField()
