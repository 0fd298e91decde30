"""Update many rows, each with its own values, in one statement.

Django's `bulk_update` writes a CASE WHEN per row and field; building those expressions
costs about as much CPU as a round trip per row, which is what it was meant to save. A
common table of VALUES joined in an UPDATE costs one statement and little Python. It runs
on PostgreSQL and on SQLite (3.35 or later: UPDATE … FROM and RETURNING).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import connections, router
from django.db.models import Model

CHUNK = 500  # rows a statement: well within both databases' limit on parameters


def update_from_values(
    model: type[Model],
    rows: Sequence[Sequence[object]],
    *,
    fields: Sequence[str],
    only_if: Mapping[str, object] | None = None,
) -> set[object]:
    """Set `fields` of `model`'s rows from `rows` (each: its primary key, then the values of
    `fields` in order), only on rows whose fields still equal `only_if` (None: IS NULL).

    Returns the primary keys of the rows it updated. Callers pick rows by primary key, so
    no manager (and no practice scope) is involved: scope the keys before."""
    connection = connections[router.db_for_write(model)]
    updated: set[object] = set()
    for start in range(0, len(rows), CHUNK):
        sql, params = _statement(model, rows[start : start + CHUNK], fields, only_if or {})
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            updated.update(pk for (pk,) in cursor.fetchall())
    return updated


def _typed(value_sql: str, field, connection) -> str:
    """PostgreSQL types the VALUES from their literals (a column of NULLs is text): cast to
    the column's type. SQLite stores by the column's affinity; a CAST there would turn a
    date into the number it starts with."""
    if connection.vendor == "postgresql":
        return f"CAST({value_sql} AS {field.db_type(connection)})"
    return value_sql


def _statement(
    model: type[Model],
    rows: Sequence[Sequence[object]],
    fields: Sequence[str],
    only_if: Mapping[str, object],
) -> tuple[str, list[object]]:
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    meta = model._meta
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    model_fields = [meta.get_field(name) for name in fields]
    names = ["pk", *(f"v{i}" for i in range(len(fields)))]
    assignments = ", ".join(
        f"{quote(field.column)} = {_typed(f'v.{name}', field, connection)}"
        for field, name in zip(model_fields, names[1:], strict=True)
    )
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(names)) + ")"] * len(rows))
    params: list[object] = []
    for row in rows:
        params.append(meta.pk.get_db_prep_value(row[0], connection))
        params.extend(
            field.get_db_prep_save(value, connection)
            for field, value in zip(model_fields, row[1:], strict=True)
        )
    conditions = [f"{table}.{pk} = v.pk"]
    for name, value in only_if.items():
        column = f"{table}.{quote(meta.get_field(name).column)}"
        if value is None:
            conditions.append(f"{column} IS NULL")
        else:
            conditions.append(f"{column} = %s")
            params.append(value)
    # Names come from the model, values go as parameters.
    sql = (
        f"WITH v ({', '.join(names)}) AS (VALUES {placeholders}) "  # noqa: S608
        f"UPDATE {table} SET {assignments} FROM v "
        f"WHERE {' AND '.join(conditions)} RETURNING {table}.{pk}"
    )
    return sql, params
