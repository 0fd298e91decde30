"""Matching an online booking to existing clients and patients (the issue's exact rules).

Client: first name and last name exactly equal, and at least one of mobile, email or
address equal. One match: the booking is theirs (their stored data is not overwritten).
Several (twins): no match; a new client is made and flagged as a possible duplicate.
Patient: under the matched client, name and species exactly equal; else a new patient.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from patients.models import Client, Patient
from practice.models import Practice
from practice.scoping import for_practice

COMPARED = ("mobile", "email", "address", "postal_code", "city")


@dataclass
class ClientMatch:
    client: Client | None
    ambiguous: bool = False
    differences: dict[str, dict[str, str]] = field(default_factory=dict)


def _contact_equal(client: Client, typed: dict[str, str]) -> bool:
    mobile, email, address = typed.get("mobile"), typed.get("email"), typed.get("address")
    return bool(
        (mobile and client.mobile == mobile)
        or (email and client.email.lower() == email.lower())
        or (address and client.address == address)
    )


def match_client(practice: Practice, typed: dict[str, str]) -> ClientMatch:
    """`typed` holds cleaned values (mobile in E.164, email lower-case)."""
    candidates = [
        c
        for c in for_practice(Client, practice).filter(
            first_name=typed["first_name"], last_name=typed["last_name"], is_active=True
        )
        if _contact_equal(c, typed)
    ]
    if len(candidates) > 1:
        return ClientMatch(None, ambiguous=True)
    if not candidates:
        return ClientMatch(None)
    client = candidates[0]
    differences = {
        name: {"stored": getattr(client, name), "typed": typed[name]}
        for name in COMPARED
        if typed.get(name) and typed[name] != getattr(client, name)
    }
    return ClientMatch(client, differences=differences)


def match_patient(practice: Practice, client: Client, *, name: str, species: str) -> Patient | None:
    return (
        for_practice(Patient, practice)
        .filter(client=client, name=name, species=species)
        .order_by("id")
        .first()
    )
