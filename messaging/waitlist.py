"""Telling waitlist clients: a freed time offered to them, and that it has gone.

The offers themselves are made and claimed in `appointments.waitlist`; these services run
on its signals. A message names its offer (`Message.waitlist_offer`), not the cancelled
appointment, so cancelling that appointment's pending messages never touches it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from appointments.models import WaitlistEntry, WaitlistOffer
from practice.models import Practice
from practice.scoping import for_practice

from . import errors
from .models import Channel, Kind, Message
from .selectors import sms_gateway, template_for


def waitlist_offer_link(offer: WaitlistOffer) -> str:
    """The client's personal page to claim the offered time."""
    return settings.PUBLIC_BASE_URL + reverse("waitlist-offer", args=[offer.code])


def _failure_before_sending(practice: Practice, offer: WaitlistOffer, kind: str) -> str:
    # As for appointment messages, but the client and consultation type come from the offer.
    client = offer.entry.client
    if offer.channel == Channel.SMS:
        if sms_gateway(practice) is None:
            return errors.NO_GATEWAY
        if not client.mobile:
            return errors.NO_MOBILE
    if offer.channel == Channel.EMAIL and not client.email:
        return errors.NO_EMAIL
    template = template_for(
        practice,
        consultation_type_id=offer.consultation_type_id,
        kind=kind,
        channel=offer.channel,
        language=practice.language,
    )
    return "" if template else errors.NO_TEMPLATE


def _queue(practice: Practice, offer: WaitlistOffer, kind: str) -> Message | None:
    """A message about the offer due now, once per offer, kind and channel."""
    if not offer.channel:  # no usable mobile or email: staff see it on the entry
        return None
    key = f"waitlist:{offer.pk}:{kind}:{offer.channel}"
    existing = for_practice(Message, practice).filter(idempotency_key=key).first()
    if existing:
        return existing
    client = offer.entry.client
    failure = _failure_before_sending(practice, offer, kind)
    message = Message(
        practice=practice,
        waitlist_offer=offer,
        client=client,
        kind=kind,
        channel=offer.channel,
        recipient=client.mobile if offer.channel == Channel.SMS else client.email,
        due_at=timezone.now(),
        idempotency_key=key,
        status=Message.Status.FAILED if failure else Message.Status.SCHEDULED,
        error_code=failure,
        error=str(errors.REASONS[failure]) if failure else "",
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:  # a concurrent event created it first
        return for_practice(Message, practice).get(idempotency_key=key)
    return message


def _dispatch_soon() -> None:
    from .tasks import dispatch_due_messages_task

    transaction.on_commit(dispatch_due_messages_task.delay)


@transaction.atomic
def messages_waitlist_offered(practice: Practice, offers: list[WaitlistOffer]) -> list[Message]:
    """Offer each client the freed time, now, by the channel chosen on their offer."""
    made = [m for offer in offers if (m := _queue(practice, offer, Kind.WAITLIST_OFFER))]
    if any(m.status == Message.Status.SCHEDULED for m in made):
        _dispatch_soon()
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
        .select_related("entry__client")
    )
    made = [m for offer in to_tell if (m := _queue(practice, offer, Kind.WAITLIST_GONE))]
    if any(m.status == Message.Status.SCHEDULED for m in made):
        _dispatch_soon()
    return made
