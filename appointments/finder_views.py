"""Reception's free-time finder on the staff booking form, and what the form offers when a
time does not fit: the nearest free times (on a clash) and a start that fits (a click on
an empty place in the calendar).

All of it asks `appointments.availability`, the engine online booking uses too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from practice import localtime
from practice.models import Location, Membership, Practice
from practice.rights import Right
from practice.selectors import practitioner_list
from practice.views_helpers import staff_view

from . import availability
from .availability import Need, Slot, need_for
from .calendar_layout import SLOT_MINUTES
from .forms import AppointmentForm, FreeTimesForm
from .models import Appointment, ConsultationType


@dataclass
class Pick:
    """A free time as a button that fills the booking form's date, time and practitioner."""

    slot: Slot
    date_value: str  # as the form's date field shows a date
    time_value: str  # HH:MM
    label: str  # what the button says (the repeated hour says which of the two)
    practitioner: Membership | None
    local_day: dt.date
    # The UTC instant for the form's hidden `instant`: which of a repeated hour's two it is.
    instant: str


def _picks(slots: list[Slot], tz: dt.tzinfo, names: dict[int, Membership]) -> list[Pick]:
    date_widget = AppointmentForm.base_fields["date"].widget
    picks = []
    for slot in slots:
        local = localtime.to_local(slot.starts_at, tz)
        picks.append(
            Pick(
                slot=slot,
                date_value=date_widget.format_value(local.date()),
                time_value=local.strftime("%H:%M"),
                label=localtime.time_label(slot.starts_at, tz),
                practitioner=names.get(slot.practitioner_id),
                local_day=local.date(),
                instant=localtime.instant_value(slot.starts_at),
            )
        )
    return picks


def _practitioners(practice: Practice, slots: list[Slot]) -> dict[int, Membership]:
    ids = {slot.practitioner_id for slot in slots}
    return {m.pk: m for m in practitioner_list(practice).filter(pk__in=ids)}


@staff_view(Right.BOOK_APPOINTMENTS)
def free_times(request: HttpRequest) -> HttpResponse:
    """The finder: free times per day for the next days, for the practitioner (or anyone)
    and the consultation type chosen in the booking form. A click fills the form."""
    practice = request.practice
    form = FreeTimesForm(request.GET, practice=practice)
    if not form.is_valid():
        # The booking form is still being filled in: say what the finder needs.
        return render(request, "appointments/_free_times.html", {"waiting": True})
    data = form.cleaned_data
    location: Location = data["location"]
    tz = location.tz
    today = localtime.local_today(tz)
    first = max(data["first"] or data["date"] or today, today)
    last = first + dt.timedelta(days=availability.FINDER_DAYS - 1)
    need = need_for(practice, data["consultation_type"], data["practitioner"], data["duration"])
    by_day = availability.staff_free_times(
        practice, location=location, need=need, first=first, last=last
    )
    names = _practitioners(practice, [s for slots in by_day.values() for s in slots])
    days = [
        {"day": day, "picks": _picks(by_day.get(day, []), tz, names)}
        for day in localtime.days(first, last)
    ]
    previous = max(first - dt.timedelta(days=availability.FINDER_DAYS), today)
    return render(
        request,
        "appointments/_free_times.html",
        {
            "days": days,
            "open_day": next((d["day"] for d in days if d["picks"]), None),
            "first": first,
            "last": last,
            "previous": previous if first > today else None,
            "next": last + dt.timedelta(days=1),
            "practitioner": data["practitioner"],
            "consultation_type": data["consultation_type"],
            "duration": need.duration_minutes,
        },
    )


def nearest_picks(
    practice: Practice,
    *,
    location: Location,
    practitioner: Membership,
    consultation_type: ConsultationType,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None,
    moving: Appointment | None = None,
) -> list[Pick]:
    """On a clash: the nearest free times for the same practitioner, type and length, as
    buttons that fill the form (the public page's rule, over reception's free times).
    For an appointment being `moving`, the time it holds now counts as free."""
    minutes = None
    if ends_at is not None:
        minutes = int((ends_at - starts_at).total_seconds() // 60)
    need = need_for(practice, consultation_type, practitioner, minutes)
    if moving is not None:
        need = dataclasses.replace(need, moving_id=moving.pk)
    slots = availability.staff_nearest_free_times(
        practice, location=location, need=need, starts_at=starts_at
    )
    return _picks(slots, location.tz, {practitioner.pk: practitioner})


@dataclass
class Proposal:
    starts_at: dt.datetime | None
    note: str


def propose_for_click(
    practice: Practice,
    *,
    location: Location,
    practitioner: Membership,
    consultation_type: ConsultationType | None,
    clicked: dt.datetime,
) -> Proposal:
    """A click on an empty place of the calendar: the first free start at or after the
    clicked time that day, for the consultation type's duration when the booking started
    with one, else for a quarter of an hour (the calendar's smallest block)."""
    if consultation_type is not None:
        need = need_for(practice, consultation_type, practitioner)
    else:
        need = Need(practitioner_ids=(practitioner.pk,), duration_minutes=SLOT_MINUTES)
    start = availability.proposed_start(practice, location=location, need=need, clicked=clicked)
    tz = location.tz
    clicked_label = localtime.time_label(clicked, tz)
    if start is None:
        return Proposal(
            None,
            _("Nothing fits for %(practitioner)s after %(time)s that day: see the free times.")
            % {"practitioner": practitioner.name, "time": clicked_label},
        )
    if start == clicked:
        return Proposal(start, "")
    return Proposal(
        start,
        _(
            "%(clicked)s is not free for %(practitioner)s: proposed %(time)s, "
            "the first time that fits."
        )
        % {
            "clicked": clicked_label,
            "practitioner": practitioner.name,
            "time": localtime.time_label(start, tz),
        },
    )
