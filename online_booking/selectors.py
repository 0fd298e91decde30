"""Reads for the public booking pages and endpoints: what a practice opens online."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from practice.models import Practice
from practice.scoping import for_practice

from .availability import booking_settings
from .models import OnlineBooking, OnlineBookingSettings, OnlineLocation, Reason, ReasonGroup


def open_locations(
    practice: Practice, settings: OnlineBookingSettings | None = None
) -> list[OnlineLocation]:
    """The locations open to online booking ([] when the practice has it switched off)."""
    if not (settings or booking_settings(practice)).enabled:
        return []
    return list(
        for_practice(OnlineLocation, practice)
        .filter(enabled=True, location__is_active=True)
        .select_related("location__practice")
        .order_by("location__name")
    )


def open_location(practice: Practice, location_id: int | None) -> OnlineLocation | None:
    """The location if online booking is open there: the one rule for 'open here' (the
    pages, the JSON endpoints and the booking service ask it)."""
    if location_id is None:
        return None
    return next((o for o in open_locations(practice) if o.location_id == location_id), None)


def active_reason(practice: Practice, reason_id: int | None) -> Reason | None:
    """An active reason of the practice (None for a missing id or another practice's)."""
    if reason_id is None:
        return None
    return (
        for_practice(Reason, practice)
        .filter(pk=reason_id, is_active=True)
        .select_related("consultation_type", "group")
        .first()
    )


@dataclass
class GroupOfReasons:
    group: ReasonGroup
    reasons: list[Reason] = field(default_factory=list)


def reason_groups(practice: Practice, *, species: str = "") -> list[GroupOfReasons]:
    """Active reasons in their groups, in order; with `species`, only the reasons for it."""
    species = species.strip().lower()
    groups: list[GroupOfReasons] = []
    reasons = for_practice(Reason, practice).select_related("consultation_type")
    for group in for_practice(ReasonGroup, practice).prefetch_related(
        Prefetch("reasons", queryset=reasons)
    ):
        reasons = [
            r
            for r in group.reasons.all()
            if r.is_active and (not species or not r.species_list() or species in r.species_list())
        ]
        if reasons:
            groups.append(GroupOfReasons(group, reasons))
    return groups


def species_offered(practice: Practice) -> list[str]:
    """Every species some active reason is for, in first-seen order."""
    seen: list[str] = []
    for group in reason_groups(practice):
        for reason in group.reasons:
            seen.extend(s for s in reason.species_list() if s not in seen)
    return seen


def bookings_to_review(practice: Practice) -> QuerySet[OnlineBooking]:
    """Online bookings reception has not looked at yet, newest first."""
    return (
        for_practice(OnlineBooking, practice)
        .filter(reviewed_at__isnull=True)
        .select_related(
            "appointment__patient",
            "appointment__client",
            "appointment__location",
            "appointment__consultation_type",
        )
        .order_by("-created_at")
    )


def booking_for_appointment(practice: Practice, appointment_id: int) -> OnlineBooking | None:
    return for_practice(OnlineBooking, practice).filter(appointment_id=appointment_id).first()


def booked_reason_name(practice: Practice, appointment) -> str:
    """What the client chose, by the name they chose it by: the online reason's name when
    the appointment was booked online (the summary reads as the booking did), else the
    consultation type's."""
    booking = booking_for_appointment(practice, appointment.pk)
    if booking is not None and booking.reason is not None:
        return booking.reason.name
    return appointment.consultation_type.name
