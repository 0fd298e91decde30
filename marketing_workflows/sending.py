"""The workflow's only doors to messaging and to the CRM's tasks.

Messages go through `messaging.outbox` (consent, opt-out, channel, credit and delivery
status are messaging's); tasks through `crm.services`. Nothing else in this app imports
either, so a change of their interface lands here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone

from messaging import outbox
from messaging.models import Kind, Message
from messaging.selectors import sms_gateway
from messaging.status import message_set_status
from messaging.templating import CLIENT_PLACEHOLDERS, render, sms_segments, validate_placeholders
from practice.models import Practice

MessageRequest = outbox.BulkMessage

__all__ = [
    "MessageRequest",
    "close_recall_tasks",
    "create_task",
    "messages_cancel",
    "messages_queue",
    "render",
    "sample_segments",
    "sample_values",
    "sms_credit",
    "sms_segments",
    "text_check",
]


def sample_values() -> dict[str, str]:
    """Example values of the placeholders a workflow's message may use."""
    return CLIENT_PLACEHOLDERS


def sample_segments(text: str) -> int:
    """The segments an SMS text takes once its placeholders are filled with example values:
    what the builder shows and the dry run counts against the credit, for one message."""
    return sms_segments(render(text, sample_values()))


def text_check(text: str) -> None:
    """Refuse placeholders a workflow's message cannot fill (ValidationError)."""
    validate_placeholders(text, CLIENT_PLACEHOLDERS)


def messages_queue(
    practice: Practice, requests: Sequence[outbox.BulkMessage]
) -> list[outbox.Queued]:
    """Queue each step's message (or find it by its key), in order, as news and offers
    (kind MARKETING: consent needed, an unsubscribe link). A message that cannot go (no
    consent, opted out, no mobile or email, no gateway) comes back refused with its reason."""
    return outbox.messages_queue_bulk(practice, kind=Kind.MARKETING, messages=requests)


def dispatch_soon() -> None:
    """Ask a worker to send what is due once this transaction commits."""
    outbox.dispatch_soon()


def messages_cancel(practice: Practice, message_ids: Sequence[int]) -> int:
    """Cancel those of `message_ids` not sent yet (a removed patient's queued message)."""
    cancelled = 0
    pending = Message.objects.unscoped().filter(
        practice_id=practice.pk, pk__in=list(message_ids), status=Message.Status.SCHEDULED
    )
    for message in pending:
        cancelled += message_set_status(
            message,
            status=Message.Status.CANCELLED,
            expected=Message.Status.SCHEDULED,
            updated_at=timezone.now(),
        )
    return cancelled


def sms_credit(practice: Practice) -> int | None:
    """The practice's SMS credit in segments; None when it has no SMS gateway."""
    gateway = sms_gateway(practice)
    return None if gateway is None else gateway.credit_segments


def create_task(
    practice: Practice,
    *,
    patient,
    kind: str,
    description: str,
    assignee,
    due_at: dt.datetime,
    workflow,
) -> int:
    """A CRM task for the step's responsible staff member; returns its id."""
    from crm.models import Task
    from crm.services import task_create

    task = task_create(
        practice,
        actor=None,
        patient=patient,
        kind=kind,
        description=description,
        assignee=assignee,
        due_at=due_at,
        origin=Task.Origin.WORKFLOW,
        origin_id=workflow.pk,
        origin_label=workflow.name,
    )
    return task.pk


def close_recall_tasks(practice: Practice, *, patient, workflow, note: str) -> int:
    """Close the workflow's open recall tasks for the patient (the goal was reached)."""
    from crm.models import Task
    from crm.services import tasks_close_open

    return tasks_close_open(
        practice,
        actor=None,
        patient=patient,
        origin=Task.Origin.WORKFLOW,
        origin_id=workflow.pk,
        kinds=[Task.Kind.RECALL],
        note=note,
    )


def task_counts(practice: Practice, workflow) -> tuple[int, int]:
    """(created, done) of the workflow's tasks, from the CRM."""
    from crm.models import Task
    from crm.selectors import task_counts_by_origin

    counts = task_counts_by_origin(practice, Task.Origin.WORKFLOW, workflow.pk)
    return counts.created, counts.done
