"""Write many rows, each with its own values, in one statement.

Django's `bulk_update` writes a CASE WHEN per row and field; building those expressions
costs about as much CPU as a round trip per row, which is what it was meant to save. Here
the rows go as data: on PostgreSQL one array per column, unnested (a handful of parameters
however many rows, and a column with the same value in every row is one parameter); on
SQLite (3.35 or later: UPDATE … FROM and RETURNING) a common table of VALUES.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import connections, models, router
from django.db.models import Lookup, Model
from django.db.models.lookups import In

CHUNK = 500  # rows a VALUES statement (SQLite): well within its limit on parameters
ARRAY_CHUNK = 5000  # rows an unnest statement (PostgreSQL): parameters are a few arrays

# Python types a field of these kinds stores as they are: their preparation
# (get_db_prep_save) would hand back the same value, at a few microseconds a call.
_STORED_AS_IS: dict[type, tuple[type[models.Field], ...]] = {
    str: (models.CharField, models.TextField),
    int: (models.IntegerField,),
    bool: (models.BooleanField,),
}


def db_values(field: models.Field, values: Sequence[object], connection) -> list[object]:
    """`values` of `field` as the database takes them (what get_db_prep_save makes of
    each), without a call a value for the plain ones."""
    target = field.target_field if field.is_relation else field
    prepare = field.get_db_prep_save
    return [
        value
        if value is None or isinstance(target, _STORED_AS_IS.get(type(value), ()))
        else prepare(value, connection)
        for value in values
    ]


def array_param(field: models.Field, values: Sequence[object], connection) -> object:
    """PostgreSQL: `values` of `field` as one array parameter (for `%s::type[]`). Whole
    numbers and text go as the array's literal, built here in a few C-speed joins: the
    driver would dump each element on its own and test it against a regular expression
    for quoting (a second a million elements). Other values go as a prepared list."""
    target = field.target_field if field.is_relation else field
    kinds = set(map(type, values))
    if isinstance(target, models.IntegerField) and kinds <= {int, type(None)}:
        if type(None) in kinds:
            return "{" + ",".join("NULL" if v is None else str(v) for v in values) + "}"
        return "{" + ",".join(map(str, values)) + "}"
    if isinstance(target, models.CharField | models.TextField) and kinds <= {str, type(None)}:
        # Every element quoted (then only " and \ need escaping): no rule about spaces,
        # braces, commas or the word NULL to apply.
        return "{" + ",".join(_quoted(v) for v in values) + "}"
    return db_values(field, values, connection)


def _quoted(value: str | None) -> str:
    if value is None:
        return "NULL"
    if "\\" in value or '"' in value:
        value = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{value}"'


def is_constant(column: Sequence[object]) -> bool:
    """The same value (of the same type: 1 is not True) in every row."""
    first = column[0]
    return column.count(first) == len(column) and len(set(map(type, column))) == 1


def unnested(
    fields: Sequence[models.Field], columns: Sequence[Sequence[object]], connection
) -> tuple[list[str], str, list[object], list[object]]:
    """PostgreSQL: the rows given column by column (Python values, prepared here) as
    `FROM unnest(...) AS v(c0, c1, ...)`. Returns each column's expression (`v.cN`, or a
    single typed parameter, prepared once, when the column is constant), the FROM clause,
    the expressions' parameters and the FROM clause's. The first column always goes as an
    array (so there is one even for a single row)."""
    expressions: list[str] = []
    arrays: list[str] = []
    names: list[str] = []
    constants: list[object] = []
    array_params: list[object] = []
    for index, (field, column) in enumerate(zip(fields, columns, strict=True)):
        db_type = field.db_type(connection)
        if index and is_constant(column):
            expressions.append(f"CAST(%s AS {db_type})")
            constants.append(field.get_db_prep_save(column[0], connection))
        else:
            expressions.append(f"v.c{index}")
            names.append(f"c{index}")
            arrays.append(f"%s::{db_type}[]")
            array_params.append(array_param(field, column, connection))
    source = f"unnest({', '.join(arrays)}) AS v ({', '.join(names)})"
    return expressions, source, constants, array_params


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
    statement = _unnest_statement if connection.vendor == "postgresql" else _values_statement
    chunk = ARRAY_CHUNK if connection.vendor == "postgresql" else CHUNK
    updated: set[object] = set()
    for start in range(0, len(rows), chunk):
        sql, params = statement(model, rows[start : start + chunk], fields, only_if or {})
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            updated.update(pk for (pk,) in cursor.fetchall())
    return updated


def _conditions(
    model: type[Model], only_if: Mapping[str, object], connection
) -> tuple[list[str], list[object]]:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    conditions: list[str] = []
    params: list[object] = []
    for name, value in only_if.items():
        column = f"{table}.{quote(model._meta.get_field(name).column)}"
        if value is None:
            conditions.append(f"{column} IS NULL")
        else:
            conditions.append(f"{column} = %s")
            params.append(value)
    return conditions, params


def _unnest_statement(
    model: type[Model],
    rows: Sequence[Sequence[object]],
    fields: Sequence[str],
    only_if: Mapping[str, object],
) -> tuple[str, list[object]]:
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    meta = model._meta
    table = quote(meta.db_table)
    model_fields = [meta.pk, *(meta.get_field(name) for name in fields)]
    columns = [[row[index] for row in rows] for index in range(len(model_fields))]
    expressions, source, constants, arrays = unnested(model_fields, columns, connection)
    assignments = ", ".join(
        f"{quote(field.column)} = {expression}"
        for field, expression in zip(model_fields[1:], expressions[1:], strict=True)
    )
    conditions, condition_params = _conditions(model, only_if, connection)
    pk = f"{table}.{quote(meta.pk.column)}"
    # Names come from the model, values go as parameters.
    sql = (
        f"UPDATE {table} SET {assignments} FROM {source} "  # noqa: S608
        f"WHERE {' AND '.join([f'{pk} = {expressions[0]}', *conditions])} RETURNING {pk}"
    )
    return sql, [*constants, *arrays, *condition_params]


def _values_statement(
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
        f"{quote(field.column)} = v.{name}"
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
    conditions, condition_params = _conditions(model, only_if, connection)
    # Names come from the model, values go as parameters. SQLite stores by the column's
    # affinity (no CAST: one there would turn a date into the number it starts with).
    sql = (
        f"WITH v ({', '.join(names)}) AS (VALUES {placeholders}) "  # noqa: S608
        f"UPDATE {table} SET {assignments} FROM v "
        f"WHERE {' AND '.join([f'{table}.{pk} = v.pk', *conditions])} RETURNING {table}.{pk}"
    )
    return sql, [*params, *condition_params]


class AnyOf(Lookup):
    """`field IN (values)` for thousands of values: on PostgreSQL `= ANY(array)`, one
    parameter (an IN list of thousands of placeholders costs more to build, to bind and to
    parse than the query takes to run); elsewhere a plain IN. Use as an expression:
    `queryset.filter(AnyOf(F("id"), ids))`."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection) -> tuple[str, list[object]]:
        if connection.vendor != "postgresql":
            return compiler.compile(In(self.lhs, list(self.rhs)))
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = array_param(field, list(self.rhs), connection)
        return f"{lhs} = ANY(%s::{field.db_type(connection)}[])", [*lhs_params, values]
