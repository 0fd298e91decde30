"""Reading ids, dates, months, datetimes, link codes and `next` from a request: one place.

Pages, the JSON API and the webhooks read what comes in through these small functions, so a
value the rest of the code cannot handle never gets past the door: an id is ASCII digits
within PostgreSQL's bigint (``"²".isdigit()`` is True, yet ``int("²")`` fails), a date's year
lies where day arithmetic and time-zone conversion cannot overflow, a link code has the
alphabet and length we issue (PostgreSQL refuses a NUL byte outright).

Each raises `InvalidInput` with the parameter's name and the reason. Pages answer it 400
with the reason (`practice.views.bad_request`, Django's handler400), the API answers 400
``{field: [reason]}`` (`practice.api.exceptions`), and the URL converters below answer 404
(Django takes a converter's ValueError for "no such page").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import TypeVar

from django.core.exceptions import BadRequest
from django.http import HttpRequest
from django.utils import formats
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from . import localtime

T = TypeVar("T")
D = TypeVar("D", dt.date, dt.datetime)

MAX_ID = 2**63 - 1  # PostgreSQL bigint
# Years a request may name: those local time is computed for (far enough for any booking,
# report or birth date, and far enough from 1 and 9999 that a few days' arithmetic or a
# time-zone shift never overflows).
MIN_YEAR, MAX_YEAR = localtime.FIRST_YEAR, localtime.LAST_YEAR
# secrets.token_urlsafe(9): 12 characters of [A-Za-z0-9_-]; the columns hold 16.
LINK_CODE_LENGTH = (8, 16)
MAX_NEXT_LENGTH = 2000

_ID = re.compile(r"[0-9]{1,19}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.]{5,15}(Z|[+-][0-9]{2}:?[0-9]{2})?")
_LINK_CODE = re.compile(r"[A-Za-z0-9_-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class InvalidInput(BadRequest, ValueError):
    """A request parameter we cannot read. `field` names it, `message` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _text(value: object, field: str, message: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(field, message)
    return value.strip()


def parse_id(value: object, *, field: str) -> int:
    """A row id: ASCII digits (or an int), 0 to 2**63-1."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = _text(value, field, _("Give a whole number."))
        if not _ID.fullmatch(text):
            raise InvalidInput(field, _("Give a whole number."))
        number = int(text)
    if not 0 <= number <= MAX_ID:
        raise InvalidInput(field, _("Give a whole number."))
    return number


def check_year(value: D, *, field: str) -> D:
    """`value` if its year lies between MIN_YEAR and MAX_YEAR (in UTC, too, when aware)."""
    in_range = MIN_YEAR <= value.year <= MAX_YEAR
    if in_range and isinstance(value, dt.datetime) and value.utcoffset() is not None:
        in_range = MIN_YEAR <= (value.replace(tzinfo=None) - value.utcoffset()).year <= MAX_YEAR
    if not in_range:
        raise InvalidInput(
            field,
            _("Choose a date between the years %(first)s and %(last)s.")
            % {"first": MIN_YEAR, "last": MAX_YEAR},
        )
    return value


def parse_date(value: object, *, field: str) -> dt.date:
    """An ISO date, YYYY-MM-DD."""
    text = _text(value, field, _("Give a date as YYYY-MM-DD."))
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(field, _("Give a date as YYYY-MM-DD.")) from None
    return check_year(day, field=field)


def date_placeholder(input_format: str) -> str:
    """A date format as a user reads it: '%d/%m/%Y' -> 'dd/mm/yyyy' (in their language)."""
    parts = {
        "%d": pgettext("date format placeholder: day", "dd"),
        "%m": pgettext("date format placeholder: month", "mm"),
        "%Y": pgettext("date format placeholder: year", "yyyy"),
        "%y": pgettext("date format placeholder: year", "yy"),
    }
    for code, letters in parts.items():
        input_format = input_format.replace(code, letters)
    return input_format


def parse_user_date(value: object, *, field: str) -> dt.date:
    """A date typed as the user's language writes it (its DATE_INPUT_FORMATS), or ISO."""
    typed = formats.get_format("DATE_INPUT_FORMATS")
    reason = _("Give a date as %(format)s.") % {"format": date_placeholder(typed[0])}
    text = _text(value, field, reason)
    for input_format in typed:
        try:
            day = dt.datetime.strptime(text, input_format).date()  # noqa: DTZ007 (a day)
        except ValueError:
            continue
        return check_year(day, field=field)
    raise InvalidInput(field, reason)


def parse_month(value: object, *, field: str) -> dt.date:
    """A month, YYYY-MM: its first day."""
    text = _text(value, field, _("Give a month as YYYY-MM."))
    match = _MONTH.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        first = dt.date(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise InvalidInput(field, _("Give a month as YYYY-MM.")) from None
    return check_year(first, field=field)


def parse_aware_datetime(value: object, *, field: str) -> dt.datetime:
    """An ISO date and time with its UTC offset ('Z' for UTC)."""
    message = _("Give a date and time with its offset, e.g. 2030-01-07T09:00:00+01:00.")
    text = _text(value, field, message)
    try:
        if not _DATETIME.fullmatch(text):
            raise ValueError(text)
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(field, message) from None
    if moment.utcoffset() is None:
        raise InvalidInput(field, message)
    return check_year(moment, field=field)


def parse_wall_clock(value: object, *, field: str) -> dt.datetime:
    """A local date and time without an offset (a calendar's YYYY-MM-DDTHH:MM): naive."""
    message = _("Give a date and time as YYYY-MM-DDTHH:MM.")
    text = _text(value, field, message)
    try:
        if not _DATETIME.fullmatch(text) or _DATETIME.fullmatch(text)[1]:
            raise ValueError(text)
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(field, message) from None
    return check_year(moment, field=field)


def parse_link_code(value: object, *, field: str = "code") -> str:
    """The random code of a client's link (appointment, waitlist offer)."""
    text = _text(value, field, _("This link is not valid."))
    shortest, longest = LINK_CODE_LENGTH
    if not (shortest <= len(text) <= longest and _LINK_CODE.fullmatch(text)):
        raise InvalidInput(field, _("This link is not valid."))
    return text


def parse_token(value: object, *, field: str, max_length: int = 64) -> str:
    """A token a page of ours put in a form (a request key): letters, digits, - and _."""
    text = _text(value, field, _("This value is not valid."))
    if not (len(text) <= max_length and _LINK_CODE.fullmatch(text)):
        raise InvalidInput(field, _("This value is not valid."))
    return text


def parse_text(value: object, *, field: str, max_length: int) -> str:
    """Free text from outside (a webhook's parameter): no NUL or control bytes but newlines
    and tabs, at most `max_length` characters."""
    text = _text(value, field, _("This value is not text."))
    if len(text) > max_length or _CONTROL.search(re.sub(r"[\r\n\t]", "", text)):
        raise InvalidInput(field, _("This value is not text we can read."))
    return text


def query_param(
    query: Mapping[str, str], name: str, parse: Callable[..., T], default: T | None = None
) -> T | None:
    """`parse` the parameter `name` of a query string or form; `default` when it is absent or
    empty. A value that is there but unreadable raises InvalidInput."""
    value = query.get(name)
    if value is None or value == "":
        return default
    return parse(value, field=name)


def safe_next(request: HttpRequest, value: object) -> str:
    """`value` when it is a path on this site (to go back to after a form), else ''.

    A path, not a URL name: `redirect("calendar2")` would try to reverse the name and fail.
    """
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return ""
    if len(value) > MAX_NEXT_LENGTH or _CONTROL.search(value) or "\\" in value:
        return ""
    allowed = url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()})
    return value if allowed else ""


class IdConverter:
    """`<id:name>` in a URL: an id as parse_id reads it; anything else is no match (404)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        return parse_id(value, field="id")

    def to_url(self, value: int | str) -> str:
        return str(value)


class LinkCodeConverter:
    """`<code:name>`: a client link's random code; anything else is no match (404)."""

    regex = f"[A-Za-z0-9_-]{{{LINK_CODE_LENGTH[0]},{LINK_CODE_LENGTH[1]}}}"

    def to_python(self, value: str) -> str:
        return parse_link_code(value)

    def to_url(self, value: str) -> str:
        return value
