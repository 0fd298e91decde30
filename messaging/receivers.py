"""React to appointment events (sent after commit by appointments.services)."""

from django.db import transaction
from django.dispatch import receiver

from appointments import signals

from . import services
from .tasks import dispatch_due_messages_task


def _dispatch_soon() -> None:
    # Confirmations are due now: ask a worker at once instead of waiting for beat.
    transaction.on_commit(dispatch_due_messages_task.delay)


@receiver(signals.appointment_booked)
def on_booked(sender, *, practice, appointment, **kwargs):
    if services.messages_schedule_for_appointment(practice, appointment):
        _dispatch_soon()


@receiver(signals.appointment_moved)
def on_moved(sender, *, practice, appointment, **kwargs):
    if services.messages_on_appointment_moved(practice, appointment):
        _dispatch_soon()


@receiver(signals.appointment_cancelled)
def on_cancelled(sender, *, practice, appointment, **kwargs):
    services.messages_cancel_pending(practice, appointment)


@receiver(signals.appointment_status_changed)
def on_status_changed(sender, *, practice, appointment, **kwargs):
    if not appointment.holds_time:  # no-show
        services.messages_cancel_pending(practice, appointment)
