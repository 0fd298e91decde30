"""The OpenAPI schema documents the error answers too, not only the happy ones.

Every operation lists what it can answer: 400 when it reads input (a body or query
parameters), 403 when it needs a practice member, 404 when its path names something (or a
list page is asked for), 429 when it is rate limited or its login can be locked out. A 409 is
named by the views that can give one (`extend_schema(responses={409: ...})`): only they know
a conflict can happen.
"""

from __future__ import annotations

from drf_spectacular.authentication import BasicScheme
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny
from rest_framework.settings import api_settings

from .errors import ErrorSerializer, ValidationErrorSerializer

BAD_REQUEST = OpenApiResponse(
    ValidationErrorSerializer, description="The input was refused; each field says why."
)
FORBIDDEN = OpenApiResponse(
    ErrorSerializer,
    description="Not logged in, not a member of the practice, or the role may not do this.",
)
NOT_FOUND = OpenApiResponse(
    ErrorSerializer,
    description="No such thing in this practice (another practice's id answers the same).",
)
TOO_MANY = OpenApiResponse(
    ErrorSerializer,
    description="Too many requests, or too many failed logins (Basic auth): try again after "
    "the Retry-After seconds.",
)


class LockoutAwareBasicScheme(BasicScheme):
    """The API's Basic auth (django-axes counts its failures) is Basic auth in the schema."""

    target_class = "practice.api.authentication.LockoutAwareBasicAuthentication"


class ValidationErrorExtension(OpenApiSerializerExtension):
    """DRF's 400 body: {field: [reasons]}, or {"detail": reason} when the body can't be read."""

    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema, direction):
        return {
            "type": "object",
            "description": (
                "Each refused field with its reasons; reasons about the request as a whole "
                f"under `{api_settings.NON_FIELD_ERRORS_KEY}`."
            ),
            "properties": {
                "detail": {
                    "type": "string",
                    "description": "Why the request could not be read (e.g. malformed JSON).",
                }
            },
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        }


class PracticeAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code, response in self._error_answers(operation).items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code)
        return operation

    def _error_answers(self, operation: dict) -> dict[str, OpenApiResponse]:
        parameters = operation.get("parameters", [])
        query = {p["name"] for p in parameters if p["in"] == "query"}
        in_path = any(p["in"] == "path" for p in parameters)
        answers = {}
        if "requestBody" in operation or query - {"page"}:
            answers["400"] = BAD_REQUEST
        needs_login = not all(isinstance(p, AllowAny) for p in self.view.get_permissions())
        if needs_login:
            answers["403"] = FORBIDDEN
        if in_path or "page" in query:
            answers["404"] = NOT_FOUND
        if needs_login or getattr(self.view, "rate_limit", None):
            answers["429"] = TOO_MANY  # a locked-out login (django-axes), or the booking limits
        return answers
