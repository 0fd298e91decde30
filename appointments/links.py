"""Appointment link codes: the short random code in a client's personal link to confirm or
cancel (`/a/<code>/`). The code is the appointment's; messaging builds the URL around it."""

from __future__ import annotations

import secrets

from practice.parsing import InvalidInput, parse_link_code

from .models import Appointment


def appointment_link_code(appointment: Appointment) -> str:
    """The appointment's link code, made on first use: short, random, no login needed."""
    if not appointment.link_code:
        code = secrets.token_urlsafe(9)  # 12 characters, 72 random bits
        # Only the first caller sets it; a concurrent one reads the winner's code back.
        Appointment.objects.unscoped().filter(pk=appointment.pk, link_code__isnull=True).update(
            link_code=code
        )
        appointment.link_code = (
            Appointment.objects.unscoped()
            .values_list("link_code", flat=True)
            .get(pk=appointment.pk)
        )
    return appointment.link_code


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
