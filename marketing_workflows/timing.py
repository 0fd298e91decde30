"""When a step runs: pauses in real time, then the workflow's allowed local hours.

Pure functions, no database work: the enrolment, the runner and the dry run all ask here,
so the timeline the dry run shows is the one patients get.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from practice import localtime

from .models import Step, WorkflowVersion


def allowed_moment(version: WorkflowVersion, moment: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """The earliest instant at or after `moment` inside the version's weekdays and local
    hours in `tz` (across midnight and daylight-saving switches: localtime does the wall
    clock)."""
    return localtime.earliest_within(
        moment,
        tz,
        version.window_start,
        version.window_end,
        weekdays=version.weekday_set,
    )


@dataclass(frozen=True)
class NextRun:
    """The step to run next and when. `step` is an action, or the last pause when only
    pauses remain (the enrolment then ends when that pause is over)."""

    step: Step
    due_at: dt.datetime


def next_run(
    steps: Sequence[Step],
    version: WorkflowVersion,
    tz: dt.tzinfo,
    *,
    after: Step | None,
    base: dt.datetime,
) -> NextRun | None:
    """What follows `after` (None: the start) for a patient whose previous step ran at
    `base`: the pauses between add real time (UTC, so a pause over a daylight-saving switch
    lasts exactly its length), and an action then waits for the allowed hours. None when
    nothing follows (the enrolment is complete). `steps` are the version's, in order."""
    start = 0 if after is None else _index(steps, after) + 1
    waited = dt.timedelta(0)
    last_pause = None
    for step in steps[start:]:
        if step.is_action:
            return NextRun(step, allowed_moment(version, localtime.utc(base + waited), tz))
        waited += step.pause
        last_pause = step
    if last_pause is not None and waited:
        return NextRun(last_pause, localtime.utc(base + waited))
    return None


def _index(steps: Sequence[Step], step: Step) -> int:
    for index, candidate in enumerate(steps):
        if candidate is step or (step.pk is not None and candidate.pk == step.pk):
            return index
    raise ValueError(f"Step {step.pk} is not one of the version's steps.")


def timeline(
    steps: Sequence[Step], version: WorkflowVersion, tz: dt.tzinfo, *, start: dt.datetime
) -> list[NextRun]:
    """Every run a patient enrolled at `start` would have, if each ran on time."""
    runs: list[NextRun] = []
    planned = next_run(steps, version, tz, after=None, base=start)
    while planned is not None:
        runs.append(planned)
        planned = next_run(steps, version, tz, after=planned.step, base=planned.due_at)
    return runs
