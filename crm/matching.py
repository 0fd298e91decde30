"""Who a communication is with: matched by normalised phone number or email, within the
practice only (rule 'Who' of issue 12).

Decisions (documented for the report):
- A withheld or unreadable number matches no one (`person_kind` other, note says why).
- One number (or email) may be on several clients' cards (a family, a vet household).
  `matched_count` says how many, `match_note` names the rule, and the communication is
  linked to the client with the most recent visit before it (an appointment not cancelled;
  none: the client registered first), so the contact and its result follow one person.
- A new (first-time) patient is a matched client with no completed appointment before the
  communication; a patient has one.
- Employees: staff have no phone number in this app (Membership and User carry none), so
  an employee is recognised by their account's email, or by a call from one of the
  practice's own numbers (a location's phone): an internal call.
- Nobody matched: other / counterparty.
- A web request answered by a call (relinked by hand) and matched to no one takes the
  call's person: the call shows who the request was from.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Min
from django.db.models.functions import Lower
from django.utils.translation import gettext_noop

from appointments.models import Appointment
from patients.models import Client, Patient
from practice.models import Location, Membership, Practice
from practice.scoping import for_practice

from . import phones
from .models import Communication
from .phones import parse_phone
from .reasons import reason

PersonKind = Communication.PersonKind


def normalise_number(raw: str, region: str) -> str:
    """`raw` as E.164 read with the practice's default `region`, or '' when it is withheld
    or not a valid number (crm.phones owns the reading)."""
    return parse_phone(raw, region).e164


def is_withheld(communication: Communication) -> bool:
    return (
        communication.kind == Communication.Kind.CALL
        and not communication.phone_e164
        and (not (raw := (communication.phone_raw or "").strip()) or phones.is_withheld(raw))
    )


@dataclass
class Match:
    client_id: int | None = None
    patient_id: int | None = None
    person_kind: str = PersonKind.OTHER
    matched_count: int = 0
    match_note: str = ""


@dataclass
class _Directory:
    """The practice's people for one batch: clients by number and email, their visits."""

    by_phone: dict[str, list[int]]
    by_email: dict[str, list[int]]
    staff_emails: set[str]
    own_numbers: set[str]
    first_completed: dict[int, dt.datetime]
    visits: dict[int, list[tuple[dt.datetime, int]]]  # client → [(starts_at, patient)]
    patients: dict[int, list[int]]  # client → patient ids, oldest first


def _staff_emails(practice: Practice) -> set[str]:
    users = for_practice(Membership, practice).values("user_id")
    emails = get_user_model().objects.filter(pk__in=users).exclude(email="")
    return {email.lower() for email in emails.values_list("email", flat=True)}


def _own_numbers(practice: Practice) -> set[str]:
    region = practice.default_country
    numbers = {normalise_number(practice.phone, region)}
    for phone, second in for_practice(Location, practice).values_list("phone", "phone_secondary"):
        numbers |= {normalise_number(phone, region), normalise_number(second, region)}
    return numbers - {""}


def _directory(practice: Practice, phones: set[str], emails: set[str]) -> _Directory:
    by_phone: dict[str, list[int]] = defaultdict(list)
    by_email: dict[str, list[int]] = defaultdict(list)
    clients = for_practice(Client, practice).order_by("created_at", "id")
    for pk, mobile in clients.filter(mobile__in=phones).values_list("pk", "mobile"):
        by_phone[mobile].append(pk)
    lowered = clients.annotate(email_lower=Lower("email")).filter(email_lower__in=emails)
    for pk, email in lowered.values_list("pk", "email_lower"):
        by_email[email].append(pk)
    ids = {pk for pks in (*by_phone.values(), *by_email.values()) for pk in pks}
    appointments = for_practice(Appointment, practice).filter(client_id__in=ids)
    first_completed = dict(
        appointments.filter(status=Appointment.Status.COMPLETED)
        .values("client_id")
        .annotate(first=Min("starts_at"))
        .values_list("client_id", "first")
    )
    visits: dict[int, list[tuple[dt.datetime, int]]] = defaultdict(list)
    for client_id, starts_at, patient_id in (
        appointments.exclude(status=Appointment.Status.CANCELLED)
        .order_by("starts_at")
        .values_list("client_id", "starts_at", "patient_id")
    ):
        visits[client_id].append((starts_at, patient_id))
    patients: dict[int, list[int]] = defaultdict(list)
    for client_id, pk in (
        for_practice(Patient, practice)
        .filter(client_id__in=ids)
        .order_by("created_at", "id")
        .values_list("client_id", "pk")
    ):
        patients[client_id].append(pk)
    return _Directory(
        by_phone,
        by_email,
        _staff_emails(practice) if emails else set(),
        _own_numbers(practice) if phones else set(),
        first_completed,
        visits,
        patients,
    )


def _last_visit(directory: _Directory, client_id: int, before: dt.datetime):
    past = [visit for visit in directory.visits.get(client_id, []) if visit[0] <= before]
    return past[-1] if past else None


def _pick(directory: _Directory, candidates: Sequence[int], before: dt.datetime) -> int:
    """The client with the most recent visit before `before`; none: the first registered."""
    dated = [(_last_visit(directory, pk, before), pk) for pk in candidates]
    visited = [(visit[0], -pk) for visit, pk in dated if visit]
    if visited:
        return -max(visited)[1]
    return candidates[0]


def _patient(directory: _Directory, client_id: int, before: dt.datetime) -> int | None:
    """The patient of the client's last visit, else their first patient."""
    visit = _last_visit(directory, client_id, before)
    if visit:
        return visit[1]
    patients = directory.patients.get(client_id)
    return patients[0] if patients else None


def _match_one(directory: _Directory, comm: Communication) -> Match:
    if comm.phone_e164 and comm.phone_e164 in directory.own_numbers:
        return Match(
            person_kind=PersonKind.EMPLOYEE,
            match_note=reason(gettext_noop("one of the practice's numbers")),
        )
    email = comm.email.lower()
    if email and email in directory.staff_emails:
        return Match(
            person_kind=PersonKind.EMPLOYEE,
            match_note=reason(gettext_noop("a staff member's email")),
        )
    candidates = directory.by_phone.get(comm.phone_e164, []) if comm.phone_e164 else []
    how = reason(gettext_noop("number"))
    if not candidates and email:
        candidates, how = directory.by_email.get(email, []), reason(gettext_noop("email"))
    if not candidates:
        if is_withheld(comm):
            return Match(match_note=reason(gettext_noop("number withheld: matches no one")))
        return Match(match_note=reason(gettext_noop("no client has this number or email")))
    client_id = _pick(directory, candidates, comm.started_at)
    first = directory.first_completed.get(client_id)
    is_new = first is None or first >= comm.started_at
    note = reason(gettext_noop("matched by %(how)s"), how=how)
    if len(candidates) > 1:
        note = reason(
            gettext_noop(
                "%(how)s on %(count)s clients' cards: the one with the most recent visit taken"
            ),
            how=how,
            count=len(candidates),
        )
    return Match(
        client_id=client_id,
        patient_id=_patient(directory, client_id, comm.started_at),
        person_kind=PersonKind.NEW_PATIENT if is_new else PersonKind.PATIENT,
        matched_count=len(candidates),
        match_note=note,
    )


def match_people(practice: Practice, comms: Iterable[Communication]) -> dict[int, Match]:
    """Who each communication is with, by id: a fixed number of queries for any batch."""
    comms = list(comms)
    phones = {c.phone_e164 for c in comms if c.phone_e164}
    emails = {c.email.lower() for c in comms if c.email}
    directory = _directory(practice, phones, emails)
    matches = {comm.pk: _match_one(directory, comm) for comm in comms}
    _inherit_from_answering_calls(practice, comms, matches)
    _inherit_from_text_back_bookings(practice, comms, matches)
    return matches


def _inherit_from_text_back_bookings(
    practice: Practice, comms: list[Communication], matches: dict[int, Match]
) -> None:
    """A missed call from a number on no client's card, whose text-back link was used to
    book online, is the client who booked (whatever number they typed): the call and the
    booking are one contact."""
    waiting = {
        c.text_back_booking_id: c.pk
        for c in comms
        if c.text_back_booking_id and matches[c.pk].client_id is None
    }
    if not waiting:
        return
    booked = (
        for_practice(Appointment, practice)
        .filter(pk__in=waiting)
        .values_list("pk", "client_id", "patient_id")
    )
    for appointment_id, client_id, patient_id in booked:
        matches[waiting[appointment_id]] = Match(
            client_id=client_id,
            patient_id=patient_id,
            # They had no card when they called: a first-time patient.
            person_kind=PersonKind.NEW_PATIENT,
            matched_count=1,
            match_note=reason(gettext_noop("booked online through the text-back link")),
        )


def _inherit_from_answering_calls(
    practice: Practice, comms: list[Communication], matches: dict[int, Match]
) -> None:
    """A request nobody matched takes the person of the call relinked to it (the call's
    match from this batch when it is in it, else as stored)."""
    unmatched = {
        c.pk
        for c in comms
        if c.kind == Communication.Kind.WEB_REQUEST and matches[c.pk].client_id is None
    }
    if not unmatched:
        return
    calls = (
        for_practice(Communication, practice)
        .filter(answers_request_id__in=unmatched)
        .order_by("started_at", "pk")
        .values("pk", "answers_request_id", "client_id", "patient_id", "person_kind")
    )
    for call in calls:
        found = matches.get(call["pk"]) or Match(
            client_id=call["client_id"],
            patient_id=call["patient_id"],
            person_kind=call["person_kind"],
        )
        request_id = call["answers_request_id"]
        if found.client_id is None or matches[request_id].client_id is not None:
            continue  # the first answering call with a person decides
        matches[request_id] = Match(
            client_id=found.client_id,
            patient_id=found.patient_id,
            person_kind=found.person_kind,
            matched_count=1,
            match_note=reason(
                gettext_noop("from the call relinked to it (#%(id)s)"), id=call["pk"]
            ),
        )
