"""React to changes that can make a patient match (or reach a goal): enrol them soon.

Appointment events come after commit from appointments.services; saves of patients,
clients, plans and treatments are deferred to after commit here. Either way the work is a
Celery task (in-process without Redis). A failure here never fails the change that caused
it: it is logged, and the periodic sweep enrols whom it missed.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from appointments import signals
from appointments.models import PlannedTreatment, TreatmentPlan
from patients.models import Client, Patient

log = logging.getLogger(__name__)


def _enqueue(practice_id: int, patient_ids: list[int]) -> None:
    from .tasks import workflows_enrol_task

    if not patient_ids:
        return
    try:
        workflows_enrol_task.delay(practice_id, patient_ids)
    except Exception:
        log.exception("Workflow enrolment for patients %s failed; the sweep will", patient_ids)


def _after_commit(practice_id: int, patient_ids: list[int]) -> None:
    transaction.on_commit(lambda: _enqueue(practice_id, patient_ids), robust=True)


@receiver(signals.appointment_booked)
@receiver(signals.appointment_moved)
@receiver(signals.appointment_cancelled)
@receiver(signals.appointment_status_changed)
def on_appointment_changed(sender, *, practice, appointment, **kwargs):
    """Sent after commit: appointment criteria, last/first appointment dates, the
    'booked an appointment' goal."""
    _enqueue(practice.pk, [appointment.patient_id])


@receiver(post_save, sender=Patient)
def on_patient_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _after_commit(instance.practice_id, [instance.pk])


@receiver(post_save, sender=Client)
def on_client_saved(sender, instance, raw=False, created=False, **kwargs):
    # A new client has no patients yet (theirs are saved next, and send their own signal).
    if raw or created:
        return
    practice_id, client_id = instance.practice_id, instance.pk

    def enqueue() -> None:
        ids = list(
            Patient.objects.unscoped()
            .filter(practice_id=practice_id, client_id=client_id)
            .values_list("pk", flat=True)
        )
        _enqueue(practice_id, ids)

    transaction.on_commit(enqueue, robust=True)


@receiver(post_save, sender=TreatmentPlan)
def on_plan_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _after_commit(instance.practice_id, [instance.patient_id])


@receiver(post_save, sender=PlannedTreatment)
def on_treatment_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    practice_id, plan_id = instance.practice_id, instance.plan_id

    def enqueue() -> None:
        ids = list(
            TreatmentPlan.objects.unscoped()
            .filter(practice_id=practice_id, pk=plan_id)
            .values_list("patient_id", flat=True)
        )
        _enqueue(practice_id, ids)

    transaction.on_commit(enqueue, robust=True)
