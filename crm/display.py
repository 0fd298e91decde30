"""How a task's due time reads, on the practice's wall clock (pages and the reminder email)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from practice import localtime
from practice.languages import long_date
from practice.models import Practice

from .models import Task
from .selectors import end_of_today

OVERDUE, TODAY = "overdue", "today"


def due_label(
    due_at: dt.datetime,
    practice: Practice,
    now: dt.datetime | None = None,
    *,
    relative: bool = True,
) -> str:
    """On the practice's clock, in the active language: 'Today 14:30', 'Tomorrow 09:00',
    'Yesterday 16:00', else 'Tue 12 Mar 09:00' (with the year when not this year). Not
    `relative` (an email, read later): 'Monday 6 May 2030, 14:30'."""
    tz = practice.tz
    today = localtime.local_today(tz, now)
    day = localtime.local_date(due_at, tz)
    time = localtime.time_label(due_at, tz)
    local = localtime.to_local(due_at, tz)
    if not relative:
        return _("%(day)s, %(time)s") % {"day": long_date(local), "time": time}
    named = {
        today: _("Today"),
        today + dt.timedelta(days=1): _("Tomorrow"),
        today - dt.timedelta(days=1): _("Yesterday"),
    }
    if day in named:
        when = named[day]
    else:
        when = formats.date_format(local, "D j M" if day.year == today.year else "D j M Y")
    return _("%(day)s %(time)s") % {"day": when, "time": time}


def due_state(task: Task, end_of_today: dt.datetime, now: dt.datetime) -> str:
    """'overdue' (its due time has passed), 'today' (due later today), else ''."""
    if not task.is_open or task.due_at is None:
        return ""
    if task.due_at <= now:
        return OVERDUE
    return TODAY if task.due_at < end_of_today else ""


def with_due_display(tasks: Iterable[Task], practice: Practice) -> list[Task]:
    """`tasks` with `due_label` and `due_state` set for the page."""
    now = timezone.now()
    ends = end_of_today(practice, now)
    shown = list(tasks)
    for task in shown:
        task.due_label = due_label(task.due_at, practice, now) if task.due_at else ""
        task.due_state = due_state(task, ends, now)
    return shown
