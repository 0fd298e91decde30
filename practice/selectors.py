from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from .models import CLINICAL_ROLES, Location, Membership, Practice
from .scoping import for_practice


def location_list(practice: Practice) -> QuerySet[Location]:
    return for_practice(Location, practice).filter(is_active=True)


def practitioner_list(practice: Practice) -> QuerySet[Membership]:
    return (
        for_practice(Membership, practice)
        .filter(role__in=CLINICAL_ROLES, is_active=True)
        .select_related("user")
        .order_by("display_name", "user__last_name", "id")
    )


def staff_users(practice: Practice) -> QuerySet:
    """The user accounts with a membership (active or not) in `practice`: the only users its
    forms may name (created by, taken by, ...)."""
    return (
        get_user_model()
        .objects.filter(pk__in=for_practice(Membership, practice).values("user_id"))
        .order_by("username")
    )
