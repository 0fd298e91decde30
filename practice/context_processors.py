from django.http import HttpRequest

from .rights import ROLE_RIGHTS


def current_practice(request: HttpRequest) -> dict:
    membership = getattr(request, "membership", None)
    return {
        "practice": getattr(request, "practice", None),
        "membership": membership,
        "memberships": getattr(request, "memberships", []),
        "rights": ROLE_RIGHTS.get(membership.role, frozenset()) if membership else frozenset(),
    }
