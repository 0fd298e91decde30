"""Services behind the integration API: one call event, chat event or web request, as
validated data (crm.api.serializers), stored through crm.events.

Provider ids are kept per kind ('call:<id>', 'chat:<id>', 'web:<id>'), so a telephony
system and a chat widget that both count from 1 never meet. A chat carries many messages:
each message event is stored under its own message id ('message_in:<message id>'), so a
repeat of the same message is refused and a new one is not.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from practice.models import Practice

from .events import Ingested, event_ingest, fold_call, fold_chat, fold_web_request
from .models.history import Communication, Source

Kind = Communication.Kind
PREFIX = {Kind.CALL: "call", Kind.CHAT: "chat", Kind.WEB_REQUEST: "web"}


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    """The payload as stored: datetimes in ISO 8601, empty values left out."""
    out = {}
    for name, value in data.items():
        if value in (None, ""):
            continue
        out[name] = value.isoformat() if isinstance(value, dt.datetime) else value
    return out


def _ingest(practice: Practice, kind: str, event: str, data: dict[str, Any], fold) -> Ingested:
    payload = _jsonable(data)
    return event_ingest(
        practice,
        source=Source.API,
        provider_id=f"{PREFIX[kind]}:{data['provider_id']}",
        event=event,
        occurred_at=data["occurred_at"],
        sequence=data.get("sequence"),
        payload=payload,
        kind=kind,
        fold=fold,
    )


def call_event_record(practice: Practice, data: dict[str, Any]) -> Ingested:
    """A call's event (ringing, answered, completed, missed, ...)."""
    return _ingest(practice, Kind.CALL, data["event"], data, fold_call)


def chat_event_record(practice: Practice, data: dict[str, Any]) -> Ingested:
    """A chat's message in or out (by message id), or its closing."""
    event = data["event"]
    if event != "closed":
        event = f"{event}:{data['message_id']}"
    return _ingest(practice, Kind.CHAT, event, data, fold_chat)


def web_request_record(practice: Practice, data: dict[str, Any]) -> Ingested:
    """A web form sent from the practice's site or a landing page."""
    return _ingest(practice, Kind.WEB_REQUEST, "submitted", data, fold_web_request)
