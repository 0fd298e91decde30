"""Twilio Voice's status callbacks (crm.twilio_voice does the work)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .twilio_voice import voice_callback


@csrf_exempt  # Twilio cannot send our CSRF token; its request signature is checked instead
@require_POST
def twilio_voice_status(request: HttpRequest, practice_slug: str) -> HttpResponse:
    # The middleware found the practice by the slug (404 when unknown) and scoped to it.
    status, _ingested = voice_callback(request, request.public_practice)
    return HttpResponse(status=status)
