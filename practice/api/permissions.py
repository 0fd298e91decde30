from rest_framework.permissions import BasePermission


class IsPracticeMember(BasePermission):
    """Authenticated staff with a membership in the current practice."""

    message = "You are not a member of a practice (or not of the one named in X-Practice)."

    def has_permission(self, request, view) -> bool:
        django_request = request._request
        return bool(
            request.user
            and request.user.is_authenticated
            and getattr(django_request, "practice", None) is not None
        )
