"""Database functions the ORM lacks, written for each database we run on."""

from __future__ import annotations

from django.db.models import BigIntegerField, Func


class EpochSeconds(Func):
    """A datetime column as whole seconds since 1970-01-01 UTC. Reading hundreds of
    thousands of timestamps as integers spares parsing each one as text in Python
    (psycopg's loader under Django's time-zone handling); `practice.localtime.from_epoch`
    turns one back into an instant."""

    output_field = BigIntegerField()

    @property
    def convert_value(self):
        # Both databases return an integer already (the casts below); Django's default
        # int() per value cost most of a second over a year's rows.
        return self._convert_value_noop

    def as_postgresql(self, compiler, connection, **extra_context):
        template = "EXTRACT(EPOCH FROM %(expressions)s)::bigint"
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django stores a datetime in SQLite as UTC text, which strftime reads.
        template = "CAST(strftime('%%%%s', %(expressions)s) AS integer)"
        return self.as_sql(compiler, connection, template=template, **extra_context)
