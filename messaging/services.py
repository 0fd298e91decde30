"""Writes: settings and templates, default templates, messages for appointment events."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.models import Appointment
from patients.models import Delivery
from practice import localtime
from practice.models import Practice
from practice.rights import Right, require_right
from practice.scoping import for_practice
from practice.services import audit_log_write

from . import errors
from .defaults import DEFAULT_TEMPLATES
from .models import Channel, Kind, Message, MessageTemplate, MessagingSettings
from .selectors import messaging_settings, sms_gateway, template_for


@transaction.atomic
def messaging_settings_save(
    practice: Practice, *, actor, prefs: MessagingSettings
) -> MessagingSettings:
    """Save the practice's confirmation and reminder settings (validated by their form).

    Needs the manage-settings right: checked here, not only by the page."""
    require_right(practice, actor, Right.MANAGE_SETTINGS)
    prefs.practice = practice
    prefs.save()
    audit_log_write(practice, actor=actor, action="messaging_settings.save", obj=prefs)
    return prefs


@transaction.atomic
def message_template_save(
    practice: Practice, *, actor, template: MessageTemplate
) -> MessageTemplate:
    """Save a message template of the practice (validated by its form)."""
    require_right(practice, actor, Right.MANAGE_SETTINGS)
    template.practice = practice
    template.save()
    audit_log_write(practice, actor=actor, action="message_template.save", obj=template)
    return template


@transaction.atomic
def message_template_delete(practice: Practice, *, actor, template: MessageTemplate) -> None:
    require_right(practice, actor, Right.MANAGE_SETTINGS)
    audit_log_write(practice, actor=actor, action="message_template.delete", obj=template)
    template.delete()


def templates_install_defaults(practice: Practice) -> int:
    """Give the practice the shipped templates it lacks (for every consultation type)."""
    existing = set(
        for_practice(MessageTemplate, practice)
        .filter(consultation_type__isnull=True)
        .values_list("kind", "channel", "language")
    )
    rows = [
        MessageTemplate(
            practice=practice,
            kind=kind,
            channel=channel,
            language=language,
            subject=subject,
            body=body,
        )
        for (kind, channel), by_language in DEFAULT_TEMPLATES.items()
        for language, (subject, body) in by_language.items()
        if (kind, channel, language) not in existing
    ]
    MessageTemplate.objects.unscoped().bulk_create(rows)
    return len(rows)


def appointment_link(appointment: Appointment) -> str:
    """The client's personal link to confirm or cancel: short, random, no login needed."""
    if not appointment.link_code:
        code = secrets.token_urlsafe(9)  # 12 characters, 72 random bits
        # Only the first caller sets it; a concurrent one reads the winner's code back.
        Appointment.objects.unscoped().filter(pk=appointment.pk, link_code__isnull=True).update(
            link_code=code
        )
        appointment.link_code = (
            Appointment.objects.unscoped()
            .values_list("link_code", flat=True)
            .get(pk=appointment.pk)
        )
    return f"{settings.PUBLIC_BASE_URL}/a/{appointment.link_code}/"


def online_booking_link(practice: Practice) -> str:
    """Where a client books online: the practice's booking page."""
    return settings.PUBLIC_BASE_URL + reverse("online-booking", args=[practice.slug])


def booking_link_channel(practice: Practice, client) -> str:
    """SMS when the client has a usable mobile, else email, else '' (nothing can be sent)."""
    usable_mobile = client.mobile and not client.sms_opted_out and not client.mobile_is_landline
    if usable_mobile and sms_gateway(practice) is not None:
        return Channel.SMS
    return Channel.EMAIL if client.email else ""


@transaction.atomic
def message_send_booking_link(
    practice: Practice, *, appointment: Appointment, channel: str, request_key: str
) -> Message:
    """Send the client the online booking link now, about `appointment`.

    `request_key` makes a repeated click (double submit, retry) find the same message.
    A message that cannot be sent is saved failed with its reason, like any other.
    """
    from .tasks import dispatch_due_messages_task

    key = f"booking:{appointment.pk}:{channel}:{request_key}"
    message = _schedule(practice, appointment, Kind.BOOKING_LINK, channel, timezone.now(), key=key)
    if message.status == Message.Status.SCHEDULED:
        transaction.on_commit(dispatch_due_messages_task.delay)
    return message


def appointment_from_link(code: str) -> Appointment | None:
    """The appointment a link names, or None for an unknown code."""
    # A public lookup: the random code, unique across practices, is the only key.
    return (
        (
            Appointment.objects.unscoped()
            .filter(link_code=code)
            .select_related(
                "practice", "location", "patient", "practitioner__user", "consultation_type"
            )
            .first()
        )
        if code
        else None
    )


def _key(appointment: Appointment, kind: str, channel: str) -> str:
    # The start time is part of the key: a moved appointment gets new messages, while a
    # repeated event for the same time finds the existing row and sends nothing twice.
    return f"appt:{appointment.pk}:{kind}:{channel}:{int(appointment.starts_at.timestamp())}"


def _reminder_due(appointment: Appointment, prefs: MessagingSettings) -> dt.datetime:
    """N hours before, moved earlier into the allowed local hours if it falls outside."""
    return localtime.latest_within(
        appointment.starts_at - dt.timedelta(hours=prefs.reminder_hours_before),
        appointment.location.tz,
        prefs.reminder_window_start,
        prefs.reminder_window_end,
    )


def failure_before_sending(
    practice: Practice, *, client, consultation_type_id: int, kind: str, channel: str
) -> str:
    """Why a message cannot go out (an `errors` code), or '' when it can be tried."""
    if channel == Channel.SMS:
        if sms_gateway(practice) is None:
            return errors.NO_GATEWAY
        if not client.mobile:
            return errors.NO_MOBILE
    if channel == Channel.EMAIL and not client.email:
        return errors.NO_EMAIL
    template = template_for(
        practice,
        consultation_type_id=consultation_type_id,
        kind=kind,
        channel=channel,
        language=practice.language,
    )
    return "" if template else errors.NO_TEMPLATE


def message_queue(
    practice: Practice,
    *,
    key: str,
    client,
    kind: str,
    channel: str,
    due_at: dt.datetime,
    consultation_type_id: int,
    **about,
) -> Message:
    """The message under `key`: the existing one, or a new one due at `due_at` (saved failed
    with its reason when it cannot be sent). `about` names its appointment or waitlist offer.
    """
    existing = for_practice(Message, practice).filter(idempotency_key=key).first()
    if existing:
        return existing
    failure = failure_before_sending(
        practice,
        client=client,
        consultation_type_id=consultation_type_id,
        kind=kind,
        channel=channel,
    )
    message = Message(
        practice=practice,
        client=client,
        kind=kind,
        channel=channel,
        recipient=client.mobile if channel == Channel.SMS else client.email,
        due_at=due_at,
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


def _schedule(
    practice, appointment, kind: str, channel: str, due_at: dt.datetime, key: str = ""
) -> Message:
    return message_queue(
        practice,
        key=key or _key(appointment, kind, channel),
        client=appointment.client,
        kind=kind,
        channel=channel,
        due_at=due_at,
        consultation_type_id=appointment.consultation_type_id,
        appointment=appointment,
    )


def messages_cancel_pending(practice: Practice, appointment: Appointment) -> int:
    """The appointment changed: what has not gone out yet never will."""
    return (
        for_practice(Message, practice)
        .filter(appointment=appointment, status=Message.Status.SCHEDULED)
        .update(status=Message.Status.CANCELLED, updated_at=timezone.now())
    )


@transaction.atomic
def messages_schedule_for_appointment(
    practice: Practice, appointment: Appointment
) -> list[Message]:
    """Confirmation now and reminders at their time, by the appointment's chosen channels.

    Nothing for cancelled appointments or appointments in the past; a reminder whose time
    has passed is skipped (the confirmation already told the client).
    """
    now = timezone.now()
    if not appointment.holds_time or appointment.starts_at <= now:
        return []
    prefs = messaging_settings(practice)
    made = []
    for channel in Delivery.channels(appointment.confirmation_channel):
        if prefs.channel_enabled(Kind.CONFIRMATION, channel):
            made.append(_schedule(practice, appointment, Kind.CONFIRMATION, channel, now))
    due = _reminder_due(appointment, prefs)
    if due > now:
        for channel in Delivery.channels(appointment.reminder_channel):
            if prefs.channel_enabled(Kind.REMINDER, channel):
                made.append(_schedule(practice, appointment, Kind.REMINDER, channel, due))
    return made


@transaction.atomic
def messages_on_appointment_moved(practice: Practice, appointment: Appointment) -> list[Message]:
    messages_cancel_pending(practice, appointment)
    return messages_schedule_for_appointment(practice, appointment)


class RetryRefused(Exception):
    pass


@transaction.atomic
def message_retry(practice: Practice, *, actor, message: Message) -> Message:
    """Send a failed message again after staff fixed the cause (same row: never twice)."""
    appointment = message.appointment
    if message.status not in (Message.Status.FAILED, Message.Status.UNDELIVERED):
        raise RetryRefused(_("Only a failed message can be sent again."))
    if appointment is None or not appointment.holds_time or appointment.starts_at <= timezone.now():
        raise RetryRefused(_("The appointment is over or cancelled."))
    client = appointment.client
    message.recipient = client.mobile if message.channel == Channel.SMS else client.email
    failure = failure_before_sending(
        practice,
        client=client,
        consultation_type_id=appointment.consultation_type_id,
        kind=message.kind,
        channel=message.channel,
    )
    if failure:
        message.error_code, message.error = failure, str(errors.REASONS[failure])
    else:
        message.status, message.due_at = Message.Status.SCHEDULED, timezone.now()
        message.error_code = message.error = ""
    message.save()
    return message


def flag_client_number(client, code: str) -> None:
    """What the gateway told us about a number, kept on the client for staff to see."""
    if code == errors.OPTED_OUT and not client.sms_opted_out:
        type(client).objects.unscoped().filter(pk=client.pk).update(sms_opted_out=True)
    elif code == errors.LANDLINE and not client.mobile_is_landline:
        type(client).objects.unscoped().filter(pk=client.pk).update(mobile_is_landline=True)
