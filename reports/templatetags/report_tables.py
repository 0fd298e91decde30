"""Report tables on a phone: each cell carries its column's name, shown beside the value
when the rows stack (the `stacked` tables of static/css/app.css)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django import template

from reports.departure import DETAIL_COLUMNS

register = template.Library()


@register.filter
def with_labels(cells: Sequence, columns: Iterable[str]) -> list[tuple[str, object]]:
    """A failed workflow's cells, each with the label of the column it is in."""
    return [
        (str(DETAIL_COLUMNS.get(key, "")), cell) for key, cell in zip(columns, cells, strict=False)
    ]
