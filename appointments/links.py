"""Appointment link codes: the short random code in a client's personal link to confirm or
cancel (`/a/<code>/`). The code is the appointment's; messaging builds the URL around it."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from practice.bulk import update_from_values
from practice.parsing import InvalidInput, parse_link_code

from .models import Appointment


def appointment_link_code(appointment: Appointment) -> str:
    """The appointment's link code, made on first use: short, random, no login needed."""
    appointment_link_codes([appointment])
    return appointment.link_code


def appointment_link_codes(appointments: Iterable[Appointment]) -> None:
    """Give each of `appointments` its link code, made on first use; two queries for all of
    them (the dispatcher's batch), none when they all have one."""
    missing: dict[int, list[Appointment]] = {}
    for appointment in appointments:
        if not appointment.link_code:  # the same row may come as several objects
            missing.setdefault(appointment.pk, []).append(appointment)
    if not missing:
        return
    # 12 characters, 72 random bits each.
    codes = {pk: secrets.token_urlsafe(9) for pk in missing}
    # Only the first caller sets a code; a concurrent one reads the winner's code back.
    update_from_values(
        Appointment, list(codes.items()), fields=["link_code"], only_if={"link_code": None}
    )
    found = Appointment.objects.unscoped().filter(pk__in=codes).values_list("pk", "link_code")
    for pk, code in found:
        for appointment in missing[pk]:
            appointment.link_code = code


def appointment_from_link(code: str) -> Appointment | None:
    """The appointment a link names, or None for an unknown (or impossible) code."""
    try:
        code = parse_link_code(code)
    except InvalidInput:
        return None
    # A public lookup: the random code, unique across practices, is the only key.
    return (
        Appointment.objects.unscoped()
        .filter(link_code=code)
        .select_related(
            "practice", "location", "patient", "practitioner__user", "consultation_type"
        )
        .first()
    )
