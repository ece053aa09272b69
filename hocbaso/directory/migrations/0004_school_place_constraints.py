"""The school's district and commune now live in its placements; the constraints of today's hierarchy."""

import datetime

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("directory", "0003_place_schools")]

    operations = [
        migrations.AddConstraint(
            model_name='staff',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('commune__isnull', True), ('province__isnull', True), ('school__isnull', False)), models.Q(('commune__isnull', False), ('province__isnull', True), ('school__isnull', True)), models.Q(('commune__isnull', True), ('province__isnull', False), ('school__isnull', True)), models.Q(('commune__isnull', True), ('district__isnull', False), ('province__isnull', True), ('school__isnull', True)), _connector='OR'), name='staff_one_organisation'),
        ),
        migrations.AddConstraint(
            model_name='schoolplacement',
            constraint=models.UniqueConstraint(fields=('school', 'since'), name='placement_one_per_day'),
        ),
        migrations.AddConstraint(
            model_name='schoolplacement',
            constraint=models.CheckConstraint(condition=models.Q(('district__isnull', True), ('since__lt', datetime.date(2025, 7, 1)), _connector='OR'), name='placement_district_before_reform'),
        ),
        migrations.AddConstraint(
            model_name='schoolplacement',
            constraint=models.CheckConstraint(condition=models.Q(('commune__isnull', False), ('since__lt', datetime.date(2025, 7, 1)), _connector='OR'), name='placement_commune_after_reform'),
        ),
        migrations.RemoveField(
            model_name='school',
            name='commune',
        ),
        migrations.RemoveField(
            model_name='school',
            name='district',
        ),
    ]
