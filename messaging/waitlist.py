"""Telling waitlist clients: a freed time offered to them, and that it has gone.

The offers themselves are made and claimed in `appointments.waitlist`; these services run
on its signals. A message names its offer (`Message.waitlist_offer`), not the cancelled
appointment, so cancelling that appointment's pending messages never touches it.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from appointments.models import WaitlistEntry, WaitlistOffer
from practice import localtime
from practice.models import Practice
from practice.scoping import for_practice

from . import outbox
from .models import Kind, Message
from .selectors import messaging_settings


def waitlist_message_due(
    practice: Practice, offer: WaitlistOffer, *, now: dt.datetime | None = None
) -> dt.datetime:
    """Now, or when the practice's local sending hours (the reminder window) open again:
    nobody is texted about a free time in the middle of the night."""
    prefs = messaging_settings(practice)
    return localtime.earliest_within(
        now or timezone.now(),
        offer.location.tz,
        prefs.reminder_window_start,
        prefs.reminder_window_end,
    )


def _queue(practice: Practice, offer: WaitlistOffer, kind: str) -> Message | None:
    """A message about the offer, once per offer, kind and channel, within sending hours."""
    if not offer.channel:  # no usable mobile or email: staff see it on the entry
        return None
    due_at = waitlist_message_due(practice, offer)
    if due_at >= offer.starts_at:
        return None  # by the time we may text, the offered time has begun
    return outbox.message_queue(
        practice,
        key=f"waitlist:{offer.pk}:{kind}:{offer.channel}",
        client=offer.entry.client,
        kind=kind,
        channel=offer.channel,
        due_at=due_at,
        consultation_type_id=offer.consultation_type_id,
        waitlist_offer=offer,
    )


@transaction.atomic
def messages_waitlist_offered(practice: Practice, offers: list[WaitlistOffer]) -> list[Message]:
    """Offer each client the freed time, now, by the channel chosen on their offer."""
    made = [m for offer in offers if (m := _queue(practice, offer, Kind.WAITLIST_OFFER))]
    if any(m.status == Message.Status.SCHEDULED for m in made):
        outbox.dispatch_soon()
    return made


@transaction.atomic
def messages_waitlist_gone(practice: Practice, offers: list[WaitlistOffer]) -> list[Message]:
    """Tell each client the time they were offered has gone.

    An offer not sent yet is simply not sent: that client never heard of the time. A client
    whose entry was booked meanwhile (through another offer) is not told either.
    """
    ids = [offer.pk for offer in offers]
    unsent = for_practice(Message, practice).filter(
        waitlist_offer_id__in=ids, kind=Kind.WAITLIST_OFFER, status=Message.Status.SCHEDULED
    )
    never_told = set(unsent.values_list("waitlist_offer_id", flat=True))
    unsent.update(status=Message.Status.CANCELLED, updated_at=timezone.now())
    to_tell = (
        for_practice(WaitlistOffer, practice)
        .filter(pk__in=ids, entry__status=WaitlistEntry.Status.OPEN)
        .exclude(pk__in=never_told)
        .select_related("entry__client", "location__practice")
    )
    made = [m for offer in to_tell if (m := _queue(practice, offer, Kind.WAITLIST_GONE))]
    if any(m.status == Message.Status.SCHEDULED for m in made):
        outbox.dispatch_soon()
    return made
