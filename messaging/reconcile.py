"""Settle sends whose outcome we do not know, without ever sending twice.

- A row left in 'sending' (its worker was killed mid-send) becomes 'unknown'.
- An 'unknown' SMS is looked up in Twilio's own record: found, it takes Twilio's SID and
  status; still absent after a grace period, it never reached Twilio and is scheduled
  again (same row, same idempotency key).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from practice.tenancy import practice_scope

from . import errors
from .models import Channel, Message
from .providers import TemporaryFailure, sms_provider
from .selectors import sms_gateway
from .status import message_set_status


def reconcile_uncertain(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    stuck_before = now - dt.timedelta(seconds=settings.MESSAGING_STUCK_SECONDS)
    stuck = (
        Message.objects.unscoped()
        .filter(status=Message.Status.SENDING, updated_at__lt=stuck_before)
        .update(status=Message.Status.UNKNOWN, updated_at=now)
    )
    found = resent = 0
    provider = sms_provider()
    unknown = (
        Message.objects.unscoped()
        .filter(status=Message.Status.UNKNOWN)
        .select_related("practice")[: settings.MESSAGING_BATCH]
    )
    for message in unknown:
        with practice_scope(message.practice_id):
            outcome = _settle(message, provider, now)
        found += outcome == "found"
        resent += outcome == "resent"
    return {"stuck": stuck, "found": found, "resent": resent}


def _settle(message: Message, provider, now: dt.datetime) -> str:
    gateway = sms_gateway(message.practice) if message.channel == Channel.SMS else None
    sent = None
    if gateway is not None:
        try:
            sent = provider.find_sent(gateway=gateway, message=message)
        except TemporaryFailure:
            return "later"
    if sent is not None:
        message_set_status(
            message,
            status=sent.status,
            expected=Message.Status.UNKNOWN,
            provider_id=sent.provider_id,
            sent_at=message.updated_at,
            error="",
            updated_at=now,
        )
        return "found"
    grace = dt.timedelta(seconds=settings.MESSAGING_UNKNOWN_GRACE_SECONDS)
    if message.updated_at > now - grace:
        return "later"  # Twilio's list may lag: give it time before concluding
    message_set_status(
        message,
        status=Message.Status.SCHEDULED,
        expected=Message.Status.UNKNOWN,
        due_at=now,
        updated_at=now,
        error_code=errors.RESENDING,
        error=errors.REASON_IDS[errors.RESENDING],
    )
    return "resent"
