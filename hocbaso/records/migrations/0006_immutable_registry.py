"""The registry and its withdrawals refuse every change through raw SQL, on both databases.

Migration 0002 refused UPDATE and DELETE of an issued record. It left three ways round:

- SQLite's ``INSERT OR REPLACE`` (and ``REPLACE INTO``) deletes the conflicting row without firing DELETE
  triggers (they fire only with ``recursive_triggers``), so an issued record could be rewritten in place. A
  BEFORE INSERT trigger now refuses an insert that collides with an existing row on any unique column;
- PostgreSQL's TRUNCATE fires no row trigger. A statement-level BEFORE TRUNCATE trigger now refuses it while the
  table holds rows (truncating an empty table changes nothing, and Django's test flush truncates every table);
- the withdrawals (``records_recordwithdrawal``) had no protection at all: they get the same triggers.

``withdrawn_at`` becomes a plain default (it was ``auto_now_add``) so that a restore can insert the archived time
instead of updating the row afterwards.
"""

import django.utils.timezone
from django.db import migrations, models

ISSUED = "records_issuedrecord"
WITHDRAWN = "records_recordwithdrawal"
MESSAGE = "issued record is immutable (hoc ba da phat hanh khong the sua hoac xoa)"
# The columns an INSERT may collide on (every UNIQUE column or set of columns of the table).
UNIQUE = {
    ISSUED: ["id", "record_id", "lookup_code", "sha256", "supersedes_id", ("enrolment_id", "version")],
    WITHDRAWN: ["id", "issued_record_id"],
}


def _collision(table: str) -> str:
    terms = []
    for key in UNIQUE[table]:
        columns = key if isinstance(key, tuple) else (key,)
        terms.append("(" + " AND ".join(f"{c} = NEW.{c}" for c in columns) + ")")
    return f"EXISTS (SELECT 1 FROM {table} WHERE {' OR '.join(terms)})"


SQLITE_FORWARD = [
    f"""CREATE TRIGGER {ISSUED}_no_replace BEFORE INSERT ON {ISSUED} WHEN {_collision(ISSUED)}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER {WITHDRAWN}_no_update BEFORE UPDATE ON {WITHDRAWN}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER {WITHDRAWN}_no_delete BEFORE DELETE ON {WITHDRAWN}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER {WITHDRAWN}_no_replace BEFORE INSERT ON {WITHDRAWN} WHEN {_collision(WITHDRAWN)}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS {ISSUED}_no_replace;", f"DROP TRIGGER IF EXISTS {WITHDRAWN}_no_update;",
                   f"DROP TRIGGER IF EXISTS {WITHDRAWN}_no_delete;", f"DROP TRIGGER IF EXISTS {WITHDRAWN}_no_replace;"]

POSTGRES_FORWARD = [
    # Fires once per statement; refuses only when the table has rows to lose.
    f"""CREATE OR REPLACE FUNCTION hocbaso_registry_no_truncate() RETURNS trigger AS $$
        DECLARE has_rows boolean;
        BEGIN
            EXECUTE 'SELECT EXISTS (SELECT 1 FROM ' || quote_ident(TG_TABLE_SCHEMA) || '.'
                || quote_ident(TG_TABLE_NAME) || ')' INTO has_rows;
            IF has_rows THEN
                RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql;""",
    f"""CREATE TRIGGER {ISSUED}_no_truncate BEFORE TRUNCATE ON {ISSUED}
        FOR EACH STATEMENT EXECUTE FUNCTION hocbaso_registry_no_truncate();""",
    f"""CREATE TRIGGER {WITHDRAWN}_no_change BEFORE UPDATE OR DELETE ON {WITHDRAWN}
        FOR EACH ROW EXECUTE FUNCTION {ISSUED}_immutable();""",
    f"""CREATE TRIGGER {WITHDRAWN}_no_truncate BEFORE TRUNCATE ON {WITHDRAWN}
        FOR EACH STATEMENT EXECUTE FUNCTION hocbaso_registry_no_truncate();""",
]
POSTGRES_BACKWARD = [f"DROP TRIGGER IF EXISTS {ISSUED}_no_truncate ON {ISSUED};",
                     f"DROP TRIGGER IF EXISTS {WITHDRAWN}_no_change ON {WITHDRAWN};",
                     f"DROP TRIGGER IF EXISTS {WITHDRAWN}_no_truncate ON {WITHDRAWN};",
                     "DROP FUNCTION IF EXISTS hocbaso_registry_no_truncate();"]


def forward(apps, schema_editor):
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}.get(schema_editor.connection.vendor)
    if statements is None:
        raise RuntimeError(f"No immutability trigger for database {schema_editor.connection.vendor!r}")
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    for sql in {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}[schema_editor.connection.vendor]:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("records", "0005_importedrecord")]
    operations = [
        migrations.AlterField(model_name="recordwithdrawal", name="withdrawn_at",
                              field=models.DateTimeField(default=django.utils.timezone.now)),
        migrations.RunPython(forward, backward),
    ]
