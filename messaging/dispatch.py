"""Claim due messages and send them: the one path every outgoing message takes.

Claiming sets status 'sending' in a short transaction with SKIP LOCKED, so two workers
never take the same row; a row left in 'sending' by a killed worker is not resent blindly
(it is reconciled with the provider's record instead).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from practice.scoping import for_practice
from practice.tenancy import practice_scope

from . import errors
from .models import Channel, Message, SmsGateway
from .providers import (
    PermanentFailure,
    TemporaryFailure,
    UncertainFailure,
    send_email,
    sms_provider,
)
from .selectors import sms_gateway, template_for
from .services import appointment_link, flag_client_number
from .templating import AppointmentValues, render, sms_segments

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


def dispatch_due_messages(*, limit: int | None = None) -> int:
    """Claim and send one batch. Returns how many were handled."""
    ids = claim_due_messages(limit=limit or settings.MESSAGING_BATCH)
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
        )
        .order_by("due_at", "id")
    )
    for message in messages:
        with practice_scope(message.practice_id):
            send_claimed(message)
    return len(ids)


def _compose(message: Message) -> str:
    """Render subject and body now, so they show the appointment as it is; '' or an error."""
    practice = message.practice
    appointment = message.appointment
    language = practice.language
    template = template_for(
        practice,
        consultation_type_id=appointment.consultation_type_id,
        kind=message.kind,
        channel=message.channel,
        language=language,
    )
    if template is None:
        return errors.NO_TEMPLATE
    values = AppointmentValues.build(
        appointment, language=template.language, link=appointment_link(appointment)
    ).values
    with translation.override(template.language):
        message.subject = render(template.subject, values)
        message.body = render(template.body, values)
    message.segments = sms_segments(message.body) if message.channel == Channel.SMS else 0
    return ""


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


def send_claimed(message: Message) -> None:
    """Send one claimed message and record the outcome on it."""
    failure = _compose(message)
    if failure:
        _fail(message, failure)
    elif message.channel == Channel.SMS:
        _send_sms(message)
    else:
        _send_email(message)
    _save_outcome(message)


def _save_outcome(message: Message) -> None:
    """Save, but never move the status back: Twilio's callback may have come first."""
    with transaction.atomic():
        current = Message.objects.unscoped().select_for_update().only("status").get(pk=message.pk)
        if current.status != Message.Status.SENDING and not current.moves_forward_to(
            message.status
        ):
            message.status = current.status
        message.save()


def _send_email(message: Message) -> None:
    try:
        sent = send_email(message)
    except TemporaryFailure as exc:
        _retry_or_fail(message, str(exc))
        return
    message.status, message.sent_at, message.error = sent.status, timezone.now(), ""


def _send_sms(message: Message) -> None:
    gateway = sms_gateway(message.practice)
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
        sent = sms_provider().send_sms(
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
