"""Derived state of the contact history, recomputed from its inputs.

Ingestion (API, Twilio Voice, staff entry) stores the facts of a communication and then
calls `communications_changed`; so do the receivers (`crm/receivers.py`) when what the
derivation reads changes: an appointment or waitlist entry created or changed, a client's
number or email, a relinked call. It recomputes, for those communications: the local day,
who (`matching`), what for (`purposes`), the ad channel (`channels`), missed-call recovery
(`recovery`), and then their contacts with the results (`contacts`); a missed call gets
its text-back when the practice wants it (`textback`). Everything here is a
function of stored rows, so the order in which events arrived never changes the numbers;
and everything is set-based: a batch of any size costs a fixed number of queries.

A call relinked to another web request: pass the call and both requests (the previous
one's contact and person change too).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from practice import localtime
from practice.bulk import update_from_values
from practice.models import Practice
from practice.scoping import for_practice

from . import channels, contacts, matching, purposes, recovery, textback
from .models import Communication
from .selectors import contact_settings

DERIVED_FIELDS = [
    "local_date",
    "client_id",
    "patient_id",
    "person_kind",
    "matched_count",
    "match_note",
    "purpose",
    "purpose_reason",
    "channel_id",
    "channel_rule_id",
    "channel_evidence",
    "recovery",
    "recovery_minutes",
    "recovered_by_id",
]


def _load(practice: Practice, ids: set[int]) -> list[Communication]:
    return list(for_practice(Communication, practice).filter(pk__in=ids).order_by("started_at"))


def _affected(practice: Practice, ids: set[int]) -> list[Communication]:
    """The communications to re-derive: those named, and the requests their calls answer
    (a request takes the person of the call relinked to it)."""
    comms = _load(practice, ids)
    more = {c.answers_request_id for c in comms} - {None} - ids
    return comms + _load(practice, more) if more else comms


def _rederive(practice: Practice, comms: list[Communication]) -> set[contacts.DayKey]:
    """Derive and store; returns the (day, person) pairs they now belong to."""
    rows = _derive(practice, comms)
    update_from_values(Communication, rows, fields=DERIVED_FIELDS)
    for comm, row in zip(comms, rows, strict=True):
        # What later steps read of who it is (contacts, the text-back).
        comm.client_id, comm.person_kind = row[2], row[4]
    return {(comm.local_date, contacts.person_key(comm)) for comm in comms}


def _derive(practice: Practice, comms: list[Communication]) -> list[tuple]:
    """New values of `DERIVED_FIELDS` for each communication, as rows (pk first)."""
    settings = contact_settings(practice)
    tz = practice.tz
    for comm in comms:
        comm.local_date = localtime.local_date(comm.started_at, tz)
    matches = matching.match_people(practice, comms)
    for comm in comms:  # later steps read who it is
        comm.client_id = matches[comm.pk].client_id
    found = purposes.assign_purposes(practice, comms, matches, settings.outgoing_window_minutes)
    chans = channels.detect_channels(practice, comms)
    recovered = recovery.recover(practice, comms)
    rows = []
    for comm in comms:
        match, chan = matches[comm.pk], chans[comm.pk]
        rows.append(
            (
                comm.pk,
                comm.local_date,
                match.client_id,
                match.patient_id,
                match.person_kind,
                match.matched_count,
                match.match_note[:300],
                *found[comm.pk],
                chan.channel_id,
                chan.rule_id,
                chan.evidence[:300],
                *recovered[comm.pk],
            )
        )
    return rows


@transaction.atomic
def communications_changed(practice: Practice, communication_ids: Iterable[int]) -> None:
    """Recompute what is derived from these communications, and their contacts (old and
    new: a communication that now belongs to another person or day leaves its old contact).
    """
    ids = set(communication_ids) - {None}
    if not ids:
        return
    comms = _affected(practice, ids)
    old_keys = contacts.contact_keys_of(practice, {c.contact_id for c in comms})
    new_keys = _rederive(practice, comms)
    # Then the missed calls these may recover (found by the person just matched); their
    # recovery reads the rows just stored.
    missed = recovery.missed_calls_before(practice, comms) - {c.pk for c in comms}
    if missed:
        new_keys |= _rederive(practice, _load(practice, missed))
    contacts.refresh_contacts(practice, old_keys | new_keys)
    # A missed call today from a mobile: the text-back (once a day per number).
    textback.text_back(practice, comms, contact_settings(practice).text_back_enabled)


def contacts_changed(practice: Practice, keys: set[contacts.DayKey]) -> None:
    """Recompute these contacts (their records changed: an appointment or waitlist entry
    made or changed); the communications' own derived fields stay."""
    with transaction.atomic():
        contacts.refresh_contacts(practice, keys)
