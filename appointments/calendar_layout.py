"""Turns a DayCalendar into positioned blocks for the day view (presentation only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from practice import localtime

from .models import Appointment
from .selectors import DayCalendar

SLOT_MINUTES = 15
PX_PER_MINUTE = 2


@dataclass
class Block:
    appointment: Appointment
    local_start: dt.datetime
    local_end: dt.datetime
    top: int
    height: int

    @property
    def label(self) -> str:
        return f"{self.local_start:%H:%M}–{self.local_end:%H:%M}"

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


def _grid_bounds(calendar: DayCalendar, tz) -> tuple[dt.datetime, dt.datetime]:
    """The local wall-clock span the grid shows: the location's calendar hours, widened to
    whole hours around appointments outside them, within the local day."""
    location, day = calendar.location, calendar.day
    start = localtime.wall_to_utc(day, location.day_starts, tz)
    end = localtime.wall_to_utc(day, location.day_ends, tz, repeated="later")
    for appointment in calendar.appointments:
        local = localtime.to_local(appointment.starts_at, tz)
        hour = localtime.wall_to_utc(local.date(), local.time().replace(minute=0, second=0), tz)
        start = min(start, hour)
        end = max(end, appointment.ends_at)
    day_start, day_end = localtime.day_bounds(day, tz)
    return (
        localtime.to_local(max(start, day_start), tz),
        localtime.to_local(min(end, day_end), tz),
    )


def day_grid(calendar: DayCalendar) -> DayGrid:
    tz = calendar.location.tz
    start, end = _grid_bounds(calendar, tz)

    def offset(moment: dt.datetime) -> int:
        # Wall-clock offset: a DST day still shows 08:00 at the 08:00 line.
        local = localtime.to_local(moment, tz).replace(tzinfo=None)
        return int((local - start.replace(tzinfo=None)).total_seconds() // 60) * PX_PER_MINUTE

    columns = []
    for practitioner, appointments in calendar.by_practitioner():
        blocks = []
        for appointment in appointments:
            local_start = localtime.to_local(appointment.starts_at, tz)
            local_end = localtime.to_local(appointment.ends_at, tz)
            top = max(offset(local_start), 0)
            height = max(offset(min(local_end, end)) - top, SLOT_MINUTES * PX_PER_MINUTE // 2)
            blocks.append(Block(appointment, local_start, local_end, top, height))
        off, cursor = [], start
        for work_start, work_end in calendar.working.get(practitioner.pk, []):
            if work_start > cursor:
                off.append((offset(cursor), offset(work_start) - offset(cursor)))
            cursor = max(cursor, work_end)
        if cursor < end:
            off.append((offset(cursor), offset(end) - offset(cursor)))
        columns.append(Column(practitioner, blocks, off))
    slots = []
    # The quarters of the local wall clock (a skipped hour has none).
    for moment in localtime.grid_instants(calendar.day, tz, SLOT_MINUTES):
        if start <= moment < end:
            local = localtime.to_local(moment, tz)
            slots.append(
                Slot(f"{local:%H:%M}", f"{local:%Y-%m-%dT%H:%M}", offset(local), local.minute == 0)
            )
    return DayGrid(start, end, offset(end), slots, columns)
