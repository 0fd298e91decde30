from django.conf import settings
from rest_framework.permissions import BasePermission

from ..models import Membership


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


class CanReadApiDocs(BasePermission):
    """The OpenAPI schema and its docs page: anyone when settings.API_DOCS_PUBLIC (the default
    while developing); otherwise logged-in staff, i.e. a practice member or a Django admin."""

    message = "Log in as practice staff to read the API documentation."

    def has_permission(self, request, view) -> bool:
        if settings.API_DOCS_PUBLIC:
            return True
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return (
            user.is_staff
            or Membership.objects.unscoped().filter(user=user, is_active=True).exists()
        )
