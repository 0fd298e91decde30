"""Leaving a workflow early: the goal reached, or staff removing the patient.

Both end the enrolment and cancel at once what it still had coming: its waiting step
runs and its messages not sent yet (a run a worker holds just then finishes first: the
runner locks it and its enrolment, and this waits for the enrolment's lock). Reaching
the goal also closes the workflow's open recall tasks for the patient (in the CRM).

A workflow that ends with 'add task' has done its steps once the task is made, but its
purpose is still open while that recall task is: a booking then still reaches the goal,
ending the completed enrolment as goal reached and closing the task.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_noop

from appointments.models import Appointment
from practice.models import Practice
from practice.reasons import reason
from practice.scoping import for_practice

from . import sending
from .models import Enrolment, Goal, StepRun


def _booked_since_enrolling(practice: Practice) -> Exists:
    """'Booked an appointment': one made after they enrolled, not cancelled since."""
    return Exists(
        for_practice(Appointment, practice)
        .filter(patient_id=OuterRef("patient_id"), created_at__gte=OuterRef("enrolled_at"))
        .exclude(status=Appointment.Status.CANCELLED)
    )


def _recall_task_open(practice: Practice) -> Exists:
    """The workflow made a recall task for the patient that nobody has closed yet."""
    from crm.models import Task

    return Exists(
        for_practice(Task, practice).filter(
            patient_id=OuterRef("patient_id"),
            origin=Task.Origin.WORKFLOW,
            origin_id=OuterRef("workflow_id"),
            kind=Task.Kind.RECALL,
            status=Task.Status.OPEN,
        )
    )


def goal_candidates(practice: Practice) -> QuerySet[Enrolment]:
    """Enrolments whose version's goal is met now (one query): active ones, and completed
    ones whose recall task is still open."""
    return for_practice(Enrolment, practice).filter(
        Q(state=Enrolment.State.ACTIVE)
        | Q(_recall_task_open(practice), state=Enrolment.State.COMPLETED),
        _booked_since_enrolling(practice),
        version__goal=Goal.BOOKED_APPOINTMENT,
    )


def goal_met(practice: Practice, enrolments: Iterable[Enrolment]) -> set[int]:
    """Which of `enrolments` have met their goal (no query when none has a goal)."""
    with_goal = [e.pk for e in enrolments if e.is_active and e.version.goal]
    if not with_goal:
        return set()
    return set(goal_candidates(practice).filter(pk__in=with_goal).values_list("pk", flat=True))


def close_enrolments(
    practice: Practice,
    enrolment_ids: Iterable[int],
    *,
    state: str,
    now: dt.datetime,
    note: str,
    actor=None,
    also_completed: bool = False,
) -> list[Enrolment]:
    """End the still-active ones of `enrolment_ids` (and the completed ones, when
    `also_completed`) in `state`; cancel their open runs and their messages not sent yet.
    Returns the enrolments it ended (locked)."""
    states = [Enrolment.State.ACTIVE]
    if also_completed:
        states.append(Enrolment.State.COMPLETED)
    ending = list(
        for_practice(Enrolment, practice)
        .filter(pk__in=list(enrolment_ids), state__in=states)
        .select_for_update(of=("self",))
        .select_related("patient", "workflow")
    )
    ids = [enrolment.pk for enrolment in ending]
    if not ids:
        return []
    for_practice(Enrolment, practice).filter(pk__in=ids).update(
        state=state,
        ended_at=now,
        end_note=note[:200],
        ended_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    runs = for_practice(StepRun, practice).filter(enrolment_id__in=ids)
    runs.filter(state__in=StepRun.OPEN).update(state=StepRun.State.CANCELLED, note=note[:300])
    queued = runs.filter(message__isnull=False).values_list("message_id", flat=True)
    sending.messages_cancel(practice, list(queued))
    for enrolment in ending:
        enrolment.state, enrolment.ended_at = state, now
    return ending


def enrolments_reach_goal(
    practice: Practice, enrolment_ids: Iterable[int], *, now: dt.datetime
) -> int:
    """The goal was met: end the enrolments and close their open recall tasks."""
    note = reason(gettext_noop("Goal reached: booked an appointment."))
    ended = close_enrolments(
        practice,
        enrolment_ids,
        state=Enrolment.State.GOAL_REACHED,
        now=now,
        note=note,
        also_completed=True,
    )
    for enrolment in ended:
        sending.close_recall_tasks(
            practice, patient=enrolment.patient, workflow=enrolment.workflow, note=note
        )
    return len(ended)


def goals_sweep(
    practice: Practice, *, now: dt.datetime, patient_ids: Iterable[int] | None = None
) -> int:
    """End every enrolment (of `patient_ids`, or all) whose goal is met."""
    met = goal_candidates(practice)
    if patient_ids is not None:
        met = met.filter(patient_id__in=list(patient_ids))
    ids = list(met.values_list("pk", flat=True))
    return enrolments_reach_goal(practice, ids, now=now) if ids else 0
