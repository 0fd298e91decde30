"""Turns a DayCalendar into positioned blocks for the day view (presentation only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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
    location = calendar.location
    start = dt.datetime.combine(calendar.day, location.day_starts, tzinfo=tz)
    end = dt.datetime.combine(calendar.day, location.day_ends, tzinfo=tz)
    for appointment in calendar.appointments:
        start = min(start, appointment.starts_at.astimezone(tz).replace(minute=0))
        end = max(end, appointment.ends_at.astimezone(tz))
    day_start = dt.datetime.combine(calendar.day, dt.time.min, tzinfo=tz)
    day_end = day_start + dt.timedelta(days=1)
    return max(start, day_start), min(end, day_end)


def day_grid(calendar: DayCalendar) -> DayGrid:
    tz = calendar.location.tz
    start, end = _grid_bounds(calendar, tz)

    def offset(moment: dt.datetime) -> int:
        # Wall-clock offset: a DST day still shows 08:00 at the 08:00 line.
        local = moment.astimezone(tz).replace(tzinfo=None)
        return int((local - start.replace(tzinfo=None)).total_seconds() // 60) * PX_PER_MINUTE

    columns = []
    for practitioner, appointments in calendar.by_practitioner():
        blocks = []
        for appointment in appointments:
            local_start = appointment.starts_at.astimezone(tz)
            local_end = appointment.ends_at.astimezone(tz)
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
    moment = start
    while moment < end:
        slots.append(
            Slot(f"{moment:%H:%M}", f"{moment:%Y-%m-%dT%H:%M}", offset(moment), moment.minute == 0)
        )
        moment = (moment.replace(tzinfo=None) + dt.timedelta(minutes=SLOT_MINUTES)).replace(
            tzinfo=tz
        )
    return DayGrid(start, end, offset(end), slots, columns)
