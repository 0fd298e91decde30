"""The one booking path for clients online (and, later, waitlist offers).

It checks the time against the same availability the page showed, matches the client and
patient by the exact rules, and books through `appointments.services.appointment_book`,
whose PostgreSQL exclusion constraints make the database the final judge: of two clients
confirming the same time at once exactly one wins; the other gets `SlotTaken` with the
nearest free times.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.models import Appointment
from appointments.services import AppointmentConflict, appointment_book
from patients.models import Client, Delivery
from patients.phone import normalize_phone
from patients.services import client_create, patient_create
from practice import localtime
from practice.models import Equipment, Location, Membership, Practice, Room
from practice.scoping import for_practice
from practice.services import audit_log_write

from .availability import (
    Slot,
    available_times,
    booking_settings,
    free_slots,
    reason_practitioner_ids,
)
from .matching import match_client, match_patient
from .models import OnlineBooking, OnlineLocation, Reason

CLIENT_FIELDS = ("first_name", "last_name", "mobile", "email", "address", "postal_code", "city")


class SlotTaken(ValidationError):
    """The time was just taken (or is no longer free); `alternatives` are the nearest."""

    def __init__(self, alternatives: list[Slot]):
        self.alternatives = alternatives
        super().__init__(
            _("Sorry, that time was just taken. Please choose another time."), code="taken"
        )


@dataclass
class BookingRequest:
    location: Location
    reason: Reason
    starts_at: dt.datetime
    client: dict[str, str]
    patient_name: str = ""
    species: str = ""
    note: str = ""
    practitioner_id: int | None = None
    # How the client wants the confirmation and reminder (patients.models.Delivery);
    # None: a matched client's stored choice, else by what they gave (mobile, email).
    messages_by: str | None = None

    def __post_init__(self) -> None:
        # Held as UTC: Python never finds a local time on the repeated hour equal to any
        # instant of another zone, so an offered slot would not match what was asked for.
        self.starts_at = localtime.utc(self.starts_at)


def _clean_client(practice: Practice, typed: dict[str, Any]) -> dict[str, str]:
    settings = booking_settings(practice)
    data = {name: str(typed.get(name) or "").strip() for name in CLIENT_FIELDS}
    errors: dict[str, list[str]] = {}
    required = ["first_name", "last_name"]
    required += ["email"] if settings.require_email else []
    required += ["mobile"] if settings.require_mobile else []
    required += ["address", "postal_code", "city"] if settings.require_address else []
    for name in required:
        if not data[name]:
            errors.setdefault(name, []).append(_("This field is required."))
    if data["mobile"]:
        try:
            data["mobile"] = normalize_phone(data["mobile"], practice.default_country)
        except ValidationError as error:
            errors.setdefault("mobile", []).extend(error.messages)
    if data["email"]:
        data["email"] = data["email"].lower()
        try:
            validate_email(data["email"])
        except ValidationError:
            errors.setdefault("email", []).append(_("Enter a valid email address."))
    if errors:
        raise ValidationError(errors)
    return data


def nearest_free_times(
    practice: Practice, request: BookingRequest, *, count: int = 3, days: int = 14
) -> list[Slot]:
    """The free times closest to the one asked for: that day first, then the next days."""
    day = localtime.local_date(request.starts_at, request.location.tz)
    found: list[Slot] = []
    for offset in range(days):
        slots = available_times(
            practice,
            location=request.location,
            reason=request.reason,
            day=day + dt.timedelta(days=offset),
        )
        slots.sort(key=lambda s: abs((s.starts_at - request.starts_at).total_seconds()))
        found.extend(slots[: count - len(found)])
        if len(found) >= count:
            break
    return sorted(found, key=lambda s: s.starts_at)


def _free_slot(practice: Practice, request: BookingRequest) -> Slot | None:
    """The offered slot at exactly this start (for the chosen practitioner if any)."""
    day = localtime.local_date(request.starts_at, request.location.tz)
    for slot in free_slots(
        practice, location=request.location, reason=request.reason, first=day, last=day
    ).get(day, []):
        if slot.starts_at == request.starts_at and (
            request.practitioner_id in (None, slot.practitioner_id)
        ):
            return slot
    return None


def _check_open(practice: Practice, request: BookingRequest) -> None:
    settings = booking_settings(practice)
    online = for_practice(OnlineLocation, practice).filter(location=request.location).first()
    if not settings.enabled or online is None or not online.enabled:
        raise ValidationError(_("Online booking is not open here."))
    if request.reason.practice_id != practice.pk or not request.reason.is_active:
        raise ValidationError(_("Choose a reason for the visit."))
    species = request.reason.species_list()
    if species and request.species.strip().lower() not in species:
        raise ValidationError({"species": _("This reason is not for that species.")})
    if request.messages_by is not None and request.messages_by not in Delivery.values:
        raise ValidationError({"messages_by": _("Choose how we send your confirmation.")})


def _over_cap(practice: Practice, client: Client) -> bool:
    cap = booking_settings(practice).max_upcoming_per_client
    upcoming = for_practice(Appointment, practice).filter(
        client=client,
        source=Appointment.Source.ONLINE,
        starts_at__gt=timezone.now(),
        status=Appointment.Status.BOOKED,
    )
    return upcoming.count() >= cap


def online_book(practice: Practice, request: BookingRequest) -> Appointment:
    """Book for a client without an account; raises ValidationError or SlotTaken."""
    _check_open(practice, request)
    typed = _clean_client(practice, request.client)
    patient_name = request.patient_name.strip() or (
        "" if practice.is_vet else f"{typed['first_name']} {typed['last_name']}"
    )
    if practice.is_vet and not patient_name:
        raise ValidationError({"patient_name": _("Give your pet's name.")})
    slot = _free_slot(practice, request)
    if slot is None:
        raise SlotTaken(nearest_free_times(practice, request))
    try:
        return _book(practice, request, typed, patient_name, slot)
    except AppointmentConflict:
        # Someone confirmed the same time a moment earlier; everything was rolled back.
        raise SlotTaken(nearest_free_times(practice, request)) from None


def _messages_by(request: BookingRequest, client: Client | None, typed: dict[str, str]) -> str:
    """The client's choice; else a matched client's stored one; else what they gave us."""
    if request.messages_by is not None:
        return request.messages_by
    if client is not None and client.confirmation_channel:
        return client.confirmation_channel
    by_mobile, by_email = bool(typed.get("mobile")), bool(typed.get("email"))
    if by_mobile and by_email:
        return Delivery.BOTH
    return Delivery.SMS if by_mobile else Delivery.EMAIL if by_email else Delivery.NONE


@transaction.atomic
def _book(practice, request: BookingRequest, typed, patient_name: str, slot: Slot) -> Appointment:
    match = match_client(practice, typed)
    client = match.client
    if client is not None and _over_cap(practice, client):
        raise ValidationError(
            _("You already have the most online bookings we accept. Please call us.")
        )
    if client is None:
        wanted = _messages_by(request, None, typed)
        client = client_create(
            practice, actor=None, **typed, confirmation_channel=wanted, reminder_channel=wanted
        )
    species = request.species.strip().lower()
    patient = None
    if match.client is not None:
        name = patient_name if practice.is_vet else client.full_name
        patient = match_patient(practice, client, name=name, species=species)
    patient_matched = patient is not None
    if patient is None and not practice.is_vet and match.client is None:
        # Dental: client_create made the one patient, the client themself.
        patient = match_patient(practice, client, name=client.full_name, species="")
    if patient is None:
        patient = patient_create(
            practice, actor=None, client=client, name=patient_name, species=species
        )
    practitioner = for_practice(Membership, practice).get(pk=slot.practitioner_id)
    if slot.practitioner_id not in reason_practitioner_ids(request.reason):
        raise ValidationError(_("Choose a reason for the visit."))
    room = for_practice(Room, practice).get(pk=slot.room_id) if slot.room_id else None
    equipment = (
        for_practice(Equipment, practice).get(pk=slot.equipment_id) if slot.equipment_id else None
    )
    appointment = appointment_book(
        practice,
        actor=None,
        patient=patient,
        practitioner=practitioner,
        location=request.location,
        consultation_type=request.reason.consultation_type,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        room=room,
        equipment=equipment,
        notes=request.note.strip()[:2000],
        source=Appointment.Source.ONLINE,
        confirmation_channel=_messages_by(request, client, typed),
        reminder_channel=_messages_by(request, client, typed),
        buffer_before=dt.timedelta(minutes=request.reason.buffer_before_minutes),
        buffer_after=dt.timedelta(minutes=request.reason.buffer_after_minutes),
    )
    OnlineBooking.objects.unscoped().create(
        practice=practice,
        appointment=appointment,
        reason=request.reason,
        typed={**typed, "patient_name": patient_name, "species": species},
        client_matched=match.client is not None,
        patient_matched=patient_matched,
        differences=match.differences,
        possible_duplicate=match.ambiguous,
    )
    return appointment


def online_booking_mark_reviewed(practice: Practice, *, actor, booking: OnlineBooking) -> None:
    """Reception has looked at what the client typed (differences, possible duplicate)."""
    if booking.practice_id != practice.pk or booking.reviewed_at is not None:
        return
    booking.reviewed_at = timezone.now()
    booking.save(update_fields=["reviewed_at"])
    audit_log_write(practice, actor=actor, action="online_booking.review", obj=booking)
