"""Database helpers shared by the services."""

import datetime
import re

from django.db import DEFAULT_DB_ALIAS, connections

from hocbaso.core.jsontext import JsonText


POSTGRESQL_BATCH = 1000  # rows per UPDATE … FROM (VALUES …): well under PostgreSQL's 65535 parameters


def rows_update(model, rows: list, names: list[str]) -> None:
    """UPDATE each row's ``names`` columns.

    Django's ``bulk_update`` builds a CASE expression per row and cell, which costs seconds for a
    class sheet; values here are already validated, so they go through the backend's own adapters.
    SQLite (in the process: a statement costs microseconds) runs one prepared statement per row;
    PostgreSQL, where each statement is a round trip to the server, one ``UPDATE … FROM (VALUES …)``
    per 1000 rows.
    """
    if not rows:
        return
    connection = connections[DEFAULT_DB_ALIAS]  # the real object: the proxy costs a lookup per value
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    preps = [(f.attname, _preparer(f, connection)) for f in fields]
    params = [[prep(getattr(row, attname)) for attname, prep in preps] + [row.pk] for row in rows]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", params)
            return
        # The casts type a column whose values are all NULL (else text). They carry no length or precision
        # (varchar, not varchar(1)): an explicit cast would cut a too-long value silently, while the assignment
        # to the column refuses it, as a plain UPDATE does.
        assignments = ", ".join(f"{quote(f.column)} = v.c{i}::{_bare_type(f, connection)}"
                                for i, f in enumerate(fields))
        names_sql = ", ".join([*(f"c{i}" for i in range(len(fields))), "pk"])
        pk_type = _bare_type(model._meta.pk, connection)
        marks = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
        for start in range(0, len(params), POSTGRESQL_BATCH):
            chunk = params[start:start + POSTGRESQL_BATCH]
            cursor.execute(f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([marks] * len(chunk))}) "
                           f"AS v ({names_sql}) WHERE {table}.id = v.pk::{pk_type}",
                           [value for row in chunk for value in row])


def _bare_type(field, connection) -> str:
    """The column's type for a cast, without its length or precision: ``varchar(1)`` → ``varchar``."""
    return re.sub(r"\s*\([^)]*\)", "", field.cast_db_type(connection))


def rows_insert(model, rows: list) -> None:
    """INSERT new ``rows`` (model instances with every column set) without reading back their ids.

    ``bulk_create`` compiles its SQL value by value, which costs about as much as the rest of a class sheet's
    first save; this goes through the same adapters (``pre_save`` fills ``auto_now`` columns as ``save`` does)
    with one prepared statement run for every row on SQLite, one multi-row INSERT per 1000 rows on PostgreSQL.
    """
    if not rows:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    preps = [(f, _preparer(f, connection)) for f in fields]
    params = [[prep(f.pre_save(row, True)) for f, prep in preps] for row in rows]
    marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES {marks}", params)
            return
        for start in range(0, len(params), POSTGRESQL_BATCH):
            chunk = params[start:start + POSTGRESQL_BATCH]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([marks] * len(chunk))}",
                           [value for row in chunk for value in row])


def _preparer(field, connection):
    """``field.get_db_prep_save`` for one column, with two shortcuts that give the same result: text stays as it
    is, and a value repeated across the rows (the time and author of a save) is adapted once."""
    text = field.get_internal_type() in ("CharField", "TextField")
    plain_null = field.get_internal_type() != "JSONField"  # JSON null is not SQL NULL
    memo = {}

    def prep(value):
        if (value is None and plain_null) or (text and type(value) is str) or type(value) is JsonText:
            return value
        kind = type(value)
        if kind is int or kind is str or kind is datetime.datetime:
            try:
                return memo[(kind, value)]
            except KeyError:
                memo[(kind, value)] = prepared = field.get_db_prep_save(value, connection)
                return prepared
        return field.get_db_prep_save(value, connection)

    return prep
