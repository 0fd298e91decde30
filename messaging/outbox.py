"""The one way in for every app that sends a client a message.

Confirmations, reminders, booking links, waitlist offers and workflow messages are all
queued here: a row per message with its due time and an idempotency key (unique per
practice), so a repeated event or a retry finds the message instead of sending it twice;
a message that cannot go (no mobile, no consent, no gateway, no template) is saved failed
with its reason, for staff to see. `dispatch_soon` asks a worker to send what is due once
the caller's transaction has committed. Which channels reach a client is decided by
`patients.models.Client.usable_channels` alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from practice.models import Practice
from practice.scoping import for_practice

from . import errors
from .models import OWN_TEXT_KINDS, Channel, Kind, Message
from .selectors import sms_gateway, template_for
from .tasks import dispatch_due_messages_task

# Ask for the client's best channel: SMS to a usable mobile, else email.
BEST = "best"
# `failure_before_sending` looks the practice's SMS gateway up unless given it.
_LOOK_UP = object()


def client_channels(practice: Practice, client) -> list[str]:
    """The channels that reach `client` now, best first."""
    return client.usable_channels(sms=sms_gateway(practice) is not None)


def best_channel(practice: Practice, client) -> str:
    """SMS to a usable mobile when the practice can send SMS, else email, else ''."""
    channels = client_channels(practice, client)
    return channels[0] if channels else ""


def failure_before_sending(
    practice: Practice,
    *,
    client,
    kind: str,
    channel: str,
    consultation_type_id: int | None = None,
    body: str = "",
    gateway: Any = _LOOK_UP,
) -> str:
    """Why a message cannot go out (an `errors` code), or '' when it can be tried.
    `gateway`: the practice's SMS gateway (or None) when the caller has looked it up."""
    if channel == Channel.SMS:
        if gateway is _LOOK_UP:
            gateway = sms_gateway(practice)
        if gateway is None:
            return errors.NO_GATEWAY
        if not client.mobile:
            return errors.NO_MOBILE
        if client.sms_opted_out:
            return errors.OPTED_OUT
    if channel == Channel.EMAIL and not client.email:
        return errors.NO_EMAIL
    if kind == Kind.MARKETING and client.marketing_consent is not True:
        return errors.NO_CONSENT
    if kind in OWN_TEXT_KINDS:
        return "" if body.strip() else errors.NO_TEXT
    template = template_for(
        practice,
        consultation_type_id=consultation_type_id,
        kind=kind,
        channel=channel,
        language=practice.language,
    )
    return "" if template else errors.NO_TEMPLATE


def message_queue(
    practice: Practice,
    *,
    key: str,
    client,
    kind: str,
    channel: str,
    due_at: dt.datetime | None = None,
    consultation_type_id: int | None = None,
    patient=None,
    subject: str = "",
    body: str = "",
    **about,
) -> Message | None:
    """The message under `key`: the existing one, or a new one due at `due_at` (now by
    default); None when `channel` is BEST and nothing reaches the client.

    A message that cannot be sent is saved failed with its reason. Kinds with a text of
    their own (workflow messages) take `subject` and `body`, templates with placeholders
    rendered at sending; the others render the practice's template for the kind. `about`
    names the appointment or waitlist offer the message is about.
    """
    existing = for_practice(Message, practice).filter(idempotency_key=key).first()
    if existing:
        return existing
    message = _new_message(
        practice,
        _LOOK_UP,
        key=key,
        client=client,
        kind=kind,
        channel=channel,
        due_at=due_at,
        consultation_type_id=consultation_type_id,
        patient=patient,
        subject=subject,
        body=body,
        **about,
    )
    if message is None:
        return None
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:  # a concurrent event created it first
        return for_practice(Message, practice).get(idempotency_key=key)
    return message


def messages_queue_many(
    practice: Practice, requests: Sequence[Mapping[str, Any]]
) -> list[Message | None]:
    """`message_queue` for many messages at once, with the same rules and results (in the
    order of `requests`, each holding message_queue's keyword arguments), in a few queries
    instead of a few per message: a workflow step queues thousands at a time."""
    keys = [request["key"] for request in requests]
    found = {
        message.idempotency_key: message
        for message in for_practice(Message, practice).filter(idempotency_key__in=keys)
    }
    gateway = sms_gateway(practice)
    new = []
    for request in requests:
        if request["key"] not in found:
            message = _new_message(practice, gateway, **request)
            if message is not None:
                new.append(message)
                found[message.idempotency_key] = message
    try:
        with transaction.atomic():
            Message.objects.unscoped().bulk_create(new, batch_size=1000)
    except IntegrityError:  # a concurrent event queued some of them first: one by one
        return [message_queue(practice, **request) for request in requests]
    return [found.get(key) for key in keys]


def _new_message(
    practice: Practice,
    gateway: Any,
    *,
    key: str,
    client,
    kind: str,
    channel: str,
    due_at: dt.datetime | None = None,
    consultation_type_id: int | None = None,
    patient=None,
    subject: str = "",
    body: str = "",
    **about,
) -> Message | None:
    """The unsaved message, failed with its reason when it cannot go; None when `channel`
    is BEST and nothing reaches the client. `gateway` as for failure_before_sending."""
    if channel == BEST:
        if gateway is _LOOK_UP:
            gateway = sms_gateway(practice)
        channels = client.usable_channels(sms=gateway is not None)
        if not channels:
            return None
        channel = channels[0]
    failure = failure_before_sending(
        practice,
        client=client,
        kind=kind,
        channel=channel,
        consultation_type_id=consultation_type_id,
        body=body,
        gateway=gateway,
    )
    return Message(
        practice=practice,
        client=client,
        patient=patient,
        kind=kind,
        channel=channel,
        recipient=client.mobile if channel == Channel.SMS else client.email,
        subject=subject,
        body=body,
        due_at=due_at or timezone.now(),
        idempotency_key=key,
        status=Message.Status.FAILED if failure else Message.Status.SCHEDULED,
        error_code=failure,
        error=str(errors.REASONS[failure]) if failure else "",
        **about,
    )


def dispatch_soon(messages: Iterable[Message | None] | None = None) -> None:
    """Once the current transaction commits, ask a worker to send what is due now (beat
    would within 15 seconds anyway; a confirmation should not wait for it). Given the
    messages just queued, only when one of them waits to go out now."""
    if messages is not None:
        now = timezone.now()
        if not any(
            m is not None and m.status == Message.Status.SCHEDULED and m.due_at <= now
            for m in messages
        ):
            return
    transaction.on_commit(dispatch_due_messages_task.delay)
