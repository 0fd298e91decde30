"""What each role may do. Later issues add rights here; views ask `has_right`."""

from __future__ import annotations

from enum import StrEnum

from .models import Membership, Role


class Right(StrEnum):
    VIEW_CALENDAR = "view_calendar"
    BOOK_APPOINTMENTS = "book_appointments"
    EDIT_PATIENTS = "edit_patients"
    TAKE_PAYMENTS = "take_payments"
    VIEW_REPORTS = "view_reports"
    MANAGE_SETTINGS = "manage_settings"


_EVERYONE = {Right.VIEW_CALENDAR, Right.BOOK_APPOINTMENTS, Right.EDIT_PATIENTS}

ROLE_RIGHTS: dict[str, frozenset[Right]] = {
    Role.DIRECTOR: frozenset(Right),
    Role.RECEPTION: frozenset(
        _EVERYONE | {Right.TAKE_PAYMENTS, Right.VIEW_REPORTS, Right.MANAGE_SETTINGS}
    ),
    Role.DENTIST: frozenset(_EVERYONE),
    Role.HYGIENIST: frozenset(_EVERYONE),
    Role.VET: frozenset(_EVERYONE),
    Role.NURSE: frozenset(_EVERYONE | {Right.TAKE_PAYMENTS}),
}


def has_right(membership: Membership | None, right: Right) -> bool:
    return membership is not None and right in ROLE_RIGHTS.get(membership.role, frozenset())
