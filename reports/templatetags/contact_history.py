"""Display helpers of the contact history: seconds as m:ss."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.http import urlencode

register = template.Library()


@register.filter
def seconds(value: float | int | None) -> str:
    """A waiting time or duration as m:ss (h:mm:ss past an hour); '—' when unknown."""
    if value is None:
        return "—"
    total = round(value)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def group_url(row, query: str) -> str:
    """The URL that opens a group of the grouped view: the filters and its keys."""
    keys = urlencode(
        [(f"key{i}", "" if key is None else key) for i, (_l, key) in enumerate(row.path, 1)]
    )
    return f"{reverse('report-contacts-group')}?{query}&{keys}"
