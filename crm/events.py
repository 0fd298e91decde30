"""Provider events in, communications out: the one way a call, chat or web request is stored.

`event_ingest` stores one raw event (`ProviderEvent`, refused quietly when the same
source, provider id and event came before) and then rebuilds its communication from ALL
the conversation's stored events, so events arriving late or out of order give the same
communication as in order. The rebuilding itself is a *fold*: a pure function from the
events (sorted by the provider's sequence number when every event has one, else by event
time) to `Facts`. This module holds the folds for the integration API; Twilio Voice has
its own (crm.twilio_voice) and hands it in.

After every write of a communication, `crm.derive.communications_changed` is called: who,
what for, channel, contact and recovery are derived there, not here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from practice import localtime
from practice.models import Location, Membership, Practice
from practice.scoping import for_practice

from . import derive
from .comments import attach_orphan_comments, chat_employee_from_comments
from .models import Communication, ProviderEvent
from .phones import practice_phone
from .reasons import reason

Kind = Communication.Kind
Status = Communication.Status
Direction = Communication.Direction

# Text facts a later event may fill in or correct (the last non-empty value wins).
TEXT_FACTS = (
    "phone_raw",
    "practice_number",
    "email",
    "name_given",
    "chat_channel",
    "service",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "landing_page",
    "recording_url",
    "transcript",
    "topic",
    "text",
)


@dataclass
class Facts:
    """A communication as its events tell it (before any derivation)."""

    kind: str
    status: str
    status_reason: str = ""
    direction: str = Direction.INCOMING
    started_at: dt.datetime | None = None
    answered_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    wait_seconds: int | None = None
    duration_seconds: int | None = None
    employee_id: int | None = None
    employee_login: str = ""  # when the provider names staff by login (Twilio's client:<name>)
    location_id: int | None = None
    text: dict[str, str] = field(default_factory=dict)  # TEXT_FACTS → value


Fold = Callable[[Sequence[ProviderEvent]], Facts]


@dataclass(frozen=True)
class Ingested:
    communication: Communication
    stored: bool  # False: the same event came before and was refused quietly


# --- reading stored payloads -------------------------------------------------------------


def moment(value: object) -> dt.datetime | None:
    """A datetime stored in a payload (ISO 8601, as the API saved it)."""
    if isinstance(value, dt.datetime):
        return value
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def whole(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def ordered(events: Iterable[ProviderEvent], rank: dict[str, int]) -> list[ProviderEvent]:
    """The provider's order: its sequence numbers when every event has one, else the event
    time; ties by how far the event moves the state, then by name (never by arrival)."""
    events = list(events)
    by_sequence = bool(events) and all(e.sequence is not None for e in events)

    def key(e: ProviderEvent):
        first = e.sequence if by_sequence else 0
        return (first, e.occurred_at, rank.get(e.event.split(":", 1)[0], 0), e.event)

    return sorted(events, key=key)


def seconds_between(start: dt.datetime | None, end: dt.datetime | None) -> int | None:
    if start is None or end is None or end < start:
        return None
    return int((end - start).total_seconds())


def collect_text(facts: Facts, payload: dict, names: Iterable[str] = TEXT_FACTS) -> None:
    for name in names:
        value = payload.get(name)
        if isinstance(value, str) and value.strip():
            facts.text[name] = value.strip()


# --- folds of the integration API --------------------------------------------------------

CALL_RANK = {"ringing": 0, "answered": 1, "completed": 2}
MISSED_EVENTS = {"missed", "busy", "no_answer", "failed", "canceled"}
for _name in MISSED_EVENTS:
    CALL_RANK[_name] = 2


def _call_step(facts: Facts, event: str, payload: dict, at: dt.datetime) -> None:
    """One event applied to a call's state, which only moves forward:
    ringing → answered or missed; a completed call that was answered stays answered."""
    open_ = facts.status == Status.RINGING
    if event == "answered" and open_:
        facts.status, facts.status_reason = Status.ANSWERED, reason(gettext_noop("Answered."))
        facts.answered_at = moment(payload.get("answered_at")) or at
    elif event in MISSED_EVENTS and open_:
        facts.status = Status.MISSED
        facts.status_reason = reason(
            gettext_noop("The telephony reported the call as %(event)s."),
            event=event.replace("_", " "),
        )
        facts.ended_at = moment(payload.get("ended_at")) or at
    elif event == "completed":
        facts.ended_at = moment(payload.get("ended_at")) or at
        if open_:
            answered = moment(payload.get("answered_at"))
            if answered or (whole(payload.get("duration_seconds")) or 0) > 0:
                facts.status, facts.status_reason = (
                    Status.ANSWERED,
                    reason(gettext_noop("Ended after a conversation.")),
                )
                facts.answered_at = answered
            else:
                facts.status = Status.MISSED
                facts.status_reason = reason(gettext_noop("Ended without being answered."))


def fold_call(events: Sequence[ProviderEvent]) -> Facts:
    """A call from the integration API's events (ringing, answered, completed, missed...)."""
    facts = Facts(
        kind=Kind.CALL, status=Status.RINGING, status_reason=reason(gettext_noop("Not ended yet."))
    )
    wait = duration = None
    for e in ordered(events, CALL_RANK):
        p = e.payload
        facts.direction = p.get("direction") or facts.direction
        facts.employee_id = p.get("employee_id") or facts.employee_id
        facts.location_id = p.get("location_id") or facts.location_id
        wait = whole(p.get("wait_seconds")) if p.get("wait_seconds") is not None else wait
        duration = (
            whole(p.get("duration_seconds")) if p.get("duration_seconds") is not None else duration
        )
        start = moment(p.get("started_at")) or e.occurred_at
        facts.started_at = min(filter(None, [facts.started_at, start]))
        collect_text(facts, _call_parties(p))
        _call_step(facts, e.event, p, e.occurred_at)
    facts.wait_seconds = wait if wait is not None else _call_wait(facts)
    facts.duration_seconds = (
        duration
        if duration is not None
        else seconds_between(facts.answered_at, facts.ended_at)
        if facts.status == Status.ANSWERED
        else None
    )
    return facts


def _call_wait(facts: Facts) -> int | None:
    until = facts.answered_at if facts.status == Status.ANSWERED else facts.ended_at
    return seconds_between(facts.started_at, until)


def _call_parties(payload: dict) -> dict:
    """Who called whom: the other party and the practice's number, by direction."""
    incoming = payload.get("direction", Direction.INCOMING) == Direction.INCOMING
    other, ours = ("from_number", "to_number") if incoming else ("to_number", "from_number")
    return {
        **payload,
        "phone_raw": payload.get(other) or payload.get("phone_raw", ""),
        "practice_number": payload.get(ours, ""),
    }


CHAT_RANK = {"message_in": 0, "message_out": 0, "closed": 1}


def fold_chat(events: Sequence[ProviderEvent]) -> Facts:
    """A chat: active until closed; closed with no staff reply is missed."""
    facts = Facts(
        kind=Kind.CHAT,
        status=Status.ACTIVE,
        status_reason=reason(gettext_noop("No staff reply yet.")),
    )
    replied = closed = None
    first_text = ""
    for e in ordered(events, CHAT_RANK):
        p, name = e.payload, e.event.split(":", 1)[0]
        if facts.started_at is None:
            facts.started_at = e.occurred_at
            facts.direction = Direction.INCOMING if name == "message_in" else Direction.OUTGOING
        facts.location_id = p.get("location_id") or facts.location_id
        collect_text(facts, p, [n for n in TEXT_FACTS if n != "text"])
        if name == "message_in" and not first_text:
            first_text = (p.get("text") or "").strip()
        elif name == "message_out":
            facts.employee_id = p.get("employee_id") or facts.employee_id
            replied = replied or e.occurred_at
        elif name == "closed":
            closed = closed or e.occurred_at
    if first_text:
        facts.text["text"] = first_text
    facts.answered_at, facts.ended_at = replied, closed
    facts.wait_seconds = seconds_between(facts.started_at, replied)
    facts.duration_seconds = seconds_between(facts.started_at, closed)
    if replied:
        facts.status_reason = reason(gettext_noop("Staff replied."))
    if closed:
        facts.status = Status.CLOSED if replied else Status.MISSED
        facts.status_reason = (
            reason(gettext_noop("Closed after a staff reply."))
            if replied
            else reason(gettext_noop("Closed without a staff reply."))
        )
    return facts


def fold_web_request(events: Sequence[ProviderEvent]) -> Facts:
    """A web request: open until staff mark it processed (kept on the row, see `_apply`)."""
    facts = Facts(
        kind=Kind.WEB_REQUEST,
        status=Status.OPEN,
        status_reason=reason(gettext_noop("Not processed yet.")),
    )
    for e in ordered(events, {}):
        facts.started_at = min(filter(None, [facts.started_at, e.occurred_at]))
        facts.location_id = e.payload.get("location_id") or facts.location_id
        collect_text(facts, {**e.payload, "phone_raw": e.payload.get("phone", "")})
    return facts


# --- storing -----------------------------------------------------------------------------


def event_ingest(
    practice: Practice,
    *,
    source: str,
    provider_id: str,
    event: str,
    occurred_at: dt.datetime,
    sequence: int | None = None,
    payload: dict,
    conversation_id: str | None = None,
    kind: str,
    fold: Fold,
    related: Q | None = None,
) -> Ingested:
    """Store one provider event and rebuild its communication from all its events.

    `conversation_id` names the communication (default: `provider_id`); `related` selects
    every event that belongs to it (default: those with that provider id). A repeat of a
    stored (source, provider_id, event) stores nothing and answers the communication as it
    is: the unique constraint has the last word, also between two workers at once.
    """
    conversation_id = conversation_id or provider_id
    with transaction.atomic():
        try:
            with transaction.atomic():
                ProviderEvent.objects.unscoped().create(
                    practice=practice,
                    source=source,
                    provider_id=provider_id,
                    event=event,
                    sequence=sequence,
                    occurred_at=occurred_at,
                    payload=payload,
                )
        except IntegrityError:
            existing = _communication(practice, source, conversation_id)
            if existing is not None:
                return Ingested(existing, stored=False)
            # Stored before but its communication is gone (deleted by hand): rebuild it.
            stored = False
        else:
            stored = True
        related = related if related is not None else Q(provider_id=provider_id)
        communication = communication_rebuild(
            practice,
            source=source,
            conversation_id=conversation_id,
            kind=kind,
            fold=fold,
            related=related,
        )
    return Ingested(communication, stored=stored)


def _communication(practice: Practice, source: str, conversation_id: str) -> Communication | None:
    return (
        for_practice(Communication, practice)
        .filter(source=source, provider_id=conversation_id)
        .first()
    )


def communication_rebuild(
    practice: Practice, *, source: str, conversation_id: str, kind: str, fold: Fold, related: Q
) -> Communication:
    """(Re)build the communication `conversation_id` from all its stored events, under a row
    lock so two events of one call arriving at once are folded one after the other."""
    now = timezone.now()
    placeholder = {  # replaced by the fold below, before the transaction ends
        "kind": kind,
        "status": Status.RINGING,
        "started_at": now,
        "local_date": localtime.local_date(now, practice.tz),
    }
    communication, _created = for_practice(Communication, practice).get_or_create(
        practice=practice, source=source, provider_id=conversation_id, defaults=placeholder
    )
    communication = (
        for_practice(Communication, practice).select_for_update().get(pk=communication.pk)
    )
    events = list(for_practice(ProviderEvent, practice).filter(source=source).filter(related))
    with translation.override(practice.language):
        _apply(practice, communication, fold(events))
    derive.communications_changed(practice, [communication.pk])
    return communication


def _apply(practice: Practice, communication: Communication, facts: Facts) -> None:
    """Write the folded facts onto the row. What staff set by hand (processed, a chat's
    employee by their comment, a relinked request) stays."""
    c = communication
    c.kind, c.direction = facts.kind, facts.direction
    c.status, c.status_reason = facts.status, facts.status_reason
    if c.kind == Kind.WEB_REQUEST and c.processed_at:
        c.status, c.status_reason = (
            Status.PROCESSED,
            reason(gettext_noop("Marked processed by staff.")),
        )
    c.started_at = facts.started_at or c.started_at
    c.answered_at, c.ended_at = facts.answered_at, facts.ended_at
    c.wait_seconds, c.duration_seconds = facts.wait_seconds, facts.duration_seconds
    for name in TEXT_FACTS:
        setattr(c, name, facts.text.get(name, ""))
    c.email = c.email.lower()
    phone = practice_phone(practice, c.phone_raw)
    c.phone_raw, c.phone_e164 = phone.raw, phone.e164
    c.practice_number = practice_phone(practice, c.practice_number).e164 or c.practice_number[:20]
    c.employee = _member(practice, facts.employee_id, facts.employee_login)
    c.location = _location(practice, facts.location_id)
    tz = c.location.tz if c.location else practice.tz
    c.local_date = localtime.local_date(c.started_at, tz)
    if c.kind == Kind.CHAT:
        c.employee = chat_employee_from_comments(practice, c) or c.employee
    c.save()
    if c.kind == Kind.CALL:
        attach_orphan_comments(practice, c)


def _member(practice: Practice, membership_id: int | None, login: str = "") -> Membership | None:
    staff = for_practice(Membership, practice)
    if membership_id:
        return staff.filter(pk=membership_id).first()
    return staff.filter(user__username=login).first() if login else None


def _location(practice: Practice, location_id: int | None) -> Location | None:
    if not location_id:
        return None
    return for_practice(Location, practice).filter(pk=location_id).first()
