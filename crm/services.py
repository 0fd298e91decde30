"""Writes for CRM tasks: create, complete, reassign, and close a workflow's open tasks.

Rights: tasks are the whole desk's work, so any active member of the practice (any role)
may create, complete or reassign any task of that practice, not only their own; a
superuser may too. `actor=None` is the system (a workflow step run by the scheduler): it
may create and close workflow tasks, never staff ones. Each service is one transaction and
writes an audit row per task it changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.models import Patient
from practice import localtime
from practice.models import Membership, Practice
from practice.rights import actor_membership
from practice.scoping import for_practice
from practice.services import audit_log_write

from .models import Task
from .receivers import task_acted_on


def _on_commit_task_acted_on(practice: Practice, task: Task) -> None:
    """A task done or passed on may be what an outgoing call just before was for."""
    client_id = task.patient.client_id
    transaction.on_commit(lambda: task_acted_on(practice, client_id))


def _require_member(practice: Practice, actor, *, system_allowed: bool = False) -> None:
    """Any active member of `practice` (or a superuser) may work on its tasks; no actor is
    the system, allowed only where `system_allowed`."""
    if actor is None and system_allowed:
        return
    if getattr(actor, "is_superuser", False) or actor_membership(practice, actor) is not None:
        return
    raise PermissionDenied(_("Only the practice's staff can work on its tasks."))


def _check_assignee(practice: Practice, assignee: Membership) -> None:
    """The person responsible is an active member of this practice (read from the database:
    a membership deactivated a moment ago is refused). Another practice's member is refused
    with the same words as a missing one."""
    active = for_practice(Membership, practice).filter(pk=assignee.pk, is_active=True)
    if assignee.pk is None or not active.exists():
        raise ValidationError(
            {"assignee": _("Choose an active staff member of this practice.")},
            code="assignee",
        )


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _locked_open(practice: Practice, task: Task) -> Task:
    """`task` re-read under a row lock; refused unless it is still open (two people may
    press Done at the same moment: one wins, the other is told)."""
    locked = for_practice(Task, practice).select_for_update().filter(pk=task.pk).first()
    if locked is None:
        raise ValidationError(_("This task does not exist in this practice."), code="missing")
    if not locked.is_open:
        raise ValidationError(_("This task is already closed."), code="closed")
    return locked


def _check_new_task(practice: Practice, *, patient, kind, description, due_at, origin, origin_id):
    if patient.practice_id != practice.pk:
        raise ValidationError({"patient": _("This patient is not in this practice.")})
    if kind not in Task.Kind.values:
        raise ValidationError({"kind": _("Choose a task type.")})
    if origin not in Task.Origin.values:
        raise ValidationError({"origin": _("Unknown origin of a task.")})
    if origin != Task.Origin.STAFF and origin_id is None:
        raise ValidationError({"origin": _("A task made by a workflow names it.")})
    if len(description) > Task.DESCRIPTION_MAX:
        message = _("Keep the description within %(n)d characters.") % {"n": Task.DESCRIPTION_MAX}
        raise ValidationError({"description": message})
    if due_at is not None and timezone.is_naive(due_at):
        raise ValidationError({"due_at": _("A due time needs its time zone.")})


@transaction.atomic
def task_create(
    practice: Practice,
    *,
    actor,
    patient: Patient,
    kind: str,
    description: str,
    assignee: Membership,
    due_at: dt.datetime | None = None,
    origin: str = Task.Origin.STAFF,
    origin_id: int | None = None,
    origin_label: str = "",
) -> Task:
    """A task for `assignee` about `patient`. `due_at` is an aware instant (stored in UTC;
    None: no due time, so no reminder). A workflow passes `origin=Task.Origin.WORKFLOW`, its
    id and its current name, and `actor=None` when the scheduler runs it."""
    _require_member(practice, actor, system_allowed=origin != Task.Origin.STAFF)
    description = description.strip()
    _check_new_task(
        practice,
        patient=patient,
        kind=kind,
        description=description,
        due_at=due_at,
        origin=origin,
        origin_id=origin_id,
    )
    _check_assignee(practice, assignee)
    task = Task.objects.unscoped().create(
        practice=practice,
        patient=patient,
        kind=kind,
        description=description,
        assignee=assignee,
        due_at=localtime.utc(due_at) if due_at is not None else None,
        origin=origin,
        origin_id=origin_id,
        origin_label=origin_label.strip()[:200],
        created_by=_user(actor),
    )
    audit_log_write(
        practice,
        actor=actor,
        action="task.create",
        obj=task,
        data={"assignee": assignee.pk, "kind": kind, "origin": origin, "origin_id": origin_id},
    )
    return task


@transaction.atomic
def task_complete(practice: Practice, *, actor, task: Task) -> Task:
    """Mark an open task done, by `actor`, now."""
    _require_member(practice, actor)
    task = _locked_open(practice, task)
    task.status = Task.Status.DONE
    task.done_at = timezone.now()
    task.done_by = _user(actor)
    task.save(update_fields=["status", "done_at", "done_by"])
    audit_log_write(practice, actor=actor, action="task.complete", obj=task)
    _on_commit_task_acted_on(practice, task)
    return task


@transaction.atomic
def task_reassign(practice: Practice, *, actor, task: Task, assignee: Membership) -> Task:
    """Give an open task to another active member of the practice. Its due reminder goes to
    the new person: one already sent to the previous one is sent again when it is due."""
    _require_member(practice, actor)
    _check_assignee(practice, assignee)
    task = _locked_open(practice, task)
    previous = task.assignee_id
    if previous == assignee.pk:
        return task
    task.assignee = assignee
    task.reminded_at = None
    task.save(update_fields=["assignee", "reminded_at"])
    audit_log_write(
        practice,
        actor=actor,
        action="task.reassign",
        obj=task,
        data={"from": previous, "to": assignee.pk},
    )
    _on_commit_task_acted_on(practice, task)
    return task


@transaction.atomic
def tasks_close_open(
    practice: Practice,
    *,
    actor,
    patient: Patient,
    origin: str,
    origin_id: int,
    kinds: Iterable[str] | None = None,
    note: str = "",
) -> int:
    """Cancel `patient`'s open tasks made by `origin` `origin_id` (of `kinds`, else every
    kind), e.g. when a workflow's goal is reached and its calls are no longer needed.
    Returns how many were closed. Done tasks and other origins' tasks stay as they are."""
    _require_member(practice, actor, system_allowed=True)
    matching = for_practice(Task, practice).filter(
        patient_id=patient.pk, origin=origin, origin_id=origin_id, status=Task.Status.OPEN
    )
    if kinds is not None:
        matching = matching.filter(kind__in=list(kinds))
    ids = list(matching.select_for_update().values_list("pk", flat=True))
    if not ids:
        return 0
    now = timezone.now()
    closed = for_practice(Task, practice).filter(pk__in=ids)
    closed.update(
        status=Task.Status.CANCELLED, done_at=now, done_by=_user(actor), close_note=note[:300]
    )
    for task in closed.only("pk"):
        audit_log_write(
            practice, actor=actor, action="task.close", obj=task, data={"note": note[:300]}
        )
    return len(ids)
