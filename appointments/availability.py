"""Free times: the one availability engine, for online booking and for reception.

Free = the working hours of the practitioners asked about (inside the location's online
windows, when the caller gives them), minus absences and the time existing appointments
hold (their buffers included, widened by the new booking's own buffers), on a slot grid,
from the earliest start on; when the consultation type needs a room or a piece of
equipment, one of that kind must be free too, over the same held time.

Wall-clock times become instants through `practice.localtime`, day by day in the
location's zone: opening hours stay put across a daylight-saving change, a time in the
hour the clocks skip is never offered, and each instant of the hour they repeat is offered
once. The arithmetic itself runs on UTC epoch seconds: the busy intervals of the whole
range come from one query, are grouped by local day once, and each practitioner's day is
cut only by that day's busy time.

`online_booking.availability` adds its rules (reasons, windows, lead time, horizon) on top;
the staff booking form's free-time finder asks the same engine for one practitioner or all.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import connection
from django.db.models import FloatField, Q, QuerySet
from django.db.models.functions import Cast, Extract
from django.utils import timezone

from practice import localtime
from practice.models import Equipment, Location, Membership, Practice, Room
from practice.scoping import for_practice
from practice.selectors import practitioner_list

from .models import Appointment, ConsultationType
from .selectors import holding
from .working_time import working_intervals_range

# Seconds since the epoch (UTC): the unit of all arithmetic below.
Span = tuple[float, float]


@dataclass(frozen=True)
class Slot:
    # UTC instants: show them through `practice.localtime` (two local datetimes of one
    # zone compare by wall clock, equal on the repeated hour even when an hour apart).
    starts_at: dt.datetime
    ends_at: dt.datetime
    practitioner_id: int
    room_id: int | None = None
    equipment_id: int | None = None


def _intersect(a: list[Span], b: list[Span]) -> list[Span]:
    result = []
    for s1, e1 in a:
        for s2, e2 in b:
            start, end = max(s1, s2), min(e1, e2)
            if start < end:
                result.append((start, end))
    return sorted(result)


def _minus(free: list[Span], busy: list[Span]) -> list[Span]:
    for cut_start, cut_end in busy:
        kept = []
        for start, end in free:
            if cut_end <= start or cut_start >= end:
                kept.append((start, end))
                continue
            if start < cut_start:
                kept.append((start, cut_start))
            if cut_end < end:
                kept.append((cut_end, end))
        free = kept
    return free


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
    widen: tuple[float, float],
    day_starts: list[float],
    moving_id: int | None = None,
) -> dict[str, dict[int, dict[int, list[Span]]]]:
    """The one query for busy time: every booking holding these practitioners, rooms or
    equipment in [start, end), as held spans (buffers included) per kind of resource, per
    resource and per index of each local day the span overlaps (day i runs from
    `day_starts[i]` to `day_starts[i + 1]`), so a day is only cut by its own busy time."""
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
    if moving_id is not None:
        holders = holders.exclude(pk=moving_id)
    by_kind = {
        "practitioner": (set(practitioner_ids), defaultdict(lambda: defaultdict(list))),
        "room": (set(room_ids), defaultdict(lambda: defaultdict(list))),
        "equipment": (set(equipment_ids), defaultdict(lambda: defaultdict(list))),
    }
    practitioners, rooms, pieces = by_kind.values()
    last = len(day_starts) - 2  # the final entry is the end of the range
    for pid, rid, eid, held_from, held_until in _held_rows(holders):
        span = (held_from - ahead, held_until + behind)
        first = max(bisect_right(day_starts, span[0]) - 1, 0)
        indexes = []
        while first <= last and day_starts[first] < span[1]:
            indexes.append(first)
            first += 1
        for (wanted, found), resource in ((practitioners, pid), (rooms, rid), (pieces, eid)):
            if resource in wanted:
                for index in indexes:
                    found[resource][index].append(span)
    return {kind: found for kind, (_wanted, found) in by_kind.items()}


def _held_rows(holders: QuerySet[Appointment]) -> Iterator[tuple]:
    """(practitioner, room, equipment, held from, held until) of each holding appointment,
    the times as epoch seconds."""
    columns = ("practitioner_id", "room_id", "equipment_id")
    if connection.vendor != "postgresql":
        for pid, rid, eid, start, end in holders.values_list(*columns, "held_from", "held_until"):
            yield pid, rid, eid, start.timestamp(), end.timestamp()
        return
    # Epoch seconds load about ten times faster than timestamptz values, whose parsing
    # dominated a month's availability (thousands of rows); float keeps microseconds.
    # Extract is evaluated in the active time zone unless told otherwise: the public pages
    # activate the practice's zone, which would shift every interval by its UTC offset.
    epochs = holders.annotate(
        held_from_s=Cast(Extract("held_from", "epoch", tzinfo=dt.UTC), FloatField()),
        held_until_s=Cast(Extract("held_until", "epoch", tzinfo=dt.UTC), FloatField()),
    ).values_list(*columns, "held_from_s", "held_until_s")
    # The scoped queryset's own SQL, read with a plain cursor: the rows are already plain
    # numbers, and Django's per-value converters cost more than the query.
    sql, params = epochs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        yield from cursor.fetchall()


def _first_free(
    ids: list[int] | None, busy: dict[int, dict[int, list[Span]]], index: int, start, end
) -> int | bool:
    """The first resource free over [start, end) on day `index`; True when none is needed,
    False when none is free."""
    if ids is None:
        return True
    for rid in ids:
        if all(end <= s or start >= e for s, e in busy.get(rid, {}).get(index, ())):
            return rid
    return False


def _held(found: int | bool) -> int | None:
    return None if found is True else int(found)


@dataclass
class _Day:
    """What a local day offers before practitioners are looked at."""

    index: int
    grid: list[float]  # slot starts (epoch seconds) on the grid, each real instant once
    windows: list[Span] | None  # None: the working hours alone bound the day


def _day_slots(
    day: _Day,
    hours: dict[int, list[tuple[dt.datetime, dt.datetime]]],
    busy_by_day: dict[str, dict[int, dict[int, list[Span]]]],
    *,
    practitioner_ids: list[int],
    resources: tuple[list[int] | None, list[int] | None],
    earliest: float,
    length: float,
    first_only: bool,
) -> list[tuple[float, int, int | None, int | None]]:
    """(start, practitioner, room, equipment) of each free slot on one day."""
    room_ids, equipment_ids = resources
    found = []
    grid = day.grid
    for pid in practitioner_ids:
        work = [(s.timestamp(), e.timestamp()) for s, e in hours.get(pid, ())]
        if not work:
            continue
        busy = busy_by_day["practitioner"].get(pid, {}).get(day.index, ())
        if day.windows is not None:
            work = _intersect(work, day.windows)
        for free_start, free_end in _minus(work, busy):
            at = bisect_left(grid, max(free_start, earliest))
            while at < len(grid) and grid[at] + length <= free_end:
                start, end = grid[at], grid[at] + length
                at += 1
                room = _first_free(room_ids, busy_by_day["room"], day.index, start, end)
                piece = _first_free(equipment_ids, busy_by_day["equipment"], day.index, start, end)
                if room is False or piece is False:
                    continue
                found.append((start, pid, _held(room), _held(piece)))
                if first_only:
                    return found
    return found


@dataclass(frozen=True)
class Need:
    """What a new booking needs free: one of these practitioners for `duration_minutes`,
    `buffer_before`/`buffer_after` minutes around it, and a room and equipment of a kind."""

    practitioner_ids: tuple[int, ...]
    duration_minutes: int
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    room_kind: str = ""
    equipment_kind: str = ""
    # An appointment being moved: the time it holds now is free for its new one.
    moving_id: int | None = None


def need_for(
    practice: Practice,
    consultation_type: ConsultationType,
    practitioner: Membership | None = None,
    duration_minutes: int | None = None,
) -> Need:
    """A staff booking's need: the practitioner chosen, else every active practitioner."""
    if practitioner is not None:
        ids: tuple[int, ...] = (practitioner.pk,)
    else:
        ids = tuple(practitioner_list(practice).values_list("pk", flat=True))
    return Need(
        practitioner_ids=ids,
        duration_minutes=duration_minutes or consultation_type.duration_minutes,
        room_kind=consultation_type.room_kind,
        equipment_kind=consultation_type.equipment_kind,
    )


def free_slots(
    practice: Practice,
    *,
    location: Location,
    need: Need,
    first: dt.date,
    last: dt.date,
    earliest: dt.datetime,
    slot_minutes: int,
    windows: Callable[[dt.date, dt.date], dict[dt.date, list[Span]]] | None = None,
    first_only: bool = False,
) -> dict[dt.date, list[Slot]]:
    """Per local day from `first` to `last`: the free slots (one per start time and
    practitioner) starting at `earliest` or later, earliest first. `windows` (when given)
    returns the spans per day that bookings must fall in. `first_only` stops at a day's
    first slot (the month view)."""
    if first > last or not need.practitioner_ids or need.duration_minutes <= 0:
        return {}
    tz = location.tz
    practitioner_ids = list(need.practitioner_ids)
    hours = working_intervals_range(
        practice, location=location, first=first, last=last, practitioner_ids=practitioner_ids
    )
    spans = windows(first, last) if windows is not None else None
    room_ids = _resource_ids(practice, Room, location, need.room_kind)
    equipment_ids = _resource_ids(practice, Equipment, location, need.equipment_kind)
    if room_ids == [] or equipment_ids == []:
        return {}  # it needs a kind of room or equipment this location lacks
    all_days = list(localtime.days(first, last))
    day_starts = [localtime.day_bounds(day, tz)[0].timestamp() for day in all_days]
    day_starts.append(localtime.day_bounds(last, tz)[1].timestamp())
    before = need.buffer_before_minutes * 60.0
    after = need.buffer_after_minutes * 60.0
    range_start, range_end = localtime.range_bounds(first, last, tz)
    busy = _busy(
        practice,
        range_start - dt.timedelta(seconds=before),
        range_end + dt.timedelta(seconds=after),
        practitioner_ids=practitioner_ids,
        room_ids=room_ids or [],
        equipment_ids=equipment_ids or [],
        # Widened by the new booking's buffers: it needs `before` free ahead of it and
        # `after` free behind it, outside the held time of every other booking.
        widen=(after, before),
        day_starts=day_starts,
        moving_id=need.moving_id,
    )
    length = need.duration_minutes * 60.0
    result: dict[dt.date, list[Slot]] = {}
    for index, day in enumerate(all_days):
        day_windows = None if spans is None else spans.get(day)
        if (spans is not None and not day_windows) or not hours.get(day):
            continue
        grid = [moment.timestamp() for moment in localtime.grid_instants(day, tz, slot_minutes)]
        slots = _day_slots(
            _Day(index, grid, day_windows),
            hours[day],
            busy,
            practitioner_ids=practitioner_ids,
            resources=(room_ids, equipment_ids),
            earliest=earliest.timestamp(),
            length=length,
            first_only=first_only,
        )
        if slots:
            result[day] = [
                Slot(
                    dt.datetime.fromtimestamp(start, dt.UTC),
                    dt.datetime.fromtimestamp(start + length, dt.UTC),
                    pid,
                    room,
                    piece,
                )
                for start, pid, room, piece in sorted(slots, key=lambda s: (s[0], s[1]))
            ]
    return result


def one_per_start(slots: list[Slot]) -> list[Slot]:
    """One slot per start (the first free practitioner takes it), earliest first."""
    # Keyed by the instant: two local datetimes of one zone compare equal on the repeated
    # hour even when they are an hour apart.
    seen, unique = set(), []
    for slot in slots:
        if slot.starts_at.timestamp() not in seen:
            seen.add(slot.starts_at.timestamp())
            unique.append(slot)
    return unique


def nearest_free_times(
    times_on: Callable[[dt.date], list[Slot]],
    starts_at: dt.datetime,
    tz: dt.tzinfo,
    *,
    count: int = 3,
    days: int = 14,
) -> list[Slot]:
    """The free times closest to the one asked for: that local day first, then the next
    days. `times_on(day)` gives a day's free times (the caller's rules: online or staff)."""
    day = localtime.local_date(starts_at, tz)
    found: list[Slot] = []
    for offset in range(days):
        slots = times_on(day + dt.timedelta(days=offset))
        slots.sort(key=lambda s: abs((s.starts_at - starts_at).total_seconds()))
        found.extend(slots[: count - len(found)])
        if len(found) >= count:
            break
    return sorted(found, key=lambda s: s.starts_at)


# Reception's free-time finder: a quarter-hour grid reads well in a list; a click on the
# calendar proposes a start on a five-minute grid, so it can follow a 20-minute visit.
FINDER_SLOT_MINUTES = 15
PROPOSAL_SLOT_MINUTES = 5
FINDER_DAYS = 7


def staff_free_times(
    practice: Practice,
    *,
    location: Location,
    need: Need,
    first: dt.date,
    last: dt.date,
    now: dt.datetime | None = None,
    slot_minutes: int = FINDER_SLOT_MINUTES,
) -> dict[dt.date, list[Slot]]:
    """Per local day: the free starts for a staff booking, one per start (the first free
    practitioner takes it), from now on. No online windows, lead time or horizon: reception
    books inside the practitioners' working hours, as the calendar shows them."""
    now = now or timezone.now()
    first = max(first, localtime.local_today(location.tz, now))
    slots = free_slots(
        practice,
        location=location,
        need=need,
        first=first,
        last=last,
        earliest=now,
        slot_minutes=slot_minutes,
    )
    return {day: one_per_start(day_slots) for day, day_slots in slots.items()}


def staff_nearest_free_times(
    practice: Practice,
    *,
    location: Location,
    need: Need,
    starts_at: dt.datetime,
    now: dt.datetime | None = None,
    count: int = 3,
) -> list[Slot]:
    """The free times closest to `starts_at` for a staff booking (offered on a clash): the
    same rule as the public page's, over reception's free times."""
    return nearest_free_times(
        lambda day: staff_free_times(
            practice, location=location, need=need, first=day, last=day, now=now
        ).get(day, []),
        starts_at,
        location.tz,
        count=count,
    )


def proposed_start(
    practice: Practice,
    *,
    location: Location,
    need: Need,
    clicked: dt.datetime,
    now: dt.datetime | None = None,
) -> dt.datetime | None:
    """The first free start at or after `clicked` on its local day (a click on an empty
    place in the calendar), or None when nothing fits later that day."""
    day = localtime.local_date(clicked, location.tz)
    now = now or timezone.now()
    slots = free_slots(
        practice,
        location=location,
        need=need,
        first=day,
        last=day,
        earliest=max(clicked, now),
        slot_minutes=PROPOSAL_SLOT_MINUTES,
        first_only=True,
    ).get(day, [])
    return slots[0].starts_at if slots else None
