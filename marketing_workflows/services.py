"""Writes: build, activate and pause workflows; enrol, remove; the periodic sweep and the
runner's entry point. Each outermost call is one transaction.

Versions: a workflow's current version is edited in place until it goes live
(`activated_at`); from then on it is frozen, and saving changes makes the next version,
which goes live at once when the workflow is active (with activation's checks). Patients
already enrolled finish the version they entered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from practice.models import Practice
from practice.reasons import reason
from practice.rights import Right, require_right
from practice.scoping import for_practice
from practice.services import audit_log_write

from . import checks, enrolment, goals, runner
from .models import Criterion, Enrolment, Step, StepRun, Workflow, WorkflowVersion
from .selectors import workflow_dry_run

CRITERION_FIELDS = ("subject", "field", "operator", "value", "value_to")
STEP_FIELDS = (
    "kind",
    "pause_days",
    "pause_hours",
    "pause_minutes",
    "subject",
    "body",
    "task_kind",
    "task_description",
    "task_assignee_id",
)


def _name_check(practice: Practice, name: str, workflow: Workflow | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the workflow a name.")})
    if len(name) > 120:
        raise ValidationError({"name": _("At most %(max)s characters.") % {"max": 120}})
    taken = for_practice(Workflow, practice).filter(name__iexact=name)
    if workflow is not None:
        taken = taken.exclude(pk=workflow.pk)
    if taken.exists():
        raise ValidationError({"name": _("Another workflow already has this name.")})
    return name


@transaction.atomic
def workflow_create(practice: Practice, *, actor, name: str) -> Workflow:
    """A new, paused workflow with an empty first version to fill in."""
    require_right(practice, actor, Right.MANAGE_WORKFLOWS)
    user = actor if getattr(actor, "is_authenticated", False) else None
    workflow = Workflow.objects.unscoped().create(
        practice=practice, name=_name_check(practice, name), created_by=user
    )
    version = WorkflowVersion.objects.unscoped().create(
        practice=practice, workflow=workflow, number=1, created_by=user
    )
    workflow.current_version = version
    workflow.save(update_fields=["current_version", "updated_at"])
    audit_log_write(practice, actor=actor, action="workflow.create", obj=workflow)
    return workflow


@transaction.atomic
def workflow_rename(practice: Practice, *, actor, workflow: Workflow, name: str) -> Workflow:
    require_right(practice, actor, Right.MANAGE_WORKFLOWS)
    workflow.name = _name_check(practice, name, workflow)
    workflow.save(update_fields=["name", "updated_at"])
    audit_log_write(practice, actor=actor, action="workflow.rename", obj=workflow)
    return workflow


def _locked(practice: Practice, workflow: Workflow) -> Workflow:
    return (
        for_practice(Workflow, practice)
        .select_for_update(of=("self",))
        .select_related("current_version")
        .get(pk=workflow.pk)
    )


def _copy(source: object, fields: Sequence[str]) -> dict[str, Any]:
    if isinstance(source, Mapping):
        return {name: source[name] for name in fields if name in source}
    return {name: getattr(source, name) for name in fields}


def _rows(practice: Practice, criteria: Iterable[object], steps: Iterable[object]):
    new_criteria = [
        Criterion(practice=practice, position=index, **_copy(c, CRITERION_FIELDS))
        for index, c in enumerate(criteria)
    ]
    new_steps = [
        Step(practice=practice, position=index, **_copy(s, STEP_FIELDS))
        for index, s in enumerate(steps)
    ]
    for criterion in new_criteria:
        criterion.value_to = criterion.value_to or ""
    return new_criteria, new_steps


@transaction.atomic
def workflow_version_save(
    practice: Practice,
    *,
    actor,
    workflow: Workflow,
    settings: Mapping[str, Any],
    criteria: Sequence[object],
    steps: Sequence[object],
    now: dt.datetime | None = None,
) -> WorkflowVersion:
    """Replace what the workflow does: its settings (checks.SETTINGS), its criteria and its
    steps in order (Criterion / Step objects, saved or not, or mappings of their fields).

    Raises checks.VersionInvalid (per setting and per row) and saves nothing when any is
    wrong. A version that has been live is kept for the patients in it: the changes make a
    new version, live at once when the workflow is active (after the dry run's credit check,
    which may refuse it)."""
    require_right(practice, actor, Right.MANAGE_WORKFLOWS)
    now = now or timezone.now()
    workflow = _locked(practice, workflow)
    new_criteria, new_steps = _rows(practice, criteria, steps)
    checks.version_check(practice, settings=settings, criteria=new_criteria, steps=new_steps)
    version = workflow.current_version
    if version is None or version.is_frozen:
        version = _next_version(practice, workflow, actor)
    for name, value in settings.items():
        setattr(version, name, value)
    version.save()
    for_practice(Criterion, practice).filter(version_id=version.pk).delete()
    for_practice(Step, practice).filter(version_id=version.pk).delete()
    for row in (*new_criteria, *new_steps):
        row.version = version
    Criterion.objects.unscoped().bulk_create(new_criteria)
    Step.objects.unscoped().bulk_create(new_steps)
    if workflow.current_version_id != version.pk:
        workflow.current_version = version
        workflow.save(update_fields=["current_version", "updated_at"])
    if workflow.is_active and not version.is_frozen:
        _go_live(practice, workflow, version, now)
    audit_log_write(
        practice,
        actor=actor,
        action="workflow.version_save",
        obj=workflow,
        data={"version": version.number},
    )
    return version


def _next_version(practice: Practice, workflow: Workflow, actor) -> WorkflowVersion:
    last = for_practice(WorkflowVersion, practice).filter(workflow_id=workflow.pk)
    number = (last.aggregate(n=Max("number"))["n"] or 0) + 1
    return WorkflowVersion(
        practice=practice,
        workflow=workflow,
        number=number,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _go_live(
    practice: Practice, workflow: Workflow, version: WorkflowVersion, now: dt.datetime
) -> int:
    """Make `version` the live one of the (active) workflow and enrol whom it takes now."""
    problems = checks.activation_errors(
        list(enrolment.version_criteria(practice, version)),
        enrolment.version_steps(practice, version),
    )
    if problems:
        raise ValidationError(problems)
    refusal = workflow_dry_run(practice, version=version, now=now).refusal
    if refusal:
        raise ValidationError(refusal, code="credit")
    enrolment.lock_workflows(practice)
    version.activated_at = now
    version.save(update_fields=["activated_at"])
    if not version.enrol_existing:
        enrolment.hold_prior_matches(practice, version, now=now)
        return 0
    return enrolment.enrol(practice, version, now=now)


def _workflow_runs(practice: Practice, workflow: Workflow, state: str):
    enrolments = for_practice(Enrolment, practice).filter(workflow_id=workflow.pk)
    return for_practice(StepRun, practice).filter(
        state=state, enrolment_id__in=enrolments.values("pk")
    )


@dataclass(frozen=True)
class Activation:
    workflow: Workflow
    enrolled: int


@transaction.atomic
def workflow_activate(
    practice: Practice, *, actor, workflow: Workflow, now: dt.datetime | None = None
) -> Activation:
    """Turn the workflow on. Its version goes live if it has not yet (enrolling everyone
    who matches when 'enrol existing' is ticked); refused with the reason (ValidationError)
    when it has no criterion or no action, or when the SMS credit would not cover the first
    round (see selectors.workflow_dry_run)."""
    require_right(practice, actor, Right.MANAGE_WORKFLOWS)
    now = now or timezone.now()
    workflow = _locked(practice, workflow)
    if workflow.is_active:
        return Activation(workflow, 0)
    workflow.status = Workflow.Status.ACTIVE
    workflow.save(update_fields=["status", "updated_at"])
    _workflow_runs(practice, workflow, StepRun.State.HELD).update(state=StepRun.State.PENDING)
    version = workflow.current_version
    enrolled = 0
    if not version.is_frozen:
        enrolled = _go_live(practice, workflow, version, now)
    else:
        refusal = workflow_dry_run(practice, version=version, now=now).refusal
        if refusal:
            raise ValidationError(refusal, code="credit")
    audit_log_write(
        practice,
        actor=actor,
        action="workflow.activate",
        obj=workflow,
        data={"version": version.number, "enrolled": enrolled},
    )
    return Activation(workflow, enrolled)


@transaction.atomic
def workflow_pause(practice: Practice, *, actor, workflow: Workflow) -> Workflow:
    """Turn the workflow off: nobody enters, and enrolled patients' steps wait (they run,
    within the allowed hours, once it is active again)."""
    require_right(practice, actor, Right.MANAGE_WORKFLOWS)
    workflow = _locked(practice, workflow)
    workflow.status = Workflow.Status.PAUSED
    workflow.save(update_fields=["status", "updated_at"])
    _workflow_runs(practice, workflow, StepRun.State.PENDING).update(state=StepRun.State.HELD)
    audit_log_write(practice, actor=actor, action="workflow.pause", obj=workflow)
    return workflow


@transaction.atomic
def enrolment_remove(
    practice: Practice, *, actor, enrolment: Enrolment, note: str = ""
) -> Enrolment:
    """Staff take the patient out: their waiting steps are cancelled at once, with their
    messages not sent yet. They are not enrolled in this workflow again."""
    require_right(practice, actor, Right.MANAGE_WORKFLOWS)
    if enrolment.practice_id != practice.pk:
        raise ValidationError(_("Unknown enrolment."))
    ended = goals.close_enrolments(
        practice,
        [enrolment.pk],
        state=Enrolment.State.REMOVED,
        now=timezone.now(),
        note=(note or "").strip() or reason(gettext_noop("Removed by staff.")),
        actor=actor,
    )
    if not ended:
        raise ValidationError(_("The patient is no longer in this workflow."))
    audit_log_write(practice, actor=actor, action="enrolment.remove", obj=ended[0])
    return ended[0]


@dataclass(frozen=True)
class Sweep:
    enrolled: int
    goals_reached: int
    released: int


@transaction.atomic
def workflows_enrol(
    practice: Practice,
    *,
    patient_ids: Iterable[int] | None = None,
    now: dt.datetime | None = None,
) -> Sweep:
    """Bring the practice's enrolments up to date (for `patient_ids`, after a change to
    them, or for everyone, the periodic sweep): goals met end their enrolments; prior
    matches who no longer match are released; every active workflow enrols whom it takes
    now, oldest workflow first. A few queries per workflow, never one per patient."""
    now = now or timezone.now()
    ids = None if patient_ids is None else list(patient_ids)
    reached = goals.goals_sweep(practice, now=now, patient_ids=ids)
    enrolled = released = 0
    for workflow in enrolment.lock_workflows(practice):
        version = workflow.current_version
        if not version.is_frozen:
            continue  # made active outside the services (admin's list edit): not live yet
        if not version.enrol_existing:
            released += enrolment.release_prior_matches(practice, version, now=now, patient_ids=ids)
        enrolled += enrolment.enrol(practice, version, now=now, patient_ids=ids)
    return Sweep(enrolled=enrolled, goals_reached=reached, released=released)


def workflow_steps_run_due(*, limit: int | None = None, workers: int | None = None) -> int:
    """Run every due step of every practice, batch by batch; how many runs were taken.

    When more than one batch is due (a workflow activated for a whole practice), `workers`
    threads (WORKFLOW_WORKERS) drain the rest side by side, each with its own database
    connection: every batch is its own transaction and SKIP LOCKED keeps two threads off
    the same runs, exactly as with two worker processes. Most of a batch's time is spent
    in the database, so the threads use the machine's other cores."""
    limit = limit or django_settings.WORKFLOW_BATCH
    workers = workers or django_settings.WORKFLOW_WORKERS
    total = 0
    while taken := runner.run_due(limit=limit):
        total += taken
        if taken == limit and workers > 1:  # a backlog: drain it side by side
            with ThreadPoolExecutor(workers, thread_name_prefix="workflow-runs") as pool:
                total += sum(pool.map(_drain_in_thread, [limit] * workers))
    return total


def _drain(limit: int) -> int:
    total = 0
    while taken := runner.run_due(limit=limit):
        total += taken
    return total


def _drain_in_thread(limit: int) -> int:
    try:
        return _drain(limit)
    finally:
        connection.close()  # this thread's own connection
