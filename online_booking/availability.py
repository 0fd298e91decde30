"""Free times for an online reason at a location.

Free = the working hours of the practitioners who take the reason, inside the location's
online windows, minus absences and the time existing appointments hold (widened by the
reason's buffers), on the slot interval, after the lead time and before the horizon; when
the consultation type needs a room or a piece of equipment, one of that kind must be free
too, over the same held time.

All wall-clock times are turned into aware datetimes day by day in the location's time
zone, so opening hours stay put across a daylight-saving change. The busy intervals of a
whole range come from one query; the rest is arithmetic on sorted lists.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection
from django.db.models import FloatField, Q, QuerySet
from django.db.models.functions import Cast, Extract
from django.utils import timezone

from appointments.models import Appointment
from appointments.selectors import holding
from appointments.working_time import Interval, _subtract, working_intervals_range
from practice.models import Equipment, Location, Practice, Room
from practice.scoping import for_practice

from .models import OnlineBookingSettings, OnlineWindow, Reason


@dataclass(frozen=True)
class Slot:
    starts_at: dt.datetime  # aware, in the location's time zone
    ends_at: dt.datetime
    practitioner_id: int
    room_id: int | None = None
    equipment_id: int | None = None


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


def _windows(practice, location, first, last) -> dict[dt.date, list[Interval]]:
    tz = location.tz
    by_weekday: dict[int, list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for weekday, start, end in (
        for_practice(OnlineWindow, practice)
        .filter(location=location)
        .values_list("weekday", "start_time", "end_time")
    ):
        by_weekday[weekday].append((start, end))
    result = {}
    day = first
    while day <= last:
        result[day] = [
            (dt.datetime.combine(day, s, tzinfo=tz), dt.datetime.combine(day, e, tzinfo=tz))
            for s, e in by_weekday.get(day.weekday(), [])
        ]
        day += dt.timedelta(days=1)
    return result


def _intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    result = []
    for s1, e1 in a:
        for s2, e2 in b:
            start, end = max(s1, s2), min(e1, e2)
            if start < end:
                result.append((start, end))
    return sorted(result)


def _minus(free: list[Interval], busy: list[Interval]) -> list[Interval]:
    for cut in busy:
        free = _subtract(free, cut)
    return free


def _grid_starts(free: Interval, day_start: dt.datetime, step: int, length: dt.timedelta):
    """Slot starts on the interval grid (counted from local midnight) that fit in `free`."""
    start, end = free
    local = start.astimezone(day_start.tzinfo)
    # Wall-clock minutes since local midnight (not elapsed time: a DST day has 23 or 25 h).
    offset = local.hour * 60 + local.minute + (1 if local.second or local.microsecond else 0)
    minutes = -(-offset // step) * step  # round up to the grid
    while minutes < 24 * 60:
        # Adding to an aware datetime is wall-clock arithmetic in its zone.
        candidate = day_start + dt.timedelta(minutes=minutes)
        if candidate + length > end:
            return
        if candidate >= start:
            yield candidate
        minutes += step


def _resource_ids(practice: Practice, model, location: Location, kind: str) -> list[int] | None:
    """Ids of the rooms or equipment of `kind` at the location; None when none is needed."""
    if not kind:
        return None
    return list(
        for_practice(model, practice)
        .filter(location=location, kind=kind)
        .values_list("pk", flat=True)
    )


def _busy(
    practice: Practice,
    start: dt.datetime,
    end: dt.datetime,
    *,
    practitioner_ids: list[int],
    room_ids: list[int],
    equipment_ids: list[int],
    widen: tuple[dt.timedelta, dt.timedelta],
) -> dict[str, dict[int, list[Interval]]]:
    """The one query for busy time: every booking holding these practitioners, rooms or
    equipment in [start, end), as held intervals (buffers included) per resource."""
    ahead, behind = widen
    resources = Q(practitioner_id__in=practitioner_ids)
    if room_ids:
        resources |= Q(room_id__in=room_ids)
    if equipment_ids:
        resources |= Q(equipment_id__in=equipment_ids)
    holders = (
        for_practice(Appointment, practice)
        .filter(resources, **holding(start, end))
        .exclude(status__in=Appointment.RELEASED)
        .order_by()
    )
    busy: dict[str, dict[int, list[Interval]]] = {
        "practitioner": defaultdict(list),
        "room": defaultdict(list),
        "equipment": defaultdict(list),
    }
    wanted = {
        "practitioner": set(practitioner_ids),
        "room": set(room_ids),
        "equipment": set(equipment_ids),
    }
    for pid, rid, eid, held_from, held_until in _held_rows(holders):
        span = (held_from - ahead, held_until + behind)
        for kind, rid_ in (("practitioner", pid), ("room", rid), ("equipment", eid)):
            if rid_ is not None and rid_ in wanted[kind]:
                busy[kind][rid_].append(span)
    return busy


def _held_rows(holders: QuerySet[Appointment]) -> Iterator[tuple]:
    """(practitioner, room, equipment, held from, held until) of each holding appointment."""
    columns = ("practitioner_id", "room_id", "equipment_id")
    if connection.vendor != "postgresql":
        yield from holders.values_list(*columns, "held_from", "held_until")
        return
    # Epoch seconds load about ten times faster than timestamptz values, whose parsing
    # dominated a month's availability (thousands of rows); float keeps microseconds.
    epochs = holders.annotate(
        held_from_s=Cast(Extract("held_from", "epoch"), FloatField()),
        held_until_s=Cast(Extract("held_until", "epoch"), FloatField()),
    )
    from_ts = dt.datetime.fromtimestamp
    for pid, rid, eid, start, end in epochs.values_list(*columns, "held_from_s", "held_until_s"):
        yield pid, rid, eid, from_ts(start, dt.UTC), from_ts(end, dt.UTC)


def _first_free(
    ids: list[int] | None, busy: dict[int, list[Interval]], start: dt.datetime, end: dt.datetime
) -> int | bool:
    """The first resource free over [start, end); True when none is needed, False when none
    is free."""
    if ids is None:
        return True
    for rid in ids:
        if all(end <= s or start >= e for s, e in busy.get(rid, [])):
            return rid
    return False


def _held(found: int | bool) -> int | None:
    return None if found is True else int(found)


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
    tz = location.tz
    now = now or timezone.now()
    earliest = now + dt.timedelta(minutes=settings.lead_time_minutes)
    today = timezone.localdate(now, timezone=tz)
    last = min(last, today + dt.timedelta(days=settings.horizon_days))
    first = max(first, today)
    if first > last:
        return {}
    practitioner_ids = reason_practitioner_ids(reason)
    if not practitioner_ids:
        return {}
    hours = working_intervals_range(
        practice, location=location, first=first, last=last, practitioner_ids=practitioner_ids
    )
    windows = _windows(practice, location, first, last)
    ctype = reason.consultation_type
    room_ids = _resource_ids(practice, Room, location, ctype.room_kind)
    equipment_ids = _resource_ids(practice, Equipment, location, ctype.equipment_kind)
    if room_ids == [] or equipment_ids == []:
        return {}  # the reason needs a kind of room or equipment this location lacks
    range_start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    range_end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    before = dt.timedelta(minutes=reason.buffer_before_minutes)
    after = dt.timedelta(minutes=reason.buffer_after_minutes)
    busy = _busy(
        practice,
        range_start - before,
        range_end + after,
        practitioner_ids=practitioner_ids,
        room_ids=room_ids or [],
        equipment_ids=equipment_ids or [],
        # Widened by the new booking's buffers: it needs `before` free ahead of it and
        # `after` free behind it, outside the held time of every other booking.
        widen=(after, before),
    )
    length = dt.timedelta(minutes=reason.duration)
    step = settings.slot_minutes
    result: dict[dt.date, list[Slot]] = {}
    for day, by_practitioner in hours.items():
        open_windows = windows.get(day, [])
        if not open_windows:
            continue
        day_start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
        slots: list[Slot] = []
        for pid in practitioner_ids:
            free = _minus(
                _intersect(by_practitioner.get(pid, []), open_windows),
                busy["practitioner"].get(pid, []),
            )
            for interval in free:
                for start in _grid_starts(interval, day_start, step, length):
                    if start < earliest:
                        continue
                    end = start + length
                    room = _first_free(room_ids, busy["room"], start, end)
                    piece = _first_free(equipment_ids, busy["equipment"], start, end)
                    if room is False or piece is False:
                        continue
                    slots.append(Slot(start, end, pid, _held(room), _held(piece)))
                    if first_only:
                        break
                if first_only and slots:
                    break
            if first_only and slots:
                break
        if slots:
            result[day] = sorted(slots, key=lambda s: (s.starts_at, s.practitioner_id))
    return result


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
    slots = free_slots(
        practice, location=location, reason=reason, first=day, last=day, now=now
    ).get(day, [])
    seen, unique = set(), []
    for slot in slots:
        if slot.starts_at not in seen:
            seen.add(slot.starts_at)
            unique.append(slot)
    return unique
