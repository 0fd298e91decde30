"""Claim due messages and send them: the one path every outgoing message takes.

Claiming sets status 'sending' in a short transaction with SKIP LOCKED, so two workers
never take the same row; a row left in 'sending' by a killed worker is not resent blindly
(it is reconciled with the provider's record instead).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from practice.scoping import for_practice
from practice.tenancy import practice_scope

from . import errors
from .links import appointment_link, online_booking_link, unsubscribe_link, waitlist_offer_link
from .models import OWN_TEXT_KINDS, Channel, Kind, Message, SmsGateway
from .providers import (
    PermanentFailure,
    TemporaryFailure,
    UncertainFailure,
    send_email,
    sms_provider,
)
from .selectors import sms_gateway, template_for
from .status import flag_client_number, message_set_status
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
    """What a batch looks up once, not once a message: provider, gateways, templates."""

    provider: object = field(default_factory=lambda: sms_provider())
    gateways: dict[int, SmsGateway | None] = field(default_factory=dict)
    templates: dict[tuple, object] = field(default_factory=dict)

    def gateway(self, practice) -> SmsGateway | None:
        if practice.pk not in self.gateways:
            self.gateways[practice.pk] = sms_gateway(practice)
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


def dispatch_due_messages(*, limit: int | None = None) -> int:
    """Claim and send one batch. Returns how many were handled."""
    ids = claim_due_messages(limit=limit or settings.MESSAGING_BATCH)
    if not ids:
        return 0
    batch = Batch()
    messages = (
        Message.objects.unscoped()
        .filter(id__in=ids)
        .select_related(
            "practice",
            "client",
            "appointment__patient",
            "appointment__location",
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
    for message in messages:
        with practice_scope(message.practice_id):
            send_claimed(message, batch)
    return len(ids)


def _compose(message: Message, batch: Batch) -> str:
    """Render subject and body now, so they show the appointment as it is; '' or an error."""
    practice = message.practice
    language = practice.language
    if message.kind in OWN_TEXT_KINDS:
        # The message's own text (a workflow's step), its placeholders filled in now.
        template_subject, template_body = message.subject, message.body
        values = ClientValues.build(
            practice,
            message.client,
            message.patient,
            language=language,
            booking_link=online_booking_link(practice),
            unsubscribe_link=unsubscribe_link(message.client),
        ).values
    else:
        # A waitlist message is about the offered time, not about an appointment.
        about = message.waitlist_offer or message.appointment
        template = batch.template(
            practice,
            consultation_type_id=about.consultation_type_id,
            kind=message.kind,
            channel=message.channel,
            language=language,
        )
        if template is None:
            return errors.NO_TEMPLATE
        template_subject, template_body = template.subject, template.body
        language = template.language
        values = _values(message, language=language)
    with translation.override(language):
        message.subject = render(template_subject, values)
        message.body = render(template_body, values)
    message.segments = sms_segments(message.body) if message.channel == Channel.SMS else 0
    return ""


def _values(message: Message, *, language: str) -> dict[str, str]:
    offer, appointment = message.waitlist_offer, message.appointment
    if offer is not None:
        link = waitlist_offer_link(offer)
        return AppointmentValues.build_for_offer(offer, language=language, link=link).values
    link = (
        online_booking_link(message.practice)
        if message.kind == Kind.BOOKING_LINK
        else appointment_link(appointment)
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


def send_claimed(message: Message, batch: Batch | None = None) -> None:
    """Send one claimed message and record the outcome on it."""
    batch = batch or Batch()
    failure = _compose(message, batch)
    if failure:
        _fail(message, failure)
    elif message.channel == Channel.SMS:
        _send_sms(message, batch)
    else:
        _send_email(message)
    _save_outcome(message)


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


def _save_outcome(message: Message) -> None:
    """One UPDATE while the row is still ours ('sending'), through the one status change
    that tells other apps of a refusal. If Twilio's callback came first and moved the
    status on, keep its status and save the rest."""
    values = {name: getattr(message, name) for name in OUTCOME_FIELDS}
    if not message_set_status(
        message, status=message.status, expected=Message.Status.SENDING, **values
    ):
        Message.objects.unscoped().filter(pk=message.pk).update(updated_at=timezone.now(), **values)
        message.refresh_from_db(fields=["status"])


def _send_email(message: Message) -> None:
    unsubscribe = unsubscribe_link(message.client) if message.kind == Kind.MARKETING else ""
    try:
        sent = send_email(message, unsubscribe=unsubscribe)
    except TemporaryFailure as exc:
        _retry_or_fail(message, str(exc))
        return
    message.status, message.sent_at, message.error = sent.status, timezone.now(), ""


def _send_sms(message: Message, batch: Batch) -> None:
    gateway = batch.gateway(message.practice)
    if gateway is None:
        _fail(message, errors.NO_GATEWAY)
        return
    if message.client.sms_opted_out:
        _fail(message, errors.OPTED_OUT)
        return
    if not _debit_credit(gateway, message.segments):
        _fail(message, errors.NO_CREDIT)
        return
    try:
        sent = batch.provider.send_sms(
            gateway=gateway,
            message=message,
            # Our id rides along: a callback may arrive before we have saved Twilio's SID.
            status_callback=f"{settings.PUBLIC_BASE_URL}/messaging/twilio/status/?m={message.pk}",
        )
    except PermanentFailure as exc:
        _refund(gateway, message.segments)
        _fail(message, exc.code, exc.provider_code)
        flag_client_number(message.client, exc.code)
        return
    except TemporaryFailure as exc:
        _refund(gateway, message.segments)
        _retry_or_fail(message, str(exc))
        return
    except UncertainFailure:
        message.status = Message.Status.UNKNOWN
        return
    message.provider_id, message.status = sent.provider_id, sent.status
    message.sent_at, message.error = timezone.now(), ""
