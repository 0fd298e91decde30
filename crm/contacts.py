"""Contacts: all communications of one person in one practice-local day, and what came of
them.

- The day is the practice's local calendar day, 00:00 to 23:59 (`practice.localtime`).
- The person is `person_key`: 'client:<id>' when matched (so a client calling from two
  numbers is one contact), else 'phone:<e164>', else 'email:<address>', else (a withheld
  number) 'unknown:<communication id>': a stranger who hid their number is their own
  contact.
- The records are the appointments and waitlist entries that the contact's employees (the
  staff members on its communications) created for that client that local day; an
  appointment the client booked online counts when the contact holds the online
  booking's web request (created by nobody).
- The result comes from the main record, the most successful: (1) appointment completed,
  or waitlist entry closed by an appointment; (2) appointment booked (not yet attended),
  or waitlist entry open; (3) appointment cancelled, or waitlist entry closed without an
  appointment. Ties: the record created first. A no-show counts as booked, not attended.
  Without records: 'Requests (open)' while an open web request or request-dialog is
  unanswered, else 'Didn't book'.

Everything is recomputed from stored rows for the (day, person) pairs touched, so the
order in which events arrived never changes a contact.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.models import Appointment, WaitlistEntry
from practice import localtime
from practice.bulk import update_from_values
from practice.models import Membership, Practice
from practice.scoping import for_practice

from .models import Communication, Contact, ContactRecord, Source

Result = Contact.Result
DayKey = tuple[dt.date, str]


def person_key(comm: Communication) -> str:
    if comm.client_id:
        return f"client:{comm.client_id}"
    if comm.phone_e164:
        return f"phone:{comm.phone_e164}"
    if comm.email:
        return f"email:{comm.email.lower()}"
    return f"unknown:{comm.pk}"


# -- the result: pure rules on plain values ------------------------------------------


@dataclass(frozen=True)
class Record:
    """An appointment or waitlist entry as the result rules read it."""

    appointment_id: int | None
    waitlist_entry_id: int | None
    patient_id: int
    created_at: dt.datetime
    status: str
    # A waitlist entry closed by an appointment: that appointment's status.
    booked_status: str = ""

    @property
    def created_status(self) -> str:
        """What was created at the time: a booking, or a patient put on the waitlist."""
        if self.appointment_id:
            return Appointment.Status.BOOKED
        return WaitlistEntry.Status.OPEN


def record_outcome(record: Record) -> tuple[int, str, str]:
    """(success rank, 1 best; result; why) of one record."""
    if record.appointment_id:
        if record.status == Appointment.Status.COMPLETED:
            return 1, Result.ATTENDED, _("the appointment took place")
        if record.status == Appointment.Status.CANCELLED:
            return 3, Result.CANCELLED, _("the appointment was cancelled")
        return 2, Result.BOOKED, _("an appointment was booked")
    if record.status == WaitlistEntry.Status.BOOKED:
        if record.booked_status == Appointment.Status.COMPLETED:
            return 1, Result.ATTENDED, _("booked from the waitlist, and the visit took place")
        return 1, Result.BOOKED, _("the waitlist entry was closed with an appointment")
    if record.status == WaitlistEntry.Status.OPEN:
        return 2, Result.WAITLIST, _("put on the waitlist")
    return 3, Result.CANCELLED, _("the waitlist entry was closed without an appointment")


def main_record(records: Iterable[Record]) -> Record | None:
    """The most successful record; between equals, the one created first."""
    ranked = sorted(
        records,
        key=lambda r: (
            record_outcome(r)[0],
            r.created_at,
            r.appointment_id is None,
            r.appointment_id or r.waitlist_entry_id,
        ),
    )
    return ranked[0] if ranked else None


def contact_result(records: list[Record], open_requests: int) -> tuple[str, str]:
    """(result, reason) of a contact from its records and its unanswered open requests."""
    main = main_record(records)
    if main is not None:
        return record_outcome(main)[1], record_outcome(main)[2]
    if open_requests:
        return Result.REQUESTS, _("an open request is waiting for an answer")
    return Result.DIDNT_BOOK, _("nothing was booked for this person that day")


# -- loading and writing -------------------------------------------------------------


@dataclass
class _Group:
    day: dt.date
    key: str
    comms: list[Communication] = field(default_factory=list)

    @property
    def client_id(self) -> int | None:
        return self.comms[0].client_id

    @property
    def employee_ids(self) -> set[int]:
        ids = {c.employee_id for c in self.comms} | {c.processed_by_id for c in self.comms}
        return ids - {None}

    @property
    def online(self) -> bool:
        return any(c.source == Source.ONLINE_BOOKING for c in self.comms)


def _comms_of(practice: Practice, keys: set[DayKey]) -> list[Communication]:
    """Every communication whose (day, person) is one of `keys` (one query)."""
    clients, phones, emails, unknown = set(), set(), set(), set()
    for _day, key in keys:
        kind, _sep, value = key.partition(":")
        {"client": clients, "phone": phones, "email": emails, "unknown": unknown}[kind].add(value)
    who = (
        Q(client_id__in=[int(v) for v in clients])
        | Q(client__isnull=True, phone_e164__in=phones)
        | Q(client__isnull=True, phone_e164="", email__in=emails)
        | Q(pk__in=[int(v) for v in unknown])
    )
    found = (
        for_practice(Communication, practice)
        .filter(who, local_date__in={day for day, _key in keys})
        .order_by("started_at", "pk")
    )
    return [c for c in found if (c.local_date, person_key(c)) in keys]


def _records(practice: Practice, groups: list[_Group]) -> dict[DayKey, list[Record]]:
    """The appointments and waitlist entries each group's employees made for its client on
    its day (one query for staff, one for appointments, one for waitlist entries)."""
    groups = [g for g in groups if g.client_id]
    if not groups:
        return {}
    staff = dict(
        for_practice(Membership, practice)
        .filter(pk__in={pk for g in groups for pk in g.employee_ids})
        .values_list("pk", "user_id")
    )
    tz = practice.tz
    since, until = localtime.range_bounds(
        min(g.day for g in groups), max(g.day for g in groups), tz
    )
    clients = {g.client_id for g in groups}
    span = {"client_id__in": clients, "created_at__gte": since, "created_at__lt": until}
    appointments = for_practice(Appointment, practice).filter(**span)
    entries = for_practice(WaitlistEntry, practice).filter(**span)
    made = [
        (row["client_id"], row["created_by_id"], row["source"] == Appointment.Source.ONLINE, rec)
        for row, rec in _appointment_records(appointments) + _entry_records(entries)
    ]
    result: dict[DayKey, list[Record]] = {}
    for group in groups:
        users = {staff[pk] for pk in group.employee_ids if pk in staff}
        result[(group.day, group.key)] = [
            rec
            for client_id, user_id, online, rec in made
            if client_id == group.client_id
            and localtime.local_date(rec.created_at, tz) == group.day
            and ((user_id is not None and user_id in users) or (online and group.online))
        ]
    return result


def _appointment_records(queryset) -> list[tuple[dict, Record]]:
    rows = queryset.values(
        "pk", "client_id", "patient_id", "created_by_id", "created_at", "status", "source"
    )
    return [
        (row, Record(row["pk"], None, row["patient_id"], row["created_at"], row["status"]))
        for row in rows
    ]


def _entry_records(queryset) -> list[tuple[dict, Record]]:
    rows = queryset.values(
        "pk",
        "client_id",
        "patient_id",
        "created_by_id",
        "created_at",
        "status",
        "appointment__status",
    )
    return [
        (
            {**row, "source": ""},
            Record(
                None,
                row["pk"],
                row["patient_id"],
                row["created_at"],
                row["status"],
                row["appointment__status"] or "",
            ),
        )
        for row in rows
    ]


def _open_requests(practice: Practice, comms: list[Communication]) -> set[int]:
    """The open web requests and request-dialogs no call was relinked to (one query)."""
    waiting = {
        c.pk
        for c in comms
        if (c.kind, c.status)
        in {
            (Communication.Kind.WEB_REQUEST, Communication.Status.OPEN),
            (Communication.Kind.REQUEST_DIALOG, Communication.Status.NEEDS_CALLBACK),
        }
    }
    if not waiting:
        return set()
    answered = for_practice(Communication, practice).filter(answers_request_id__in=waiting)
    return waiting - set(answered.values_list("answers_request_id", flat=True))


def _contact_row(practice: Practice, group: _Group, records: list[Record], open_ids) -> Contact:
    comms = group.comms
    result, reason = contact_result(records, len({c.pk for c in comms} & open_ids))
    main = main_record(records)
    staffed = [c for c in comms if c.employee_id]
    channelled = [c for c in comms if c.channel_id]
    return Contact(
        practice=practice,
        local_date=group.day,
        person_key=group.key,
        client_id=group.client_id,
        patient_id=main.patient_id if main else next((c.patient_id for c in comms), None),
        employee_id=staffed[0].employee_id if staffed else None,
        channel_id=channelled[0].channel_id if channelled else None,
        result=result,
        result_reason=reason,
        first_at=comms[0].started_at,
        last_at=comms[-1].started_at,
        computed_at=timezone.now(),
    )


CONTACT_FIELDS = [
    "client",
    "patient",
    "employee",
    "channel",
    "result",
    "result_reason",
    "first_at",
    "last_at",
    "computed_at",
]


def refresh_contacts(practice: Practice, keys: set[DayKey]) -> None:
    """Recompute the contacts of these (day, person) pairs from stored rows: a fixed
    number of queries however many communications they hold."""
    if not keys:
        return
    comms = _comms_of(practice, keys)
    groups: dict[DayKey, _Group] = {}
    for comm in comms:
        day_key = (comm.local_date, person_key(comm))
        groups.setdefault(day_key, _Group(*day_key)).comms.append(comm)
    records = _records(practice, list(groups.values()))
    open_ids = _open_requests(practice, comms)
    rows = [_contact_row(practice, g, records.get(k, []), open_ids) for k, g in groups.items()]
    saved = Contact.objects.unscoped().bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["practice", "local_date", "person_key"],
        update_fields=CONTACT_FIELDS,
    )
    ids = {(c.local_date, c.person_key): c.pk for c in saved}
    _drop_empty(practice, keys - set(groups))
    _write_records(practice, ids, records)
    update_from_values(
        Communication,
        [
            (c.pk, ids[(c.local_date, person_key(c))])
            for c in comms
            if c.contact_id != ids.get((c.local_date, person_key(c)))
        ],
        fields=["contact_id"],
    )


def _drop_empty(practice: Practice, keys: set[DayKey]) -> None:
    """Contacts whose communications all moved elsewhere (a relink, a number change)."""
    if not keys:
        return
    by_day: dict[dt.date, set[str]] = defaultdict(set)
    for day, key in keys:
        by_day[day].add(key)
    which = Q()
    for day, person_keys in by_day.items():
        which |= Q(local_date=day, person_key__in=person_keys)
    for_practice(Contact, practice).filter(which).delete()


def _write_records(
    practice: Practice, ids: dict[DayKey, int], records: dict[DayKey, list[Record]]
) -> None:
    for_practice(ContactRecord, practice).filter(contact_id__in=ids.values()).delete()
    rows = []
    for day_key, contact_id in ids.items():
        main = main_record(records.get(day_key, []))
        rows += [
            ContactRecord(
                practice=practice,
                contact_id=contact_id,
                appointment_id=rec.appointment_id,
                waitlist_entry_id=rec.waitlist_entry_id,
                created_at=rec.created_at,
                created_status=rec.created_status,
                is_main=rec == main,
            )
            for rec in records.get(day_key, [])
        ]
    ContactRecord.objects.unscoped().bulk_create(rows)


def contact_keys_of(practice: Practice, contact_ids: Iterable[int]) -> set[DayKey]:
    """The (day, person) pairs of these contacts (one query)."""
    return set(
        for_practice(Contact, practice)
        .filter(pk__in=set(contact_ids) - {None})
        .values_list("local_date", "person_key")
    )


def contact_keys_for_records(
    practice: Practice, *, appointment_ids=(), waitlist_entry_ids=()
) -> set[DayKey]:
    """The contacts holding these records, and the (day, client) they were made on: what
    to refresh when an appointment or waitlist entry is created or changes."""
    tz = practice.tz
    linked = for_practice(ContactRecord, practice).filter(
        Q(appointment_id__in=appointment_ids) | Q(waitlist_entry_id__in=waitlist_entry_ids)
    )
    keys = contact_keys_of(practice, linked.values_list("contact_id", flat=True))
    made = list(
        for_practice(Appointment, practice)
        .filter(pk__in=appointment_ids)
        .values_list("client_id", "created_at")
    ) + list(
        for_practice(WaitlistEntry, practice)
        .filter(pk__in=waitlist_entry_ids)
        .values_list("client_id", "created_at")
    )
    return keys | {(localtime.local_date(at, tz), f"client:{pk}") for pk, at in made}
