"""The one booking path for clients online (and, later, waitlist offers).

It checks the time against the same availability the page showed, matches the client and
patient by the exact rules, and books through `appointments.services.appointment_book`,
whose PostgreSQL exclusion constraints make the database the final judge: of two clients
confirming the same time at once exactly one wins; the other gets `SlotTaken` with the
nearest free times.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.availability import nearest_free_times as engine_nearest
from appointments.models import Appointment
from appointments.services import AppointmentConflict, appointment_book
from messaging.selectors import messaging_settings, sms_gateway
from patients.models import Client, Delivery, Patient
from patients.phone import normalize_phone
from patients.services import client_create, patient_create
from practice import localtime
from practice.languages import known
from practice.models import Equipment, Location, Membership, Practice, Room
from practice.scoping import for_practice
from practice.services import audit_log_write

from . import signals
from .availability import (
    Slot,
    available_times,
    booking_settings,
    free_slots,
    reason_practitioner_ids,
)
from .matching import match_client, match_patient
from .models import OnlineBooking, Reason
from .selectors import active_reason, open_location

CLIENT_FIELDS = ("first_name", "last_name", "mobile", "email", "address", "postal_code", "city")
# The longest value each field takes: its column (a typed mobile may carry spaces and
# dashes before it is normalised; a note lands in the appointment's notes).
LIMITS = {
    **{name: Client._meta.get_field(name).max_length for name in CLIENT_FIELDS},
    "mobile": 30,
    "email": 254,
    "patient_name": Patient._meta.get_field("name").max_length,
    "species": Patient._meta.get_field("species").max_length,
    "note": 2000,
}


class SlotTaken(ValidationError):
    """The time was just taken (or is no longer free); `alternatives` are the nearest, at
    `location`."""

    def __init__(self, alternatives: list[Slot], location: Location | None = None):
        self.alternatives = alternatives
        self.location = location
        super().__init__(
            _("Sorry, that time was just taken. Please choose another time."), code="taken"
        )


# What the booking page keeps of how it was opened (the contact history's ad channel).
# `call`: the missed call whose text-back SMS carried the link (crm.textback's code), so
# the booking joins the caller's contact.
TAGS = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "landing_page",
    "call",
)
TAG_LIMIT = 200


@dataclass
class BookingRequest:
    """What a client asks for, as they typed it.

    The booking page's form and the JSON API only collect it; `online_book` checks every
    rule and names the field each refusal is about, so both show the same errors.
    """

    location_id: int | None
    reason_id: int | None
    starts_at: dt.datetime
    client: dict[str, str]
    patient_name: str = ""
    species: str = ""
    note: str = ""
    practitioner_id: int | None = None
    # How the client wants the confirmation and reminder (patients.models.Delivery);
    # None: a matched client's stored choice, else by what they gave (mobile, email).
    messages_by: str | None = None
    # The honeypot: a field people never see, so only bots fill it in.
    website: str = ""
    # The UTM tags the booking page was opened with, and its address (the contact history
    # credits the booking to an ad channel). Kept, never checked.
    tags: dict[str, str] = field(default_factory=dict)
    # The language the client booked in: a new client's messages speak it.
    language: str = ""

    def __post_init__(self) -> None:
        # Held as UTC: Python never finds a local time on the repeated hour equal to any
        # instant of another zone, so an offered slot would not match what was asked for.
        self.starts_at = localtime.utc(self.starts_at)


@dataclass
class _Checked:
    """A request that passed every rule: rows loaded, the client's details normalised."""

    location: Location
    reason: Reason
    starts_at: dt.datetime
    typed: dict[str, str]
    patient_name: str
    species: str
    note: str
    practitioner_id: int | None
    messages_by: str | None
    tags: dict[str, str] = field(default_factory=dict)
    language: str = ""


def required_fields(practice: Practice) -> set[str]:
    """The fields a client must fill in: their names; email, mobile and address when the
    practice asks for them; the pet's name in a vet practice."""
    settings = booking_settings(practice)
    required = {"first_name", "last_name"}
    required |= {"email"} if settings.require_email else set()
    required |= {"mobile"} if settings.require_mobile else set()
    required |= {"address", "postal_code", "city"} if settings.require_address else set()
    return required | ({"patient_name"} if practice.is_vet else set())


def messages_by_choices(practice: Practice) -> list[str]:
    """The ways a client may choose for their confirmation and reminder: the channels the
    practice sends confirmations by (SMS only with a gateway). Empty: it sends none."""
    prefs = messaging_settings(practice)
    email = prefs.confirmation_enabled and prefs.confirmation_email
    sms = prefs.confirmation_enabled and prefs.confirmation_sms
    sms = sms and sms_gateway(practice) is not None
    offered = {Delivery.SMS: sms, Delivery.EMAIL: email, Delivery.BOTH: sms and email}
    return [value for value in Delivery.values if offered.get(value)]


def _check_where(practice: Practice, request: BookingRequest) -> tuple[Location, Reason]:
    online = open_location(practice, request.location_id)
    if online is None:
        raise ValidationError({"location": _("Online booking is not open here.")})
    reason = active_reason(practice, request.reason_id)
    if reason is None:
        raise ValidationError({"reason": _("Choose a reason for the visit.")})
    return online.location, reason


def _check_client(practice: Practice, typed: dict[str, str], errors: dict) -> dict[str, str]:
    if typed["mobile"]:
        try:
            typed["mobile"] = normalize_phone(typed["mobile"], practice.default_country)
        except ValidationError as error:
            errors.setdefault("mobile", []).extend(error.messages)
    if typed["email"]:
        typed["email"] = typed["email"].lower()
        try:
            validate_email(typed["email"])
        except ValidationError:
            errors.setdefault("email", []).append(_("Enter a valid email address."))
    return typed


def _check_messages_by(practice: Practice, request: BookingRequest, typed, errors) -> str | None:
    wanted = request.messages_by or None
    if wanted is not None and wanted not in messages_by_choices(practice):
        errors.setdefault("messages_by", []).append(_("Choose how we send your confirmation."))
    if wanted == Delivery.SMS and not typed["mobile"]:
        errors.setdefault("mobile", []).append(_("Give a mobile number for messages by SMS."))
    if wanted in (Delivery.EMAIL, Delivery.BOTH) and not typed["email"]:
        errors.setdefault("email", []).append(_("Give an email address for messages by email."))
    return wanted


def booking_check(practice: Practice, request: BookingRequest) -> _Checked:
    """Every rule of an online booking but the free time; raises ValidationError naming
    the fields (all of them at once, so the client fixes everything in one go)."""
    if request.website.strip():
        raise ValidationError({"website": _("Leave this field empty.")})
    location, reason = _check_where(practice, request)
    values = {
        **{name: str(request.client.get(name) or "").strip() for name in CLIENT_FIELDS},
        "patient_name": request.patient_name.strip(),
        "species": request.species.strip().lower(),
        "note": request.note.strip(),
    }
    errors: dict[str, list[str]] = {}
    for name in sorted(required_fields(practice)):
        if not values[name]:
            errors.setdefault(name, []).append(_("This field is required."))
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            message = _("Use at most %(limit)d characters.") % {"limit": limit}
            errors.setdefault(name, []).append(message)
    typed = _check_client(practice, {name: values[name] for name in CLIENT_FIELDS}, errors)
    species = reason.species_list()
    if species and values["species"] not in species:
        errors.setdefault("species", []).append(_("This reason is not for that species."))
    messages_by = _check_messages_by(practice, request, typed, errors)
    if errors:
        raise ValidationError(errors)
    patient_name = values["patient_name"] or (
        "" if practice.is_vet else f"{typed['first_name']} {typed['last_name']}"
    )
    return _Checked(
        location=location,
        reason=reason,
        starts_at=request.starts_at,
        typed=typed,
        patient_name=patient_name,
        species=values["species"],
        note=values["note"],
        practitioner_id=request.practitioner_id,
        messages_by=messages_by,
        tags={k: str(v)[:TAG_LIMIT] for k, v in request.tags.items() if k in TAGS and v},
        # Only one of ours, and only when it is not the practice's (empty follows it).
        language="" if request.language == practice.language else known(request.language) or "",
    )


def nearest_free_times(
    practice: Practice,
    location: Location,
    reason: Reason,
    starts_at: dt.datetime,
    *,
    count: int = 3,
    days: int = 14,
) -> list[Slot]:
    """The free times closest to the one asked for: that day first, then the next days
    (the engine's rule, with the online reason's free times)."""
    return engine_nearest(
        lambda day: available_times(practice, location=location, reason=reason, day=day),
        starts_at,
        location.tz,
        count=count,
        days=days,
    )


def _free_slot(practice: Practice, booking: _Checked) -> Slot | None:
    """The offered slot at exactly this start (for the chosen practitioner if any)."""
    day = localtime.local_date(booking.starts_at, booking.location.tz)
    for slot in free_slots(
        practice, location=booking.location, reason=booking.reason, first=day, last=day
    ).get(day, []):
        if slot.starts_at == booking.starts_at and (
            booking.practitioner_id in (None, slot.practitioner_id)
        ):
            return slot
    return None


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
    """Book for a client without an account; raises ValidationError or SlotTaken.

    The one place the rules of an online booking are checked (booking_check): required
    fields, the honeypot, 'online booking is open here', the reason and its species, the
    contact details and how the confirmation goes; then the free time and the cap.
    """
    booking = booking_check(practice, request)
    slot = _free_slot(practice, booking)
    if slot is None:
        raise _taken(practice, booking)
    try:
        return _book(practice, booking, slot)
    except AppointmentConflict:
        # Someone confirmed the same time a moment earlier; everything was rolled back.
        raise _taken(practice, booking) from None


def _taken(practice: Practice, booking: _Checked) -> SlotTaken:
    nearest = nearest_free_times(practice, booking.location, booking.reason, booking.starts_at)
    return SlotTaken(nearest, booking.location)


def _messages_by(booking: _Checked, client: Client | None) -> str:
    """The client's choice; else a matched client's stored one; else what they gave us."""
    if booking.messages_by is not None:
        return booking.messages_by
    if client is not None and client.confirmation_channel:
        return client.confirmation_channel
    by_mobile, by_email = bool(booking.typed.get("mobile")), bool(booking.typed.get("email"))
    if by_mobile and by_email:
        return Delivery.BOTH
    return Delivery.SMS if by_mobile else Delivery.EMAIL if by_email else Delivery.NONE


@transaction.atomic
def _book(practice: Practice, booking: _Checked, slot: Slot) -> Appointment:
    typed, patient_name, species = booking.typed, booking.patient_name, booking.species
    match = match_client(practice, typed)
    client = match.client
    if client is not None and _over_cap(practice, client):
        raise ValidationError(
            _("You already have the most online bookings we accept. Please call us.")
        )
    if client is None:
        wanted = _messages_by(booking, None)
        client = client_create(
            practice,
            actor=None,
            **typed,
            confirmation_channel=wanted,
            reminder_channel=wanted,
            language=booking.language,
        )
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
    if slot.practitioner_id not in reason_practitioner_ids(booking.reason):
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
        location=booking.location,
        consultation_type=booking.reason.consultation_type,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        room=room,
        equipment=equipment,
        notes=booking.note,
        source=Appointment.Source.ONLINE,
        confirmation_channel=_messages_by(booking, client),
        reminder_channel=_messages_by(booking, client),
        buffer_before=dt.timedelta(minutes=booking.reason.buffer_before_minutes),
        buffer_after=dt.timedelta(minutes=booking.reason.buffer_after_minutes),
    )
    OnlineBooking.objects.unscoped().create(
        practice=practice,
        appointment=appointment,
        reason=booking.reason,
        typed={**typed, "patient_name": patient_name, "species": species},
        client_matched=match.client is not None,
        patient_matched=patient_matched,
        differences=match.differences,
        possible_duplicate=match.ambiguous,
    )
    tags = dict(booking.tags)
    transaction.on_commit(
        lambda: signals.booked_online.send(
            sender=OnlineBooking, practice=practice, appointment=appointment, tags=tags
        )
    )
    return appointment


def online_booking_mark_reviewed(practice: Practice, *, actor, booking: OnlineBooking) -> None:
    """Reception has looked at what the client typed (differences, possible duplicate)."""
    if booking.practice_id != practice.pk or booking.reviewed_at is not None:
        return
    booking.reviewed_at = timezone.now()
    booking.save(update_fields=["reviewed_at"])
    audit_log_write(practice, actor=actor, action="online_booking.review", obj=booking)
