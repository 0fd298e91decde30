"""Waitlist fill: a cancelled appointment's time is offered to the waitlist entries it fits;
the first client to claim it books it through `appointment_book`.

Offers are rows (one per entry and cancelled appointment, under a unique constraint), so a
repeated signal offers nothing twice. Messages are messaging's business: this module sends
`waitlist_offered` and `waitlist_offers_gone` after commit and messaging tells the clients.

Claims of one freed time are serialised by locking its offers (in id order, so two claims
never deadlock); the exclusion constraints behind `appointment_book` still refuse the time
if staff booked it meanwhile.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from patients.models import Client
from practice import localtime
from practice.hooks import sms_available
from practice.models import Practice
from practice.parsing import InvalidInput, parse_link_code
from practice.scoping import for_practice
from practice.services import audit_log_write

from . import signals
from .models import Appointment, WaitlistEntry, WaitlistOffer
from .selectors import appointment_conflicts
from .services import appointment_book


def waitlist_entries_fitting(practice: Practice, appointment: Appointment) -> QuerySet:
    """Open entries the appointment's time suits: same location and consultation type (the
    reason), any or the same practitioner, and the local weekday and hours they can come."""
    tz = appointment.location.tz
    start, end = (
        localtime.to_local(appointment.starts_at, tz),
        localtime.to_local(appointment.ends_at, tz),
    )
    # An appointment past local midnight cannot end before a "latest" time on its first day.
    ends_by = Q(latest_time__isnull=True)
    if end.date() == start.date():
        ends_by |= Q(latest_time__gte=end.time())
    return (
        for_practice(WaitlistEntry, practice)
        .filter(
            Q(practitioner__isnull=True) | Q(practitioner_id=appointment.practitioner_id),
            Q(weekdays="") | Q(weekdays__contains=str(start.weekday())),
            Q(earliest_time__isnull=True) | Q(earliest_time__lte=start.time()),
            ends_by,
            status=WaitlistEntry.Status.OPEN,
            location_id=appointment.location_id,
            consultation_type_id=appointment.consultation_type_id,
        )
        # The patient who just cancelled is not offered their own time back.
        .exclude(patient_id=appointment.patient_id)
        .select_related("client")
        .order_by("created_at", "id")
    )


def _offer_channel(client: Client, *, sms_ok: bool) -> str:
    """The client's best channel (`Client.usable_channels`), or none."""
    channels = client.usable_channels(sms=sms_ok)
    return channels[0] if channels else WaitlistOffer.Channel.NONE


def _still_free(practice: Practice, appointment: Appointment) -> bool:
    return not appointment_conflicts(
        practice,
        starts_at=appointment.held_from,
        ends_at=appointment.held_until,
        practitioner=appointment.practitioner,
        exclude_id=appointment.pk,
    ).exists()


@transaction.atomic
def waitlist_offer_freed_time(practice: Practice, appointment: Appointment) -> list[WaitlistOffer]:
    """Offer a cancelled appointment's time to every open waitlist entry it fits.

    Returns the offers made now (none for a past time, a time already taken again, or a
    second call for the same appointment); their clients are told after commit.
    """
    if appointment.status != Appointment.Status.CANCELLED:
        return []
    if appointment.starts_at <= timezone.now() or not _still_free(practice, appointment):
        return []
    offered = for_practice(WaitlistOffer, practice).filter(cancelled_appointment=appointment)
    entries = list(
        waitlist_entries_fitting(practice, appointment).exclude(pk__in=offered.values("entry_id"))
    )
    sms_ok = bool(entries) and sms_available(practice)
    made = [offer for entry in entries if (offer := _offer_once(appointment, entry, sms_ok))]
    if made:
        transaction.on_commit(
            lambda: signals.waitlist_offered.send(
                sender=WaitlistOffer, practice=practice, offers=made
            )
        )
    return made


def _offer_once(
    appointment: Appointment, entry: WaitlistEntry, sms_ok: bool
) -> WaitlistOffer | None:
    """A new offer, or None when this entry was already offered this time."""
    offer = WaitlistOffer(
        practice_id=appointment.practice_id,
        entry=entry,
        cancelled_appointment=appointment,
        location_id=appointment.location_id,
        practitioner_id=appointment.practitioner_id,
        consultation_type_id=appointment.consultation_type_id,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        channel=_offer_channel(entry.client, sms_ok=sms_ok),
    )
    try:
        with transaction.atomic():
            offer.save()
    except IntegrityError:  # offered before (a repeated or concurrent signal)
        return None
    return offer


def waitlist_offer_from_code(code: str) -> WaitlistOffer | None:
    """The offer a client's link names, or None for an unknown (or impossible) code."""
    try:
        code = parse_link_code(code)
    except InvalidInput:
        return None
    # A public lookup: the random code, unique across practices, is the only key.
    return (
        WaitlistOffer.objects.unscoped()
        .filter(code=code)
        .select_related(
            "practice",
            "location__practice",
            "practitioner__user",
            "consultation_type",
            "entry__patient",
            "appointment",
        )
        .first()
    )


def _close(offer: WaitlistOffer, status: str, reason: str = "") -> WaitlistOffer:
    offer.status, offer.reason, offer.closed_at = status, reason, timezone.now()
    offer.save(update_fields=["status", "reason", "closed_at", "appointment"])
    return offer


def _close_all(offers: list[WaitlistOffer], reason: str) -> list[WaitlistOffer]:
    for offer in offers:
        _close(offer, WaitlistOffer.Status.GONE, reason)
    return offers


def waitlist_claim(practice: Practice, offer: WaitlistOffer) -> WaitlistOffer:
    """The client takes the offered time: book it for the entry's patient, first come first
    served. Returns the offer, claimed (with its appointment) or gone/expired with a reason.

    On success the entry is booked and the other offers of the same time are gone (their
    clients are told after commit). A time no longer free closes every offer of it.
    """
    with transaction.atomic():
        offer, others = _lock_offers_of_time(practice, offer)
        if offer.status != WaitlistOffer.Status.OFFERED:
            return offer  # claimed twice, or gone meanwhile: nothing changes
        gone = _claim_locked(practice, offer, others)
        if gone:
            transaction.on_commit(
                lambda: signals.waitlist_offers_gone.send(
                    sender=WaitlistOffer, practice=practice, offers=gone
                )
            )
    return offer


def _lock_offers_of_time(
    practice: Practice, offer: WaitlistOffer
) -> tuple[WaitlistOffer, list[WaitlistOffer]]:
    """This offer and the other open ones of its time, locked in id order."""
    offers = list(
        for_practice(WaitlistOffer, practice)
        .select_for_update(of=("self",))
        .select_related("location__practice", "practitioner__user", "consultation_type")
        .filter(cancelled_appointment_id=offer.cancelled_appointment_id)
        .order_by("id")
    )
    mine = next(o for o in offers if o.pk == offer.pk)
    others = [o for o in offers if o.pk != offer.pk and o.status == WaitlistOffer.Status.OFFERED]
    return mine, others


def _claim_locked(
    practice: Practice, offer: WaitlistOffer, others: list[WaitlistOffer]
) -> list[WaitlistOffer]:
    """Book the locked offer's time; returns the other offers that are now gone."""
    if offer.starts_at <= timezone.now():
        _close(offer, WaitlistOffer.Status.EXPIRED, WaitlistOffer.Reason.PASSED)
        return []
    entry = for_practice(WaitlistEntry, practice).select_for_update().get(pk=offer.entry_id)
    if entry.status != WaitlistEntry.Status.OPEN:
        _close(offer, WaitlistOffer.Status.GONE, WaitlistOffer.Reason.ENTRY_CLOSED)
        return []
    try:
        appointment = _book(practice, offer, entry)
    except ValidationError:  # AppointmentConflict, or no free room: the time is not free
        _close(offer, WaitlistOffer.Status.GONE, WaitlistOffer.Reason.NOT_FREE)
        return _close_all(others, WaitlistOffer.Reason.NOT_FREE)
    offer.appointment = appointment
    _close(offer, WaitlistOffer.Status.CLAIMED)
    entry.status, entry.appointment, entry.closed_at = (
        WaitlistEntry.Status.BOOKED,
        appointment,
        offer.closed_at,
    )
    entry.save(update_fields=["status", "appointment", "closed_at"])
    _on_commit_entries_changed(practice, [entry.pk])
    _close_entrys_other_offers(practice, entry, offer)
    return _close_all(others, WaitlistOffer.Reason.OTHER_CLIENT)


def _book(practice: Practice, offer: WaitlistOffer, entry: WaitlistEntry) -> Appointment:
    freed = for_practice(Appointment, practice).get(pk=offer.cancelled_appointment_id)
    before, after = freed.buffers  # the cancelled booking held exactly this much
    return appointment_book(
        practice,
        actor=None,
        patient=entry.patient,
        practitioner=offer.practitioner,
        location=offer.location,
        consultation_type=offer.consultation_type,
        starts_at=offer.starts_at,
        ends_at=offer.ends_at,
        source=Appointment.Source.WAITLIST,
        buffer_before=before,
        buffer_after=after,
        notes=entry.notes,
    )


def _close_entrys_other_offers(
    practice: Practice, entry: WaitlistEntry, claimed: WaitlistOffer
) -> None:
    """The entry is booked: its offers of other freed times are gone (nobody to tell).

    Rows a concurrent claim of those times holds are skipped rather than waited for (no
    deadlock); that claim finds the entry closed.
    """
    ids = list(
        for_practice(WaitlistOffer, practice)
        .select_for_update(skip_locked=True)
        .filter(entry=entry, status=WaitlistOffer.Status.OFFERED)
        .exclude(pk=claimed.pk)
        .values_list("id", flat=True)
    )
    for_practice(WaitlistOffer, practice).filter(pk__in=ids).update(
        status=WaitlistOffer.Status.GONE,
        reason=WaitlistOffer.Reason.ENTRY_CLOSED,
        closed_at=claimed.closed_at,
    )


def waitlist_offer_is_open(offer: WaitlistOffer, now: dt.datetime | None = None) -> bool:
    return offer.status == WaitlistOffer.Status.OFFERED and offer.starts_at > (
        now or timezone.now()
    )


def _on_commit_entries_changed(practice: Practice, entry_ids: list[int]) -> None:
    transaction.on_commit(
        lambda: signals.waitlist_entries_changed.send(
            sender=WaitlistEntry, practice=practice, entry_ids=entry_ids
        )
    )


def _entry_action(entry: WaitlistEntry, previous_status: str | None) -> str:
    if previous_status is None:
        return "waitlist.add"
    if entry.status == WaitlistEntry.Status.BOOKED:
        return "waitlist.book"
    if entry.status == WaitlistEntry.Status.CLOSED:
        return "waitlist.close"
    return "waitlist.change"


@transaction.atomic
def waitlist_entry_save(practice: Practice, *, actor, entry: WaitlistEntry) -> WaitlistEntry:
    """Put a patient on the waitlist, or save a change to their entry (closing it with or
    without an appointment). A new entry records who made it (the contact history credits
    the booking to them); closing sets `closed_at`. Audited, and `waitlist_entries_changed`
    goes out after commit."""
    previous = None
    if entry.pk:
        previous = (
            for_practice(WaitlistEntry, practice)
            .filter(pk=entry.pk)
            .values_list("status", flat=True)
            .first()
        )
    else:
        entry.practice = practice
        entry.created_by = actor if getattr(actor, "is_authenticated", False) else None
    if entry.status == WaitlistEntry.Status.OPEN:
        entry.closed_at = None
    elif previous != entry.status or entry.closed_at is None:
        entry.closed_at = timezone.now()
    if entry.status != WaitlistEntry.Status.BOOKED:
        entry.appointment = None
    entry.save()
    if previous != entry.status:
        audit_log_write(practice, actor=actor, action=_entry_action(entry, previous), obj=entry)
    _on_commit_entries_changed(practice, [entry.pk])
    return entry
