"""The addresses messages carry: a client's appointment page, the practice's booking page, a
waitlist offer's page and the unsubscribe page. All absolute, from PUBLIC_BASE_URL."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from appointments.links import appointment_link_code
from appointments.models import Appointment, WaitlistOffer
from practice.models import Practice

UNSUBSCRIBE_SALT = "messaging.unsubscribe"
# A placeholder that stands for a link not made yet (a preview must not write a code).
SAMPLE_APPOINTMENT_LINK = "https://example.com/a/abc123"


def _absolute(path: str) -> str:
    return settings.PUBLIC_BASE_URL + path


def appointment_link(appointment: Appointment) -> str:
    """The client's personal page to confirm or cancel (gives the appointment its code)."""
    return _absolute(reverse("appointment-link", args=[appointment_link_code(appointment)]))


def appointment_link_if_made(appointment: Appointment) -> str:
    """The personal page if the appointment has its code already, else a sample: for
    previews, which must not write."""
    if not appointment.link_code:
        return SAMPLE_APPOINTMENT_LINK
    return _absolute(reverse("appointment-link", args=[appointment.link_code]))


def online_booking_link(practice: Practice, *, language: str = "") -> str:
    """Where a client books online: the practice's booking page; in `language` when it is
    not the practice's own (the page opens in the client's language, not the practice's)."""
    url = _absolute(reverse("online-booking", args=[practice.slug]))
    return f"{url}?lang={language}" if language and language != practice.language else url


def waitlist_offer_link(offer: WaitlistOffer) -> str:
    """The client's personal page to claim the offered time."""
    return _absolute(reverse("waitlist-offer", args=[offer.code]))


def unsubscribe_token(client) -> str:
    """A signed token naming the client (and their practice), for the unsubscribe link."""
    return signing.dumps([client.practice_id, client.pk], salt=UNSUBSCRIBE_SALT, compress=True)


def client_from_unsubscribe_token(token: str) -> tuple[int, int] | None:
    """(practice id, client id) of a genuine token, else None."""
    try:
        practice_id, client_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not (isinstance(practice_id, int) and isinstance(client_id, int)):
        return None
    return practice_id, client_id


def unsubscribe_link(client) -> str:
    """The page where a client stops news and offers (marketing) from the practice."""
    return _absolute(reverse("unsubscribe", args=[unsubscribe_token(client)]))
