"""A message's status, and what the provider told us about a client's number."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from . import errors, signals
from .models import Message


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
    resent = status == Message.Status.SCHEDULED and expected in Message.OUTCOMES
    if status in Message.OUTCOMES or resent:
        signals.message_outcome_changed.send(
            sender=Message, message=message, previous_status=expected, actor=actor
        )
    return True


def flag_client_number(client, code: str) -> None:
    """What the gateway told us about a number, kept on the client for staff to see."""
    if code == errors.OPTED_OUT and not client.sms_opted_out:
        type(client).objects.unscoped().filter(pk=client.pk).update(sms_opted_out=True)
    elif code == errors.LANDLINE and not client.mobile_is_landline:
        type(client).objects.unscoped().filter(pk=client.pk).update(mobile_is_landline=True)
