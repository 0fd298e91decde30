"""Claim due messages and send them: the one path every outgoing message takes.

Claiming sets status 'sending' in a short transaction with SKIP LOCKED, so two workers
never take the same row; a row left in 'sending' by a killed worker is not resent blindly
(it is reconciled with the provider's record instead).

A batch costs a few queries whatever its size: one load, the link codes it needs, one
credit debit per gateway (one a message only when the credit runs short), one refund, and
one UPDATE for the outcomes nobody listens to; each refusal still goes through
`message_set_status`, which signals it. The SMS of a batch go to the provider from a few
threads at once (`SmsSender`); every query stays in the calling thread.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from appointments.links import appointment_link_codes
from practice.languages import client_language
from practice.scoping import for_practice
from practice.tenancy import practice_scope

from . import errors
from .eligibility import client_failure
from .links import appointment_link, online_booking_link, unsubscribe_link, waitlist_offer_link
from .models import CANCELLATION_KINDS, OWN_TEXT_KINDS, Channel, Kind, Message, SmsGateway
from .providers import (
    PermanentFailure,
    Sent,
    TemporaryFailure,
    UncertainFailure,
    send_email,
    sms_provider,
)
from .selectors import opted_out_numbers, sms_gateway, template_for
from .status import flag_number, messages_set_status
from .templating import AppointmentValues, ClientValues, render, sms_segments

log = logging.getLogger(__name__)


def claim_due_messages(*, limit: int, now: dt.datetime | None = None) -> list[int]:
    """Mark up to `limit` due messages of every practice as 'sending'; return their ids."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            # A system-wide claim, deliberately across practices; each message is then
            # sent inside its own practice's scope.
            Message.objects.unscoped()
            .filter(status=Message.Status.SCHEDULED, due_at__lte=now)
            .order_by("due_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:limit]
        )
        Message.objects.unscoped().filter(id__in=ids).update(
            status=Message.Status.SENDING, attempts=F("attempts") + 1, updated_at=now
        )
    return ids


@dataclass
class Batch:
    """What a batch looks up once, not once a message: gateways, templates."""

    gateways: dict[int, SmsGateway | None] = field(default_factory=dict)
    templates: dict[tuple, object] = field(default_factory=dict)
    # Numbers on no client's card that replied STOP, of this batch's messages to them.
    opted_out: set[str] = field(default_factory=set)

    def gateway(self, practice) -> SmsGateway | None:
        if practice.pk not in self.gateways:
            gateway = sms_gateway(practice)
            if gateway is not None:
                gateway.practice = practice  # the debit is scoped by it: no query for it
            self.gateways[practice.pk] = gateway
        return self.gateways[practice.pk]

    def template(self, practice, *, consultation_type_id, kind, channel, language):
        key = (practice.pk, consultation_type_id, kind, channel, language)
        if key not in self.templates:
            self.templates[key] = template_for(
                practice,
                consultation_type_id=consultation_type_id,
                kind=kind,
                channel=channel,
                language=language,
            )
        return self.templates[key]


class SmsSender:
    """The SMS provider and the threads that call it, kept for a run of batches.

    A send mostly waits for the provider's answer, so a few run at once. Only the
    provider call runs in the threads (each keeps its own client and keep-alive connection
    per gateway); every query stays in the calling thread and its connection.
    """

    def __init__(self, provider: object | None = None, threads: int | None = None) -> None:
        self.provider = provider if provider is not None else sms_provider()
        self.threads = threads or settings.MESSAGING_SEND_THREADS
        self._pool: ThreadPoolExecutor | None = None

    def start(self, sends: list[tuple[SmsGateway, Message]]) -> Callable[[], list[object]]:
        """Hand `sends` to the threads; returns what waits for their answers: each send's
        `Sent`, or the exception it raised, in the order given."""
        if len(sends) <= 1 or self.threads <= 1:
            answers = [self._send(send) for send in sends]  # no thread for one message
            return lambda: answers
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="sms-send")
        futures = [self._pool.submit(self._send, send) for send in sends]
        return lambda: [future.result() for future in futures]

    def _send(self, send: tuple[SmsGateway, Message]) -> object:
        gateway, message = send
        try:
            return self.provider.send_sms(
                gateway=gateway,
                message=message,
                # Our id rides along: a callback may arrive before we have saved Twilio's SID.
                status_callback=(
                    f"{settings.PUBLIC_BASE_URL}/messaging/twilio/status/?m={message.pk}"
                ),
            )
        except Exception as exc:  # handed back to the calling thread, which judges it
            return exc

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self) -> SmsSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def dispatch_due_messages(*, limit: int | None = None, sender: SmsSender | None = None) -> int:
    """Claim and send one batch. Returns how many were handled."""
    ids = claim_due_messages(limit=limit or settings.MESSAGING_BATCH)
    if not ids:
        return 0
    with contextlib.ExitStack() as stack:
        if sender is None:
            sender = stack.enter_context(SmsSender())
        _finish(_start(_claimed(ids), sender))
    return len(ids)


def dispatch_all_due() -> int:
    """Send what is due, batch by batch, with one sender (threads, connections). While a
    batch's SMS are on their way, the next batch is claimed and composed: its queries
    overlap the provider's round trips. Returns how many were handled."""
    total = 0
    in_flight: list[_InFlight] = []
    with SmsSender() as sender:
        try:
            while ids := claim_due_messages(limit=settings.MESSAGING_BATCH):
                in_flight.append(_start(_claimed(ids), sender))
                total += len(ids)
                if len(in_flight) > 1:
                    _finish(in_flight.pop(0))
        finally:
            # Whatever went wrong, the batches already sent keep their outcomes.
            while in_flight:
                _finish(in_flight.pop(0))
    return total


def _claimed(ids: list[int]) -> list[Message]:
    return list(
        Message.objects.unscoped()
        .filter(id__in=ids)
        .select_related(
            "practice",
            "client",
            "appointment__patient",
            "appointment__location__practice",
            "appointment__practitioner__user",
            "appointment__practice",
            "appointment__client",
            "waitlist_offer__entry__patient",
            "waitlist_offer__entry__client",
            "waitlist_offer__location__practice",
            "waitlist_offer__practitioner__user",
            "waitlist_offer__practice",
            "patient",
        )
        .order_by("due_at", "id")
    )


@dataclass
class _InFlight:
    """A batch whose SMS are with the provider: what it needs to record their outcomes."""

    batch: Batch
    groups: dict[int, list[Message]]
    sms: list[Message]
    answers: Callable[[], list[object]]


def _start(messages: list[Message], sender: SmsSender) -> _InFlight:
    """Compose, check and debit per practice (in its scope); hand the batch's SMS to the
    sender's threads."""
    batch = Batch()
    groups: dict[int, list[Message]] = {}
    for message in messages:
        groups.setdefault(message.practice_id, []).append(message)
    sms: list[Message] = []
    for practice_id, group in groups.items():
        with practice_scope(practice_id):
            sms += _prepare(group, batch)
    answers = sender.start([(batch.gateway(m.practice), m) for m in sms])
    return _InFlight(batch, groups, sms, answers)


def _finish(flight: _InFlight) -> None:
    """Wait for the provider's answers; refund and record the outcomes per practice."""
    refunds: Counter[int] = Counter()
    unexpected = [
        error
        for message, answer in zip(flight.sms, flight.answers(), strict=True)
        if (error := _record_sms(message, answer, refunds)) is not None
    ]
    for practice_id, group in flight.groups.items():
        with practice_scope(practice_id):
            if refunds[practice_id]:
                _refund(flight.batch.gateways[practice_id], refunds[practice_id])
            # A send that failed unexpectedly stays 'sending': reconciled, never resent blindly.
            _save_outcomes([m for m in group if m.status != Message.Status.SENDING])
    if unexpected:
        raise unexpected[0]


def _prepare(messages: list[Message], batch: Batch) -> list[Message]:
    """Compose one practice's messages; send the emails, fail what cannot go; return the
    SMS ready to send, their credit taken."""
    appointment_link_codes(
        m.appointment for m in messages if _wants_appointment_link(m) and _template(m, batch)
    )
    # One query, and only when the batch has an SMS to a number on no client's card.
    batch.opted_out |= opted_out_numbers(
        messages[0].practice, (m.recipient for m in messages if m.client_id is None)
    )
    pending = []
    for message in messages:
        failure = _failure_now(message, batch) or _compose(message, batch)
        if failure:
            _fail(message, failure)
        elif message.channel == Channel.SMS:
            pending.append(message)
        else:
            _send_email(message)
    return _take_credit(pending, batch)


def _failure_now(message: Message, batch: Batch) -> str:
    """The queueing rule asked again at sending: consent withdrawn or an opt-out since the
    message was queued stops it ('' when it may go)."""
    client = message.client
    return client_failure(
        kind=message.kind,
        channel=message.channel,
        has_gateway=message.channel != Channel.SMS or batch.gateway(message.practice) is not None,
        mobile=message.recipient if message.channel == Channel.SMS else "",
        email=message.recipient if message.channel == Channel.EMAIL else "",
        # A message to a number on no client's card: the number's own STOP.
        sms_opted_out=(
            client.sms_opted_out if client is not None else message.recipient in batch.opted_out
        ),
        marketing_consent=client.marketing_consent if client is not None else None,
        body=message.body,
    )


def _compose(message: Message, batch: Batch) -> str:
    """Render subject and body now, so they show the appointment as it is; '' or an error."""
    practice = message.practice
    # The client's language when they have one, else the practice's.
    language = client_language(message.client, practice)
    if message.kind in OWN_TEXT_KINDS:
        # The message's own text (a workflow's step), its placeholders filled in now.
        template_subject, template_body = message.subject, message.body
        values = (
            ClientValues.build(
                practice,
                message.client,
                message.patient,
                language=language,
                booking_link=online_booking_link(practice, language=language),
                unsubscribe_link=unsubscribe_link(message.client),
            ).values
            if message.client is not None
            else ClientValues.for_number(practice, booking_link=online_booking_link(practice))
        )
    else:
        template = _template(message, batch)
        if template is None:
            return errors.NO_TEMPLATE
        template_subject, template_body = template.subject, template.body
        language = template.language
        values = _values(message, language=language)
    with translation.override(language):
        # A long name in a placeholder must not make the subject too long to save.
        subject_max = Message._meta.get_field("subject").max_length
        message.subject = render(template_subject, values)[:subject_max]
        message.body = render(template_body, values)
    message.segments = sms_segments(message.body) if message.channel == Channel.SMS else 0
    return ""


def _template(message: Message, batch: Batch):
    """The template of a message about an appointment or a waitlist offer (None if none)."""
    # A waitlist message is about the offered time, not about an appointment.
    about = message.waitlist_offer or message.appointment
    return batch.template(
        message.practice,
        consultation_type_id=about.consultation_type_id,
        kind=message.kind,
        channel=message.channel,
        language=client_language(message.client, message.practice),
    )


def _wants_appointment_link(message: Message) -> bool:
    """Whether the message carries the client's personal appointment link (a cancellation
    carries the online booking page instead: there is nothing left to confirm)."""
    return (
        message.kind not in OWN_TEXT_KINDS
        and message.kind != Kind.BOOKING_LINK
        and message.kind not in CANCELLATION_KINDS
        and message.waitlist_offer is None
    )


def _values(message: Message, *, language: str) -> dict[str, str]:
    offer, appointment = message.waitlist_offer, message.appointment
    if offer is not None:
        link = waitlist_offer_link(offer)
        return AppointmentValues.build_for_offer(offer, language=language, link=link).values
    link = (
        appointment_link(appointment)
        if _wants_appointment_link(message)
        else online_booking_link(message.practice, language=language)
    )
    return AppointmentValues.build(appointment, language=language, link=link).values


def _debit_credit(gateway: SmsGateway, segments: int) -> bool:
    """Take `segments` from the practice's SMS credit, atomically; False when too little."""
    return bool(
        for_practice(SmsGateway, gateway.practice)
        .filter(pk=gateway.pk, credit_segments__gte=segments)
        .update(credit_segments=F("credit_segments") - segments)
    )


def _refund(gateway: SmsGateway, segments: int) -> None:
    for_practice(SmsGateway, gateway.practice).filter(pk=gateway.pk).update(
        credit_segments=F("credit_segments") + segments
    )


def _fail(message: Message, code: str, provider_code: str = "") -> None:
    message.status = Message.Status.FAILED
    message.error_code = provider_code or code
    message.error = str(errors.REASONS.get(code, errors.REASONS[errors.PROVIDER_ERROR]))


def _retry_or_fail(message: Message, reason: str) -> None:
    if message.attempts >= settings.MESSAGING_MAX_ATTEMPTS:
        _fail(message, errors.PROVIDER_ERROR)
        message.error = f"{message.error} ({reason})"
        return
    delay = settings.MESSAGING_RETRY_BASE_SECONDS * 2 ** (message.attempts - 1)
    message.status = Message.Status.SCHEDULED
    message.due_at = timezone.now() + dt.timedelta(seconds=delay)
    message.error = reason[:300]


OUTCOME_FIELDS = [
    "subject",
    "body",
    "segments",
    "provider_id",
    "error_code",
    "error",
    "sent_at",
    "due_at",
]


def _save_outcomes(messages: list[Message]) -> None:
    """Record each message's outcome while the row is still ours ('sending'): one UPDATE
    for the batch, and each refusal through the one status change that tells other apps.
    If Twilio's callback came first and moved a status on, keep its status, save the rest."""
    moved = messages_set_status(messages, expected=Message.Status.SENDING, fields=OUTCOME_FIELDS)
    for message in messages:
        if message.pk not in moved:
            values = {name: getattr(message, name) for name in OUTCOME_FIELDS}
            Message.objects.unscoped().filter(pk=message.pk).update(
                updated_at=timezone.now(), **values
            )
            message.refresh_from_db(fields=["status"])


def _send_email(message: Message) -> None:
    unsubscribe = unsubscribe_link(message.client) if message.kind == Kind.MARKETING else ""
    try:
        sent = send_email(message, unsubscribe=unsubscribe)
    except TemporaryFailure as exc:
        _retry_or_fail(message, str(exc))
        return
    message.status, message.sent_at, message.error = sent.status, timezone.now(), ""


def _take_credit(messages: list[Message], batch: Batch) -> list[Message]:
    """The SMS (of one practice) that may go, their segments taken from the credit: one
    debit for them all, else one by one as far as the credit goes."""
    ready = messages  # gateway and opt-out were checked by _failure_now
    if not ready:
        return []
    gateway = batch.gateway(ready[0].practice)
    if _debit_credit(gateway, sum(m.segments for m in ready)):
        return ready
    debited = []
    for message in ready:
        if _debit_credit(gateway, message.segments):
            debited.append(message)
        else:
            _fail(message, errors.NO_CREDIT)
    return debited


def _record_sms(message: Message, result: object, refunds: Counter[int]) -> Exception | None:
    """Put the provider's answer on the message; a refused or failed send's segments go to
    `refunds`. Returns an exception the provider should never have raised."""
    if isinstance(result, Sent):
        message.provider_id, message.status = result.provider_id, result.status
        message.sent_at, message.error = timezone.now(), ""
    elif isinstance(result, PermanentFailure):
        refunds[message.practice_id] += message.segments
        _fail(message, result.code, result.provider_code)
        flag_number(message, result.code)
    elif isinstance(result, TemporaryFailure):
        refunds[message.practice_id] += message.segments
        _retry_or_fail(message, str(result))
    elif isinstance(result, UncertainFailure):
        # It may have gone out: reconciled with the provider's record, never resent blindly.
        message.status = Message.Status.UNKNOWN
    else:
        return result  # type: ignore[return-value]
    return None
