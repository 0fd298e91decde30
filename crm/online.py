"""Online bookings are contacts too: each booking made on the online booking pages is
recorded as a processed web request (source 'online booking') with the UTM tags the page
was opened with, so its ad channel is found by the same rules, and its contact (the
client's, that local day) holds the appointment: result 'Booked'. A booking through a
missed-call text-back link joins the caller's contact: the link's `call` code names the
call, which takes the booking's client when no card had its number (same client, same day).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop

from appointments.models import Appointment
from practice import localtime
from practice.models import Practice
from practice.scoping import for_practice

from . import textback
from .derive import communications_changed
from .models import Communication, Source
from .reasons import reason

UTM = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


def online_booking_record(
    practice: Practice, appointment: Appointment, tags: dict[str, str]
) -> Communication:
    """The web request for an online booking (one per appointment: a repeated signal finds
    it), derived at once."""
    key = f"appointment:{appointment.pk}"
    found = for_practice(Communication, practice).filter(
        source=Source.ONLINE_BOOKING, provider_id=key
    )
    request = found.first()
    if request is None:
        client = appointment.client
        request = Communication(
            practice=practice,
            kind=Communication.Kind.WEB_REQUEST,
            direction=Communication.Direction.INCOMING,
            status=Communication.Status.PROCESSED,
            status_reason=reason(gettext_noop("Booked online")),
            source=Source.ONLINE_BOOKING,
            provider_id=key,
            started_at=appointment.created_at,
            processed_at=appointment.created_at,
            local_date=localtime.local_date(appointment.created_at, practice.tz),
            phone_raw=client.mobile,
            phone_e164=client.mobile,
            email=client.email,
            name_given=client.full_name,
            landing_page=tags.get("landing_page", "")[:500],
            location_id=appointment.location_id,
            **{name: tags.get(name, "")[:200] for name in UTM},
        )
        try:
            with transaction.atomic():
                request.save()
        except IntegrityError:  # recorded by a concurrent signal
            request = found.get()
    communications_changed(practice, [request.pk])
    # Then the call (its recovery reads the request's person, stored just now).
    communications_changed(practice, _text_back_call(practice, appointment, tags))
    return request


def _text_back_call(practice: Practice, appointment: Appointment, tags: dict[str, str]) -> list:
    """The missed call whose text-back link the booking came through (the `call` code the
    booking page kept): it now names this booking, so a caller on no client's card is the
    client who booked, and the call joins their contact. [] when there is none."""
    call = textback.call_from_code(practice, tags.get("call", ""))
    if call is None:
        return []
    if call.text_back_booking_id is None:
        for_practice(Communication, practice).filter(pk=call.pk).update(
            text_back_booking=appointment
        )
    return [call.pk]
