"""Build the departure list when an appointment is completed (the patient is leaving)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from appointments import signals
from appointments.models import Appointment
from practice.models import Practice

from . import services


@receiver(signals.appointment_status_changed)
def on_status_changed(sender, *, practice, appointment, **kwargs):
    if appointment.status == Appointment.Status.COMPLETED:
        services.workflow_build(practice, appointment)


@receiver(post_save, sender=Practice)
def on_practice_created(sender, instance, created, **kwargs):
    if created:
        services.failure_reasons_install_defaults(instance)
