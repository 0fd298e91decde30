"""Date filters for templates: dates as the active language writes them."""

from __future__ import annotations

import datetime as dt

from django import template

from practice.languages import long_date as _long_date
from practice.languages import weekday_day_month as _weekday_day_month

register = template.Library()


@register.filter(expects_localtime=True)
def long_date(day: dt.date | dt.datetime | None) -> str:
    """{{ day|long_date }}: 'понедельник 30 ноября 2026', 'maanantai 30. marraskuuta 2026'."""
    return _long_date(day) if day else ""


@register.filter(expects_localtime=True)
def weekday_day_month(day: dt.date | dt.datetime | None) -> str:
    """{{ day|weekday_day_month }}: 'понедельник 30 ноября', 'maanantai 30. marraskuuta'."""
    return _weekday_day_month(day) if day else ""
