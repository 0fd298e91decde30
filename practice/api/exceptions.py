"""Turn domain validation errors into 400 answers with a reason, never a 500.

A parameter we cannot read (practice.parsing.InvalidInput) answers 400 {field: [reason]}.

A service's ValidationError with code "conflict" (the time was taken: it carries the
clashing appointment as `.conflict`) answers 409 naming it.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..parsing import InvalidInput


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
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)
