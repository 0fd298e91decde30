"""Derived state of the contact history, recomputed from its inputs.

Ingestion (API, Twilio Voice, staff entry) stores the facts of a communication and then
calls `communications_changed`; so do changes to what the derivation reads (an
appointment or waitlist entry created or changed, a client's number, a relinked call).
It recomputes, for those communications: who (person match), what for (purpose), the ad
channel (rule and evidence), missed-call recovery, and their contacts with the results.
Everything here is a function of stored rows, so the order in which events arrived never
changes the numbers.
"""

from __future__ import annotations

from collections.abc import Iterable

from practice.models import Practice


def communications_changed(practice: Practice, communication_ids: Iterable[int]) -> None:
    """Recompute what is derived from these communications (and their contacts).

    Filled in by the derivation work (person match, purpose, channel, contacts, results,
    recovery); ingestion calls it after every write so the two meet here.
    """
    list(communication_ids)  # the derivation is not built yet: nothing derived to refresh
