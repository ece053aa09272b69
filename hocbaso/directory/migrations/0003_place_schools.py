"""Each school's district and commune become its first placement; district officers become commune officers
(see 0002). Its own migration: PostgreSQL refuses to alter a table with rows written in the same transaction."""

import datetime

from django.db import migrations

FIRST_PLACEMENT = datetime.date(1900, 1, 1)  # directory.models.EARLIEST_PLACEMENT, as of this migration


def place_schools_and_offices(apps, schema_editor):
    School = apps.get_model("directory", "School")
    SchoolPlacement = apps.get_model("directory", "SchoolPlacement")
    StaffRole = apps.get_model("directory", "StaffRole")
    SchoolPlacement.objects.bulk_create([
        SchoolPlacement(school_id=school.pk, since=FIRST_PLACEMENT, province_id=school.district.province_id,
                        district_id=school.district_id, commune_name=school.commune)
        for school in School.objects.select_related("district")])
    StaffRole.objects.filter(role="district_officer").update(role="commune_officer")


class Migration(migrations.Migration):

    dependencies = [("directory", "0002_today_hierarchy")]

    operations = [migrations.RunPython(place_schools_and_offices, migrations.RunPython.noop)]
