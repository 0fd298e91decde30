"""When practitioners work: weekly hours, date exceptions, minus absences.

Shared by the day calendar (greying the hours off) and, later, online availability.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from practice.models import Location, Practice
from practice.scoping import for_practice

from .models import Absence, WorkingHours, WorkingHoursException

Interval = tuple[dt.datetime, dt.datetime]


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

    def at(time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, time, tzinfo=tz)

    weekly: dict[int, list[Interval]] = defaultdict(list)
    for row in for_practice(WorkingHours, practice).filter(
        location=location, weekday=day.weekday()
    ):
        weekly[row.practitioner_id].append((at(row.start_time), at(row.end_time)))
    exceptions: dict[int, list[Interval]] = defaultdict(list)
    for row in for_practice(WorkingHoursException, practice).filter(location=location, date=day):
        exceptions[row.practitioner_id]  # an exception with no times still means "off"
        if row.start_time and row.end_time:
            exceptions[row.practitioner_id].append((at(row.start_time), at(row.end_time)))
    result = {**weekly, **exceptions}
    day_start, day_end = at(dt.time.min), at(dt.time.min) + dt.timedelta(days=1)
    absences = for_practice(Absence, practice).filter(
        practitioner_id__in=list(result), starts_at__lt=day_end, ends_at__gt=day_start
    )
    for absence in absences:
        result[absence.practitioner_id] = _subtract(
            result[absence.practitioner_id], (absence.starts_at, absence.ends_at)
        )
    return {pid: sorted(intervals) for pid, intervals in result.items()}
