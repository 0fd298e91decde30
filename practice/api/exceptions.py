"""Turn domain validation errors into 400 answers with a reason, never a 500.

A parameter we cannot read (practice.parsing.InvalidInput) answers 400 {field: [reason]}.

A service's ValidationError with code "conflict" (the time was taken: it carries the
clashing appointment as `.conflict`) answers 409 naming it. Any other answers 400 in DRF's
shape (practice.api.errors documents both).
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.views.defaults import page_not_found
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from ..parsing import InvalidInput


def validation_detail(exc: DjangoValidationError) -> dict[str, list[str]]:
    """A domain error as DRF words a 400: field → reasons; the rest under non_field_errors."""
    if hasattr(exc, "error_dict"):
        return {
            api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field: messages
            for field, messages in exc.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}


def exception_handler(exc, context):
    if isinstance(exc, InvalidInput):
        exc = exceptions.ValidationError({exc.field: [exc.message]})
    elif isinstance(exc, DjangoValidationError):
        if getattr(exc, "code", None) == "conflict":
            conflict = getattr(exc, "conflict", None)
            body = {"detail": exc.messages[0], "conflict": None}
            if conflict is not None:
                body["conflict"] = {
                    "id": conflict.pk,
                    "starts_at": conflict.starts_at.isoformat(),
                    "ends_at": conflict.ends_at.isoformat(),
                }
            return Response(body, status=status.HTTP_409_CONFLICT)
        exc = exceptions.ValidationError(validation_detail(exc))
    return drf_exception_handler(exc, context)


def not_found(request, exception=None):
    """Django's 404 (no URL matched, e.g. /api/v1/patients/abc/): JSON under /api/, like DRF's
    own 404s, so an API client never gets an HTML page; the site's 404 page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": str(exceptions.NotFound.default_detail)}, status=status.HTTP_404_NOT_FOUND
        )
    return page_not_found(request, exception)
