"""When practitioners work: weekly hours, date exceptions, minus absences.

Shared by the day calendar (greying the hours off) and, later, online availability.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from practice import localtime
from practice.models import Location, Practice
from practice.scoping import for_practice

from .models import Absence, WorkingHours, WorkingHoursException

Interval = tuple[dt.datetime, dt.datetime]


def _wall(day: dt.date, times: list[tuple[dt.time, dt.time]], tz) -> list[Interval]:
    """Wall-clock hours of local `day` as UTC intervals (daylight-saving rules in
    `practice.localtime`: an hour the clocks skip is not worked, a repeated one is)."""
    return [
        interval
        for start, end in times
        if (interval := localtime.wall_interval(day, start, end, tz)) is not None
    ]


def _subtract(intervals: list[Interval], cut: Interval) -> list[Interval]:
    result = []
    for start, end in intervals:
        if cut[1] <= start or cut[0] >= end:
            result.append((start, end))
            continue
        if start < cut[0]:
            result.append((start, cut[0]))
        if cut[1] < end:
            result.append((cut[1], end))
    return result


def working_intervals(
    practice: Practice, *, location: Location, day: dt.date
) -> dict[int, list[Interval]]:
    """Per practitioner id: the aware intervals they work at `location` on local `day`.

    A date exception replaces the weekly hours for that day (no times = not working);
    absences are cut out. Three queries whatever the number of practitioners.
    """
    tz = location.tz
    weekly: dict[int, list[Interval]] = defaultdict(list)
    for row in for_practice(WorkingHours, practice).filter(
        location=location, weekday=day.weekday()
    ):
        weekly[row.practitioner_id] += _wall(day, [(row.start_time, row.end_time)], tz)
    exceptions: dict[int, list[Interval]] = defaultdict(list)
    for row in for_practice(WorkingHoursException, practice).filter(location=location, date=day):
        exceptions[row.practitioner_id]  # an exception with no times still means "off"
        if row.start_time and row.end_time:
            exceptions[row.practitioner_id] += _wall(day, [(row.start_time, row.end_time)], tz)
    result = {**weekly, **exceptions}
    day_start, day_end = localtime.day_bounds(day, tz)
    absences = for_practice(Absence, practice).filter(
        practitioner_id__in=list(result), starts_at__lt=day_end, ends_at__gt=day_start
    )
    for absence in absences:
        result[absence.practitioner_id] = _subtract(
            result[absence.practitioner_id], (absence.starts_at, absence.ends_at)
        )
    return {pid: sorted(intervals) for pid, intervals in result.items()}


def working_intervals_range(
    practice: Practice,
    *,
    location: Location,
    first: dt.date,
    last: dt.date,
    practitioner_ids: list[int] | None = None,
) -> dict[dt.date, dict[int, list[Interval]]]:
    """`working_intervals` for every local day from `first` to `last`, in three queries.

    Wall-clock hours become UTC intervals day by day in the location's time zone
    (`practice.localtime`), so a shift of 08:00–17:00 stays 08:00–17:00 across a
    daylight-saving change.
    """
    tz = location.tz
    weekly_rows = for_practice(WorkingHours, practice).filter(location=location)
    exception_rows = for_practice(WorkingHoursException, practice).filter(
        location=location, date__gte=first, date__lte=last
    )
    if practitioner_ids is not None:
        weekly_rows = weekly_rows.filter(practitioner_id__in=practitioner_ids)
        exception_rows = exception_rows.filter(practitioner_id__in=practitioner_ids)
    weekly: dict[int, list[tuple[int, dt.time, dt.time]]] = defaultdict(list)
    for row in weekly_rows.values_list("weekday", "practitioner_id", "start_time", "end_time"):
        weekly[row[0]].append(row[1:])
    exceptions: dict[dt.date, dict[int, list[tuple[dt.time, dt.time]]]] = defaultdict(dict)
    for day, pid, start, end in exception_rows.values_list(
        "date", "practitioner_id", "start_time", "end_time"
    ):
        exceptions[day].setdefault(pid, [])
        if start and end:
            exceptions[day][pid].append((start, end))
    range_start, range_end = localtime.range_bounds(first, last, tz)
    absences: dict[int, list[Interval]] = defaultdict(list)
    for pid, start, end in (
        for_practice(Absence, practice)
        .filter(starts_at__lt=range_end, ends_at__gt=range_start)
        .values_list("practitioner_id", "starts_at", "ends_at")
    ):
        absences[pid].append((start, end))
    result: dict[dt.date, dict[int, list[Interval]]] = {}
    for day in localtime.days(first, last):
        hours: dict[int, list[Interval]] = defaultdict(list)
        for pid, start, end in weekly.get(day.weekday(), []):
            hours[pid] += _wall(day, [(start, end)], tz)
        for pid, times in exceptions.get(day, {}).items():
            hours[pid] = _wall(day, times, tz)
        for pid in list(hours):
            for cut in absences.get(pid, []):
                hours[pid] = _subtract(hours[pid], cut)
        result[day] = {pid: sorted(iv) for pid, iv in hours.items() if iv}
    return result
