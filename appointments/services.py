"""Writes for appointments: book, move, cancel, change status.

Conflicts are checked here for a clear message naming the clashing appointment; on
PostgreSQL the exclusion constraints (migration 0002) make the database the final judge,
so two concurrent requests can never both win.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from patients.models import Client, Delivery, Patient
from practice import localtime
from practice.models import AuditLog, Equipment, Location, Membership, Practice, Room
from practice.rights import Right, require_right
from practice.scoping import for_practice
from practice.services import audit_log_write

from . import signals
from .models import MAX_APPOINTMENT_SPAN, Appointment, ConsultationType, Payment, PlannedTreatment
from .selectors import appointment_conflicts

EXCLUSION_VIOLATION = "23P01"
DEADLOCK_DETECTED = "40P01"

ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    Appointment.Status.BOOKED: {
        Appointment.Status.ARRIVED,
        Appointment.Status.CANCELLED,
        Appointment.Status.NO_SHOW,
    },
    Appointment.Status.ARRIVED: {
        Appointment.Status.IN_PROGRESS,
        Appointment.Status.COMPLETED,
        Appointment.Status.BOOKED,
    },
    Appointment.Status.IN_PROGRESS: {Appointment.Status.COMPLETED},
    Appointment.Status.COMPLETED: set(),
    Appointment.Status.CANCELLED: set(),
    Appointment.Status.NO_SHOW: {Appointment.Status.BOOKED},
}


class AppointmentConflict(ValidationError):
    """The practitioner or room is already taken; `conflict` is the clashing appointment."""

    def __init__(self, conflict: Appointment | None):
        self.conflict = conflict
        super().__init__(conflict_message(conflict), code="conflict")


def conflict_message(conflict: Appointment | None) -> str:
    if conflict is None:
        return _("That time was just taken. Please choose another time.")
    local = localtime.to_local(conflict.starts_at, conflict.location.tz)
    return _("Overlaps with %(patient)s with %(practitioner)s at %(when)s (%(type)s).") % {
        "patient": conflict.patient.name,
        "practitioner": conflict.practitioner.name,
        # On the repeated hour: which of the two ("02:30 (summer time)").
        "when": f"{formats.date_format(local, 'SHORT_DATE_FORMAT')} "
        f"{localtime.time_label(conflict.starts_at, conflict.location.tz)}",
        "type": conflict.consultation_type.name,
    }


def check_same_practice(practice: Practice, **objects) -> None:
    """Refuse (as an unknown id would be) any of `objects` that belongs to another practice:
    the services' guard for ids that came from a form or an API body."""
    for field, obj in objects.items():
        if obj is not None and obj.practice_id != practice.pk:
            raise ValidationError({field: _("Unknown %(field)s.") % {"field": field}})


def _pick_free(practice: Practice, candidates, *, starts_at, ends_at, exclude_id=None, field: str):
    """The first of `candidates` (rooms or equipment) free over the held time, else None."""
    for candidate in candidates:
        taken = appointment_conflicts(
            practice,
            starts_at=starts_at,
            ends_at=ends_at,
            practitioner=None,
            exclude_id=exclude_id,
            **{field: candidate},
        )
        if not taken.exists():
            return candidate
    return None


def _pick_room(
    practice: Practice, *, location: Location, kind: str, starts_at, ends_at, exclude_id=None
) -> Room:
    rooms = for_practice(Room, practice).filter(location=location, kind=kind)
    room = _pick_free(
        practice, rooms, starts_at=starts_at, ends_at=ends_at, exclude_id=exclude_id, field="room"
    )
    if room is None:
        raise ValidationError({"room": _("No free room of the needed kind at that time.")})
    return room


def _pick_equipment(
    practice: Practice, *, location: Location, kind: str, starts_at, ends_at, exclude_id=None
) -> Equipment:
    pieces = for_practice(Equipment, practice).filter(location=location, kind=kind)
    piece = _pick_free(
        practice,
        pieces,
        starts_at=starts_at,
        ends_at=ends_at,
        exclude_id=exclude_id,
        field="equipment",
    )
    if piece is None:
        raise ValidationError({"equipment": _("No free %(kind)s at that time.") % {"kind": kind}})
    return piece


def _pick_resources(practice: Practice, appointment: Appointment, *, keep: bool) -> None:
    """Give the appointment a free room and piece of equipment of the kinds its consultation
    type needs (keeping the ones it has when `keep` and they are still free)."""
    ctype = appointment.consultation_type
    span = {
        "location": appointment.location,
        "starts_at": appointment.held_from,
        "ends_at": appointment.held_until,
        "exclude_id": appointment.pk,
    }
    if ctype.room_kind and not (keep and appointment.room_id):
        appointment.room = _pick_room(practice, kind=ctype.room_kind, **span)
    if ctype.equipment_kind and not (keep and appointment.equipment_id):
        appointment.equipment = _pick_equipment(practice, kind=ctype.equipment_kind, **span)


MAX_BUFFER = dt.timedelta(hours=12)


def _validate_slot(practice: Practice, appointment: Appointment) -> None:
    if appointment.ends_at <= appointment.starts_at:
        raise ValidationError({"ends_at": _("The end must be after the start.")})
    if appointment.ends_at - appointment.starts_at > MAX_APPOINTMENT_SPAN:
        raise ValidationError({"ends_at": _("An appointment cannot last longer than 24 hours.")})
    before, after = appointment.buffers
    if not (dt.timedelta(0) <= before <= MAX_BUFFER and dt.timedelta(0) <= after <= MAX_BUFFER):
        raise ValidationError(_("Buffers before and after must be between 0 and 12 hours."))
    if not appointment.practitioner.is_practitioner or not appointment.practitioner.is_active:
        raise ValidationError({"practitioner": _("Choose an active practitioner.")})
    if appointment.room and appointment.room.location_id != appointment.location_id:
        raise ValidationError({"room": _("That room is at another location.")})
    if appointment.equipment and appointment.equipment.location_id != appointment.location_id:
        raise ValidationError({"equipment": _("That equipment is at another location.")})
    conflict = _conflict(practice, appointment)
    if conflict:
        raise AppointmentConflict(conflict)


def _conflict(practice: Practice, appointment: Appointment) -> Appointment | None:
    return appointment_conflicts(
        practice,
        starts_at=appointment.held_from,
        ends_at=appointment.held_until,
        practitioner=appointment.practitioner,
        room=appointment.room,
        equipment=appointment.equipment,
        exclude_id=appointment.pk,
    ).first()


def _save_holding_time(practice: Practice, appointment: Appointment) -> None:
    """Save; turn the database's exclusion violation into AppointmentConflict.

    Concurrent inserts of overlapping rows can also wait on each other; PostgreSQL then
    aborts one with a deadlock error, which means the same thing: someone else got it.
    """
    try:
        with transaction.atomic():
            appointment.save()
    except (IntegrityError, OperationalError) as exc:
        sqlstate = getattr(getattr(exc, "__cause__", None), "sqlstate", None)
        if sqlstate not in (EXCLUSION_VIOLATION, DEADLOCK_DETECTED):
            raise
        raise AppointmentConflict(_conflict(practice, appointment)) from exc


def _on_commit_send(signal, **kwargs) -> None:
    transaction.on_commit(lambda: signal.send(sender=Appointment, **kwargs))


@transaction.atomic
def appointment_book(
    practice: Practice,
    *,
    actor,
    patient: Patient,
    practitioner: Membership,
    location: Location,
    consultation_type: ConsultationType,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    room: Room | None = None,
    equipment: Equipment | None = None,
    notes: str = "",
    source: str = Appointment.Source.STAFF,
    confirmation_channel: str | None = None,
    reminder_channel: str | None = None,
    buffer_before: dt.timedelta = dt.timedelta(0),
    buffer_after: dt.timedelta = dt.timedelta(0),
) -> Appointment:
    """Book an appointment; raises ValidationError (AppointmentConflict on overlap).

    It holds the practitioner, and a room and a piece of equipment when the consultation
    type needs them (picked free ones unless given), from `buffer_before` ahead of the
    start until `buffer_after` past the end. Confirmation and reminder channels default to
    what the client wants.
    """
    check_same_practice(
        practice,
        patient=patient,
        practitioner=practitioner,
        location=location,
        consultation_type=consultation_type,
        room=room,
        equipment=equipment,
    )
    starts_at = localtime.utc(starts_at)
    ends_at = localtime.utc(ends_at) if ends_at else None
    ends_at = ends_at or starts_at + dt.timedelta(minutes=consultation_type.duration_minutes)
    appointment = Appointment(
        practice=practice,
        patient=patient,
        client_id=patient.client_id,
        practitioner=practitioner,
        location=location,
        room=room,
        equipment=equipment,
        consultation_type=consultation_type,
        notes=notes,
        source=source,
        created_by=actor if actor and actor.is_authenticated else None,
        confirmation_channel=(
            patient.client.confirmation_channel
            if confirmation_channel is None
            else confirmation_channel
        ),
        reminder_channel=(
            patient.client.reminder_channel if reminder_channel is None else reminder_channel
        ),
    )
    appointment.set_times(starts_at, ends_at, before=buffer_before, after=buffer_after)
    if ends_at > starts_at:
        _pick_resources(practice, appointment, keep=True)
    _validate_slot(practice, appointment)
    _save_holding_time(practice, appointment)
    audit_log_write(practice, actor=actor, action="appointment.book", obj=appointment)
    _on_commit_send(
        signals.appointment_booked, practice=practice, appointment=appointment, actor=actor
    )
    return appointment


def _same_place_and_time(
    appointment: Appointment,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    practitioner: Membership | None,
    room: Room | None,
) -> bool:
    """The move asked for is where the appointment already is (nothing to do)."""
    return (
        (appointment.starts_at, appointment.ends_at) == (starts_at, ends_at)
        and (practitioner is None or practitioner.pk == appointment.practitioner_id)
        and (room is None or room.pk == appointment.room_id)
    )


@transaction.atomic
def appointment_move(
    practice: Practice,
    *,
    actor,
    appointment: Appointment,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    practitioner: Membership | None = None,
    room: Room | None = None,
) -> Appointment:
    """Move to another time and/or practitioner, keeping the duration unless `ends_at` given.

    The row is read again under a lock, so concurrent moves take turns; each real move
    raises `schedule_revision` (what messaging keys its confirmation and reminder by). A
    repeated request for the move already made (a double submit) changes nothing and sends
    no signal, so the client is not told twice.
    """
    locked = for_practice(Appointment, practice).select_for_update(of=("self",))
    appointment.refresh_from_db(from_queryset=locked)
    if not appointment.holds_time or appointment.status == Appointment.Status.COMPLETED:
        raise ValidationError(_("Only a booked appointment can be moved."))
    check_same_practice(practice, practitioner=practitioner, room=room)
    previous = appointment.starts_at
    duration = appointment.ends_at - appointment.starts_at
    starts_at = localtime.utc(starts_at)
    ends_at = localtime.utc(ends_at) if ends_at else starts_at + duration
    if _same_place_and_time(appointment, starts_at, ends_at, practitioner, room):
        return appointment
    appointment.set_times(starts_at, ends_at)  # buffers kept
    appointment.schedule_revision += 1
    if practitioner is not None:
        appointment.practitioner = practitioner
    if room is not None:
        appointment.room = room
    elif appointment.room_id and appointment.ends_at > appointment.starts_at:
        appointment.room = _pick_room(
            practice,
            location=appointment.location,
            kind=appointment.room.kind,
            starts_at=appointment.held_from,
            ends_at=appointment.held_until,
            exclude_id=appointment.pk,
        )
    if appointment.equipment_id and appointment.ends_at > appointment.starts_at:
        appointment.equipment = _pick_equipment(
            practice,
            location=appointment.location,
            kind=appointment.equipment.kind,
            starts_at=appointment.held_from,
            ends_at=appointment.held_until,
            exclude_id=appointment.pk,
        )
    _validate_slot(practice, appointment)
    _save_holding_time(practice, appointment)
    audit_log_write(
        practice,
        actor=actor,
        action="appointment.move",
        obj=appointment,
        data={"from": previous.isoformat(), "to": appointment.starts_at.isoformat()},
    )
    _on_commit_send(
        signals.appointment_moved,
        practice=practice,
        appointment=appointment,
        actor=actor,
        previous_starts_at=previous,
    )
    return appointment


@transaction.atomic
def appointment_cancel(
    practice: Practice,
    *,
    actor,
    appointment: Appointment,
    reason: str = "",
    by_client: bool = False,
) -> Appointment:
    """Cancel; `by_client` when the client did it themselves (through their link), so they
    are sent a confirmation of their cancellation rather than the news of it."""
    if appointment.status == Appointment.Status.CANCELLED:
        return appointment
    if Appointment.Status.CANCELLED not in ALLOWED_TRANSITIONS[appointment.status]:
        raise ValidationError(
            _("A %(status)s appointment cannot be cancelled.")
            % {"status": appointment.get_status_display().lower()}
        )
    appointment.status = Appointment.Status.CANCELLED
    appointment.cancel_reason = reason
    appointment.save(update_fields=["status", "cancel_reason", "updated_at"])
    audit_log_write(
        practice, actor=actor, action="appointment.cancel", obj=appointment, data={"reason": reason}
    )
    _on_commit_send(
        signals.appointment_cancelled,
        practice=practice,
        appointment=appointment,
        actor=actor,
        by_client=by_client,
    )
    return appointment


# Statuses that say the visit is happening: only on or after its day (arrived, in progress)
# or its start (completed, no-show). A patient may walk in early on the day itself, so
# reception marks them arrived and the practitioner may begin; a visit cannot be over
# before it began, and a patient has not failed to come while their time is still ahead
# (earlier that day they may yet arrive: a no-show would release the time and send the
# missed-visit messages too soon).
ON_THE_DAY = {Appointment.Status.ARRIVED, Appointment.Status.IN_PROGRESS}
AFTER_THE_START = {Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW}


def status_too_early(
    appointment: Appointment, status: str, now: dt.datetime | None = None
) -> str | None:
    """Why `appointment` cannot be given `status` yet (a sentence), or None when it can.

    Arrived and in progress: not before the local day of the start (early the same day is
    fine). Completed and no-show: not before the start itself.
    """
    now = now or timezone.now()
    tz = appointment.location.tz
    local = localtime.to_local(appointment.starts_at, tz)
    label = Appointment.Status(status).label.lower()
    if status in ON_THE_DAY and local.date() > localtime.local_today(tz, now):
        return _(
            "%(patient)s's appointment is on %(date)s: it cannot be marked %(status)s "
            "before that day."
        ) % {
            "patient": appointment.patient.name,
            "date": formats.date_format(local.date(), "DATE_FORMAT"),
            "status": label,
        }
    if status in AFTER_THE_START and appointment.starts_at > now:
        return _(
            "%(patient)s's appointment starts at %(when)s: it cannot be marked %(status)s "
            "before it starts."
        ) % {
            "patient": appointment.patient.name,
            "when": f"{formats.date_format(local.date(), 'SHORT_DATE_FORMAT')} "
            f"{localtime.time_label(appointment.starts_at, tz)}",
            "status": label,
        }
    return None


def next_statuses(appointment: Appointment, now: dt.datetime | None = None) -> list[str]:
    """The statuses the appointment may move to now (what the panel offers)."""
    return [
        status
        for status in ALLOWED_TRANSITIONS[appointment.status]
        if status_too_early(appointment, status, now) is None
    ]


@transaction.atomic
def appointment_set_status(
    practice: Practice, *, actor, appointment: Appointment, status: str
) -> Appointment:
    """Move along booked → arrived → in progress → completed (or no-show).

    Refused (ValidationError with a sentence for reception) when the transition is not in
    `ALLOWED_TRANSITIONS`, or when the visit is still ahead (`status_too_early`): the page,
    the API and anything else are refused alike.
    """
    if status == Appointment.Status.CANCELLED:
        return appointment_cancel(practice, actor=actor, appointment=appointment)
    previous = appointment.status
    if status not in ALLOWED_TRANSITIONS.get(previous, set()):
        raise ValidationError(
            _("Cannot go from %(old)s to %(new)s.")
            % {"old": appointment.get_status_display(), "new": Appointment.Status(status).label}
        )
    too_early = status_too_early(appointment, status)
    if too_early:
        raise ValidationError({"status": too_early}, code="too_early")
    appointment.status = status
    if previous in Appointment.RELEASED:
        # A no-show put back to booked takes its time again: check nobody took it since.
        _validate_slot(practice, appointment)
    _save_holding_time(practice, appointment)
    audit_log_write(
        practice,
        actor=actor,
        action="appointment.status",
        obj=appointment,
        data={"from": previous, "to": status},
    )
    _on_commit_send(
        signals.appointment_status_changed,
        practice=practice,
        appointment=appointment,
        actor=actor,
        previous_status=previous,
    )
    return appointment


NOTIFIED = "appointment.notified"


@transaction.atomic
def appointment_mark_notified(practice: Practice, *, actor, appointment: Appointment) -> AuditLog:
    """Staff told the patient about this appointment (a reminder call, a message by hand).

    Kept as the audit row `appointment.notified` with its time: what the contact history's
    purpose rule reads (an outgoing call followed within 15 minutes by this mark counts as
    a reminder). Marking again records another time. Not for a cancelled appointment.
    """
    if appointment.status == Appointment.Status.CANCELLED:
        raise ValidationError(_("A cancelled appointment cannot be marked notified."))
    row = audit_log_write(practice, actor=actor, action=NOTIFIED, obj=appointment)
    _on_commit_send(
        signals.appointment_notified,
        practice=practice,
        appointment=appointment,
        actor=actor,
        at=row.at,
    )
    return row


MESSAGE_CHANNEL_FIELDS = ("confirmation_channel", "reminder_channel")


@transaction.atomic
def appointment_set_message_channel(
    practice: Practice, *, actor, appointment: Appointment, field: str, delivery: str
) -> Appointment:
    """How this appointment's confirmations or reminders go from now on (`field` is
    `confirmation_channel` or `reminder_channel`, `delivery` a `Delivery` value): staff sent
    a failed one by the other channel, so the next move's goes that way too. Audited; the
    messages follow on the caller's own re-planning (no signal: nothing else changed)."""
    if field not in MESSAGE_CHANNEL_FIELDS or delivery not in Delivery.values:
        raise ValueError(f"Not a message channel: {field}={delivery!r}")
    if getattr(appointment, field) != delivery:
        audit_log_write(
            practice,
            actor=actor,
            action="appointment.message_channel",
            obj=appointment,
            data={"field": field, "from": getattr(appointment, field), "to": delivery},
        )
        setattr(appointment, field, delivery)
        appointment.save(update_fields=[field, "updated_at"])
    return appointment


@transaction.atomic
def appointment_confirm_by_client(practice: Practice, *, appointment: Appointment) -> Appointment:
    """The client confirmed through their link (repeating it changes nothing)."""
    if appointment.status != Appointment.Status.BOOKED:
        raise ValidationError(_("This appointment can no longer be confirmed."))
    if appointment.confirmed_at is None:
        appointment.confirmed_at = timezone.now()
        appointment.save(update_fields=["confirmed_at", "updated_at"])
        audit_log_write(practice, actor=None, action="appointment.client_confirm", obj=appointment)
    return appointment


def appointment_amount_due(appointment: Appointment) -> Decimal:
    """What the visit leaves to pay: its fee plus treatments done in it, less payments for it."""
    charged = appointment.consultation_type.fee + (
        for_practice(PlannedTreatment, appointment.practice)
        .filter(appointment=appointment)
        .exclude(status=PlannedTreatment.Status.CANCELLED)
        .aggregate(total=Sum("fee"))["total"]
        or Decimal(0)
    )
    paid = for_practice(Payment, appointment.practice).filter(appointment=appointment).aggregate(
        total=Sum("amount")
    )["total"] or Decimal(0)
    return max(charged - paid, Decimal(0))


# The most a payment can be (the column holds 10 digits, 2 of them cents).
MAX_PAYMENT = Decimal("99999999.99")


def _payer(
    *, appointment: Appointment | None, client: Client | None, patient: Patient | None
) -> tuple[int, int | None]:
    """The (client, patient) ids a payment is booked to: the appointment's, else the patient's
    client and the patient, else the client alone. What is named besides must agree."""
    if appointment is not None:
        if patient is not None and patient.pk != appointment.patient_id:
            raise ValidationError({"patient": _("The appointment is for another patient.")})
        if client is not None and client.pk != appointment.client_id:
            raise ValidationError({"client": _("The appointment is for another client.")})
        return appointment.client_id, appointment.patient_id
    if patient is not None:
        if client is not None and client.pk != patient.client_id:
            raise ValidationError({"patient": _("This patient is not this client's.")})
        return patient.client_id, patient.pk
    if client is None:
        raise ValidationError({"client": _("Name the client who paid (or the appointment).")})
    return client.pk, None


@transaction.atomic
def payment_take(
    practice: Practice,
    *,
    actor,
    amount: Decimal,
    method: str,
    appointment: Appointment | None = None,
    client: Client | None = None,
    patient: Patient | None = None,
) -> Payment:
    """Record a payment (taken now, by `actor`) for a visit, a patient or a client.

    Only a member whose role has the take-payments right may (PermissionDenied otherwise):
    checked here so the checkout page, the API and anything else are refused alike. The
    client and patient follow from the appointment (or the patient); any named as well must be
    the same ones, all of this practice. A payment is never changed or deleted afterwards.
    """
    require_right(practice, actor, Right.TAKE_PAYMENTS)
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("Enter an amount above zero.")})
    if amount > MAX_PAYMENT:
        raise ValidationError({"amount": _("Enter a smaller amount.")})
    if method not in Payment.Method.values:
        raise ValidationError({"method": _("Choose how the client paid.")})
    check_same_practice(practice, appointment=appointment, client=client, patient=patient)
    client_id, patient_id = _payer(appointment=appointment, client=client, patient=patient)
    payment = Payment.objects.unscoped().create(
        practice=practice,
        client_id=client_id,
        patient_id=patient_id,
        appointment=appointment,
        amount=amount,
        method=method,
        taken_at=timezone.now(),
        taken_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_log_write(
        practice, actor=actor, action="payment.take", obj=payment, data={"amount": str(amount)}
    )
    return payment
