"""Reads: the workflow list, the match preview, the dry run, statistics, a patient's
workflows. Each is a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import models
from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, Window
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from messaging.models import Message
from patients.models import Patient
from practice import localtime
from practice.models import Practice
from practice.scoping import for_practice

from . import sending, timing
from .criteria import matching_patients
from .enrolment import candidates, usual_time_zone, version_criteria, version_steps
from .models import Enrolment, Step, StepRun, Workflow, WorkflowVersion

PREVIEW_NAMES = 5


def _count_of(model: type[models.Model], practice: Practice, **filters) -> Subquery:
    rows = (
        for_practice(model, practice)
        .filter(**filters)
        .order_by()
        .values("workflow_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(rows), Value(0))


def workflow_list(practice: Practice) -> QuerySet[Workflow]:
    """The practice's workflows with `enrolled`, `active_count`, `version_number` and
    `last_activity` (the latest enrolment or step run): one query."""
    latest_run = (
        for_practice(StepRun, practice)
        .filter(enrolment__workflow_id=OuterRef("pk"), done_at__isnull=False)
        .order_by("-done_at")
        .values("done_at")[:1]
    )
    latest_enrolment = (
        for_practice(Enrolment, practice)
        .filter(workflow_id=OuterRef("pk"))
        .order_by("-enrolled_at")
        .values("enrolled_at")[:1]
    )
    return (
        for_practice(Workflow, practice)
        .select_related("current_version")
        .annotate(
            enrolled=_count_of(Enrolment, practice, workflow_id=OuterRef("pk")),
            active_count=_count_of(
                Enrolment, practice, workflow_id=OuterRef("pk"), state=Enrolment.State.ACTIVE
            ),
            last_run_at=Subquery(latest_run),
            last_enrolled_at=Subquery(latest_enrolment),
        )
        .order_by("name", "id")
    )


def last_activity(workflow: Workflow) -> dt.datetime | None:
    """The later of a `workflow_list` row's last enrolment and last step run."""
    moments = [m for m in (workflow.last_run_at, workflow.last_enrolled_at) if m is not None]
    return max(moments, default=None)


@dataclass(frozen=True)
class Preview:
    count: int
    names: list[str]


def workflow_preview(
    practice: Practice, *, criteria: Iterable[object], now: dt.datetime | None = None
) -> Preview:
    """How many patients match `criteria` now (saved or not yet saved) and a few of their
    names: one query. Raises ValidationError for a criterion that cannot be read."""
    matching = matching_patients(practice, criteria, now=now)
    rows = list(
        matching.annotate(total=Window(Count("pk")))
        .order_by("name", "pk")
        .values_list("name", "total")[:PREVIEW_NAMES]
    )
    return Preview(count=rows[0][1] if rows else 0, names=[name for name, _total in rows])


@dataclass(frozen=True)
class TimelineEntry:
    step: Step
    due_at: dt.datetime
    local_label: str  # the step's local day and time in the patient's zone


@dataclass(frozen=True)
class DryRun:
    matching: int  # patients who match now
    entering: int  # patients who would be enrolled now
    sample_name: str
    time_zone: str
    timeline: list[TimelineEntry]
    sms_segments_each: int  # one patient's SMS segments over the whole workflow
    sms_recipients: int  # entering patients an SMS can reach (mobile, consent)
    sms_segments: int  # what the first round would use
    sms_credit: int | None  # the practice's credit; None without an SMS gateway
    refusal: str  # why activation is refused ('' when the credit covers it)

    @property
    def credit_ok(self) -> bool:
        return not self.refusal


def _would_enrol(practice: Practice, version: WorkflowVersion, now: dt.datetime) -> QuerySet:
    """Who would be enrolled now: going live, 'enrol existing' takes every match and
    otherwise none; once live, those who came to match since (what the sweep takes)."""
    if not version.is_frozen and not version.enrol_existing:
        return for_practice(Patient, practice).none()
    return candidates(practice, version, now=now, existing=version.enrol_existing)


def _sms_reachable() -> Q:
    # Who an SMS can reach: mirrors the outbox's refusals (mobile, not opted out or a
    # landline, marketing consent) to estimate the credit needed.
    return (
        Q(client__mobile__gt="")
        & Q(client__sms_opted_out=False)
        & Q(client__mobile_is_landline=False)
        & Q(client__marketing_consent=True)
    )


def _segments_each(steps: Sequence[Step]) -> int:
    return sum(sending.sample_segments(s.body) for s in steps if s.kind == Step.Kind.SMS)


def _refusal(needed: int, credit: int | None) -> str:
    if not needed:
        return ""
    if credit is None:
        return _(
            "The first round needs %(needed)s SMS segments, but the practice has no SMS "
            "gateway. Set one up under Settings, or remove the SMS steps."
        ) % {"needed": needed}
    if credit < needed:
        return _(
            "The first round needs %(needed)s SMS segments, but the practice's SMS credit is "
            "%(credit)s. Top up the credit, or narrow the criteria."
        ) % {"needed": needed, "credit": credit}
    return ""


def _local_label(moment: dt.datetime, tz: dt.tzinfo) -> str:
    day = formats.date_format(localtime.to_local(moment, tz), "D j M Y")
    return f"{day} {localtime.time_label(moment, tz)}"


def workflow_dry_run(
    practice: Practice, *, version: WorkflowVersion, now: dt.datetime | None = None
) -> DryRun:
    """What activating `version` now would do: how many would enter, one of them's
    timeline in their local time (after quiet hours), and the SMS segments of the first
    round against the practice's credit. A fixed handful of queries."""
    now = now or timezone.now()
    steps = version_steps(practice, version)
    matching = matching_patients(practice, version_criteria(practice, version), now=now)
    entering = _would_enrol(practice, version, now)
    sample = (
        (entering if version.enrol_existing or version.is_frozen else matching)
        .annotate(mw_tz=usual_time_zone(practice))
        .order_by("name", "pk")
        .values_list("name", "mw_tz")
        .first()
    )
    name, zone = sample if sample else ("", practice.time_zone)
    tz = zoneinfo.ZoneInfo(zone)
    each = _segments_each(steps)
    recipients = entering.filter(_sms_reachable()).count() if each else 0
    credit = sending.sms_credit(practice) if each else None
    planned = timing.timeline(steps, version, tz, start=now)
    return DryRun(
        matching=matching.count(),
        entering=entering.count(),
        sample_name=name,
        time_zone=zone,
        timeline=[TimelineEntry(p.step, p.due_at, _local_label(p.due_at, tz)) for p in planned],
        sms_segments_each=each,
        sms_recipients=recipients,
        sms_segments=each * recipients,
        sms_credit=credit,
        refusal=_refusal(each * recipients, credit),
    )


# --- statistics ------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkflowStats:
    enrolled: int
    active: int
    completed: int
    goal_reached: int
    removed: int
    tasks_created: int
    tasks_done: int


def workflow_stats(practice: Practice, workflow: Workflow) -> WorkflowStats:
    """Enrolments by state (one query) and the workflow's tasks, created and done (crm)."""
    states = Enrolment.State
    counts = (
        for_practice(Enrolment, practice)
        .filter(workflow_id=workflow.pk)
        .aggregate(
            enrolled=Count("id"),
            active=Count("id", filter=Q(state=states.ACTIVE)),
            completed=Count("id", filter=Q(state=states.COMPLETED)),
            goal_reached=Count("id", filter=Q(state=states.GOAL_REACHED)),
            removed=Count("id", filter=Q(state=states.REMOVED)),
        )
    )
    created, done = sending.task_counts(practice, workflow)
    return WorkflowStats(**counts, tasks_created=created, tasks_done=done)


SENT = [
    Message.Status.QUEUED,
    Message.Status.SENT,
    Message.Status.DELIVERED,
    Message.Status.UNDELIVERED,
]
FAILED = [Message.Status.FAILED, Message.Status.UNDELIVERED]


def workflow_step_stats(practice: Practice, version: WorkflowVersion) -> QuerySet[Step]:
    """The version's steps with, per step: `waiting`, `done`, `skipped` runs; messages
    `sent` (handed to the provider), `delivered` and `failed` (refused, failed or
    undelivered); `tasks` created. One query."""
    runs = StepRun.State
    return (
        for_practice(Step, practice)
        .filter(version_id=version.pk)
        .annotate(
            waiting=Count("runs", filter=Q(runs__state__in=StepRun.OPEN)),
            done=Count("runs", filter=Q(runs__state=runs.DONE)),
            skipped=Count("runs", filter=Q(runs__state=runs.SKIPPED)),
            sent=Count("runs", filter=Q(runs__message__status__in=SENT)),
            delivered=Count("runs", filter=Q(runs__message__status=Message.Status.DELIVERED)),
            failed=Count("runs", filter=Q(runs__message__status__in=FAILED)),
            tasks=Count("runs", filter=Q(runs__task_id__isnull=False)),
        )
        .order_by("position", "id")
    )


def patient_workflows(practice: Practice, patient: Patient) -> list[Enrolment]:
    """The workflows the patient is or was in, newest first, each with `run_list` (what
    each step did: state, due, done, message and its status, task). Two queries."""
    runs = (
        for_practice(StepRun, practice).select_related("step", "message").order_by("due_at", "id")
    )
    return list(
        for_practice(Enrolment, practice)
        .filter(patient_id=patient.pk)
        .select_related("workflow", "version")
        .prefetch_related(Prefetch("runs", queryset=runs, to_attr="run_list"))
        .order_by("-enrolled_at", "-id")
    )


def workflow_enrolments(practice: Practice, workflow: Workflow) -> QuerySet[Enrolment]:
    """The workflow's enrolments with patient and version, newest first (for a list)."""
    return (
        for_practice(Enrolment, practice)
        .filter(workflow_id=workflow.pk)
        .select_related("patient", "version")
        .annotate(next_due=Max("runs__due_at", filter=Q(runs__state=StepRun.State.PENDING)))
        .order_by("-enrolled_at", "-id")
    )
