"""The client's pages for booking online: no account, phone first, plain links and forms.

The way through is carried in the query string (location → species → reason → month →
day → time), so every step is a link the client can go back to, share or reload. The
details form books through `services.online_book`, the same path as the JSON API.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.dateformat import format as date_format
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from appointments.links import appointment_from_link, appointment_link_code
from appointments.models import Appointment
from patients.species import species_label
from practice import localtime
from practice.languages import visitor_language
from practice.models import Membership, Practice
from practice.parsing import (
    InvalidInput,
    parse_aware_datetime,
    parse_date,
    parse_id,
    parse_month,
    query_param,
)
from practice.scoping import for_practice
from practice.views_helpers import apply_validation_error

from . import services
from .availability import Slot, available_days, available_times, booking_settings
from .forms import DetailsForm
from .ics import appointment_ics
from .models import OnlineLocation, Reason
from .ratelimit import BOOK, READ, limited_page, over_limit, too_many
from .selectors import (
    active_reason,
    booked_reason_name,
    open_locations,
    reason_groups,
    species_offered,
)

T = TypeVar("T")

PARTS = {
    # name: (label, from hour, until hour), local time
    "morning": (translation.gettext_lazy("Morning"), 0, 12),
    "afternoon": (translation.gettext_lazy("Afternoon"), 12, 17),
    "evening": (translation.gettext_lazy("Evening"), 17, 24),
}


def public_page(view):
    """A public booking page: rate-limited per address, in the client's language."""

    @limited_page(READ)
    @wraps(view)
    def wrapper(request: HttpRequest, practice_slug: str, *args, **kwargs) -> HttpResponse:
        language = visitor_language(request, request.public_practice.language)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = view(request, practice_slug, *args, **kwargs)
        if request.GET.get("lang") == language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax"
            )
        return response

    return wrapper


def _chosen_id(params: QueryDict, name: str) -> int | None:
    """A location or reason id; one that cannot be an id answers 404 like an unknown one."""
    try:
        return query_param(params, name, parse_id)
    except InvalidInput:
        raise Http404 from None


def _lenient(params: QueryDict, name: str, parse: Callable[..., T]) -> T | None:
    """A day, month or time from a link: one we cannot read takes the client back a step
    (as if it was not chosen), never to an error page."""
    try:
        return query_param(params, name, parse)
    except InvalidInput:
        return None


class Choice:
    """What the client chose so far, read from the query string and checked."""

    def __init__(self, request: HttpRequest, practice: Practice):
        self.practice = practice
        self.path = reverse("online-booking", args=[practice.slug])
        self.settings = booking_settings(practice)
        self.locations = open_locations(practice, self.settings)
        params = request.GET  # forms post to their page's address, choices and all
        self.online = self._location(_chosen_id(params, "location"))
        self.location = self.online.location if self.online else None
        self.species = self._species(params.get("species", ""))
        self.reason = self._reason(_chosen_id(params, "reason"))
        self.today = localtime.local_today(self.location.tz) if self.location else None
        self.day = self._day(_lenient(params, "day", parse_date))
        self.month = self._month(_lenient(params, "month", parse_month))
        part = params.get("part", "")
        self.part = part if part in PARTS else ""
        # The UTM tags the page was opened with ride along in every link and form of the
        # way through, so the booking is credited to its ad channel.
        self.tags = {
            name: params[name][: services.TAG_LIMIT]
            for name in services.TAGS
            if name != "landing_page" and params.get(name)
        }

    def _location(self, location_id: int | None) -> OnlineLocation | None:
        if len(self.locations) == 1:
            return self.locations[0]
        if location_id is None:
            return None
        found = next((o for o in self.locations if o.location_id == location_id), None)
        if found is None:
            raise Http404  # unknown, closed, or another practice's: all look the same
        return found

    @property
    def species_label(self) -> str:
        return species_label(self.species)

    @property
    def several(self) -> bool:
        return len(self.locations) > 1

    @property
    def asks_species(self) -> bool:
        return bool(self.online and self.online.asks_species)

    def _species(self, value: str) -> str:
        value = value.strip().lower()
        return value if self.asks_species and value in species_offered(self.practice) else ""

    def _reason(self, reason_id: int | None) -> Reason | None:
        if self.location is None or (self.asks_species and not self.species) or reason_id is None:
            return None
        reason = active_reason(self.practice, reason_id)
        if reason is None:
            raise Http404
        if self.species and reason.species_list() and self.species not in reason.species_list():
            return None
        return reason

    def _day(self, day: dt.date | None) -> dt.date | None:
        if not self.reason or day is None:
            return None
        return day if day >= self.today else None

    @property
    def last_month(self) -> dt.date:
        """The month the horizon ends in: no paging past it."""
        return (self.today + dt.timedelta(days=self.settings.horizon_days)).replace(day=1)

    def _month(self, month: dt.date | None) -> dt.date | None:
        if not self.reason:
            return None
        first = self.today.replace(day=1)
        if self.day:
            return self.day.replace(day=1)
        return min(max(month or first, first), self.last_month)

    def url(self, **changes) -> str:
        """This page's address with some choices changed (None drops a choice)."""
        values = {
            "location": self.online.location_id if self.online and self.several else None,
            "species": self.species or None,
            "reason": self.reason.pk if self.reason else None,
            "month": self.month.strftime("%Y-%m") if self.month else None,
            "day": self.day.isoformat() if self.day else None,
            "part": self.part or None,
        }
        values.update(self.tags)
        values.update(changes)
        query = urlencode({k: v for k, v in values.items() if v not in (None, "")})
        return f"{self.path}?{query}" if query else self.path


def _language_links(request: HttpRequest) -> list[tuple[str, str, bool]]:
    current = translation.get_language()
    links = []
    for code, _name in settings.LANGUAGES:
        query = request.GET.copy()
        query["lang"] = code
        links.append((code, f"{request.path}?{query.urlencode()}", code == current))
    return links


def day_label(day: dt.date, free: bool) -> str:
    """What a screen reader says on a day of the month calendar: the day, and whether it
    has free times ('Wednesday 9 January, free times')."""
    # Translators: a date format (Django's `date` filter) for a day of the booking calendar;
    # use the genitive month where the language needs it (fi: "l j. E", ru: "l j E").
    name = date_format(day, pgettext("booking calendar day", "l j F"))
    if free:
        return _("%(day)s, free times") % {"day": name}
    return _("%(day)s, no free times") % {"day": name}


def _month_weeks(choice: Choice) -> list[list[dict]]:
    """The month as weeks of days: in the month, free (green), chosen, or past."""
    month = choice.month
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    free = set(
        available_days(
            choice.practice, location=choice.location, reason=choice.reason, first=month, last=last
        )
    )
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month):
        weeks.append(
            [
                {
                    "date": day,
                    "in_month": day.month == month.month,
                    "free": day in free,
                    "label": day_label(day, day in free),
                    "chosen": day == choice.day,
                    "url": choice.url(day=day.isoformat(), part=None) + "#times",
                }
                for day in week
            ]
        )
    return weeks


def _times(choice: Choice) -> list[dict]:
    tz = choice.location.tz
    slots = available_times(
        choice.practice, location=choice.location, reason=choice.reason, day=choice.day
    )
    if choice.part:
        _label, start, end = PARTS[choice.part]
        slots = [s for s in slots if start <= localtime.to_local(s.starts_at, tz).hour < end]
    names = _practitioner_names(choice, slots)
    return [
        {
            "slot": s,
            "local": localtime.to_local(s.starts_at, tz),
            "time": localtime.to_local(s.starts_at, tz).strftime("%H:%M"),
            # On the night the clocks go back a time shows twice: the note tells which.
            "note": localtime.repeated_note(s.starts_at, tz),
            "practitioner": names.get(s.practitioner_id, ""),
            "url": _details_url(choice, s),
        }
        for s in slots
    ]


def _practitioner_names(choice: Choice, slots: list[Slot]) -> dict[int, str]:
    if not slots or not choice.settings.show_practitioner:
        return {}
    ids = {s.practitioner_id for s in slots}
    members = for_practice(Membership, choice.practice).filter(pk__in=ids).select_related("user")
    return {m.pk: m.name for m in members}


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _details_url(choice: Choice, slot: Slot) -> str:
    query = {
        "location": choice.location.pk,
        "species": choice.species,
        "reason": choice.reason.pk,
        "start": _utc(slot.starts_at),
    }
    if choice.settings.show_practitioner:
        query["practitioner"] = slot.practitioner_id
    query.update(choice.tags)
    base = reverse("online-booking-details", args=[choice.practice.slug])
    return f"{base}?{urlencode({k: v for k, v in query.items() if v})}"


@public_page
def book(request: HttpRequest, practice_slug: str) -> HttpResponse:
    """Location, species, reason, month and day, times: one page that grows as one chooses."""
    practice = request.public_practice
    choice = Choice(request, practice)
    context = {
        "public": practice,
        "settings": choice.settings,
        "choice": choice,
        "languages": _language_links(request),
    }
    if not choice.locations:
        return render(request, "online_booking/closed.html", context)
    fresh = {"month": None, "day": None, "part": None}
    if choice.location and (choice.species or not choice.asks_species):
        context["groups"] = [
            {
                "group": entry.group,
                "links": [(r, choice.url(reason=r.pk, **fresh)) for r in entry.reasons],
            }
            for entry in reason_groups(practice, species=choice.species)
        ]
        context["reason_change_url"] = choice.url(reason=None, **fresh)
    if choice.asks_species:
        context["species_change_url"] = choice.url(species=None, reason=None, **fresh)
        context["species_links"] = [
            (species_label(name), choice.url(species=name, reason=None, **fresh))
            for name in species_offered(practice)
        ]
    if choice.reason:
        month = choice.month
        context["weeks"] = _month_weeks(choice)
        context["has_free_day"] = any(d["free"] for week in context["weeks"] for d in week)
        context["weekday_names"] = [(WEEKDAYS_ABBR[i], WEEKDAYS[i]) for i in range(7)]
        context["previous_month"] = (
            choice.url(month=(month - dt.timedelta(days=1)).strftime("%Y-%m"), day=None)
            if month > choice.today.replace(day=1)
            else None
        )
        next_month = (month + dt.timedelta(days=32)).replace(day=1)
        context["next_month"] = (
            choice.url(month=next_month.strftime("%Y-%m"), day=None)
            if month < choice.last_month
            else None
        )
    if choice.day:
        context["times"] = _times(choice)
        context["parts"] = [("", _("All day"), choice.url(part=None) + "#times")] + [
            (name, label, choice.url(part=name) + "#times")
            for name, (label, _s, _e) in PARTS.items()
        ]
    return render(request, "online_booking/book.html", context)


@public_page
def details(request: HttpRequest, practice_slug: str) -> HttpResponse:
    """The appointment's summary and the client's details; POST books."""
    practice = request.public_practice
    choice = Choice(request, practice)
    start = _lenient(request.POST, "start", parse_aware_datetime) or _lenient(
        request.GET, "start", parse_aware_datetime
    )
    if not (choice.reason and start):
        return redirect(choice.url())
    # The practitioner the time was shown with; a nearest time offered instead may be anyone's.
    practitioner_id = _lenient(request.GET, "practitioner", parse_id)
    if request.POST.get("start", request.GET.get("start")) != request.GET.get("start"):
        practitioner_id = None
    form = DetailsForm(
        request.POST or None, practice=practice, reason=choice.reason, species=choice.species
    )
    alternatives: list[Slot] = []
    if request.method == "POST":
        wait = over_limit(request, BOOK)
        if wait:
            return too_many(request, wait)
        if form.is_valid():
            try:
                asked = form.booking_request(
                    choice.location.pk,
                    choice.reason.pk,
                    start,
                    practitioner_id,
                    tags={**choice.tags, "landing_page": choice.path},
                )
                appointment = services.online_book(practice, asked)
            except services.SlotTaken as taken:
                form.add_error(None, taken.messages[0])
                alternatives = taken.alternatives
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                appointment_link_code(appointment)  # the code its summary page is under
                return redirect("online-booking-done", practice.slug, appointment.link_code)
    tz = choice.location.tz
    local_start = localtime.to_local(start, tz)
    context = {
        "public": practice,
        "settings": choice.settings,
        "choice": choice,
        "languages": _language_links(request),
        "form": form,
        "start": _utc(start),
        "practitioner_id": practitioner_id or "",
        "practitioner_name": _practitioner_names(
            choice, [Slot(start, start, practitioner_id or 0)]
        ).get(practitioner_id or 0, ""),
        "local_start": local_start,
        "start_label": localtime.time_label(start, tz),
        "end_label": localtime.time_label(start + dt.timedelta(minutes=choice.reason.duration), tz),
        "alternatives": [
            (
                _utc(s.starts_at),
                localtime.to_local(s.starts_at, tz),
                localtime.time_label(s.starts_at, tz),
            )
            for s in alternatives
        ],
        "back_url": choice.url(day=local_start.date().isoformat()) + "#times",
    }
    return render(
        request, "online_booking/details.html", context, status=422 if form.errors else 200
    )


def _booked(practice: Practice, code: str) -> Appointment:
    appointment = appointment_from_link(code)
    if appointment is None or appointment.practice_id != practice.pk:
        raise Http404
    return appointment


@public_page
def done(request: HttpRequest, practice_slug: str, code: str) -> HttpResponse:
    """The summary after booking, with the calendar file and the way to cancel."""
    practice = request.public_practice
    appointment = _booked(practice, code)
    tz = appointment.location.tz
    return render(
        request,
        "online_booking/done.html",
        {
            "public": practice,
            "settings": booking_settings(practice),
            "languages": _language_links(request),
            "appointment": appointment,
            "what": booked_reason_name(practice, appointment),
            "local_start": localtime.to_local(appointment.starts_at, tz),
            "start_label": localtime.time_label(appointment.starts_at, tz),
            "end_label": localtime.time_label(appointment.ends_at, tz),
            "manage_url": reverse("appointment-link", args=[appointment.link_code]),
            "messages_out": appointment.confirmation_channel,
        },
    )


@public_page
def ics(request: HttpRequest, practice_slug: str, code: str) -> HttpResponse:
    appointment = _booked(request.public_practice, code)
    response = HttpResponse(
        appointment_ics(appointment), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response
