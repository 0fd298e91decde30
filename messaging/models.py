"""Appointment confirmations and reminders: settings, templates, gateway, messages.

A message is a row with a due time; the dispatcher claims due rows with
SELECT ... FOR UPDATE SKIP LOCKED, so timed work survives a Redis flush, and the
idempotency key (unique per practice) means a retry or a second worker never sends twice.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from practice.scoping import PracticeOwnedModel

from . import errors
from .templating import sms_segments, validate_placeholders


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")


class Kind(models.TextChoices):
    CONFIRMATION = "confirmation", _("Confirmation")
    REMINDER = "reminder", _("Reminder")
    BOOKING_LINK = "booking_link", _("Online booking link")
    WAITLIST_OFFER = "waitlist_offer", _("Waitlist: time offered")
    WAITLIST_GONE = "waitlist_gone", _("Waitlist: time gone")
    MARKETING = "marketing", _("News and offers (workflow)")
    TEXT_BACK = "text_back", _("Missed call: text back with the booking link")
    CANCELLATION = "cancellation", _("Cancellation")
    CANCEL_CONFIRMED = "cancel_confirmed", _("Cancellation confirmed")


# Kinds whose message brings its own subject and body (templates with placeholders, rendered
# at sending) instead of the practice's template for the kind.
OWN_TEXT_KINDS = frozenset({Kind.MARKETING, Kind.TEXT_BACK})


# Messages about an appointment's time: they follow its moves, status and cancellation.
# Others that name an appointment (the booking link sent at checkout) do not.
APPOINTMENT_TIME_KINDS = (Kind.CONFIRMATION, Kind.REMINDER)

# Telling the client their appointment is cancelled: one of the two, once per appointment.
CANCELLATION_KINDS = (Kind.CANCELLATION, Kind.CANCEL_CONFIRMED)


class MessagingSettings(PracticeOwnedModel):
    """Settings → practice preferences → appointment confirmation and reminder."""

    confirmation_enabled = models.BooleanField(_("send appointment confirmations"), default=False)
    confirmation_sms = models.BooleanField(_("confirmations by SMS"), default=True)
    confirmation_email = models.BooleanField(_("confirmations by email"), default=True)
    # A setting of its own, on by default: a practice that sends no confirmations still
    # tells a client their appointment is cancelled (by their confirmation channel when the
    # practice sends confirmations by it, else the best that reaches them).
    # (The news of a cancellation, or the confirmation of one the client made by link.)
    cancellation_enabled = models.BooleanField(_("send cancellation messages"), default=True)
    reminder_enabled = models.BooleanField(_("send appointment reminders"), default=False)
    reminder_sms = models.BooleanField(_("reminders by SMS"), default=True)
    reminder_email = models.BooleanField(_("reminders by email"), default=True)
    reminder_hours_before = models.PositiveSmallIntegerField(
        _("hours before the appointment"), default=24
    )
    # Reminders go out only between these local hours; one falling outside moves earlier to
    # the end of the window the day before (a reminder must come before the appointment).
    reminder_window_start = models.TimeField(_("send reminders from"), default=dt.time(9))
    reminder_window_end = models.TimeField(_("send reminders until"), default=dt.time(20))

    class Meta:
        verbose_name = _("messaging settings")
        verbose_name_plural = _("messaging settings")
        constraints = [
            models.UniqueConstraint(fields=["practice"], name="messaging_settings_one"),
            models.CheckConstraint(
                condition=Q(reminder_window_end__gt=models.F("reminder_window_start")),
                name="reminder_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Messaging settings"))

    def channel_enabled(self, kind: str, channel: str) -> bool:
        return getattr(self, f"{kind}_enabled") and getattr(self, f"{kind}_{channel}")


class SmsGateway(PracticeOwnedModel):
    """The practice's Twilio account and its SMS credit (segments it may still send)."""

    account_sid = models.CharField(_("account SID"), max_length=64)
    auth_token = models.CharField(_("auth token"), max_length=128)
    # Optional: an API key for sending. Callbacks are still checked with the auth token,
    # which is what Twilio signs them with.
    api_key_sid = models.CharField(_("API key SID"), max_length=64, blank=True)
    api_key_secret = models.CharField(_("API key secret"), max_length=128, blank=True)
    sender = models.CharField(
        _("sender"),
        max_length=64,
        help_text=_("A phone number in E.164 or a messaging service SID (MG…)."),
    )
    credit_segments = models.IntegerField(_("SMS credit (segments)"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("SMS gateway")
        verbose_name_plural = _("SMS gateways")
        constraints = [
            models.UniqueConstraint(fields=["practice"], name="sms_gateway_one"),
            models.CheckConstraint(condition=Q(credit_segments__gte=0), name="credit_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Twilio {self.masked_sid}"

    @property
    def masked_sid(self) -> str:
        return mask_secret(self.account_sid)


def mask_secret(value: str) -> str:
    """Never show a secret back in full: the last four characters are enough to recognise it."""
    return f"…{value[-4:]}" if len(value) > 4 else "…"


class SmsOptOut(PracticeOwnedModel):
    """A number that replied STOP (or that the gateway says unsubscribed), in E.164.

    A client's opt-out is kept on their card (`Client.sms_opted_out`); this row keeps it for
    the number itself, so a number on no client's card (a missed call's text-back to an
    unknown caller) is never texted after STOP. START deletes it.
    """

    number = models.CharField(_("number"), max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("SMS opt-out")
        verbose_name_plural = _("SMS opt-outs")
        constraints = [
            models.UniqueConstraint(fields=["practice", "number"], name="sms_opt_out_once")
        ]

    def __str__(self) -> str:
        return self.number


class MessageTemplate(PracticeOwnedModel):
    """A template for one kind, channel and language; per consultation type or for all."""

    consultation_type = models.ForeignKey(
        "appointments.ConsultationType",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("consultation type"),
        help_text=_("Leave empty for every consultation type without a template of its own."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject (email)"), max_length=200, blank=True)
    body = models.TextField(_("text"))

    class Meta:
        ordering = ["kind", "channel", "language"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "consultation_type", "kind", "channel", "language"],
                name="template_unique_per_type",
            ),
            models.UniqueConstraint(
                fields=["practice", "kind", "channel", "language"],
                condition=Q(consultation_type__isnull=True),
                name="template_unique_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_channel_display()} · {self.language}"

    def clean(self) -> None:
        for field in ("subject", "body"):
            try:
                validate_placeholders(getattr(self, field))
            except ValidationError as error:
                raise ValidationError({field: error.messages}) from error
        if self.channel == Channel.EMAIL and not self.subject.strip():
            raise ValidationError({"subject": _("An email needs a subject.")})

    @property
    def segments(self) -> int:
        return sms_segments(self.body) if self.channel == Channel.SMS else 0


class Message(PracticeOwnedModel):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        UNDELIVERED = "undelivered", _("Undelivered")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("Unknown: checking with the provider")
        CANCELLED = "cancelled", _("Not sent: appointment changed")

    # A status only moves forward: callbacks that arrive late or twice change nothing.
    RANK = {
        Status.SCHEDULED: 0,
        Status.SENDING: 1,
        Status.UNKNOWN: 2,
        Status.QUEUED: 3,
        Status.SENT: 4,
        Status.DELIVERED: 5,
        Status.UNDELIVERED: 5,
        Status.FAILED: 5,
        Status.CANCELLED: 5,
    }
    # How a send ended, as the provider (or our refusal) tells it: see signals.py.
    OUTCOMES = frozenset({Status.DELIVERED, Status.FAILED, Status.UNDELIVERED})

    # Indexes here cost every message queued (a workflow step queues 100,000 at once): no
    # index on practice alone (the idempotency key's and (practice, appointment) lead with
    # it), and the appointment's, the offer's and the provider's id are indexed only where
    # set (most messages have no appointment, no offer, and no provider id before sending).
    practice = models.ForeignKey(
        "practice.Practice", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    appointment = models.ForeignKey(
        "appointments.Appointment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,
    )
    # A waitlist offer's messages name the offer, never the cancelled appointment whose
    # time it offers (that appointment's pending messages are cancelled).
    waitlist_offer = models.ForeignKey(
        "appointments.WaitlistOffer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,
    )
    # None only for an SMS to a number on no client's card (a missed call's text-back to an
    # unknown caller): `recipient` is then the whole address.
    client = models.ForeignKey(
        "patients.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The patient a message without an appointment is about (a workflow's message).
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("to"), max_length=254, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    # The appointment's start this message is about, as it was when queued: a moved
    # appointment's two confirmations each say which time they confirmed.
    appointment_starts_at = models.DateTimeField(_("appointment time"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"))
    idempotency_key = models.CharField(max_length=200)
    provider_id = models.CharField(max_length=64, blank=True)
    segments = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=32, blank=True)
    error = models.CharField(_("reason"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    @property
    def error_text(self) -> str:
        """The failure reason in the reader's language (see `errors.reason_text`)."""
        return errors.reason_text(self.error_code, self.error) if self.error else ""

    class Meta:
        ordering = ["-due_at", "-id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "idempotency_key"], name="message_idempotency"
            ),
            # A message without a client is an SMS to the number it names.
            models.CheckConstraint(
                condition=Q(client__isnull=False) | (Q(channel="sms") & ~Q(recipient="")),
                name="message_client_or_number",
            ),
        ]
        indexes = [
            # The dispatcher's claim: due scheduled rows, oldest first.
            models.Index(
                fields=["due_at"], condition=Q(status="scheduled"), name="message_due_idx"
            ),
            models.Index(fields=["practice", "appointment"]),
            # The API's list (/api/v1/messages/): a practice's messages newest due first,
            # optionally within a due range. Read backwards with its LIMIT it stops after a
            # page; without it every message of the practice was read and sorted per page.
            models.Index(fields=["practice", "due_at", "id"], name="message_practice_due_idx"),
            # Deleting an appointment or an offer finds its messages (`x IN (...)` implies
            # `x IS NOT NULL`, so these serve it); a status callback finds one by its SID.
            models.Index(
                fields=["appointment"],
                condition=Q(appointment__isnull=False),
                name="message_appointment_idx",
            ),
            models.Index(
                fields=["waitlist_offer"],
                condition=Q(waitlist_offer__isnull=False),
                name="message_waitlist_offer_idx",
            ),
            models.Index(
                fields=["provider_id"], condition=~Q(provider_id=""), name="message_provider_idx"
            ),
            # The reconciler's look at sends whose outcome is uncertain.
            models.Index(
                fields=["updated_at"],
                condition=Q(status__in=["sending", "unknown"]),
                name="message_uncertain_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} → {self.recipient}"

    def moves_forward_to(self, status: str) -> bool:
        return self.RANK.get(status, -1) > self.RANK.get(self.status, -1)
