"""Missed-call text-back (a practice setting, off by default): a missed call from a mobile
gets one SMS a day per number with the online booking link.

It goes through messaging's one way in (`messaging.outbox.message_queue`), so its rules
apply: the idempotency key 'textback:<e164>:<local date>' makes it once a day per number,
an opted-out number or a practice without an SMS gateway gets a failed message with its
reason for staff to see, and credit is taken when it is sent. It waits for the practice's
sending window (messaging settings, local time). Landlines get nothing: the number is not
a mobile, or the SMS gateway said the client's number is a landline.

A caller whose number is on a client's card is texted as that client (their card's opt-out
and landline flag count); an unknown caller is texted at the number itself (messaging keeps
that number's STOP). The link carries `utm_source=missed_call&utm_medium=sms` and `call`, a
signed code naming the missed call, which the booking page keeps like the UTM tags: a
booking through it is recorded as a web request of the client who booked, and the call
takes that client when no card had its number (`crm.matching`), so both are one contact.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

import phonenumbers
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import base36_to_int, int_to_base36
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


def text_back_code(call: Communication) -> str:
    """A short code naming the missed call in the booking link: its id and a signature
    (nobody can attach their booking to another caller's call by guessing ids)."""
    ident = int_to_base36(call.pk)
    return f"{ident}-{_signature(ident)}"


def _signature(ident: str) -> str:
    return salted_hmac("crm.textback.call", ident).hexdigest()[:10]


def call_from_code(practice: Practice, code: str) -> Communication | None:
    """The practice's missed call a genuine code names, else None."""
    ident, _dash, signature = (code or "").partition("-")
    if not ident or not constant_time_compare(signature, _signature(ident)):
        return None
    try:
        pk = base36_to_int(ident)
    except ValueError:
        return None
    call = for_practice(Communication, practice).filter(pk=pk).first()
    return call if call is not None and is_missed_call(call) else None


def text_back_body(practice: Practice, call: Communication) -> str:
    """The SMS, in the practice's language: `{practice}` is filled in at sending."""
    tags = {**LINK_TAGS, "call": text_back_code(call)}
    link = f"{online_booking_link(practice)}?{urlencode(tags)}"
    with translation.override(practice.language):
        return _("{practice}: sorry we missed your call. Book online: %(link)s") % {"link": link}


def text_back(practice: Practice, comms: Iterable[Communication], enabled: bool) -> list[Message]:
    """Queue the text-back for today's missed calls among `comms` from a mobile: a client's
    (as that client) or an unknown caller's (to the number). Not to the practice's own
    numbers (an internal call)."""
    if not enabled:
        return []
    tz = practice.tz
    today = localtime.local_today(tz)
    calls = [
        c
        for c in comms
        if is_missed_call(c)
        and c.local_date == today
        and c.person_kind != Communication.PersonKind.EMPLOYEE
        and c.phone_e164
        and is_mobile(c.phone_e164)
    ]
    if not calls:
        return []
    clients = for_practice(Client, practice).in_bulk({c.client_id for c in calls} - {None})
    window = messaging_settings(practice)
    due = localtime.earliest_within(
        timezone.now(), tz, window.reminder_window_start, window.reminder_window_end
    )
    queued = []
    for call in calls:
        client = clients.get(call.client_id) if call.client_id else None
        if client is not None and (client.mobile != call.phone_e164 or client.mobile_is_landline):
            continue  # matched by email, or the gateway said the card's number is a landline
        message = message_queue(
            practice,
            key=text_back_key(call.phone_e164, call.local_date),
            client=client,
            to_phone=call.phone_e164,
            kind=Kind.TEXT_BACK,
            channel=Channel.SMS,
            due_at=due,
            body=text_back_body(practice, call),
        )
        if message is not None:
            queued.append(message)
    dispatch_soon(queued)
    return queued
