"""Missed-call text-back (a practice setting, off by default): a missed call from a mobile
gets one SMS a day per number with the online booking link.

It goes through messaging's one way in (`messaging.outbox.message_queue`), so its rules
apply: the idempotency key 'textback:<e164>:<local date>' makes it once a day per number,
an opted-out number or a practice without an SMS gateway gets a failed message with its
reason for staff to see, and credit is taken when it is sent. It waits for the practice's
sending window (messaging settings, local time). Landlines get nothing: the number is not
a mobile, or the SMS gateway said the client's number is a landline.

Messaging addresses every message to a client, so only a caller whose number is on a
client's card is texted (an unknown caller has no one to address it to). The link carries
`utm_source=missed_call&utm_medium=sms`: a booking through it is recorded as a web request
of that client on that day, so it joins the caller's contact (`crm.online`).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

import phonenumbers
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from messaging.links import online_booking_link
from messaging.models import Channel, Kind, Message
from messaging.outbox import dispatch_soon, message_queue
from messaging.selectors import messaging_settings
from patients.models import Client
from practice import localtime
from practice.models import Practice
from practice.scoping import for_practice

from .models import Communication
from .recovery import is_missed_call

LINK_TAGS = {"utm_source": "missed_call", "utm_medium": "sms"}
MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


def is_mobile(e164: str) -> bool:
    try:
        return phonenumbers.number_type(phonenumbers.parse(e164, None)) in MOBILE_TYPES
    except phonenumbers.NumberParseException:
        return False


def text_back_key(e164: str, day) -> str:
    return f"textback:{e164}:{day.isoformat()}"


def text_back_body(practice: Practice) -> str:
    """The SMS, in the practice's language: `{practice}` is filled in at sending."""
    link = f"{online_booking_link(practice)}?{urlencode(LINK_TAGS)}"
    with translation.override(practice.language):
        return _("{practice}: sorry we missed your call. Book online: %(link)s") % {"link": link}


def text_back(practice: Practice, comms: Iterable[Communication], enabled: bool) -> list[Message]:
    """Queue the text-back for today's missed calls among `comms` from a client's mobile."""
    if not enabled:
        return []
    tz = practice.tz
    today = localtime.local_today(tz)
    calls = [
        c
        for c in comms
        if is_missed_call(c) and c.client_id and c.local_date == today and is_mobile(c.phone_e164)
    ]
    clients = for_practice(Client, practice).in_bulk({c.client_id for c in calls})
    window = messaging_settings(practice)
    due = localtime.earliest_within(
        timezone.now(), tz, window.reminder_window_start, window.reminder_window_end
    )
    queued = []
    for call in calls:
        client = clients.get(call.client_id)
        if client is None or client.mobile != call.phone_e164 or client.mobile_is_landline:
            continue
        message = message_queue(
            practice,
            key=text_back_key(call.phone_e164, call.local_date),
            client=client,
            kind=Kind.TEXT_BACK,
            channel=Channel.SMS,
            due_at=due,
            body=text_back_body(practice),
        )
        if message is not None:
            queued.append(message)
    dispatch_soon(queued)
    return queued
