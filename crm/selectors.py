"""Reads for CRM tasks: a member's list, the top bar's count, a patient's open tasks and a
workflow's figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, F, Q, QuerySet, When
from django.utils import timezone

from practice import localtime
from practice.models import Membership, Practice
from practice.scoping import for_practice

from .models import Communication, ContactSettings, Task

OPEN = Task.Status.OPEN


def end_of_today(practice: Practice, now: dt.datetime | None = None) -> dt.datetime:
    """The instant the practice's local today ends: a task due before it is due today."""
    now = now or timezone.now()
    return localtime.day_bounds(localtime.local_today(practice.tz, now), practice.tz)[1]


def _in_list_order(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """Open first: overdue, then due soonest, then no due time; closed after, newest first."""
    return tasks.annotate(
        closed_rank=Case(When(status=OPEN, then=0), default=1),
        open_due=Case(When(status=OPEN, then=F("due_at")), default=None),
    ).order_by(
        "closed_rank",
        F("open_due").asc(nulls_last=True),
        F("done_at").desc(nulls_last=True),
        "id",
    )


def task_list(
    practice: Practice, *, assignee: Membership, include_done: bool = False
) -> QuerySet[Task]:
    """`assignee`'s tasks in list order: open ones, and the closed ones too when asked."""
    tasks = for_practice(Task, practice).filter(assignee_id=assignee.pk)
    if include_done:
        tasks = _in_list_order(tasks)
    else:
        # Plain due order (nulls last, as the index stores them): the partial index
        # crm_task_open_by_assignee reads the page in order.
        tasks = tasks.filter(status=OPEN).order_by(F("due_at").asc(nulls_last=True), "id")
    return tasks.select_related("patient", "created_by", "done_by")


def open_task_count(
    practice: Practice, assignee: Membership, *, now: dt.datetime | None = None
) -> int:
    """The top bar's badge, one query: `assignee`'s open tasks that need doing today, i.e.
    due before the end of the practice's local today (overdue included) or with no due
    time; those due on a later day wait."""
    return (
        for_practice(Task, practice)
        .filter(assignee_id=assignee.pk, status=OPEN)
        .filter(Q(due_at__lt=end_of_today(practice, now)) | Q(due_at__isnull=True))
        .count()
    )


def patient_tasks(practice: Practice, patient_id: int) -> QuerySet[Task]:
    """The patient's open tasks, in list order, with whose they are."""
    return _in_list_order(
        for_practice(Task, practice).filter(patient_id=patient_id, status=OPEN)
    ).select_related("assignee__user", "created_by", "done_by")


@dataclass(frozen=True)
class TaskCounts:
    created: int
    done: int
    open: int
    cancelled: int


def task_counts_by_origin(practice: Practice, origin: str, origin_id: int) -> TaskCounts:
    """How many tasks `origin` `origin_id` (a workflow) made, and how many of them are done,
    still open, or were cancelled (closed by the workflow): one grouped query."""
    figures = (
        for_practice(Task, practice)
        .filter(origin=origin, origin_id=origin_id)
        .aggregate(
            created=Count("id"),
            done=Count("id", filter=Q(status=Task.Status.DONE)),
            open=Count("id", filter=Q(status=OPEN)),
            cancelled=Count("id", filter=Q(status=Task.Status.CANCELLED)),
        )
    )
    return TaskCounts(**figures)


def assignable_staff(practice: Practice) -> QuerySet[Membership]:
    """Who a task can be given to: the practice's active members, by name."""
    return (
        for_practice(Membership, practice)
        .filter(is_active=True)
        .select_related("user")
        .order_by("display_name", "user__first_name", "user__last_name", "id")
    )


def contact_settings(practice: Practice) -> ContactSettings:
    """The practice's contact-history settings: its saved row, else the defaults (unsaved;
    a director saves them in admin)."""
    return for_practice(ContactSettings, practice).first() or ContactSettings(practice=practice)


def topic_choices(practice: Practice) -> list[str]:
    """The practice's conversation topics: those its communications carry (the telephony or
    website names them), one per spelling regardless of case, alphabetically. One query,
    an index-only scan of the practice's topics (crm_comm_topic)."""
    topics = (
        for_practice(Communication, practice)
        .exclude(topic="")
        .order_by("topic")
        .values_list("topic", flat=True)
        .distinct()
    )
    seen: dict[str, str] = {}
    for topic in topics:
        seen.setdefault(topic.lower(), topic)
    return sorted(seen.values(), key=str.lower)
