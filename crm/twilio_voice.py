"""Twilio Voice status callbacks → provider events → the call.

Twilio posts to /crm/twilio/voice/<practice-slug>/ (the number's status callback, the
`<Dial>` verb's `<Number statusCallback>` and its `action`, and recording callbacks). The
request is checked with the practice's Twilio auth token (its SMS gateway: one Twilio
account) against the URL Twilio was given: settings.PUBLIC_BASE_URL plus the path, never
the host this server saw behind a proxy. A forged request answers 403 and stores nothing.

One call is the parent leg (the caller's); a call forwarded with `<Dial>` has child legs
(`ParentCallSid`) and ends with the dial action's `DialCallStatus`. The parent leg ends
`completed` even when nobody picked up, so the verdict is the dial leg's: the call is
missed when no dial leg was answered, and the reason says so. Callbacks come out of order;
the call is rebuilt from all of them (crm.events), so their order changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from email.utils import parsedate_to_datetime

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from messaging.callbacks import signature_valid
from messaging.selectors import sms_gateway
from practice.models import Practice
from practice.parsing import InvalidInput, parse_text
from practice.scoping import for_practice

from .events import Facts, Ingested, collect_text, event_ingest, ordered, seconds_between, whole
from .models.history import Communication, ProviderEvent, Source
from .reasons import reason

Status = Communication.Status
Direction = Communication.Direction

_SID = re.compile(r"[A-Za-z0-9_-]{2,64}")
STATUSES = {
    "queued",
    "initiated",
    "ringing",
    "in-progress",
    "answered",
    "completed",
    "busy",
    "no-answer",
    "canceled",
    "failed",
}
RANK = {"queued": 0, "initiated": 0, "ringing": 1, "in-progress": 2, "answered": 2}
FINAL = {"completed", "busy", "no-answer", "canceled", "failed"}
for _status in FINAL:
    RANK[_status] = 3
# The parameters kept from a callback (the rest is Twilio's account data we do not need).
KEPT = (
    "CallSid",
    "ParentCallSid",
    "CallStatus",
    "Direction",
    "From",
    "To",
    "CallDuration",
    "Timestamp",
    "SequenceNumber",
    "DialCallSid",
    "DialCallStatus",
    "DialCallDuration",
    "RecordingSid",
    "RecordingStatus",
    "RecordingUrl",
)


def public_url(request: HttpRequest) -> str:
    """The URL Twilio signed: the configured public base, then our path and query."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + request.get_full_path()


def _param(request: HttpRequest, name: str, max_length: int = 200) -> str:
    return parse_text(request.POST.get(name, ""), field=name, max_length=max_length).strip()


def _sid(request: HttpRequest, name: str, required: bool = False) -> str:
    sid = _param(request, name, 64)
    if (sid or required) and not _SID.fullmatch(sid):
        raise InvalidInput(name, _("This is not a call SID."))
    return sid


def _timestamp(request: HttpRequest) -> dt.datetime:
    raw = _param(request, "Timestamp", 64)
    if not raw:
        return timezone.now()  # the dial action carries no time: when it reached us
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError) as exc:
        raise InvalidInput("Timestamp", _("This is not a time.")) from exc
    if moment.tzinfo is None:
        raise InvalidInput("Timestamp", _("This is not a time."))
    return moment.astimezone(dt.UTC)


def _sequence(request: HttpRequest) -> int | None:
    raw = _param(request, "SequenceNumber", 10)
    if not raw:
        return None
    if not raw.isdigit():
        raise InvalidInput("SequenceNumber", _("Give a whole number."))
    return int(raw)


def voice_callback(request: HttpRequest, practice: Practice) -> tuple[int, Ingested | None]:
    """Check and store one callback. Returns the HTTP status and what was stored."""
    gateway = sms_gateway(practice)
    if gateway is None or not signature_valid(request, gateway.auth_token, url=public_url(request)):
        return 403, None
    call_sid = _sid(request, "CallSid", required=True)
    parent_sid = _sid(request, "ParentCallSid")
    status = _param(request, "CallStatus", 20)
    dial_status = _param(request, "DialCallStatus", 20)
    recording = _param(request, "RecordingStatus", 20)
    if status and status not in STATUSES:
        raise InvalidInput("CallStatus", _("This is not a call status."))
    if dial_status and dial_status not in STATUSES:
        raise InvalidInput("DialCallStatus", _("This is not a call status."))
    if dial_status:
        event = f"dial-{dial_status}"
    elif recording:
        event = f"recording-{recording[:20]}"
    elif status:
        event = status
    else:
        raise InvalidInput("CallStatus", _("This callback names no call status."))
    payload = {name: _param(request, name, 500) for name in KEPT if request.POST.get(name)}
    conversation = parent_sid or call_sid
    ingested = event_ingest(
        practice,
        source=Source.TWILIO,
        provider_id=call_sid,
        event=event,
        occurred_at=_timestamp(request),
        sequence=_sequence(request),
        payload=payload,
        conversation_id=conversation,
        kind=Communication.Kind.CALL,
        fold=fold_twilio_call,
        related=Q(provider_id=conversation) | Q(payload__ParentCallSid=conversation),
    )
    return 200, ingested


# --- the fold ----------------------------------------------------------------------------


def _leg_answered_at(e: ProviderEvent) -> dt.datetime | None:
    """When a dial leg was answered, if this event says it was."""
    status = e.payload.get("CallStatus", "")
    if status in ("in-progress", "answered"):
        return e.occurred_at
    talk = _seconds(e.payload.get("CallDuration"))
    if status == "completed" and talk:
        return e.occurred_at - dt.timedelta(seconds=talk)
    return None


def _seconds(value: object) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else whole(value)


def _furthest(events: Sequence[ProviderEvent]) -> ProviderEvent | None:
    """The event that moved the leg furthest: a state only moves forward, so a late
    'ringing' after 'completed' changes nothing; of two final ones the provider's first."""
    best = None
    for e in ordered(events, RANK):
        if best is None or RANK.get(e.event, -1) > RANK.get(best.event, -1):
            best = e
    return best


def fold_twilio_call(events: Sequence[ProviderEvent]) -> Facts:
    """A call from its Twilio callbacks: parent leg, dial legs, dial action, recordings."""
    facts = Facts(kind=Communication.Kind.CALL, status=Status.RINGING)
    facts.status_reason = reason(gettext_noop("Not ended yet."))
    parent = [e for e in events if not e.payload.get("ParentCallSid")]
    legs = [e for e in events if e.payload.get("ParentCallSid")]
    actions = [e for e in parent if e.event.startswith("dial-")]
    parent_states = [e for e in parent if e.event in STATUSES]
    _parties(facts, parent_states or parent or legs)
    facts.started_at = min(e.occurred_at for e in events)
    for e in ordered(events, RANK):
        collect_text(facts, {"recording_url": e.payload.get("RecordingUrl", "")})
    if legs or actions:
        _dial_verdict(facts, legs, actions, _furthest(parent_states))
    else:
        _parent_verdict(facts, _furthest(parent_states))
    until = facts.answered_at if facts.status == Status.ANSWERED else facts.ended_at
    facts.wait_seconds = seconds_between(facts.started_at, until)
    return facts


def _parties(facts: Facts, events: Sequence[ProviderEvent]) -> None:
    first = ordered(events, RANK)[0].payload
    incoming = first.get("Direction", "inbound") == "inbound" or bool(first.get("ParentCallSid"))
    facts.direction = Direction.INCOMING if incoming else Direction.OUTGOING
    other, ours = ("From", "To") if incoming else ("To", "From")
    collect_text(facts, {"phone_raw": first.get(other, ""), "practice_number": first.get(ours, "")})


def _dial_verdict(
    facts: Facts,
    legs: Sequence[ProviderEvent],
    actions: Sequence[ProviderEvent],
    parent_end: ProviderEvent | None,
) -> None:
    """Forwarded with <Dial>: answered only when a dial leg was."""
    answered = sorted(filter(None, (_leg_answered_at(e) for e in legs)))
    action_ok = [e for e in actions if e.event in ("dial-completed", "dial-answered")]
    leg_end = _furthest([e for e in legs if e.event in FINAL])
    ends = [e.occurred_at for e in (parent_end, leg_end) if e is not None and e.event in FINAL]
    facts.ended_at = max(ends) if ends else None
    if answered or action_ok:
        facts.status = Status.ANSWERED
        facts.status_reason = reason(gettext_noop("Answered on the forwarded (dial) leg."))
        facts.answered_at = answered[0] if answered else None
        facts.employee_login = _desk_login(legs)
        talk = [_seconds(e.payload.get("CallDuration")) for e in legs if e.event == "completed"]
        talk += [_seconds(e.payload.get("DialCallDuration")) for e in action_ok]
        facts.duration_seconds = max(filter(None, talk), default=None)
        return
    verdict = (actions[0].event.removeprefix("dial-") if actions else None) or (
        leg_end.event if leg_end else None
    )
    if verdict is None and (parent_end is None or parent_end.event not in FINAL):
        return  # still ringing at the desk: the current call
    facts.status = Status.MISSED
    facts.status_reason = reason(
        gettext_noop(
            "Forwarded with <Dial>, but the dial leg was not answered (%(dial)s); the "
            "caller's leg ended %(parent)s."
        ),
        dial=verdict or reason(gettext_noop("no answer")),
        parent=parent_end.event if parent_end else reason(gettext_noop("unknown")),
    )


def _desk_login(legs: Sequence[ProviderEvent]) -> str:
    """The staff member who took the call in the browser (Twilio Client: 'client:<login>')."""
    for e in ordered(legs, RANK):
        if _leg_answered_at(e) and e.payload.get("To", "").startswith("client:"):
            return e.payload["To"].removeprefix("client:")
    return ""


def _parent_verdict(facts: Facts, end: ProviderEvent | None) -> None:
    """No dial leg: the parent leg's own status decides."""
    if end is None:
        return
    status = end.event
    talk = _seconds(end.payload.get("CallDuration"))
    if status == "in-progress" and facts.direction == Direction.OUTGOING:
        facts.status, facts.status_reason = (
            Status.ANSWERED,
            reason(gettext_noop("The callee answered.")),
        )
        facts.answered_at = end.occurred_at
    elif status == "completed" and talk:
        facts.status, facts.status_reason = (
            Status.ANSWERED,
            reason(gettext_noop("Connected, then ended.")),
        )
        facts.ended_at = end.occurred_at
        facts.answered_at = end.occurred_at - dt.timedelta(seconds=talk)
        facts.duration_seconds = talk
    elif status in FINAL:
        facts.status = Status.MISSED
        facts.status_reason = reason(
            gettext_noop("Twilio reported the call %(status)s."), status=status
        )
        facts.ended_at = end.occurred_at


def twilio_events(practice: Practice, call_sid: str):
    """The stored callbacks of one call (for the admin and tests)."""
    return for_practice(ProviderEvent, practice).filter(
        Q(provider_id=call_sid) | Q(payload__ParentCallSid=call_sid), source=Source.TWILIO
    )
