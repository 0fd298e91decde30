"""Reads for the checkout desk: today's departure lists, one list in full, the follow-ups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from appointments.models import PlannedTreatment
from practice.models import Location, Practice
from practice.scoping import for_practice

from .models import (
    ActionKind,
    CustomOption,
    CustomOptionLink,
    DepartureAction,
    DepartureStep,
    DepartureWorkflow,
    FailureReason,
    Outcome,
)


def checkout_list(
    practice: Practice, *, day: dt.date, location: Location | None = None
) -> QuerySet[DepartureWorkflow]:
    """The day's departure lists: still to check out first, then the completed ones."""
    workflows = for_practice(DepartureWorkflow, practice).filter(local_date=day)
    if location is not None:
        workflows = workflows.filter(location=location)
    return (
        workflows.select_related(
            "patient", "client", "practitioner__user", "appointment", "completed_by"
        )
        .annotate(
            open_actions=Count("actions", filter=Q(actions__outcome=Outcome.OPEN)),
            failed_actions=Count("actions", filter=Q(actions__outcome=Outcome.FAILED)),
        )
        .order_by("-status", "appointment__ends_at")
    )


def workflow_detail(practice: Practice, workflow_id) -> DepartureWorkflow:
    """One list with what the checkout screen shows, in a fixed number of queries; 404 for
    another practice's id exactly like a missing one."""
    try:
        return (
            for_practice(DepartureWorkflow, practice)
            .select_related(
                "patient",
                "client",
                "location",
                "practitioner__user",
                "appointment__consultation_type",
                "completed_by",
            )
            .prefetch_related(
                Prefetch(
                    "actions",
                    queryset=for_practice(DepartureAction, practice).select_related(
                        "booked_appointment__consultation_type",
                        "booked_appointment__location",
                        "booking_link_message",
                        "failure_reason",
                    ),
                ),
                Prefetch(
                    "steps",
                    queryset=for_practice(DepartureStep, practice).select_related("by", "action"),
                ),
            )
            .get(pk=workflow_id)
        )
    except (DepartureWorkflow.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No departure list matches the given query.") from exc


def workflow_options(practice: Practice, workflow: DepartureWorkflow) -> list[CustomOption]:
    return list(
        for_practice(CustomOption, practice)
        .filter(appointment_id=workflow.appointment_id)
        .prefetch_related(
            Prefetch("links", queryset=for_practice(CustomOptionLink, practice).order_by("id"))
        )
    )


def workflow_for_appointment(practice: Practice, appointment) -> DepartureWorkflow | None:
    return for_practice(DepartureWorkflow, practice).filter(appointment=appointment).first()


def appointment_options(practice: Practice, appointment) -> list[CustomOption]:
    return list(
        for_practice(CustomOption, practice)
        .filter(appointment=appointment)
        .select_related("added_by")
        .prefetch_related(
            Prefetch("links", queryset=for_practice(CustomOptionLink, practice).order_by("id"))
        )
    )


def failure_reason_choices(practice: Practice, kind: str | None = None) -> QuerySet[FailureReason]:
    """The practice's active reasons; with `kind`, those offered for that action."""
    reasons = for_practice(FailureReason, practice).filter(is_active=True)
    if kind is not None:
        reasons = reasons.filter(Q(kind="") | Q(kind=kind))
    return reasons


@dataclass
class ReasonList:
    """One action's failure reasons on the settings page (`kind` empty: every action)."""

    kind: str
    label: str
    reasons: list[FailureReason] = field(default_factory=list)
    # A refused addition on the settings page: why, and what was typed.
    error: str = ""
    typed: str = ""


def failure_reasons_by_action(practice: Practice) -> list[ReasonList]:
    """Every reason of the practice, active or not, per action in checkout order; each with
    `used` (named by a recorded action: it can be deactivated, never deleted). One query."""
    used = for_practice(DepartureAction, practice).filter(failure_reason=OuterRef("pk"))
    lists = {"": ReasonList("", str(_("Every action")))}
    lists.update({kind: ReasonList(kind, str(label)) for kind, label in ActionKind.choices})
    reasons = (
        for_practice(FailureReason, practice)
        .annotate(used=Exists(used))
        .order_by("kind", "position", "label", "id")
    )
    for reason in reasons:
        lists.setdefault(reason.kind, ReasonList(reason.kind, reason.kind)).reasons.append(reason)
    return list(lists.values())


def treatments_to_book(
    practice: Practice, workflow: DepartureWorkflow, booked_id: int | None = None
) -> list[PlannedTreatment]:
    """What the 'Book planned treatment' card names: the patient's treatments marked to be
    booked that are still planned, and those booked into `booked_id` at this checkout."""
    booked = Q(appointment_id=booked_id) if booked_id else Q(pk__in=[])
    return list(
        for_practice(PlannedTreatment, practice)
        .filter(plan__patient_id=workflow.patient_id, to_book=True)
        .filter(Q(status=PlannedTreatment.Status.PLANNED) | booked)
        .order_by("id")
    )


def follow_up_list(practice: Practice, kinds=None) -> QuerySet[DepartureAction]:
    """Postponed items not yet worked: treatment to book, details to collect; newest first."""
    items = for_practice(DepartureAction, practice).filter(
        outcome=Outcome.POSTPONED, followed_up_at__isnull=True
    )
    if kinds:
        items = items.filter(kind__in=kinds)
    return items.select_related(
        "workflow__patient", "workflow__client", "practitioner__user"
    ).order_by("-local_date", "-id")
