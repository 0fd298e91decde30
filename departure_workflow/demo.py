"""Demo departure lists: three months of completed checkouts for the report, and today's
completed appointments waiting at the desk, built by the real rules."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from appointments.models import Appointment, ConsultationType
from practice import localtime
from practice.models import Membership, Practice, Role
from practice.scoping import for_practice

from .models import (
    ActionKind,
    CustomOption,
    CustomOptionLink,
    DepartureAction,
    DepartureWorkflow,
    FailureReason,
    Outcome,
    PostponeReason,
)
from .services import failure_reasons_install_defaults, workflow_build

FEES = {
    "examination": "45.00",
    "treatment": "95.00",
    "dentist_recall": "52.50",
    "hygienist_recall": "61.00",
    "vaccination": "55.00",
    "surgery": "240.00",
    "other": "40.00",
}
HISTORY_DAYS = 90
# How often each action applies at a checkout, and its outcome odds (success, postponed).
ODDS = {
    ActionKind.PLANNED_TREATMENT: (0.18, 0.62, 0.2),
    ActionKind.DENTIST_RECALL: (0.25, 0.8, 0.0),
    ActionKind.HYGIENIST_RECALL: (0.2, 0.7, 0.0),
    ActionKind.PAYMENT: (0.7, 0.88, 0.0),
    ActionKind.MOBILE: (0.06, 0.55, 0.3),
    ActionKind.EMAIL: (0.15, 0.5, 0.3),
    ActionKind.MARKETING_CONSENT: (0.3, 0.6, 0.25),
    ActionKind.CUSTOM: (0.05, 0.75, 0.0),
}


def demo_departures(practice: Practice) -> None:
    failure_reasons_install_defaults(practice)
    for ctype in for_practice(ConsultationType, practice):
        ctype.fee = Decimal(FEES.get(ctype.category, "40.00"))
        ctype.save(update_fields=["fee"])
    rng = random.Random(practice.pk * 7)
    _history(practice, rng)
    _today(practice, rng)


def _history(practice: Practice, rng: random.Random) -> None:
    today = localtime.local_today(practice.tz)
    since = localtime.day_bounds(today - dt.timedelta(days=HISTORY_DAYS), practice.tz)[0]
    start_of_today = localtime.day_bounds(today, practice.tz)[0]
    desk = list(
        for_practice(Membership, practice)
        .filter(role__in=[Role.RECEPTION, Role.DIRECTOR])
        .values_list("user_id", flat=True)
    )
    reasons = list(for_practice(FailureReason, practice))
    appointments = list(
        for_practice(Appointment, practice)
        .filter(
            status=Appointment.Status.COMPLETED,
            starts_at__gte=since,
            starts_at__lt=start_of_today,
        )
        .select_related("location")
    )
    workflows = DepartureWorkflow.objects.unscoped().bulk_create(
        DepartureWorkflow(
            practice=practice,
            appointment=a,
            patient_id=a.patient_id,
            client_id=a.client_id,
            location_id=a.location_id,
            practitioner_id=a.practitioner_id,
            local_date=localtime.local_date(a.starts_at, a.location.tz),
            status=DepartureWorkflow.Status.COMPLETED,
            completed_at=a.ends_at + dt.timedelta(minutes=rng.randint(2, 15)),
            completed_by_id=rng.choice(desk),
        )
        for a in appointments
    )
    actions, failed_workflows = [], []
    vet = practice.kind == Practice.Kind.VET
    for wf in workflows:
        failed = False
        for kind, (applies, success, postponed) in ODDS.items():
            if vet and kind in (ActionKind.DENTIST_RECALL, ActionKind.HYGIENIST_RECALL):
                continue
            if rng.random() >= applies:
                continue
            roll = rng.random()
            outcome = (
                Outcome.SUCCESS
                if roll < success
                else Outcome.POSTPONED
                if roll < success + postponed
                else Outcome.FAILED
            )
            failed |= outcome == Outcome.FAILED
            actions.append(
                DepartureAction(
                    practice=practice,
                    workflow=wf,
                    kind=kind,
                    outcome=outcome,
                    amount_due=Decimal("61.50") if kind == ActionKind.PAYMENT else None,
                    paid_amount=(
                        Decimal("61.50")
                        if kind == ActionKind.PAYMENT and outcome == Outcome.SUCCESS
                        else 0
                    ),
                    prompt_later=outcome == Outcome.POSTPONED and kind != "planned_treatment",
                    postpone_reason=(
                        ""
                        if outcome != Outcome.POSTPONED
                        else PostponeReason.BOOKING_LINK_SENT
                        if kind == ActionKind.PLANNED_TREATMENT
                        else PostponeReason.PROMPT_LATER
                    ),
                    failure_reason=(
                        rng.choice([r for r in reasons if r.fits(kind)] or reasons)
                        if outcome == Outcome.FAILED
                        else None
                    ),
                    judged_at=wf.completed_at,
                    local_date=wf.local_date,
                    location_id=wf.location_id,
                    practitioner_id=wf.practitioner_id,
                    completed_by_id=wf.completed_by_id,
                )
            )
        if failed:
            failed_workflows.append(wf.pk)
    DepartureAction.objects.unscoped().bulk_create(actions, batch_size=5000)
    DepartureWorkflow.objects.unscoped().filter(pk__in=failed_workflows).update(has_failure=True)


def _today(practice: Practice, rng: random.Random) -> None:
    """Today's finished appointments wait at the checkout; a few carry a leaflet to hand out."""
    today = localtime.local_today(practice.tz)
    start = localtime.day_bounds(today, practice.tz)[0]
    done = list(
        for_practice(Appointment, practice)
        .filter(
            status=Appointment.Status.COMPLETED,
            starts_at__gte=start,
            ends_at__lte=timezone.now(),
        )
        .select_related("location", "client", "patient")
    )
    for appointment in done[:2]:
        option = CustomOption.objects.unscoped().create(
            practice=practice,
            appointment=appointment,
            message="Geef de folder over nazorg mee" if not practice.is_vet else "Anna ohjeet",
        )
        CustomOptionLink.objects.unscoped().create(
            practice=practice,
            option=option,
            title="Nazorg (PDF)" if not practice.is_vet else "Hoito-ohje (PDF)",
            url="https://example.org/leaflets/aftercare.pdf",
        )
    for appointment in done:
        workflow_build(practice, appointment)
