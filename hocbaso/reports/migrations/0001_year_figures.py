"""The dashboards' summary (``YearFigures``) and the change counter (``YearVersion``) that triggers raise.

Every table whose rows the dashboards count gets AFTER triggers that add one to the ``YearVersion`` of each
school year the changed rows belong to (inserting it when missing), in the same transaction as the change:

| table | what the dashboards read of it | its school year through |
|---|---|---|
| directory_schoolclass | classes, their grade | the class |
| directory_enrolment | pupils studying, their class | the class |
| directory_pupil (UPDATE of ``disability`` only) | pupils with disabilities | every enrolment of the pupil |
| assessment_yearresult | outcomes, awards, completion of primary | the enrolment's class |
| assessment_datalock | classes locked | the lock |
| records_recorddraft | signed by the homeroom teacher and the principal | the enrolment's class |
| records_issuedrecord (INSERT: a new version supersedes) | issued | the enrolment's class |
| records_recordwithdrawal (INSERT) | issued (a withdrawn record no longer counts) | the issued record's enrolment |
| records_classpackage | packages made | the class |
| records_packagereceipt | packages received | the package's class |

A school's place (its commune, its province) is not part of the figures: the pages read it live, so a school
moved to another commune is rolled up under its new commune at once.

SQLite: row triggers. PostgreSQL: statement triggers with transition tables (one version bump per statement
and school year, so a bulk insert or COPY of 200,000 year results costs one grouped query), but the pupil's
(a rare single-row update, guarded by ``WHEN``).
"""

from django.db import migrations, models
import django.db.models.deletion

VERSION = "reports_yearversion"
ENROLMENT_YEAR = ("SELECT c.school_year_id AS y FROM directory_enrolment e "
                  "JOIN directory_schoolclass c ON c.id = e.school_class_id WHERE e.id = {k}")
# table: (the SQL giving the school years of a changed row whose key column is {k}, that key column, events)
WATCHED = {
    "directory_schoolclass": ("SELECT {k} AS y", "school_year_id", ("INSERT", "UPDATE", "DELETE")),
    "directory_enrolment": ("SELECT c.school_year_id AS y FROM directory_schoolclass c WHERE c.id = {k}",
                            "school_class_id", ("INSERT", "UPDATE", "DELETE")),
    "assessment_yearresult": (ENROLMENT_YEAR, "enrolment_id", ("INSERT", "UPDATE", "DELETE")),
    "assessment_datalock": ("SELECT {k} AS y", "school_year_id", ("INSERT", "UPDATE", "DELETE")),
    "records_recorddraft": (ENROLMENT_YEAR, "enrolment_id", ("INSERT", "UPDATE", "DELETE")),
    "records_issuedrecord": (ENROLMENT_YEAR, "enrolment_id", ("INSERT",)),
    "records_recordwithdrawal": ("SELECT c.school_year_id AS y FROM records_issuedrecord i "
                                 "JOIN directory_enrolment e ON e.id = i.enrolment_id "
                                 "JOIN directory_schoolclass c ON c.id = e.school_class_id WHERE i.id = {k}",
                                 "issued_record_id", ("INSERT",)),
    "records_classpackage": ("SELECT c.school_year_id AS y FROM directory_schoolclass c WHERE c.id = {k}",
                             "school_class_id", ("INSERT", "UPDATE", "DELETE")),
    "records_packagereceipt": ("SELECT c.school_year_id AS y FROM records_classpackage p "
                               "JOIN directory_schoolclass c ON c.id = p.school_class_id WHERE p.id = {k}",
                               "package_id", ("INSERT", "UPDATE", "DELETE")),
}
PUPIL_YEARS = ("SELECT DISTINCT c.school_year_id AS y FROM directory_enrolment e "
               "JOIN directory_schoolclass c ON c.id = e.school_class_id WHERE e.pupil_id = {k}")


def _bump(years_sql: str) -> str:
    """Add one to the version of every school year ``years_sql`` yields (in order: two transactions bumping the
    same years lock them in the same order)."""
    return (f"INSERT INTO {VERSION} (school_year_id, version) "
            f"SELECT DISTINCT y, 1 FROM ({years_sql}) AS changed_years WHERE y IS NOT NULL ORDER BY y "
            f"ON CONFLICT (school_year_id) DO UPDATE SET version = {VERSION}.version + 1")


def sqlite_forward() -> list[str]:
    statements = []
    for table, (years, key, events) in WATCHED.items():
        for event in events:
            rows = {"INSERT": ["NEW"], "DELETE": ["OLD"], "UPDATE": ["OLD", "NEW"]}[event]
            union = " UNION ".join(years.format(k=f"{row}.{key}") for row in rows)
            statements.append(f"CREATE TRIGGER {table}_figures_{event.lower()} AFTER {event} ON {table} "
                              f"BEGIN {_bump(union)}; END;")
    statements.append("CREATE TRIGGER directory_pupil_figures_update AFTER UPDATE OF disability ON directory_pupil "
                      "WHEN OLD.disability IS NOT NEW.disability "
                      f"BEGIN {_bump(PUPIL_YEARS.format(k='NEW.id'))}; END;")
    return statements


def sqlite_backward() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_figures_{event.lower()};"
            for table, (_, _, events) in WATCHED.items() for event in events] + \
        ["DROP TRIGGER IF EXISTS directory_pupil_figures_update;"]


def postgres_forward() -> list[str]:
    statements = []
    for table, (years, key, events) in WATCHED.items():
        # One function per table; each event's trigger names its transition tables (new_rows / old_rows).
        branches = []
        for event in events:
            sources = {"INSERT": ["new_rows"], "DELETE": ["old_rows"], "UPDATE": ["old_rows", "new_rows"]}[event]
            union = " UNION ".join(years.replace("{k}", "r." + key).replace(" WHERE ", f" JOIN {s} r ON TRUE WHERE ", 1)
                                   if " WHERE " in years else f"SELECT r.{key} AS y FROM {s} r" for s in sources)
            branches.append(f"IF TG_OP = '{event}' THEN {_bump(union)}; END IF;")
        statements.append(f"CREATE OR REPLACE FUNCTION {table}_figures() RETURNS trigger AS $$ BEGIN "
                          f"{' '.join(branches)} RETURN NULL; END; $$ LANGUAGE plpgsql;")
        for event in events:
            referencing = {"INSERT": "NEW TABLE AS new_rows", "DELETE": "OLD TABLE AS old_rows",
                           "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}[event]
            statements.append(f"CREATE TRIGGER {table}_figures_{event.lower()} AFTER {event} ON {table} "
                              f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {table}_figures();")
    statements.append("CREATE OR REPLACE FUNCTION directory_pupil_figures() RETURNS trigger AS $$ BEGIN "
                      f"{_bump(PUPIL_YEARS.format(k='NEW.id'))}; RETURN NULL; END; $$ LANGUAGE plpgsql;")
    statements.append("CREATE TRIGGER directory_pupil_figures_update AFTER UPDATE OF disability ON directory_pupil "
                      "FOR EACH ROW WHEN (OLD.disability IS DISTINCT FROM NEW.disability) "
                      "EXECUTE FUNCTION directory_pupil_figures();")
    return statements


def postgres_backward() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_figures_{event.lower()} ON {table};"
            for table, (_, _, events) in WATCHED.items() for event in events] + \
        [f"DROP FUNCTION IF EXISTS {table}_figures();" for table in WATCHED] + \
        ["DROP TRIGGER IF EXISTS directory_pupil_figures_update ON directory_pupil;",
         "DROP FUNCTION IF EXISTS directory_pupil_figures();"]


def forward(apps, schema_editor):
    statements = {"sqlite": sqlite_forward, "postgresql": postgres_forward}.get(schema_editor.connection.vendor)
    if statements is None:
        raise RuntimeError(f"No dashboards' triggers for database {schema_editor.connection.vendor!r}")
    for sql in statements():
        schema_editor.execute(sql, params=None)


def backward(apps, schema_editor):
    for sql in {"sqlite": sqlite_backward, "postgresql": postgres_backward}[schema_editor.connection.vendor]():
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("directory", "0005_person_names"),
        ("assessment", "0002_pupil_year_v2"),
        ("records", "0007_packagereceipt"),
    ]

    operations = [
        migrations.CreateModel(
            name="YearVersion",
            fields=[
                ("school_year", models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING,
                                                     primary_key=True, related_name="+", serialize=False,
                                                     to="directory.schoolyear")),
                ("version", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="YearFigures",
            fields=[
                ("school_year", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True,
                                                     related_name="+", serialize=False, to="directory.schoolyear")),
                ("counted_version", models.BigIntegerField()),
                ("layout", models.CharField(max_length=16)),
                ("counts", models.JSONField()),
                ("last", models.JSONField()),
                ("counted_at", models.DateTimeField()),
            ],
        ),
        migrations.RunPython(forward, backward),
    ]
