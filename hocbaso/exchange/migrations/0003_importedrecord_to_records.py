"""``ImportedRecord`` moves to the records app (a pupil's history is the lifecycle's). The table stays as it is:
only Django's state changes here; ``records`` 0005 takes the model over with the same table."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("exchange", "0002_copy_request"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ImportedRecord")],
            database_operations=[],
        ),
    ]
