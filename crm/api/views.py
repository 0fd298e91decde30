"""Telephony and website integrations post their events here, with the practice's key.

Each event is stored once (a repeat answers 200 with the same result, `stored: false`), and
its communication rebuilt from all its events. Rate-limited per key (CRM_API_RATE).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django_ratelimit import ALL
from django_ratelimit.core import get_usage
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.response import Response
from rest_framework.views import APIView

from practice.api.errors import ErrorSerializer
from practice.tenancy import _current_practice_id

from .. import integration
from ..events import Ingested
from .authentication import ApiKeyAuthentication, HasApiKey
from .serializers import CallEventIn, ChatEventIn, IngestedOut, WebRequestIn

UNAUTHORIZED = OpenApiResponse(
    ErrorSerializer, description="No integration key, a wrong one, or a revoked one."
)


def _over_limit(request, prefix: str) -> int:
    """0 within the key's rate (settings.CRM_API_RATE); past it, seconds to wait."""
    usage = get_usage(
        request,
        group="crm-api",
        key=lambda group, req: prefix,
        rate=settings.CRM_API_RATE,
        method=ALL,
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return 0
    return max(1, usage["time_left"])


class IntegrationView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKey]
    rate_limit = "CRM_API_RATE"  # documents the 429 (practice.api.schema)
    input_serializer: type = CallEventIn

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = request.auth
        django_request = request._request
        django_request.practice = key.practice
        # The key names the practice: scope the request to it, as the middleware does for staff.
        django_request._practice_tokens.append(_current_practice_id.set(key.practice_id))
        timezone.activate(dt.UTC)
        wait = _over_limit(django_request, key.prefix)
        if wait:
            raise Throttled(wait=wait, detail=_("Too many events. Please slow down."))

    def record(self, practice, data) -> Ingested:
        raise NotImplementedError

    def post(self, request):
        practice = request.auth.practice
        serializer = self.input_serializer(data=request.data, context={"practice": practice})
        serializer.is_valid(raise_exception=True)
        ingested = self.record(practice, serializer.validated_data)
        c = ingested.communication
        body = {
            "communication": c.pk,
            "kind": c.kind,
            "status": c.status,
            "status_reason": c.status_reason_text,
            "stored": ingested.stored,
        }
        return Response(body, status=status.HTTP_201_CREATED if ingested.stored else 200)


def _documented(serializer, summary: str):
    return extend_schema(
        request=serializer,
        responses={
            201: OpenApiResponse(IngestedOut, description="Stored; the communication as now."),
            200: OpenApiResponse(IngestedOut, description="A repeat: nothing new stored."),
            401: UNAUTHORIZED,
        },
        summary=summary,
        tags=["crm-integrations"],
    )


class CallEventView(IntegrationView):
    input_serializer = CallEventIn

    @_documented(CallEventIn, "A call's event (ringing, answered, completed, missed, ...)")
    def post(self, request):
        return super().post(request)

    def record(self, practice, data) -> Ingested:
        return integration.call_event_record(practice, data)


class ChatEventView(IntegrationView):
    input_serializer = ChatEventIn

    @_documented(ChatEventIn, "A chat message in or out, or the chat closed")
    def post(self, request):
        return super().post(request)

    def record(self, practice, data) -> Ingested:
        return integration.chat_event_record(practice, data)


class WebRequestView(IntegrationView):
    input_serializer = WebRequestIn

    @_documented(WebRequestIn, "A web request from the practice's site or a landing page")
    def post(self, request):
        return super().post(request)

    def record(self, practice, data) -> Ingested:
        return integration.web_request_record(practice, data)
