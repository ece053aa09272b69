"""Database helpers shared by the services."""

from django.db import DEFAULT_DB_ALIAS, connections


def rows_update(model, rows: list, names: list[str]) -> None:
    """UPDATE each row's ``names`` columns with one prepared statement run for every row.

    Django's ``bulk_update`` builds a CASE expression per row and cell, which costs seconds for a
    class sheet; values here are already validated, so they go through the backend's own adapters.
    """
    if not rows:
        return
    connection = connections[DEFAULT_DB_ALIAS]  # the real object: the proxy costs a lookup per value
    fields = [model._meta.get_field(name) for name in names]
    table = connection.ops.quote_name(model._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    params = [[f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] + [row.pk] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", params)
