"""``ImportedRecord`` (from the exchange app) on its table ``exchange_importedrecord``, unchanged: state only."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("directory", "0001_initial"),
        ("exchange", "0003_importedrecord_to_records"),
        ("records", "0004_classpackage_recorddraft"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ImportedRecord",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("record_id", models.CharField(max_length=40)),
                        ("version", models.PositiveSmallIntegerField()),
                        ("lookup_code", models.CharField(max_length=13)),
                        ("school_code", models.CharField(max_length=8, verbose_name="mã trường cấp")),
                        ("school_name", models.CharField(max_length=200, verbose_name="trường cấp")),
                        ("school_year", models.CharField(max_length=9)),
                        ("class_name", models.CharField(max_length=20)),
                        ("sha256", models.CharField(max_length=64)),
                        ("pdf", models.CharField(help_text="Storage name of the signed PDF as received.",
                                                 max_length=300)),
                        ("record", models.JSONField()),
                        ("signers", models.JSONField(default=list,
                                                     help_text="The PDF's signatures as validated on import.")),
                        ("history", models.JSONField(default=list, help_text="The sending school's history rows "
                                                     "(quá trình học tập) for this school year, from the package's "
                                                     "manifest.")),
                        ("package_sha256", models.CharField(help_text="SHA-256 of the transfer package it came in.",
                                                            max_length=64)),
                        ("imported_at", models.DateTimeField(auto_now_add=True)),
                        ("imported_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                                          related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("pupil", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                                    related_name="imported_records", to="directory.pupil")),
                        ("school", models.ForeignKey(help_text="The receiving school.",
                                                     on_delete=django.db.models.deletion.PROTECT,
                                                     related_name="imported_records", to="directory.school")),
                    ],
                    options={
                        "verbose_name": "học bạ nhận chuyển đến",
                        "ordering": ["school_year", "version"],
                        "db_table": "exchange_importedrecord",
                        "constraints": [models.UniqueConstraint(fields=("school", "pupil", "record_id"),
                                                                name="imported_once")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
