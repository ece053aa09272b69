from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("verify", "0001_initial")]

    operations = [
        migrations.AddField(model_name="tokenbucket", name="allowed", field=models.BooleanField(default=True)),
    ]
