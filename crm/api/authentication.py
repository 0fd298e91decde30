"""Integration API keys in DRF: `Authorization: Api-Key <prefix>.<secret>` (or `X-Api-Key`).

The key names its practice (found by prefix, checked by hash in crm.api_keys). No key, a
wrong one or a revoked one answers 401. The request then runs scoped to that practice.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from ..api_keys import api_key_check, api_key_used
from ..models import ApiKey

KEYWORD = "Api-Key"


def _presented_key(request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() in (KEYWORD.lower(), "bearer") and value.strip():
        return value.strip()
    return request.headers.get("X-Api-Key", "").strip()


class ApiKeyAuthentication(BaseAuthentication):
    """A practice's integration key. The request's user is anonymous: a key is no staff
    member, and `request.auth` is the ApiKey."""

    def authenticate(self, request):
        plain = _presented_key(request)
        if not plain:
            return None  # → 401 (NotAuthenticated) from the permission below
        key = api_key_check(plain)
        if key is None:
            raise exceptions.AuthenticationFailed(_("This API key is not valid or was revoked."))
        api_key_used(key)
        return (AnonymousUser(), key)

    def authenticate_header(self, request) -> str:
        # Naming a scheme makes DRF answer 401 (not 403) to a missing or refused key.
        return f'{KEYWORD} realm="api"'


class HasApiKey(BasePermission):
    message = "Send the practice's integration key: 'Authorization: Api-Key <key>'."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiKey)


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "crm.api.authentication.ApiKeyAuthentication"
    name = "integrationApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "The practice's integration key as 'Api-Key <prefix>.<secret>' "
            "(made in the admin; also accepted in an X-Api-Key header).",
        }
