"""A message's status, and what the provider told us about a client's number."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from practice.bulk import update_from_values

from . import errors, signals
from .models import Message, SmsOptOut


@transaction.atomic(savepoint=False)  # one UPDATE: no savepoint needed inside a caller's
def message_set_status(
    message: Message, *, status: str, expected: str, actor=None, **fields
) -> bool:
    """Move `message` from status `expected` to `status`, saving `fields` with it; False,
    and nothing saved, when its status is no longer `expected` (someone moved it first).

    The one way a queued message's status changes (Twilio's callback, the dispatcher's
    refusal or send, the reconciler, a resend by staff), so reaching an outcome (delivered,
    failed, undelivered), or being scheduled again after one, always sends
    `signals.message_outcome_changed`. System paths call it with a row they found by its
    id, across practices, hence no `practice` argument.
    """
    fields.setdefault("updated_at", timezone.now())
    rows = Message.objects.unscoped().filter(pk=message.pk, status=expected)
    if not rows.update(status=status, **fields):
        return False
    message.status = status
    for name, value in fields.items():
        setattr(message, name, value)
    if _is_outcome_change(status, expected):
        signals.message_outcome_changed.send(
            sender=Message, message=message, previous_status=expected, actor=actor
        )
    return True


def _is_outcome_change(status: str, expected: str) -> bool:
    """Reaching an outcome, or being scheduled again after one: what other apps hear of."""
    resent = status == Message.Status.SCHEDULED and expected in Message.OUTCOMES
    return status in Message.OUTCOMES or resent


def messages_set_status(
    messages: Sequence[Message], *, expected: str, fields: Sequence[str]
) -> set[int]:
    """`message_set_status` for many: move each of `messages` from status `expected` to
    its own `status`, saving its `fields` with it. Returns the ids that moved; a message no
    longer in `expected` (someone moved it first) is left as it is, nothing saved.

    The dispatcher's batch: the changes nobody listens to (queued, sent, a retry) take
    one UPDATE for all; each outcome goes through `message_set_status`, so it is
    signalled, in its own transaction, as ever.
    """
    quiet = [m for m in messages if not _is_outcome_change(m.status, expected)]
    moved = _set_quietly(quiet, expected=expected, fields=fields) if quiet else set()
    for message in messages:
        if _is_outcome_change(message.status, expected) and message_set_status(
            message,
            status=message.status,
            expected=expected,
            **{name: getattr(message, name) for name in fields},
        ):
            moved.add(message.pk)
    return moved


def _set_quietly(messages: list[Message], *, expected: str, fields: Sequence[str]) -> set[int]:
    now = timezone.now()
    names = ["status", *fields]
    # One statement: a row a status callback moved on meanwhile no longer matches.
    moved = update_from_values(
        Message,
        [[m.pk, now, *(getattr(m, name) for name in names)] for m in messages],
        fields=["updated_at", *names],
        only_if={"status": expected},
    )
    for message in messages:
        if message.pk in moved:
            message.updated_at = now
    return moved


def flag_number(message: Message, code: str) -> None:
    """What the gateway told us about a message's number: on the client's card, or (a
    number on no client's card) its opt-out kept for the number itself."""
    if message.client_id is not None:
        flag_client_number(message.client, code)
    elif code == errors.OPTED_OUT:
        sms_opt_out(message.practice_id, message.recipient, opted_out=True)


def sms_opt_out(practice_id: int, number: str, *, opted_out: bool) -> None:
    """STOP (opted_out) or START for `number` in a practice, kept for the number itself."""
    rows = SmsOptOut.objects.unscoped().filter(practice_id=practice_id, number=number)
    if not opted_out:
        rows.delete()
    elif number and not rows.exists():
        SmsOptOut.objects.unscoped().bulk_create(
            [SmsOptOut(practice_id=practice_id, number=number)], ignore_conflicts=True
        )


def flag_client_number(client, code: str) -> None:
    """What the gateway told us about a number, kept on the client for staff to see."""
    if code == errors.OPTED_OUT and not client.sms_opted_out:
        type(client).objects.unscoped().filter(pk=client.pk).update(sms_opted_out=True)
    elif code == errors.LANDLINE and not client.mobile_is_landline:
        type(client).objects.unscoped().filter(pk=client.pk).update(mobile_is_landline=True)
