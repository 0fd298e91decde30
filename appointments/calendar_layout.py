"""Turns a DayCalendar or WeekCalendar into positioned blocks for the calendar views
(presentation only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from practice import localtime

from .models import Appointment
from .selectors import DayCalendar, WeekCalendar

SLOT_MINUTES = 15
PX_PER_MINUTE = 2


@dataclass
class Block:
    appointment: Appointment
    local_start: dt.datetime
    local_end: dt.datetime
    top: int
    height: int
    # Side by side where blocks overlap (a cancelled appointment and the booking that took
    # its place, a double booking on the repeated hour): this block's lane of `lanes`.
    lane: int = 0
    lanes: int = 1

    @property
    def label(self) -> str:
        """The span on the local clock; on the repeated hour, which of the two each end is
        (the same words as the panel and the free times)."""
        return localtime.span_label(self.local_start, self.local_end, self.local_start.tzinfo)

    @property
    def start_label(self) -> str:
        """The start alone, for a block too short for the span."""
        return localtime.time_label(self.local_start, self.local_start.tzinfo)

    @property
    def short(self) -> bool:
        """Too low for three lines: the block shows time and name on one line."""
        return self.height < 56


@dataclass
class Column:
    practitioner: object
    blocks: list[Block]
    # (top, height) of the stretches the practitioner does not work, greyed in the grid.
    off: list[tuple[int, int]]
    # The local day the column shows (the week view has one column per day).
    day: dt.date | None = None
    # The week view: the other locations the practitioner works at or is booked at that day.
    elsewhere: list = field(default_factory=list)


@dataclass
class Slot:
    """A bookable quarter: label "08:15", local ISO "2026-11-23T08:15", offset, full hour."""

    label: str
    iso: str
    top: int
    is_hour: bool


@dataclass
class DayGrid:
    start: dt.datetime
    end: dt.datetime
    height: int
    slots: list[Slot]
    columns: list[Column]

    @property
    def hours(self) -> list[Slot]:
        return [slot for slot in self.slots if slot.is_hour]


def assign_lanes(blocks: list[Block]) -> list[Block]:
    """Puts overlapping blocks side by side, so none hides under another.

    Blocks that overlap (directly or through a chain) form a cluster; each takes the first
    lane free at its start, and every block of the cluster shares the cluster's lane
    count. An appointment that holds its time goes before a released one (cancelled, no
    show) starting at the same moment, so the booking that took the place keeps lane 0.
    """
    ordered = sorted(
        blocks, key=lambda b: (b.top, not b.appointment.holds_time, b.appointment.pk or 0)
    )
    cluster: list[Block] = []
    lane_ends: list[int] = []
    cluster_end = -1

    def close_cluster() -> None:
        for member in cluster:
            member.lanes = len(lane_ends)

    for block in ordered:
        if cluster and block.top >= cluster_end:
            close_cluster()
            cluster, lane_ends = [], []
        free = next((i for i, end in enumerate(lane_ends) if end <= block.top), None)
        if free is None:
            free = len(lane_ends)
            lane_ends.append(0)
        lane_ends[free] = block.top + block.height
        block.lane = free
        cluster.append(block)
        cluster_end = max(cluster_end, block.top + block.height)
    if cluster:
        close_cluster()
    return blocks


def _wall(moment: dt.datetime, tz) -> dt.datetime:
    """The naive local wall-clock time of `moment`: grid offsets are wall-clock, so a DST
    day still shows 08:00 at the 08:00 line."""
    return localtime.to_local(moment, tz).replace(tzinfo=None)


def _grid_bounds(calendar: DayCalendar, tz) -> tuple[dt.datetime, dt.datetime]:
    """The local wall-clock span the grid shows: the location's calendar hours, widened to
    whole hours around appointments outside them, within the local day."""
    return _day_bounds(calendar.location, calendar.day, calendar.appointments, tz)


def _day_bounds(location, day, appointments, tz) -> tuple[dt.datetime, dt.datetime]:
    start = localtime.wall_to_utc(day, location.day_starts, tz)
    end = localtime.wall_to_utc(day, location.day_ends, tz, repeated="later")
    for appointment in appointments:
        local = localtime.to_local(appointment.starts_at, tz)
        hour = localtime.wall_to_utc(local.date(), local.time().replace(minute=0, second=0), tz)
        start = min(start, hour)
        end = max(end, appointment.ends_at)
    day_start, day_end = localtime.day_bounds(day, tz)
    return (
        localtime.to_local(max(start, day_start), tz),
        localtime.to_local(min(end, day_end), tz),
    )


def _column(practitioner, appointments, working, *, tz, day, start, end) -> Column:
    """One column of blocks for local `day`, offsets counted from the wall-clock time
    `start` (naive) that day, cut at the naive wall-clock `end`."""

    def offset(moment: dt.datetime) -> int:
        minutes = (min(_wall(moment, tz), end) - start).total_seconds() // 60
        return int(minutes) * PX_PER_MINUTE

    bottom = int((end - start).total_seconds() // 60) * PX_PER_MINUTE
    blocks = []
    for appointment in appointments:
        local_start = localtime.to_local(appointment.starts_at, tz)
        local_end = localtime.to_local(appointment.ends_at, tz)
        top = max(offset(local_start), 0)
        # On the night the clocks go back, a block on the first 02:30 ends on the wall clock
        # "before" it starts: it gets its real length then, never less.
        real = (appointment.ends_at - appointment.starts_at).total_seconds() // 60
        height = max(
            offset(local_end) - top,
            min(int(real) * PX_PER_MINUTE, bottom - top),
            SLOT_MINUTES * PX_PER_MINUTE // 2,
        )
        blocks.append(Block(appointment, local_start, local_end, top, height))
    assign_lanes(blocks)
    off, cursor = [], 0
    for work_start, work_end in working:
        top = max(offset(work_start), 0)
        if top > cursor:
            off.append((cursor, top - cursor))
        cursor = max(cursor, offset(work_end))
    if cursor < bottom:
        off.append((cursor, bottom - cursor))
    return Column(practitioner, blocks, off, day)


def _slots(day: dt.date, tz, start: dt.datetime, end: dt.datetime) -> list[Slot]:
    """The quarters of the local wall clock between naive `start` and `end` (a skipped hour
    has none)."""
    slots = []
    for moment in localtime.grid_instants(day, tz, SLOT_MINUTES):
        local = _wall(moment, tz)
        if start <= local < end:
            top = int((local - start).total_seconds() // 60) * PX_PER_MINUTE
            slots.append(Slot(f"{local:%H:%M}", f"{local:%Y-%m-%dT%H:%M}", top, local.minute == 0))
    return slots


def day_grid(calendar: DayCalendar) -> DayGrid:
    tz = calendar.location.tz
    start, end = _grid_bounds(calendar, tz)
    wall_start, wall_end = start.replace(tzinfo=None), end.replace(tzinfo=None)
    columns = [
        _column(
            practitioner,
            appointments,
            calendar.working.get(practitioner.pk, []),
            tz=tz,
            day=calendar.day,
            start=wall_start,
            end=wall_end,
        )
        for practitioner, appointments in calendar.by_practitioner()
    ]
    slots = _slots(calendar.day, tz, wall_start, wall_end)
    height = int((wall_end - wall_start).total_seconds() // 60) * PX_PER_MINUTE
    return DayGrid(start, end, height, slots, columns)


def _minutes_into(day: dt.date, moment: dt.datetime) -> int:
    """Minutes from local midnight of `day` to the local `moment` on the wall clock (1440
    for the next midnight)."""
    naive = moment.replace(tzinfo=None)
    return int((naive - dt.datetime.combine(day, dt.time(0))).total_seconds() // 60)


def week_grid(week: WeekCalendar) -> DayGrid:
    """One practitioner's week: a column per local day, all on one wall-clock scale.

    The scale runs from the earliest to the latest wall-clock time any day needs, so a
    row means the same time in every column, also on the days the clocks change (the
    skipped hour is an empty stretch there; the repeated hour's two appointments lie side
    by side).
    """
    tz = week.location.tz
    by_day = week.by_day()
    first = min(
        _minutes_into(day, _day_bounds(week.location, day, by_day[day], tz)[0]) for day in week.days
    )
    last = max(
        _minutes_into(day, _day_bounds(week.location, day, by_day[day], tz)[1]) for day in week.days
    )
    columns = []
    for day in week.days:
        midnight = dt.datetime.combine(day, dt.time(0))
        start = midnight + dt.timedelta(minutes=first)
        end = midnight + dt.timedelta(minutes=last)
        working = week.working.get(day, {}).get(week.practitioner.pk, [])
        columns.append(
            _column(week.practitioner, by_day[day], working, tz=tz, day=day, start=start, end=end)
        )
    # The rows are wall-clock times, the same every day: labelled once each, also in a week
    # whose Sunday repeats an hour or skips one.
    slots = []
    for minutes in range(first - first % SLOT_MINUTES, last, SLOT_MINUTES):
        if minutes < first:
            continue
        hour, minute = divmod(minutes, 60)
        slots.append(
            Slot(
                f"{hour:02d}:{minute:02d}",
                f"{week.days[0]:%Y-%m-%d}T{hour:02d}:{minute:02d}",
                (minutes - first) * PX_PER_MINUTE,
                minute == 0,
            )
        )
    # Labels of the scale, not instants to compute with.
    monday = dt.datetime.combine(week.days[0], dt.time(0), tzinfo=tz)
    grid_start = monday + dt.timedelta(minutes=first)
    grid_end = monday + dt.timedelta(minutes=last)
    height = (last - first) * PX_PER_MINUTE
    return DayGrid(grid_start, grid_end, height, slots, columns)
