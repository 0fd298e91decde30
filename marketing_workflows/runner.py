"""The runner: claim due step runs, do each step's work, finish it and plan the next.

1. Claim (a short transaction): due pending runs of active workflows, across practices,
   with SELECT ... FOR UPDATE SKIP LOCKED, so two workers never take the same run; each
   is marked 'running' with `claimed_at` = this claim's moment.
2. Run (one transaction per practice's share of the batch): re-read the claimed runs under
   a row lock, still 'running' with this claim's `claimed_at` (a run reclaimed from a
   worker presumed dead has a newer one, so the slow worker leaves it alone); queue each
   step's message (its idempotency key is enrolment + step) or create its task, mark the
   run done and create the next run, all in that one transaction. It commits all of it
   or none of it.
3. A worker killed between 1 and 2 (or inside 2) leaves runs 'running'; after
   WORKFLOW_STUCK_SECONDS the next claim puts them back and they run once, then: never
   skipped, never doubled (the message key would find the first message anyway).

A step never runs outside the workflow's allowed local hours: a run picked up outside them
(a worker that was down, a pause that ended at night) is moved to the next allowed moment.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.models import Patient
from practice.bulk import AnyOf, update_from_values
from practice.models import Practice
from practice.scoping import for_practice
from practice.tenancy import practice_scope

from . import goals, sending, timing
from .models import Enrolment, Step, StepRun, Workflow, WorkflowVersion, message_key

log = logging.getLogger(__name__)


def claim_due_runs(*, limit: int, now: dt.datetime) -> list[tuple[int, int]]:
    """Mark up to `limit` due runs of every practice 'running'; return (id, practice_id)."""
    stale = now - dt.timedelta(seconds=settings.WORKFLOW_STUCK_SECONDS)
    # System-wide, deliberately across practices (like messaging's claim); each run is then
    # done inside its own practice's scope.
    runs = StepRun.objects.unscoped()
    with transaction.atomic():
        # Claimed and never finished: the worker died. Back in the queue, to run once.
        runs.filter(state=StepRun.State.RUNNING, claimed_at__lt=stale).update(
            state=StepRun.State.PENDING
        )
        # One table and its partial index: a paused workflow's runs are 'held', not
        # pending, so no join is needed (and no plan that depends on fresh statistics).
        due = (
            runs.filter(state=StepRun.State.PENDING, due_at__lte=now)
            .order_by("due_at", "id")
            .select_for_update(skip_locked=True, of=("self",))
            .values("id")[:limit]
        )
        # Taken and marked in one statement: the locked rows are updated as they are found,
        # not read, sent back as thousands of ids and looked up again. A CTE, taken once:
        # as `IN (subquery)` the planner may scan the subquery again, and SKIP LOCKED then
        # finds other rows (more than `limit`).
        due_sql, due_params = due.query.sql_with_params()
        table = connection.ops.quote_name(StepRun._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH due AS MATERIALIZED ({due_sql}) "  # noqa: S608
                f"UPDATE {table} SET state = %s, claimed_at = %s, attempts = attempts + 1 "
                f"WHERE id IN (SELECT id FROM due) RETURNING id, practice_id",
                [
                    *due_params,
                    StepRun.State.RUNNING,
                    connection.ops.adapt_datetimefield_value(now),
                ],
            )
            claimed = [(run_id, practice_id) for run_id, practice_id in cursor.fetchall()]
    return claimed


def run_due(*, limit: int | None = None, now: dt.datetime | None = None) -> int:
    """Claim one batch of due runs and run them. Returns how many were claimed."""
    claimed_at = now or timezone.now()
    claimed = claim_due_runs(limit=limit or settings.WORKFLOW_BATCH, now=claimed_at)
    by_practice: dict[int, list[int]] = defaultdict(list)
    for run_id, practice_id in claimed:
        by_practice[practice_id].append(run_id)
    for practice_id, run_ids in by_practice.items():
        practice = Practice.objects.get(pk=practice_id)
        with practice_scope(practice):
            try:
                run_claimed(practice, run_ids, claimed_at=claimed_at)
            except Reclaimed as reclaimed:
                log.info("Workflow runs of practice %s left to another worker: %s", practice_id,
                         reclaimed)  # fmt: skip
            except Exception:
                # Left 'running': reclaimed after WORKFLOW_STUCK_SECONDS. Other practices go on.
                log.exception("Workflow runs %s of practice %s failed", run_ids, practice_id)
    return len(claimed)


class _Batch:
    """One practice's claimed runs, sorted by what happens to them, then written with a few
    statements (not one a run)."""

    def __init__(self, practice: Practice, now: dt.datetime, claimed_at: dt.datetime) -> None:
        self.practice = practice
        self.now = now
        self.claimed_at = claimed_at
        self.expected = 0
        self.steps: dict[int, list[Step]] = {}
        self.windows: dict[tuple[int, str], dt.datetime] = {}
        self.plans: dict[tuple[int, str], timing.NextRun | None] = {}
        self.postponed: dict[dt.datetime, list[int]] = defaultdict(list)
        self.held: list[int] = []
        self.cancelled: list[int] = []
        self.goal_reached: list[int] = []
        self.messages: list[_Run] = []
        self.tasks: list[_Run] = []
        self.done: list[_Run] = []
        self.skipped: dict[str, list[_Run]] = defaultdict(list)

    def allowed(self, run: _Run) -> dt.datetime:
        enrolment = run.enrolment
        key = (enrolment.version_id, enrolment.time_zone)
        if key not in self.windows:
            self.windows[key] = timing.allowed_moment(enrolment.version, self.now, enrolment.tz)
        return self.windows[key]

    def plan_after(self, run: _Run) -> timing.NextRun | None:
        enrolment = run.enrolment
        key = (run.step_id, enrolment.time_zone)
        if key not in self.plans:
            self.plans[key] = timing.next_run(
                self.steps[enrolment.version_id],
                enrolment.version,
                enrolment.tz,
                after=run.step,
                base=self.now,
            )
        return self.plans[key]


@dataclass(slots=True)
class _Contact:
    """What queueing a message reads of the client (messaging's rule): no model instance,
    a batch has thousands."""

    pk: int
    mobile: str
    email: str
    sms_opted_out: bool
    marketing_consent: bool | None


@dataclass(slots=True, eq=False)
class _Enrolment:
    """What running a step reads of the enrolment; its version and workflow are the batch's
    shared instances (_load_steps)."""

    pk: int
    state: str
    version_id: int
    time_zone: str
    patient_id: int
    client: _Contact
    version: WorkflowVersion | None = None
    workflow: Workflow | None = None

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def is_active(self) -> bool:
        return self.state == Enrolment.State.ACTIVE


@dataclass(slots=True, eq=False)
class _Run:
    """A claimed step run: what the runner reads and what it writes back (_write)."""

    pk: int
    enrolment_id: int
    step_id: int
    message_id: int | None
    task_id: int | None
    enrolment: _Enrolment
    step: Step | None = None


# One row a run: the run, its enrolment and the client's contact (a batch loads thousands
# as plain values: every column and every model instance left out is work saved).
_RUN_COLUMNS = (
    "id",
    "enrolment_id",
    "step_id",
    "message_id",
    "task_id",
    "enrolment__state",
    "enrolment__version_id",
    "enrolment__time_zone",
    "enrolment__patient_id",
    "enrolment__patient__client_id",
    "enrolment__patient__client__mobile",
    "enrolment__patient__client__email",
    "enrolment__patient__client__sms_opted_out",
    "enrolment__patient__client__marketing_consent",
)


def _claimed(practice: Practice, run_ids: list[int], claimed_at: dt.datetime) -> list[_Run]:
    """The runs of this claim still ours. Not locked: every write at the end is guarded by
    the claim's `claimed_at` instead (see _write), which costs no extra write per row."""
    rows = (
        for_practice(StepRun, practice)
        .filter(AnyOf(F("id"), run_ids), state=StepRun.State.RUNNING, claimed_at=claimed_at)
        .order_by("id")
        .values_list(*_RUN_COLUMNS)
    )
    return [
        _Run(
            run_id,
            enrolment_id,
            step_id,
            message_id,
            task_id,
            _Enrolment(
                enrolment_id,
                state,
                version_id,
                time_zone,
                patient_id,
                _Contact(client_id, mobile, email, sms_opted_out, marketing_consent),
            ),
        )
        for (
            run_id,
            enrolment_id,
            step_id,
            message_id,
            task_id,
            state,
            version_id,
            time_zone,
            patient_id,
            client_id,
            mobile,
            email,
            sms_opted_out,
            marketing_consent,
        ) in rows
    ]


@transaction.atomic
def run_claimed(practice: Practice, run_ids: list[int], *, claimed_at: dt.datetime) -> None:
    """Run the practice's runs of one claim (those still ours), in one transaction."""
    runs = _claimed(practice, run_ids, claimed_at)
    if not runs:
        return
    batch = _Batch(practice, timezone.now(), claimed_at)
    _load_steps(practice, batch, runs)
    met = goals.goal_met(practice, [run.enrolment for run in runs])
    for run in runs:
        _sort(batch, run, met)
    _queue_messages(batch)
    _create_tasks(batch)
    _write(batch)
    if batch.goal_reached:
        goals.enrolments_reach_goal(practice, batch.goal_reached, now=batch.now)


def _load_steps(practice: Practice, batch: _Batch, runs: list[_Run]) -> None:
    """The batch's versions' steps (with version, workflow, responsible staff member), one
    query, shared by every run of the batch."""
    version_ids = {run.enrolment.version_id for run in runs}
    steps = (
        for_practice(Step, practice)
        .filter(version_id__in=version_ids)
        .select_related("version__workflow", "task_assignee")
        .order_by("position", "id")
    )
    by_id = {}
    for step in steps:
        batch.steps.setdefault(step.version_id, []).append(step)
        by_id[step.pk] = step
    for run in runs:
        step = by_id[run.step_id]
        run.step = step
        run.enrolment.version = step.version
        run.enrolment.workflow = step.version.workflow


def _sort(batch: _Batch, run: _Run, goal_met: set[int]) -> None:
    enrolment = run.enrolment
    if enrolment.pk in goal_met:
        batch.goal_reached.append(enrolment.pk)  # goals.close_enrolments cancels the run
        return
    batch.expected += 1  # every other run gets one guarded write (_write)
    if not enrolment.is_active:
        batch.cancelled.append(run.pk)
    elif not enrolment.workflow.is_active:
        batch.held.append(run.pk)  # paused meanwhile: waits until it is active again
    elif (allowed := batch.allowed(run)) > batch.now:
        batch.postponed[allowed].append(run.pk)
    elif run.step.kind in Step.MESSAGE_KINDS:
        batch.messages.append(run)
    elif run.step.kind == Step.Kind.TASK:
        batch.tasks.append(run)
    else:
        batch.done.append(run)  # the closing pause is over


def _queue_messages(batch: _Batch) -> None:
    if not batch.messages:
        return
    requests = [
        sending.MessageRequest(
            key=message_key(run.enrolment_id, run.step_id),
            client=run.enrolment.client,
            patient_id=run.enrolment.patient_id,
            channel=run.step.kind,
            subject=run.step.subject,
            body=run.step.body,
            due_at=batch.now,
        )
        for run in batch.messages
    ]
    queued = sending.messages_queue(batch.practice, requests)
    for run, message in zip(batch.messages, queued, strict=True):
        run.message_id = message.id
        if message.refused:
            # No consent, opted out, no address: the client leaves this message step; the
            # enrolment goes on (later pauses and tasks still happen).
            batch.skipped[message.error].append(run)
        else:
            batch.done.append(run)
    if not all(message.refused for message in queued):
        sending.dispatch_soon()


def _create_tasks(batch: _Batch) -> None:
    if not batch.tasks:
        return
    # A task names its patient: the few runs with a task load theirs, one query.
    patients = for_practice(Patient, batch.practice).in_bulk(
        [run.enrolment.patient_id for run in batch.tasks]
    )
    for run in batch.tasks:
        step = run.step
        if step.task_assignee_id is None:
            batch.skipped[_("The responsible staff member no longer exists.")].append(run)
            continue
        try:
            run.task_id = sending.create_task(
                batch.practice,
                patient=patients[run.enrolment.patient_id],
                kind=step.task_kind,
                description=step.task_description,
                assignee=step.task_assignee,
                due_at=batch.now,
                workflow=run.enrolment.workflow,
            )
        except ValidationError as error:
            # E.g. the responsible staff member left: recorded, and the enrolment goes on.
            batch.skipped[" ".join(error.messages)].append(run)
            continue
        batch.done.append(run)


class Reclaimed(Exception):
    """Some of the batch's runs were reclaimed meanwhile (this worker was presumed dead):
    the whole batch rolls back and the other worker runs them."""


def _write(batch: _Batch) -> None:
    """Record every run's outcome, each UPDATE only on runs still claimed by this batch's
    claim; if any is not, roll everything back (Reclaimed)."""
    ours = for_practice(StepRun, batch.practice).filter(
        state=StepRun.State.RUNNING, claimed_at=batch.claimed_at
    )
    written = 0
    for due_at, ids in batch.postponed.items():
        written += ours.filter(AnyOf(F("id"), ids)).update(
            state=StepRun.State.PENDING, due_at=due_at
        )
    if batch.held:
        written += ours.filter(AnyOf(F("id"), batch.held)).update(state=StepRun.State.HELD)
    if batch.cancelled:
        written += ours.filter(AnyOf(F("id"), batch.cancelled)).update(
            state=StepRun.State.CANCELLED, note=_("The patient left the workflow.")
        )
    written += _finish(batch, batch.done, state=StepRun.State.DONE, note="")
    for note, skipped in batch.skipped.items():
        written += _finish(batch, skipped, state=StepRun.State.SKIPPED, note=note)
    if written != batch.expected:
        raise Reclaimed(f"{batch.expected - written} runs were reclaimed by another worker")
    _plan_next(batch, [*batch.done, *(run for group in batch.skipped.values() for run in group)])


def _finish(batch: _Batch, finished: list[_Run], *, state: str, note: str) -> int:
    """Mark `finished` runs `state` with their message or task: one statement for the
    batch (practice.bulk), only on runs this claim still holds; how many it marked."""
    if not finished:
        return 0
    note = note[:300]
    updated = update_from_values(
        StepRun,
        [(run.pk, state, note, batch.now, run.message_id, run.task_id) for run in finished],
        fields=["state", "note", "done_at", "message_id", "task_id"],
        only_if={
            "state": StepRun.State.RUNNING,
            "claimed_at": connection.ops.adapt_datetimefield_value(batch.claimed_at),
        },
    )
    return len(updated)


def _plan_next(batch: _Batch, finished: Iterable[_Run]) -> None:
    following: list[_Run] = []
    complete: list[int] = []
    for run in finished:
        plan = batch.plan_after(run)
        if plan is None:
            complete.append(run.enrolment_id)
        else:
            active = run.enrolment.workflow.is_active
            following.append(
                StepRun(
                    practice=batch.practice,
                    enrolment_id=run.enrolment_id,
                    step=plan.step,
                    due_at=plan.due_at,
                    state=StepRun.State.PENDING if active else StepRun.State.HELD,
                )
            )
    StepRun.objects.unscoped().bulk_create(following, ignore_conflicts=True)
    if complete:
        for_practice(Enrolment, batch.practice).filter(
            AnyOf(F("id"), complete), state=Enrolment.State.ACTIVE
        ).update(state=Enrolment.State.COMPLETED, ended_at=batch.now)
