"""Free times for an online reason at a location.

The engine is `appointments.availability` (the same one the staff booking form's free-time
finder asks); online booking adds its own rules on top: the practitioners who take the
reason, its duration and buffers, the location's online windows, the lead time, the
horizon and the slot interval of the practice's online settings.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from appointments.availability import Need, Slot, Span, one_per_start
from appointments.availability import free_slots as engine_free_slots
from practice import localtime
from practice.models import Location, Practice
from practice.scoping import for_practice

from .models import OnlineBookingSettings, OnlineWindow, Reason

__all__ = [
    "Slot",
    "available_days",
    "available_times",
    "booking_settings",
    "free_slots",
    "reason_need",
    "reason_practitioner_ids",
]


def reason_practitioner_ids(reason: Reason) -> list[int]:
    # Through the link table: the membership manager is practice-scoped, the table is not.
    return list(
        Reason.practitioners.through.objects.filter(reason_id=reason.pk).values_list(
            "membership_id", flat=True
        )
    )


def booking_settings(practice: Practice) -> OnlineBookingSettings:
    settings = for_practice(OnlineBookingSettings, practice).first()
    return settings or OnlineBookingSettings(practice=practice)


def _windows(practice, location, first, last) -> dict[dt.date, list[Span]]:
    tz = location.tz
    by_weekday: dict[int, list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for weekday, start, end in (
        for_practice(OnlineWindow, practice)
        .filter(location=location)
        .values_list("weekday", "start_time", "end_time")
    ):
        by_weekday[weekday].append((start, end))
    result = {}
    for day in localtime.days(first, last):
        spans = (localtime.wall_interval(day, s, e, tz) for s, e in by_weekday[day.weekday()])
        result[day] = [(s.timestamp(), e.timestamp()) for s, e in filter(None, spans)]
    return result


def reason_need(reason: Reason) -> Need:
    """What booking `reason` needs free, in the engine's terms."""
    ctype = reason.consultation_type
    return Need(
        practitioner_ids=tuple(reason_practitioner_ids(reason)),
        duration_minutes=reason.duration,
        buffer_before_minutes=reason.buffer_before_minutes,
        buffer_after_minutes=reason.buffer_after_minutes,
        room_kind=ctype.room_kind,
        equipment_kind=ctype.equipment_kind,
    )


def free_slots(
    practice: Practice,
    *,
    location: Location,
    reason: Reason,
    first: dt.date,
    last: dt.date,
    now: dt.datetime | None = None,
    first_only: bool = False,
) -> dict[dt.date, list[Slot]]:
    """Per local day from `first` to `last`: the free slots (one per start time and
    practitioner), earliest first. `first_only` stops at a day's first slot (month view)."""
    settings = booking_settings(practice)
    now = now or timezone.now()
    today = localtime.local_today(location.tz, now)
    return engine_free_slots(
        practice,
        location=location,
        need=reason_need(reason),
        first=max(first, today),
        last=min(last, today + dt.timedelta(days=settings.horizon_days)),
        earliest=now + dt.timedelta(minutes=settings.lead_time_minutes),
        slot_minutes=settings.slot_minutes,
        windows=lambda first, last: _windows(practice, location, first, last),
        first_only=first_only,
    )


def available_days(
    practice: Practice,
    *,
    location: Location,
    reason: Reason,
    first: dt.date,
    last: dt.date,
    now: dt.datetime | None = None,
) -> list[dt.date]:
    """The local days with at least one free time (the month calendar's green days)."""
    slots = free_slots(
        practice, location=location, reason=reason, first=first, last=last, now=now, first_only=True
    )
    return sorted(slots)


def available_times(
    practice: Practice,
    *,
    location: Location,
    reason: Reason,
    day: dt.date,
    now: dt.datetime | None = None,
) -> list[Slot]:
    """One day's free times, one per start (the first free practitioner takes it)."""
    return one_per_start(
        free_slots(practice, location=location, reason=reason, first=day, last=day, now=now).get(
            day, []
        )
    )
