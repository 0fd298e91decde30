"""The one way in for every app that sends a client a message.

Confirmations, reminders, booking links, waitlist offers and workflow messages are all
queued here: a row per message with its due time and an idempotency key (unique per
practice), so a repeated event or a retry finds the message instead of sending it twice;
a message that cannot go (no mobile, no consent, no gateway, no template) is saved failed
with its reason, for staff to see. `dispatch_soon` asks a worker to send what is due once
the caller's transaction has committed. Which channels reach a client is decided by
`patients.models.Client.usable_channels` alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from patients.models import Client, Delivery
from practice.bulk import db_values, unnested
from practice.languages import client_language
from practice.models import Practice
from practice.scoping import for_practice

from . import errors
from .eligibility import client_failure
from .models import OWN_TEXT_KINDS, Channel, Kind, Message
from .selectors import messaging_settings, opted_out_numbers, sms_gateway, template_for
from .tasks import dispatch_due_messages_task

# Ask for the client's best channel: SMS to a usable mobile, else email.
BEST = "best"


def client_channels(practice: Practice, client) -> list[str]:
    """The channels that reach `client` now, best first."""
    return client.usable_channels(sms=sms_gateway(practice) is not None)


def best_channel(practice: Practice, client) -> str:
    """SMS to a usable mobile when the practice can send SMS, else email, else ''."""
    channels = client_channels(practice, client)
    return channels[0] if channels else ""


def channel_failure(practice: Practice, client, channel: str) -> str:
    """Why `channel` cannot reach `client` now (an `errors` code), or '': the queueing rule
    for an appointment message, and a number the gateway found to be a landline."""
    failure = client_failure(
        kind=Kind.CONFIRMATION,
        channel=channel,
        has_gateway=channel != Channel.SMS or sms_gateway(practice) is not None,
        mobile=client.mobile,
        email=client.email,
        sms_opted_out=client.sms_opted_out,
        marketing_consent=client.marketing_consent,
    )
    if not failure and channel == Channel.SMS and client.mobile_is_landline:
        return errors.LANDLINE
    return failure


def channel_for(
    practice: Practice, client, *, wanted: Sequence[str], allowed: Sequence[str]
) -> str:
    """The channel for a message the client must get: the first of `wanted` (their own
    choice) that reaches them, else the best that does, among `allowed`. When none does,
    the first wanted (or allowed) one: the message is then saved failed with its reason,
    for staff to see and send by the other channel."""
    usable = client_channels(practice, client)
    for channel in [*wanted, *usable]:
        if channel in usable and channel in allowed:
            return channel
    return next(iter([*wanted, *allowed]), Channel.EMAIL)


@dataclass(frozen=True)
class ChannelProblem:
    """A channel chosen for an appointment's messages that cannot reach the client."""

    channel: str
    kinds: tuple[str, ...]  # confirmation, reminder
    reason: str  # an `errors` code
    works: str  # the other channel when it does reach them, else ''

    @property
    def reason_text(self) -> str:
        return str(errors.REASONS[self.reason])


def channel_problems(
    practice: Practice, client, *, wanted: dict[str, list[str]]
) -> list[ChannelProblem]:
    """Which channels wanted for each kind (kind -> channels) cannot reach `client` now,
    and why: what the booking form warns about before the messages fail."""
    by_channel: dict[str, list[str]] = {}
    for kind, channels in wanted.items():
        for channel in channels:
            by_channel.setdefault(channel, []).append(kind)
    problems = []
    for channel, kinds in by_channel.items():
        reason = channel_failure(practice, client, channel)
        if reason:
            other = Channel.EMAIL if channel == Channel.SMS else Channel.SMS
            works = "" if channel_failure(practice, client, other) else other
            problems.append(ChannelProblem(channel, tuple(kinds), reason, works))
    return problems


def appointment_channel_problems(
    practice: Practice, client, *, confirmation: str | None, reminder: str | None
) -> list[ChannelProblem]:
    """`channel_problems` for an appointment about to be booked with these confirmation
    and reminder choices (a `Delivery` value; None: as the client's record says), counting
    only what the practice sends."""
    prefs = messaging_settings(practice)
    chosen = {
        Kind.CONFIRMATION: client.confirmation_channel if confirmation is None else confirmation,
        Kind.REMINDER: client.reminder_channel if reminder is None else reminder,
    }
    wanted = {
        kind: [c for c in Delivery.channels(value) if prefs.channel_enabled(kind, c)]
        for kind, value in chosen.items()
    }
    return channel_problems(practice, client, wanted=wanted)


def failure_before_sending(
    practice: Practice,
    *,
    client,
    kind: str,
    channel: str,
    consultation_type_id: int | None = None,
    body: str = "",
    to_phone: str = "",
) -> str:
    """Why a message cannot go out (an `errors` code), or '' when it can be tried.
    Without a client, `to_phone` is the number: its own opt-out (STOP) counts, and it
    has no consent to anything (so never a marketing message)."""
    failure = client_failure(
        kind=kind,
        channel=channel,
        # Looked up only for an SMS (the gateway's absence is no reason not to email).
        has_gateway=channel != Channel.SMS or sms_gateway(practice) is not None,
        mobile=client.mobile if client is not None else to_phone,
        email=client.email if client is not None else "",
        sms_opted_out=(
            client.sms_opted_out
            if client is not None
            else bool(opted_out_numbers(practice, [to_phone]))
        ),
        marketing_consent=client.marketing_consent if client is not None else None,
        body=body,
    )
    if failure or kind in OWN_TEXT_KINDS:
        return failure
    template = template_for(
        practice,
        consultation_type_id=consultation_type_id,
        kind=kind,
        channel=channel,
        language=client_language(client, practice),
    )
    return "" if template else errors.NO_TEMPLATE


def message_queue(
    practice: Practice,
    *,
    key: str,
    client,
    kind: str,
    channel: str,
    due_at: dt.datetime | None = None,
    consultation_type_id: int | None = None,
    patient=None,
    subject: str = "",
    body: str = "",
    to_phone: str = "",
    **about,
) -> Message | None:
    """The message under `key`: the existing one, or a new one due at `due_at` (now by
    default); None when `channel` is BEST and nothing reaches the client.

    `client` None with `to_phone` (E.164): an SMS to a number on no client's card (a
    missed call's text-back to an unknown caller), judged by the same rule, the number's
    own opt-out standing for the client's.

    A message that cannot be sent is saved failed with its reason. Kinds with a text of
    their own (workflow messages) take `subject` and `body`, templates with placeholders
    rendered at sending; the others render the practice's template for the kind. `about`
    names the appointment or waitlist offer the message is about.
    """
    existing = for_practice(Message, practice).filter(idempotency_key=key).first()
    if existing:
        return existing
    if client is None and not (to_phone and channel == Channel.SMS):
        raise ValueError("A message without a client is an SMS to `to_phone`.")
    if channel == BEST:
        channel = best_channel(practice, client)
        if not channel:
            return None
    failure = failure_before_sending(
        practice,
        client=client,
        kind=kind,
        channel=channel,
        consultation_type_id=consultation_type_id,
        body=body,
        to_phone=to_phone,
    )
    message = Message(
        practice=practice,
        client=client,
        patient=patient,
        kind=kind,
        channel=channel,
        recipient=_recipient(client, channel, to_phone),
        subject=subject,
        body=body,
        due_at=due_at or timezone.now(),
        idempotency_key=key,
        status=Message.Status.FAILED if failure else Message.Status.SCHEDULED,
        error_code=failure,
        error=str(errors.REASONS[failure]) if failure else "",
        **about,
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:  # a concurrent event created it first
        return for_practice(Message, practice).get(idempotency_key=key)
    return message


def _recipient(client, channel: str, to_phone: str) -> str:
    if client is None:
        return to_phone
    return client.mobile if channel == Channel.SMS else client.email


class Contact(Protocol):
    """What queueing reads of a client: a Client, or a bulk caller's plain row (no model
    instance for each of thousands of clients)."""

    pk: int
    mobile: str
    email: str
    sms_opted_out: bool
    marketing_consent: bool | None


@dataclass(frozen=True)
class BulkMessage:
    """One of many messages with a text of their own (a workflow step's). `client` needs
    only what the rule reads: mobile, email, sms_opted_out, marketing_consent."""

    key: str
    client: Client | Contact
    patient_id: int | None
    channel: str
    subject: str
    body: str
    due_at: dt.datetime


@dataclass(frozen=True)
class Queued:
    """What became of a BulkMessage: its message's id, status and (when refused) reason."""

    id: int
    status: str
    error: str
    attempts: int = 0
    error_code: str = ""

    @property
    def reason(self) -> str:
        """Why it was refused, stored as a code read in the reader's language (a workflow
        run's note): see `errors.stored_reason`."""
        return errors.stored_reason(self.error_code, self.error)

    @property
    def refused(self) -> bool:
        """Saved failed before any attempt to send: never on its way (no consent, ...)."""
        return self.status == Message.Status.FAILED and not self.attempts


def messages_queue_bulk(
    practice: Practice, *, kind: str, messages: Sequence[BulkMessage]
) -> list[Queued]:
    """`message_queue` for thousands of messages of a kind with its own text at once: the
    same rules (`client_failure`), idempotent per key, in a few queries and without a model
    instance per message (a workflow step queues 100,000 in seconds). In the order given.
    A message already queued under its key is returned as it is."""
    if kind not in OWN_TEXT_KINDS:
        raise ValueError(f"Bulk queueing is for kinds with their own text, not {kind!r}.")
    if not messages:
        return []
    has_gateway = sms_gateway(practice) is not None
    rows = [_bulk_row(kind, message, has_gateway) for message in messages]
    # Keys already queued are skipped by the insert and read back (idempotent per key).
    found = _insert(practice, rows)
    return [found[message.key] for message in messages]


def _bulk_row(kind: str, message: BulkMessage, has_gateway: bool) -> dict:
    client = message.client
    failure = client_failure(
        kind=kind,
        channel=message.channel,
        has_gateway=has_gateway,
        mobile=client.mobile,
        email=client.email,
        sms_opted_out=client.sms_opted_out,
        marketing_consent=client.marketing_consent,
        body=message.body,
    )
    return {
        "idempotency_key": message.key,
        "client_id": client.pk,
        "patient_id": message.patient_id,
        "kind": kind,
        "channel": message.channel,
        "recipient": client.mobile if message.channel == Channel.SMS else client.email,
        "subject": message.subject,
        "body": message.body,
        "due_at": message.due_at,
        "status": Message.Status.FAILED if failure else Message.Status.SCHEDULED,
        "error_code": failure,
        "error": str(errors.REASONS[failure]) if failure else "",
    }


# Rows a statement: PostgreSQL takes them as a few arrays; SQLite as a parameter each, up to
# its limit of 32,766 (21 columns a row).
_INSERT_BATCH = {"postgresql": 5000}
_INSERT_BATCH_DEFAULT = 1000


def _insert(practice: Practice, rows: list[dict]) -> dict[str, Queued]:
    """INSERT the rows (every other column its field's default), skipping keys queued
    meanwhile by someone else, thousands a statement, instead of bulk_create's model
    instance and preparation of every field of every row. Returns what went in and what
    was there, by key."""
    fields = [f for f in Message._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    defaults = {
        f.attname: now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        else f.get_default()
        for f in fields
    }  # fmt: skip
    defaults["practice_id"] = practice.pk
    # The key first: the one column sure to differ from row to row (bulk.unnested).
    fields.sort(key=lambda f: f.attname != "idempotency_key")
    batch = _INSERT_BATCH.get(connection.vendor, _INSERT_BATCH_DEFAULT)
    inserted: dict[str, Queued] = {}
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        # A column no row gives is its default in every row.
        columns = [
            [row[f.attname] for row in chunk]
            if f.attname in chunk[0]
            else [defaults[f.attname]] * len(chunk)
            for f in fields
        ]
        with connection.cursor() as cursor:
            cursor.execute(*_insert_statement(fields, columns))
            inserted.update(
                {key: Queued(pk, st, err, 0, code) for pk, key, st, err, code in cursor.fetchall()}
            )
    missing = [row["idempotency_key"] for row in rows if row["idempotency_key"] not in inserted]
    if missing:  # queued by a concurrent event between our look and our insert
        inserted.update(_queued(practice, missing))
    return inserted


def _insert_statement(fields: list, columns: list[list]) -> tuple[str, list]:
    """`columns` hold Python values (prepared here). PostgreSQL: one array per column that
    differs from row to row, unnested, and one parameter per column that does not (a
    handful of parameters however many rows: a statement of thousands of literals takes
    longer to build and to parse than to run). SQLite: a multi-row VALUES list."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in fields)
    table = quote(Message._meta.db_table)
    returning = "ON CONFLICT DO NOTHING RETURNING id, idempotency_key, status, error, error_code"
    if connection.vendor == "postgresql":
        expressions, source, constants, arrays = unnested(fields, columns, connection)
        select = f"SELECT {', '.join(expressions)} FROM {source}"  # noqa: S608
        return f"INSERT INTO {table} ({names}) {select} {returning}", [*constants, *arrays]
    count = len(columns[0])
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    prepared = [db_values(f, column, connection) for f, column in zip(fields, columns, strict=True)]
    params = [column[index] for index in range(count) for column in prepared]
    return f"INSERT INTO {table} ({names}) VALUES {', '.join([row] * count)} {returning}", params  # noqa: S608


def _queued(practice: Practice, keys: list[str]) -> dict[str, Queued]:
    rows = for_practice(Message, practice).filter(idempotency_key__in=keys)
    return {
        key: Queued(pk, status, error, attempts, code)
        for key, pk, status, error, attempts, code in rows.values_list(
            "idempotency_key", "pk", "status", "error", "attempts", "error_code"
        )
    }


def dispatch_soon(messages: Iterable[Message | None] | None = None) -> None:
    """Once the current transaction commits, ask a worker to send what is due now (beat
    would within 15 seconds anyway; a confirmation should not wait for it). Given the
    messages just queued, only when one of them waits to go out now."""
    if messages is not None:
        now = timezone.now()
        if not any(
            m is not None and m.status == Message.Status.SCHEDULED and m.due_at <= now
            for m in messages
        ):
            return
    transaction.on_commit(dispatch_due_messages_task.delay)
