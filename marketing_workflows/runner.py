"""The runner: take due step runs, do each step's work, finish it and plan the next.

One transaction a batch (run_due), which commits all of it or none of it:

1. Take: up to WORKFLOW_BATCH due pending runs of active workflows, across practices,
   locked with their enrolments by one SELECT ... FOR NO KEY UPDATE SKIP LOCKED, so two
   workers never take the same run (nor a run whose enrolment staff are ending just now).
   Nothing is written to take them: the row locks are the claim.
2. Run, practice by practice (each share in a savepoint, in its practice's scope): queue
   each step's message (its idempotency key is enrolment + step) or create its task, mark
   the run done and create the next run or complete the enrolment.
3. Commit. The runs stay pending until this commit makes them done, together with their
   messages: a worker killed anywhere before it (or a lost connection) rolls everything
   back, its locks vanish with its connection, and the next worker takes the same runs
   at once, to run them once: never skipped, never doubled (the message key would find a
   first message anyway). No 'running' state, no claim time, no reclaim after a timeout.

A practice's share that fails (an error in its data, not a dead worker) is rolled back to
its savepoint and tried again WORKFLOW_RETRY_SECONDS later (`attempts` counts the failures),
so other practices go on and the loop of run_due calls does not take it again at once.

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
from django.utils.translation import gettext_noop

from patients.models import Patient
from practice.bulk import AnyOf, update_from_values
from practice.models import Practice
from practice.reasons import reason
from practice.scoping import for_practice
from practice.tenancy import practice_scope

from . import goals, sending, timing
from .models import Enrolment, Step, StepRun, Workflow, WorkflowVersion, message_key

log = logging.getLogger(__name__)


class _Batch:
    """One practice's share of a batch of runs, sorted by what happens to them, then
    written with a few statements (not one a run)."""

    def __init__(self, practice: Practice, now: dt.datetime) -> None:
        self.practice = practice
        self.now = now
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
    """A step run taken by this transaction: what the runner reads and what it writes
    back (_write)."""

    pk: int
    enrolment_id: int
    step_id: int
    message_id: int | None
    task_id: int | None
    enrolment: _Enrolment
    step: Step | None = None


# One row a run: the run, its enrolment and the client's contact (a batch loads thousands
# as plain values: every column and every model instance left out is work saved).
# Why a run was skipped or cancelled: stored as codes, read in the reader's language.
NO_ASSIGNEE = gettext_noop("The responsible staff member no longer exists.")
LEFT_WORKFLOW = gettext_noop("The patient left the workflow.")

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


def _run_from_row(row: Iterable[object]) -> _Run:
    (
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
    ) = row
    return _Run(
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


# The batch's runs and their enrolments are locked (FOR NO KEY UPDATE: what the UPDATEs
# that finish them take anyway, so inserting a next run, whose foreign key takes a KEY
# SHARE lock on its enrolment, is not blocked). Skipping runs whose enrolment is locked
# keeps the lock order one-way: staff removing a patient lock the enrolment, then its runs.
_LOCK = "FOR NO KEY UPDATE OF {runs}, {enrolments} SKIP LOCKED"


def take_due_runs(*, limit: int, now: dt.datetime) -> dict[int, list[_Run]]:
    """Lock up to `limit` due runs of every practice and their enrolments, for the current
    transaction; return them by practice, read with what running them needs."""
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("Take due runs inside a transaction.")
    # System-wide, deliberately across practices (like messaging's claim); each practice's
    # runs are then done inside its own scope. One table and its partial index lead the
    # plan (a paused workflow's runs are 'held', not pending, so no join filters them);
    # with the LIMIT the other tables are joined by primary key, row by row.
    due = (
        StepRun.objects.unscoped()
        .filter(state=StepRun.State.PENDING, due_at__lte=now)
        .order_by("due_at", "id")
        .values_list("practice_id", *_RUN_COLUMNS)[:limit]
    )
    sql, params = due.query.sql_with_params()
    quote = connection.ops.quote_name
    lock = _LOCK.format(
        runs=quote(StepRun._meta.db_table), enrolments=quote(Enrolment._meta.db_table)
    )
    taken: dict[int, list[_Run]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} {lock}", params)
        for practice_id, *row in cursor.fetchall():
            taken[practice_id].append(_run_from_row(row))
    return taken


def run_due(*, limit: int | None = None, now: dt.datetime | None = None) -> int:
    """Take one batch of due runs, run them and commit, all in one transaction. Returns how
    many were taken (0: nothing is due that another worker does not hold)."""
    now = now or timezone.now()
    with transaction.atomic():
        taken = take_due_runs(limit=limit or settings.WORKFLOW_BATCH, now=now)
        for practice_id, runs in taken.items():
            practice = Practice.objects.get(pk=practice_id)
            with practice_scope(practice):
                try:
                    with transaction.atomic():  # a savepoint: one practice's failure
                        run_taken(practice, runs)
                except Exception:
                    # Rolled back to the savepoint; the runs, still pending and locked, are
                    # tried again later (not by the next batch of this very loop).
                    log.exception("Workflow runs of practice %s failed", practice_id)
                    _retry_later(practice, runs, now)
    return sum(len(runs) for runs in taken.values())


def _retry_later(practice: Practice, runs: list[_Run], now: dt.datetime) -> None:
    retry_at = now + dt.timedelta(seconds=settings.WORKFLOW_RETRY_SECONDS)
    for_practice(StepRun, practice).filter(
        AnyOf(F("id"), [run.pk for run in runs]), state=StepRun.State.PENDING
    ).update(due_at=retry_at, attempts=F("attempts") + 1)


def run_taken(practice: Practice, runs: list[_Run]) -> None:
    """Run the practice's share of a batch: runs locked by this transaction (take_due_runs)."""
    if not runs:
        return
    batch = _Batch(practice, timezone.now())
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
        # Followed once a step, not once a run (a related object's descriptor is slow).
        by_id[step.pk] = (step, step.version, step.version.workflow)
    for run in runs:
        run.step, run.enrolment.version, run.enrolment.workflow = by_id[run.step_id]


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
            batch.skipped[message.reason].append(run)
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
            batch.skipped[reason(NO_ASSIGNEE)].append(run)
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


def _write(batch: _Batch) -> None:
    """Record every run's outcome, a few statements for the batch. The runs are locked by
    this transaction, so each is still pending; a count that differs is a bug, and rolls
    the practice's share back (run_due retries it later)."""
    ours = for_practice(StepRun, batch.practice).filter(state=StepRun.State.PENDING)
    written = 0
    for due_at, ids in batch.postponed.items():
        written += ours.filter(AnyOf(F("id"), ids)).update(due_at=due_at)
    if batch.held:
        written += ours.filter(AnyOf(F("id"), batch.held)).update(state=StepRun.State.HELD)
    if batch.cancelled:
        written += ours.filter(AnyOf(F("id"), batch.cancelled)).update(
            state=StepRun.State.CANCELLED, note=reason(LEFT_WORKFLOW)
        )
    written += _finish(batch, batch.done, state=StepRun.State.DONE, note="")
    for note, skipped in batch.skipped.items():
        written += _finish(batch, skipped, state=StepRun.State.SKIPPED, note=note)
    if written != batch.expected:
        raise RuntimeError(f"{batch.expected - written} locked runs were no longer pending")
    _plan_next(batch, [*batch.done, *(run for group in batch.skipped.values() for run in group)])


def _finish(batch: _Batch, finished: list[_Run], *, state: str, note: str) -> int:
    """Mark `finished` runs `state` with their message or task: one statement for the
    batch (practice.bulk); how many it marked."""
    if not finished:
        return 0
    note = note[:300]
    updated = update_from_values(
        StepRun,
        [(run.pk, state, note, batch.now, run.message_id, run.task_id) for run in finished],
        fields=["state", "note", "done_at", "message_id", "task_id"],
        only_if={"state": StepRun.State.PENDING},
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
