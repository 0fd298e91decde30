"""The contact history reacting to what its derivation reads (signals sent after commit):

- an appointment booked, moved, cancelled or changing status, and a waitlist entry added,
  closed or booked: the contacts holding them (or made that day for that client) get their
  records and result again, and the outgoing calls to that client whose 15-minute window
  covers the change get their purpose again;
- a client's number or email new or changed: the communications of the old and new
  number or email, and those matched to the client, are matched again;
- a patient marked notified of an appointment: the outgoing calls to that client whose
  window covers the mark get their purpose again (a reminder);
- a booking made online: recorded as a processed web request with its UTM tags
  (`crm.online`).

Each calls `crm.derive`, which recomputes from stored rows: the order of events is moot.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.db.models.functions import Lower
from django.dispatch import receiver
from django.utils import timezone

from appointments import signals as appointment_signals
from appointments.models import WaitlistEntry
from online_booking import signals as online_booking_signals
from patients import signals as patient_signals
from practice.models import Practice
from practice.scoping import for_practice

from . import derive
from .contacts import contact_keys_for_records
from .models import Communication
from .online import online_booking_record
from .selectors import contact_settings


def calls_acted_on(practice: Practice, client_ids: set[int], at: dt.datetime) -> set[int]:
    """Outgoing calls to these clients whose window (start to `outgoing_window_minutes`
    after the end) covers `at`: an action now may give them their purpose."""
    window = dt.timedelta(minutes=contact_settings(practice).outgoing_window_minutes)
    ended_recently = Q(ended_at__gte=at - window) | Q(
        ended_at__isnull=True, started_at__gte=at - window
    )
    return set(
        for_practice(Communication, practice)
        .filter(
            ended_recently,
            client_id__in=client_ids,
            kind=Communication.Kind.CALL,
            direction=Communication.Direction.OUTGOING,
            started_at__lte=at,
        )
        .values_list("pk", flat=True)
    )


def _records_changed(practice: Practice, client_ids: set[int], **records) -> None:
    derive.contacts_changed(practice, contact_keys_for_records(practice, **records))
    calls = calls_acted_on(practice, client_ids, timezone.now())
    if calls:
        derive.communications_changed(practice, calls)


@receiver(appointment_signals.appointment_booked)
@receiver(appointment_signals.appointment_moved)
@receiver(appointment_signals.appointment_cancelled)
@receiver(appointment_signals.appointment_status_changed)
def appointment_changed(sender, *, practice, appointment, **kwargs) -> None:
    _records_changed(practice, {appointment.client_id}, appointment_ids=[appointment.pk])


@receiver(appointment_signals.appointment_notified)
def appointment_notified(sender, *, practice, appointment, at, **kwargs) -> None:
    """Staff marked the patient notified: the outgoing calls to that client whose window
    covers the mark may now count as a reminder (no contact's records change)."""
    calls = calls_acted_on(practice, {appointment.client_id}, at)
    if calls:
        derive.communications_changed(practice, calls)


@receiver(appointment_signals.waitlist_entries_changed)
def waitlist_entries_changed(sender, *, practice, entry_ids, **kwargs) -> None:
    clients = set(
        for_practice(WaitlistEntry, practice)
        .filter(pk__in=entry_ids)
        .values_list("client_id", flat=True)
    )
    _records_changed(practice, clients, waitlist_entry_ids=list(entry_ids))


def task_acted_on(practice: Practice, client_id: int) -> None:
    """Called by the task services after commit (the same app: no signal needed)."""
    calls = calls_acted_on(practice, {client_id}, timezone.now())
    if calls:
        derive.communications_changed(practice, calls)


@receiver(patient_signals.client_contact_details_changed)
def client_details_changed(sender, *, practice, client, numbers, emails, **kwargs) -> None:
    ids = set(
        for_practice(Communication, practice)
        .annotate(email_lower=Lower("email"))
        .filter(
            Q(phone_e164__in=numbers)
            | Q(email_lower__in={e.lower() for e in emails})
            | Q(client_id=client.pk)
        )
        .values_list("pk", flat=True)
    )
    derive.communications_changed(practice, ids)


@receiver(online_booking_signals.booked_online)
def booked_online(sender, *, practice, appointment, tags, **kwargs) -> None:
    online_booking_record(practice, appointment, tags)
