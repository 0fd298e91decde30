"""Whether a message may go to a client: one rule, asked when a message is queued (outbox)
and again when it is sent (dispatch), so consent withdrawn or an opt-out in between stops
what was queued before."""

from __future__ import annotations

from . import errors
from .models import OWN_TEXT_KINDS, Channel, Kind

__all__ = ["client_failure"]


def client_failure(
    *,
    kind: str,
    channel: str,
    has_gateway: bool,
    mobile: str,
    email: str,
    sms_opted_out: bool,
    marketing_consent: bool | None,
    body: str = "",
) -> str:
    """The reasons a message cannot go that lie with the client, the channel and its text
    (an `errors` code, or ''): from plain values, so one message and a thousand at once
    (messages_queue_bulk) are judged by the same rule."""
    if channel == Channel.SMS:
        if not has_gateway:
            return errors.NO_GATEWAY
        if not mobile:
            return errors.NO_MOBILE
        if sms_opted_out:
            return errors.OPTED_OUT
    if channel == Channel.EMAIL and not email:
        return errors.NO_EMAIL
    if kind == Kind.MARKETING and marketing_consent is not True:
        return errors.NO_CONSENT
    if kind in OWN_TEXT_KINDS and not body.strip():
        return errors.NO_TEXT
    return ""
