"""Whose language a page or a message speaks, and dates as each language writes them.

- Staff: their own language (`StaffProfile.language`), chosen once and kept; until they
  choose, the practice's language (so a new member starts in it).
- Clients: their own language (`Client.language`) for their messages and the pages their
  links open; otherwise the practice's language.
- Public pages and the public booking API: the visitor's choice (the API's `language`
  field, ?lang= or the language cookie), else the practice's (`visitor_language`).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest
from django.utils import formats
from django.utils.translation import get_language

CODES = frozenset(code for code, _name in settings.LANGUAGES)


def known(code: str | None) -> str | None:
    """`code` when it is one of our languages, else None."""
    return code if code in CODES else None


def first_known(*candidates: str | None) -> str:
    """The first candidate that is one of our languages (the last resort: the default)."""
    for code in candidates:
        if known(code):
            return code  # type: ignore[return-value]
    return settings.LANGUAGE_CODE


def visitor_language(request: HttpRequest, default: str, *, chosen: str | None = None) -> str:
    """A public visitor's language: what they `chosen` (the public booking API's `language`
    field), then ?lang=, then the language cookie, then `default` (the practice's).

    The one rule for the public pages and the public API alike: the booking pages speak it,
    and a client who books online keeps it (online_booking.services stores it)."""
    return first_known(
        chosen,
        request.GET.get("lang"),
        request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME),
        default,
    )


def client_language(client, practice) -> str:
    """The language of a client's messages and link pages: theirs, else the practice's."""
    return first_known(getattr(client, "language", "") if client else "", practice.language)


def staff_language(membership) -> str:
    """A staff member's own language, else their practice's (a new member starts in it):
    for their pages and for what is sent to them (a task's reminder)."""
    try:
        own = membership.user.staff_profile.language
    except ObjectDoesNotExist:
        own = ""
    return first_known(own, membership.practice.language)


def long_date(day: dt.date | dt.datetime) -> str:
    """'Monday 30 November 2026' in the active language, as that language writes a date:
    the weekday, then the locale's DATE_FORMAT (Russian: '30 ноября 2026', the genitive;
    Finnish: '30. marraskuuta 2026'; Italian: '30 novembre 2026', in lower case)."""
    return f"{formats.date_format(day, 'l')} {_in_running_text(day, 'DATE_FORMAT')}"


def weekday_day_month(day: dt.date | dt.datetime) -> str:
    """'Monday 30 November' without the year, as `long_date` ('понедельник 30 ноября',
    'maanantai 30. marraskuuta'): the weekday, then the locale's MONTH_DAY_FORMAT."""
    return f"{formats.date_format(day, 'l')} {_in_running_text(day, 'MONTH_DAY_FORMAT')}"


def _in_running_text(day: dt.date | dt.datetime, format_name: str) -> str:
    # Django's Italian month names are capitalised (for headings); inside a date Italian
    # writes them in lower case. A format module says so with LOWERCASE_MONTHS.
    text = formats.date_format(day, format_name)
    if _format_setting("LOWERCASE_MONTHS"):
        month = formats.date_format(day, "F")
        text = text.replace(month, month.lower())
    return text


def _format_setting(name: str):
    """A setting of the active language's format modules that Django itself does not know
    (`formats.get_format` answers only its own names): ours first, then Django's."""
    for module in formats.get_format_modules(get_language()):
        value = getattr(module, name, None)
        if value is not None:
            return value
    return None


def short_day_month(day: dt.date | dt.datetime, *, weekday: bool = False, year: bool = False):
    """A short date for calendar headers and lists, as the active language writes one:
    '29 Nov', '29 nov' (nl, it), '29.11.' (fi), '29 нояб.' (ru, the genitive); with
    `weekday` the short weekday first ('su 29.11.'), with `year` the year ('29.11.2026')."""
    months = _format_setting("SHORT_MONTHS_GENITIVE")
    if months:
        text = f"{day.day} {months[day.month - 1]}"
        text = f"{text} {day.year}" if year else text
    else:
        name = "SHORT_DAY_MONTH_YEAR_FORMAT" if year else "SHORT_DAY_MONTH_FORMAT"
        text = formats.date_format(day, _format_setting(name) or ("j M Y" if year else "j M"))
    return f"{formats.date_format(day, 'D')} {text}" if weekday else text
