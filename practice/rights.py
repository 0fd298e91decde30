"""What each role may do.

Services that write check the acting user's right themselves (`require_right`), so a page,
the API and a task can never differ; views and templates ask `has_right` only to hide what
the role cannot use.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Membership, Practice, Role
from .scoping import for_practice


class Right(StrEnum):
    VIEW_CALENDAR = "view_calendar"
    BOOK_APPOINTMENTS = "book_appointments"
    EDIT_PATIENTS = "edit_patients"
    TAKE_PAYMENTS = "take_payments"
    VIEW_REPORTS = "view_reports"
    MANAGE_SETTINGS = "manage_settings"
    # Add staff accounts, change roles, unlock logins: directors only (a role that could
    # make a director account could make itself one).
    MANAGE_STAFF = "manage_staff"
    # Build, activate and pause marketing workflows; remove a patient from one.
    MANAGE_WORKFLOWS = "manage_workflows"
    # Reports → Contact history (the Marketing group): calls, chats, web requests.
    CONTACT_HISTORY = "contact_history"


_EVERYONE = {Right.VIEW_CALENDAR, Right.BOOK_APPOINTMENTS, Right.EDIT_PATIENTS}

ROLE_RIGHTS: dict[str, frozenset[Right]] = {
    Role.DIRECTOR: frozenset(Right),
    Role.RECEPTION: frozenset(
        _EVERYONE
        | {
            Right.TAKE_PAYMENTS,
            Right.VIEW_REPORTS,
            Right.MANAGE_SETTINGS,
            Right.MANAGE_WORKFLOWS,
            Right.CONTACT_HISTORY,
        }
    ),
    Role.DENTIST: frozenset(_EVERYONE),
    Role.HYGIENIST: frozenset(_EVERYONE),
    Role.VET: frozenset(_EVERYONE),
    Role.NURSE: frozenset(_EVERYONE | {Right.TAKE_PAYMENTS}),
}


def has_right(membership: Membership | None, right: Right) -> bool:
    return membership is not None and right in ROLE_RIGHTS.get(membership.role, frozenset())


RIGHT_REFUSED = {
    Right.TAKE_PAYMENTS: gettext_lazy("Your role does not allow taking payments."),
}


def actor_membership(practice: Practice, actor) -> Membership | None:
    """The acting user's active membership in `practice`, if they have one."""
    if not getattr(actor, "is_authenticated", False):
        return None
    return for_practice(Membership, practice).filter(user=actor, is_active=True).first()


def require_right(practice: Practice, actor, right: Right) -> Membership | None:
    """Refuse (PermissionDenied, which pages and API answer 403) unless `actor` is an active
    member of `practice` whose role has `right`, or a superuser. Call it first in the service
    that writes."""
    membership = actor_membership(practice, actor)
    if getattr(actor, "is_superuser", False):
        return membership
    if not has_right(membership, right):
        raise PermissionDenied(str(RIGHT_REFUSED.get(right) or _("Your role does not allow this.")))
    return membership
