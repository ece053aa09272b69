"""``DemoSchool``: the mark on the schools the demo built. A database that already holds the demo (built before
the mark existed) gets its school marked: the demo's school code with the demo's loader account."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DEMO_CODE, LOADER = "67000101", "demo-loader"


def mark_existing_demo(apps, schema_editor):
    School, DemoSchool = apps.get_model("directory", "School"), apps.get_model("demo", "DemoSchool")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    school = School.objects.filter(code=DEMO_CODE).first()
    if school is not None and User.objects.filter(username=LOADER).exists():
        DemoSchool.objects.get_or_create(school=school)


class Migration(migrations.Migration):
    initial = True
    dependencies = [("directory", "0001_initial"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]
    operations = [
        migrations.CreateModel(
            name="DemoSchool",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("marked_at", models.DateTimeField(auto_now_add=True)),
                ("school", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                                to="directory.school")),
            ],
            options={"verbose_name": "trường mẫu"},
        ),
        migrations.RunPython(mark_existing_demo, migrations.RunPython.noop),
    ]
