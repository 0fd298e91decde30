"""Local time: the one helper for every computation in a location's or practice's zone.

Instants are stored and compared in UTC. A practice lives by its wall clock, in the IANA
zone of its location (`Location.tz`, falling back to `Practice.tz`). Turning one into the
other is where daylight saving bites, so it happens here and nowhere else:

- A wall-clock time that does not exist (the hour skipped when the clocks go forward) is
  never produced as an instant. Where a boundary falls in the gap (an opening hour, a
  sending window, local midnight in a zone that switches at midnight) it resolves to the
  moment of the switch, the first instant after the gap.
- A wall-clock time that happens twice (the hour repeated when the clocks go back) stands
  for two instants. Slots on it are offered once each, labelled so a client can tell them
  apart (`time_label`). An opening boundary takes the earlier instant and a closing one the
  later, so an interval covers every instant whose wall time lies inside it.
- "A day" is the local calendar day: from the instant its local midnight happens to the
  instant the next one does (23 or 25 hours on a switch day).

Python's own aware arithmetic is wall-clock arithmetic in the datetime's zone; it ignores
`fold` when comparing two datetimes of the same zone, and never finds a local datetime on
the repeated hour equal to one of another zone (PEP 495). So nothing here adds timedeltas
to a local datetime or compares local datetimes: it converts to UTC first (`utc`), and so
should every service that receives a local datetime.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

UTC = dt.UTC
# The years local time is computed for: far enough for any appointment or report, and
# clear of datetime's own limits (year 1 and 9999) once zones and days are added.
FIRST_YEAR, LAST_YEAR = 1900, 2200
_MINUTE = dt.timedelta(minutes=1)


def utc(moment: dt.datetime) -> dt.datetime:
    """`moment` (aware) as UTC: what services store and compute with. Adding a timedelta to
    a local datetime is wall-clock arithmetic, wrong across a switch; in UTC it is not."""
    return moment.astimezone(UTC)


def from_epoch(seconds: int) -> dt.datetime:
    """The UTC instant `seconds` after 1970-01-01 UTC (`practice.db_functions.EpochSeconds`)."""
    return dt.datetime.fromtimestamp(seconds, UTC)


def to_local(moment: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """`moment` (aware) on the local wall clock, for display and for reading its local date."""
    return moment.astimezone(tz)


def local_date(moment: dt.datetime, tz: dt.tzinfo) -> dt.date:
    """The local calendar day `moment` falls on."""
    return moment.astimezone(tz).date()


def local_today(tz: dt.tzinfo, now: dt.datetime | None = None) -> dt.date:
    """Today on the local wall clock."""
    return local_date(now or timezone.now(), tz)


def local_now(tz: dt.tzinfo) -> dt.datetime:
    return timezone.now().astimezone(tz)


def wall_instants(day: dt.date, time: dt.time, tz: dt.tzinfo) -> list[dt.datetime]:
    """Every UTC instant whose wall time in `tz` is `day` at `time`, earliest first:
    none in a spring-forward gap, two in a fall-back repeat, else one."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        # Past these, a day's bounds in some zone overflow datetime's range.
        raise ValueError(f"{day} is outside the years {FIRST_YEAR}–{LAST_YEAR}.")
    naive = dt.datetime.combine(day, time.replace(tzinfo=None, fold=0))
    found = []
    for fold in (0, 1):
        instant = naive.replace(tzinfo=tz, fold=fold).astimezone(UTC)
        # A real instant converts back to the same wall time; a gap time does not.
        if instant.astimezone(tz).replace(tzinfo=None) == naive and instant not in found:
            found.append(instant)
    return sorted(found)


def instant_value(moment: dt.datetime) -> str:
    """`moment` as a form's hidden field carries it: the UTC instant in ISO 8601
    ('2026-10-25T01:30:00+00:00'), which tells the two 02:30s of the repeated hour apart
    where the date and time fields cannot."""
    return utc(moment).isoformat()


def chosen_instant(instants: list[dt.datetime], value: str | None) -> dt.datetime | None:
    """Which of `instants` (`wall_instants` of the typed date and time) the hidden `value`
    (`instant_value`) names; None when it names none of them: empty, not an instant, or
    left from a free time picked before the date or time was typed over by hand."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        return None
    if moment.tzinfo is None:
        return None
    return next((instant for instant in instants if instant == moment), None)


@functools.lru_cache(maxsize=4096)
def _gap_end(naive: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """For a wall time inside a spring-forward gap: the UTC instant the clocks jumped."""
    # fold=1 reads it with the offset after the switch (an instant before the switch),
    # fold=0 with the offset before (an instant after it); the switch lies between.
    low = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    high = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    low, high = min(low, high), max(low, high)
    while high - low > _MINUTE:
        middle = low + (high - low) / 2
        middle = middle.replace(second=0, microsecond=0)
        if middle.astimezone(tz).replace(tzinfo=None) < naive:
            low = middle
        else:
            high = middle
    return high


@functools.lru_cache(maxsize=16384)
def wall_to_utc(
    day: dt.date, time: dt.time, tz: dt.tzinfo, *, repeated: str = "earlier"
) -> dt.datetime:
    """The UTC instant of local `day` at `time`, for a boundary (an opening or closing hour,
    a window's edge, midnight): a time in a spring-forward gap gives the moment of the
    switch; a repeated time gives its `repeated` ("earlier" or "later") instant."""
    instants = wall_instants(day, time, tz)
    if not instants:
        return _gap_end(dt.datetime.combine(day, time.replace(tzinfo=None, fold=0)), tz)
    return instants[0] if repeated == "earlier" else instants[-1]


def wall_interval(
    day: dt.date, start: dt.time, end: dt.time, tz: dt.tzinfo
) -> tuple[dt.datetime, dt.datetime] | None:
    """The UTC interval that local `day` from `start` to `end` covers (None when empty).
    An end of 00:00 means the end of the day."""
    begins = wall_to_utc(day, start, tz, repeated="earlier")
    if end == dt.time(0):
        ends = day_bounds(day, tz)[1]
    else:
        ends = wall_to_utc(day, end, tz, repeated="later")
    return (begins, ends) if begins < ends else None


def day_bounds(day: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants at which local `day` starts and the next local day starts."""
    return (
        wall_to_utc(day, dt.time(0), tz),
        wall_to_utc(day + dt.timedelta(days=1), dt.time(0), tz),
    )


def range_bounds(first: dt.date, last: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants from the start of local day `first` to the end of local day `last`."""
    return day_bounds(first, tz)[0], day_bounds(last, tz)[1]


def days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """Each calendar day from `first` to `last` inclusive."""
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def grid_instants(day: dt.date, tz: dt.tzinfo, step_minutes: int) -> list[dt.datetime]:
    """The real instants of local `day` whose wall time is a multiple of `step_minutes`
    after midnight, earliest first: gap times left out, repeated times twice."""
    start, end = day_bounds(day, tz)
    if start.astimezone(tz).utcoffset() == end.astimezone(tz).utcoffset():
        # No switch today (zones switch at most once a day): plain steps from midnight.
        # Midnight itself may have been resolved to a switch instant; count from the wall.
        first_wall = start.astimezone(tz)
        offset = first_wall.hour * 60 + first_wall.minute
        minutes = -(-offset // step_minutes) * step_minutes
        moment = start + dt.timedelta(minutes=minutes - offset)
        step = dt.timedelta(minutes=step_minutes)
        result = []
        while moment < end:
            result.append(moment)
            moment += step
        return result
    result = []
    for minutes in range(0, 24 * 60, step_minutes):
        wall = dt.time(minutes // 60, minutes % 60)
        result.extend(wall_instants(day, wall, tz))
    return sorted(result)


def is_repeated(moment: dt.datetime, tz: dt.tzinfo) -> bool:
    """Whether `moment`'s local wall time happens twice (the hour when clocks go back)."""
    return _repeated(moment.astimezone(tz))


def _repeated(local: dt.datetime) -> bool:
    # A real instant's wall time never lies in a gap, so reading it with the other `fold`
    # gives another offset only when it happens twice (PEP 495). Cheaper than listing the
    # wall time's instants: reports label hundreds of thousands of times.
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def _note(local: dt.datetime) -> str:
    if not _repeated(local):
        return ""
    return _("summer time") if local.dst() else _("winter time")


def repeated_note(moment: dt.datetime, tz: dt.tzinfo) -> str:
    """On the repeated hour, which of the two `moment` is ("summer time" / "winter time");
    else ''."""
    return _note(moment.astimezone(tz))


def time_label(moment: dt.datetime, tz: dt.tzinfo) -> str:
    """HH:MM on the local clock; on the repeated hour, which of the two it is."""
    local = moment.astimezone(tz)
    label = f"{local.hour:02d}:{local.minute:02d}"
    note = _note(local)
    return _("%(time)s (%(note)s)") % {"time": label, "note": note} if note else label


def span_label(start: dt.datetime, end: dt.datetime, tz: dt.tzinfo) -> str:
    """The span "HH:MM–HH:MM" on the local clock. On the repeated hour it says which of the
    two each end is, once when both are the same ("02:00–02:30 (summer time)"), else at each end
    that is repeated ("02:30 (summer time) – 02:00 (winter time)"), so a visit never seems
    to end before it starts."""
    start_note, end_note = repeated_note(start, tz), repeated_note(end, tz)
    if start_note == end_note:
        span = f"{start.astimezone(tz):%H:%M}–{end.astimezone(tz):%H:%M}"
        return _("%(time)s (%(note)s)") % {"time": span, "note": start_note} if start_note else span
    return f"{time_label(start, tz)} – {time_label(end, tz)}"


def latest_within(moment: dt.datetime, tz: dt.tzinfo, start: dt.time, end: dt.time) -> dt.datetime:
    """The latest instant at or before `moment` whose local time lies in [start, end]:
    `moment` itself when it does, else `end` that day or, before `start`, the day before."""
    local = moment.astimezone(tz)
    day = local.date()
    wall = local.time().replace(tzinfo=None)
    if wall < start:
        return wall_to_utc(day - dt.timedelta(days=1), end, tz, repeated="later")
    if wall > end:
        return wall_to_utc(day, end, tz, repeated="later")
    return moment


def earliest_within(
    moment: dt.datetime,
    tz: dt.tzinfo,
    start: dt.time,
    end: dt.time,
    weekdays: frozenset[int] | None = None,
) -> dt.datetime:
    """The earliest instant at or after `moment` whose local time lies in [start, end) on an
    allowed weekday (Monday 0; None allows every day): quiet hours and sending windows."""
    local = moment.astimezone(tz)
    day = local.date()
    for _attempt in range(8):
        if weekdays is None or day.weekday() in weekdays:
            interval = wall_interval(day, start, end, tz)
            if interval is not None:
                opens, closes = interval
                if moment < closes:
                    return max(moment, opens)
        day += dt.timedelta(days=1)
    raise ValueError("No allowed moment within a week: check the weekdays and hours.")
