"""Appointments reacting to their own events (sent after commit by services)."""

from django.dispatch import receiver

from . import signals
from .waitlist import waitlist_offer_freed_time


@receiver(signals.appointment_cancelled)
def offer_freed_time(sender, *, practice, appointment, **kwargs):
    """Every cancellation path (staff, API, the client's link, online) frees time here."""
    waitlist_offer_freed_time(practice, appointment)
