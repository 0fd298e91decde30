"""Date filters for templates: dates as the active language writes them."""

from __future__ import annotations

import datetime as dt

from django import template

from practice.languages import long_date as _long_date
from practice.languages import short_day_month as _short_day_month
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


@register.filter(expects_localtime=True)
def short_day_month(day: dt.date | dt.datetime | None, parts: str = "") -> str:
    """{{ day|short_day_month }}: '29 Nov', '29.11.' (fi), '29 нояб.' (ru); with
    "weekday", "year" or "weekday,year": 'su 29.11.', '29.11.2026', 'su 29.11.2026'."""
    if not day:
        return ""
    wanted = set(parts.split(","))
    return _short_day_month(day, weekday="weekday" in wanted, year="year" in wanted)
