"""React to appointment events (sent after commit by appointments.services)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from appointments import signals
from practice.models import Practice

from . import outbox, services, waitlist


@receiver(signals.appointment_booked)
@receiver(signals.appointment_moved)
@receiver(signals.appointment_cancelled)
@receiver(signals.appointment_status_changed)
def on_appointment_changed(sender, *, practice, appointment, **kwargs):
    """Every change brings the confirmation and reminders in line with the appointment."""
    outbox.dispatch_soon(services.messages_schedule_for_appointment(practice, appointment))


@receiver(signals.appointment_cancelled)
def on_appointment_cancelled(sender, *, practice, appointment, by_client=False, **kwargs):
    """The client is told (or, having cancelled themselves, gets it confirmed)."""
    message = services.message_cancellation_for_appointment(
        practice, appointment, by_client=by_client
    )
    outbox.dispatch_soon([message])


@receiver(signals.waitlist_offered)
def on_waitlist_offered(sender, *, practice, offers, **kwargs):
    waitlist.messages_waitlist_offered(practice, offers)


@receiver(signals.waitlist_offers_gone)
def on_waitlist_offers_gone(sender, *, practice, offers, **kwargs):
    waitlist.messages_waitlist_gone(practice, offers)


@receiver(post_save, sender=Practice)
def on_practice_created(sender, instance, created, **kwargs):
    """Every new practice starts with the shipped templates (en, nl, it, ru, fi)."""
    if created and not kwargs.get("raw"):
        services.templates_install_defaults(instance)
