"""Writes: settings and templates, default templates, messages for appointment events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from appointments.models import Appointment
from appointments.services import appointment_set_message_channel
from patients.models import Client, Delivery
from patients.services import client_record_consent
from practice import localtime
from practice.models import Practice
from practice.rights import Right, require_right
from practice.scoping import for_practice
from practice.services import audit_log_write

from . import errors, outbox
from .defaults import DEFAULT_TEMPLATES
from .links import client_from_unsubscribe_token
from .models import (
    APPOINTMENT_TIME_KINDS,
    CANCELLATION_KINDS,
    Channel,
    Kind,
    Message,
    MessageTemplate,
    MessagingSettings,
)
from .selectors import messaging_settings
from .status import message_set_status


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


@transaction.atomic
def message_send_booking_link(
    practice: Practice, *, appointment: Appointment, channel: str, request_key: str
) -> Message:
    """Send the client the online booking link now, about `appointment`.

    `request_key` makes a repeated click (double submit, retry) find the same message.
    A message that cannot be sent is saved failed with its reason, like any other.
    """
    key = f"booking:{appointment.pk}:{channel}:{request_key}"
    message = _schedule(practice, appointment, Kind.BOOKING_LINK, channel, timezone.now(), key=key)
    if message.status == Message.Status.SCHEDULED:
        outbox.dispatch_soon()
    return message


def _key(appointment: Appointment, kind: str, channel: str) -> str:
    """The idempotency key of a confirmation or reminder: appointment, kind, channel, start
    time and the appointment's schedule revision.

    Every move raises the revision, so a move back to an earlier time gets a fresh
    confirmation and reminder (the rows of the earlier visit to that time stay as history,
    sent or cancelled), while a repeated or late event for the same move finds the same rows
    and nothing is sent twice; `message_retry` sends again on the same row. Revision 0 (as
    booked) keeps the key messages had before revisions existed, so rows queued then are
    still found.
    """
    key = f"appt:{appointment.pk}:{kind}:{channel}:{int(appointment.starts_at.timestamp())}"
    return f"{key}:r{appointment.schedule_revision}" if appointment.schedule_revision else key


def _still_to_come(appointment: Appointment, now: dt.datetime) -> bool:
    """Confirmations and reminders are for an appointment still to come: not cancelled, no
    show or completed, and not begun."""
    return (
        appointment.holds_time
        and appointment.status != Appointment.Status.COMPLETED
        and appointment.starts_at > now
    )


def _reminder_due(appointment: Appointment, prefs: MessagingSettings) -> dt.datetime:
    """N hours before, moved earlier into the allowed local hours if it falls outside."""
    return localtime.latest_within(
        appointment.starts_at - dt.timedelta(hours=prefs.reminder_hours_before),
        appointment.location.tz,
        prefs.reminder_window_start,
        prefs.reminder_window_end,
    )


def _schedule(
    practice, appointment, kind: str, channel: str, due_at: dt.datetime, key: str = ""
) -> Message:
    return outbox.message_queue(
        practice,
        key=key or _key(appointment, kind, channel),
        client=appointment.client,
        kind=kind,
        channel=channel,
        due_at=due_at,
        consultation_type_id=appointment.consultation_type_id,
        appointment=appointment,
        # The time it tells the client (a booking link is about the next visit, not this one).
        appointment_starts_at=None if kind == Kind.BOOKING_LINK else appointment.starts_at,
    )


def messages_cancel_pending(
    practice: Practice, appointment: Appointment, *, keep: Iterable[Message] = ()
) -> int:
    """What has not gone out yet about the appointment's time never will, except `keep`
    (the messages for its time as it is now). Other kinds that name the appointment, such as
    the booking link sent at its checkout, are not about its time and stay."""
    return (
        for_practice(Message, practice)
        .filter(
            appointment_id=appointment.pk,
            kind__in=APPOINTMENT_TIME_KINDS,
            status=Message.Status.SCHEDULED,
        )
        .exclude(pk__in=[message.pk for message in keep])
        .update(status=Message.Status.CANCELLED, updated_at=timezone.now())
    )


def _locked_current(practice: Practice, appointment: Appointment) -> Appointment:
    # Events can come twice, late, or out of order (two quick moves): each run reads the row
    # as it is now, under a lock, so every run derives the same messages from the latest state.
    return (
        for_practice(Appointment, practice)
        .select_for_update(of=("self",))
        .select_related("client", "location")
        .get(pk=appointment.pk)
    )


def _want(practice, appointment, kind: str, channel: str, due_at: dt.datetime) -> Message:
    message = _schedule(practice, appointment, kind, channel, due_at)
    if message.status == Message.Status.CANCELLED:
        # Cancelled before it was sent, at this same revision (a no-show put back to
        # booked): wanted again. Never sent, so sending it now is not sending twice.
        message.status, message.due_at = Message.Status.SCHEDULED, due_at
        message.save(update_fields=["status", "due_at", "updated_at"])
    return message


def _wanted(practice: Practice, appointment: Appointment, now: dt.datetime) -> list[Message]:
    if not _still_to_come(appointment, now):
        return []
    prefs = messaging_settings(practice)
    wanted = [
        _want(practice, appointment, Kind.CONFIRMATION, channel, now)
        for channel in Delivery.channels(appointment.confirmation_channel)
        if prefs.channel_enabled(Kind.CONFIRMATION, channel)
    ]
    due = _reminder_due(appointment, prefs)
    if due > now:
        wanted += [
            _want(practice, appointment, Kind.REMINDER, channel, due)
            for channel in Delivery.channels(appointment.reminder_channel)
            if prefs.channel_enabled(Kind.REMINDER, channel)
        ]
    return wanted


@transaction.atomic
def messages_schedule_for_appointment(
    practice: Practice, appointment: Appointment
) -> list[Message]:
    """Bring the appointment's confirmation and reminders in line with the appointment as it
    is now; returns those waiting to go out. Called on every appointment event (booked,
    moved, cancelled, status changed).

    An appointment still to come has a confirmation (now) and reminders (at their time) by
    its chosen channels, under the keys of its current schedule revision (see `_key`); any
    other pending confirmation or reminder of it is cancelled. So after any sequence of
    moves exactly one reminder per channel is pending, for the current time, and the client
    was sent a confirmation of the current time. A cancelled, no-show or completed
    appointment, or one in the past, keeps nothing pending. A reminder whose time has
    passed is skipped (the confirmation already told the client).
    """
    appointment = _locked_current(practice, appointment)
    wanted = _wanted(practice, appointment, timezone.now())
    messages_cancel_pending(practice, appointment, keep=wanted)
    return [message for message in wanted if message.status == Message.Status.SCHEDULED]


def _cancellation_key(appointment: Appointment) -> str:
    # One per appointment, whichever kind and channel: a cancellation is final.
    return f"appt:{appointment.pk}:cancelled"


@transaction.atomic
def message_cancellation_for_appointment(
    practice: Practice, appointment: Appointment, *, by_client: bool
) -> Message | None:
    """Tell the client their appointment is cancelled, once (an idempotency key per
    appointment): the news of it, or, when they cancelled it themselves through their
    link, a confirmation of their cancellation. By the channel their confirmations go by
    when it reaches them, else messaging's best one (SMS to a usable mobile, else email).

    Only for a practice that sends cancellation messages (a setting of its own, on by
    default: turning confirmations off does not stop them) and an appointment that was
    still to come: cancelling yesterday's forgotten booking tells nobody anything. Returns
    the message, or None."""
    appointment = _locked_current(practice, appointment)
    prefs = messaging_settings(practice)
    if (
        appointment.status != Appointment.Status.CANCELLED
        or appointment.starts_at <= timezone.now()
        or not prefs.cancellation_enabled
    ):
        return None
    allowed = [c for c in Channel.values if prefs.channel_enabled(Kind.CONFIRMATION, c)]
    channel = outbox.channel_for(
        practice,
        appointment.client,
        wanted=Delivery.channels(appointment.confirmation_channel),
        allowed=allowed or Channel.values,
    )
    kind = Kind.CANCEL_CONFIRMED if by_client else Kind.CANCELLATION
    return _schedule(
        practice, appointment, kind, channel, timezone.now(), key=_cancellation_key(appointment)
    )


class RetryRefused(Exception):
    pass


def _retry_refusal(message: Message) -> str:
    """Why `message` cannot be sent again, or ''."""
    appointment = message.appointment
    if message.status not in (Message.Status.FAILED, Message.Status.UNDELIVERED):
        return _("Only a failed message can be sent again.")
    if appointment is None:
        return _("The appointment is over or cancelled.")
    if message.kind not in APPOINTMENT_TIME_KINDS:
        return ""  # a booking link is about the next visit, not this one's time
    if not _still_to_come(appointment, timezone.now()):
        return _("The appointment is over or cancelled.")
    if message.idempotency_key != _key(appointment, message.kind, message.channel):
        return _("The appointment was moved since: the messages for its new time replace this one.")
    return ""


@transaction.atomic
def message_retry(practice: Practice, *, actor, message: Message) -> Message:
    """Send a failed message again after staff fixed the cause: the same row, so it is
    never sent twice. A confirmation or reminder goes again only while its appointment is
    still to come and only for its current time (one of an earlier move is replaced by the
    move's own messages, and a second pending reminder would remind twice)."""
    refusal = _retry_refusal(message)
    if refusal:
        raise RetryRefused(refusal)
    appointment = message.appointment
    client = appointment.client
    recipient = client.mobile if message.channel == Channel.SMS else client.email
    failure = outbox.failure_before_sending(
        practice,
        client=client,
        consultation_type_id=appointment.consultation_type_id,
        kind=message.kind,
        channel=message.channel,
    )
    if failure:
        message.recipient = recipient
        message.error_code, message.error = failure, str(errors.REASONS[failure])
        message.save(update_fields=["recipient", "error_code", "error", "updated_at"])
        return message
    message_set_status(
        message,
        status=Message.Status.SCHEDULED,
        expected=message.status,
        actor=actor,
        recipient=recipient,
        # Now, or at its time for a reminder refused before it was due.
        due_at=max(message.due_at, timezone.now()),
        error_code="",
        error="",
    )
    outbox.dispatch_soon([message])
    return message


def other_channel(channel: str) -> str:
    return Channel.EMAIL if channel == Channel.SMS else Channel.SMS


def _other_channel_refusal(
    practice: Practice, message: Message, prefs: MessagingSettings | None = None
) -> str:
    """Why a failed message cannot go by the other channel, or ''."""
    if message.status not in (Message.Status.FAILED, Message.Status.UNDELIVERED):
        return _("Only a failed message can be sent by the other channel.")
    if message.kind in APPOINTMENT_TIME_KINDS:
        refusal = _retry_refusal(message)
        if refusal:
            return refusal
        # It becomes the appointment's channel for its kind (see
        # `message_send_by_other_channel`): one the practice does not send by would be
        # cancelled again by the next event on the appointment.
        prefs = prefs or messaging_settings(practice)
        if not prefs.channel_enabled(message.kind, other_channel(message.channel)):
            return _("The practice's messaging settings do not send this by %(channel)s.") % {
                "channel": Channel(other_channel(message.channel)).label
            }
    elif message.kind not in CANCELLATION_KINDS:
        return _("Only appointment messages can be sent by the other channel.")
    failure = outbox.channel_failure(
        practice, message.appointment.client, other_channel(message.channel)
    )
    return str(errors.REASONS[failure]) if failure else ""


def other_channel_offers(practice: Practice, messages: Iterable[Message]) -> dict[int, str]:
    """For each message that may be sent by the other channel now and was not yet, that
    channel (by id). `messages` are all of an appointment's."""
    messages = list(messages)
    keys = {message.idempotency_key for message in messages}
    prefs = messaging_settings(practice) if messages else None
    return {
        message.pk: other_channel(message.channel)
        for message in messages
        if message.status in (Message.Status.FAILED, Message.Status.UNDELIVERED)
        and message.appointment_id is not None
        and _other_channel_key(message, other_channel(message.channel)) not in keys
        and not _other_channel_refusal(practice, message, prefs)
    }


def other_channel_done(messages: Iterable[Message]) -> set[int]:
    """The failed messages (of one appointment's `messages`) already sent by the other
    channel, so their rows can say so."""
    messages = list(messages)
    keys = {message.idempotency_key for message in messages}
    return {
        message.pk
        for message in messages
        if message.status in (Message.Status.FAILED, Message.Status.UNDELIVERED)
        and message.appointment_id is not None
        and _other_channel_key(message, other_channel(message.channel)) in keys
    }


def _other_channel_key(message: Message, channel: str) -> str:
    if message.kind in APPOINTMENT_TIME_KINDS:
        # The key the appointment's own message by that channel has (a client who wants
        # both already has it): found, never a second one; and sent again like it.
        return _key(message.appointment, message.kind, channel)
    return f"{message.idempotency_key}:via:{channel}"


@transaction.atomic
def message_send_by_other_channel(practice: Practice, *, actor, message: Message) -> Message:
    """Send a failed appointment message (confirmation, reminder, cancellation) again by the
    other channel: email for an SMS that cannot reach a landline, SMS for a bounced email.
    A new message under a key of its own, so a second click finds it instead of sending
    twice; a reminder still waits for its time. Returns the new (or found) message.

    A confirmation or reminder sent this way is then one of the appointment's own: the
    other channel becomes the appointment's channel for that kind, so its key is the one
    `messages_schedule_for_appointment` wants. A later status change keeps it, a move
    supersedes it with one for the new time by the same channel (not the one that failed),
    and a repeated event finds it instead of sending it twice."""
    message.appointment = _locked_current(practice, message.appointment)
    refusal = _other_channel_refusal(practice, message)
    if refusal:
        raise RetryRefused(refusal)
    appointment = message.appointment
    channel = other_channel(message.channel)
    if message.kind in APPOINTMENT_TIME_KINDS:
        _use_channel_from_now_on(practice, actor, appointment, message.kind, channel)
    sent = _schedule(
        practice,
        appointment,
        message.kind,
        channel,
        max(message.due_at, timezone.now()),
        key=_other_channel_key(message, channel),
    )
    audit_log_write(
        practice,
        actor=actor,
        action="message.other_channel",
        obj=message,
        data={"channel": channel, "message": sent.pk},
    )
    outbox.dispatch_soon([sent])
    return sent


def _use_channel_from_now_on(
    practice: Practice, actor, appointment: Appointment, kind: str, channel: str
) -> None:
    """The appointment's `kind` messages go by `channel` instead of the one that failed
    (a client who wanted both already had a message by `channel`: nothing to change)."""
    field = f"{kind}_channel"
    if getattr(appointment, field) != Delivery.BOTH:
        appointment_set_message_channel(
            practice, actor=actor, appointment=appointment, field=field, delivery=channel
        )


def client_from_unsubscribe(token: str):
    """The client an unsubscribe link names, or None (a forged or damaged link)."""
    found = client_from_unsubscribe_token(token)
    if found is None:
        return None
    practice_id, client_id = found
    return (
        Client.objects.unscoped()
        .filter(practice_id=practice_id, pk=client_id)
        .select_related("practice")
        .first()
    )


@transaction.atomic
def marketing_unsubscribe(practice: Practice, *, client) -> None:
    """The client withdrew marketing consent by the link in a message: no news and offers
    from now on (workflows' messages fail with that reason; appointment messages go on)."""
    if client.marketing_consent is False:
        return  # a second click, or the mail program's one-click after the page's
    with translation.override(practice.language):
        wording = _("Unsubscribed with the link in a message")
    client_record_consent(practice, actor=None, client=client, consent=False, wording=wording)
