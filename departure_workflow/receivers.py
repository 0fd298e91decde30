"""Build the departure list when an appointment is completed (the patient is leaving), and
follow the outcome of the online booking links sent at checkout."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from appointments import signals
from appointments.models import Appointment
from messaging.models import Kind
from messaging.signals import message_outcome_changed
from practice.models import Practice

from . import services


@receiver(signals.appointment_status_changed)
def on_status_changed(sender, *, practice, appointment, **kwargs):
    if appointment.status == Appointment.Status.COMPLETED:
        services.workflow_build(practice, appointment)


@receiver(message_outcome_changed)
def on_message_outcome_changed(sender, *, message, actor=None, **kwargs):
    """A booking link sent at checkout failed, came back undelivered, or was sent again."""
    if message.kind == Kind.BOOKING_LINK:
        services.action_follow_booking_link(message.practice, message=message, actor=actor)


@receiver(post_save, sender=Practice)
def on_practice_created(sender, instance, created, **kwargs):
    if created:
        services.failure_reasons_install_defaults(instance)
