"""The contact history: how calls, chats and web requests came in and what became of them.

Three layers (../shared/DESIGN.md):
- `ProviderEvent`: raw and append-only, stored once per (source, provider id, event); a
  repeated webhook or import is refused quietly by that unique constraint.
- `Communication`: one call, chat, web request or staff-recorded dialog, derived from its
  events (or entered by staff). Derived fields keep their reason (`status_reason`,
  `purpose_reason`, `channel_rule` + `channel_evidence`, `match_note`) and are recomputed
  from their inputs, so the order in which events arrived never changes them.
- `Contact`: all communications of one person in one practice-local day, with the
  appointments and waitlist entries staff created for that person (`ContactRecord`) and
  the main result.

Ad channels: `ChannelGroup` → `Channel`, found by `ChannelRule`s in priority order.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from appointments.models import Appointment, WaitlistEntry
from patients.models import Client, Patient
from practice import localtime
from practice.models import Membership
from practice.scoping import PracticeOwnedModel

from ..reasons import reason_text


class Source(models.TextChoices):
    """Where a communication or event came from."""

    API = "api", _("Integration (API)")
    TWILIO = "twilio", _("Twilio Voice")
    STAFF = "staff", _("Entered by staff")
    ONLINE_BOOKING = "online_booking", _("Online booking")


class ContactSettings(PracticeOwnedModel):
    """A practice's contact-history settings (one row per practice, made on first use)."""

    comment_window_minutes = models.PositiveSmallIntegerField(
        _("comment window (minutes)"),
        default=5,
        help_text=_("A comment attaches to a call of the same number and direction this close."),
    )
    outgoing_window_minutes = models.PositiveSmallIntegerField(
        _("outgoing call window (minutes)"),
        default=15,
        help_text=_(
            "An outgoing call counts for a task, waitlist entry or reminder when staff act on "
            "it within this many minutes."
        ),
    )
    request_overdue_days = models.PositiveSmallIntegerField(
        _("web request overdue after (days)"), default=7
    )
    text_back_enabled = models.BooleanField(
        _("text back missed calls"),
        default=False,
        help_text=_("A missed call from a mobile gets one SMS a day with a booking link."),
    )

    class Meta:
        verbose_name = _("contact history settings")
        verbose_name_plural = _("contact history settings")
        constraints = [
            models.UniqueConstraint(fields=["practice"], name="crm_contact_settings_once"),
        ]


class ApiKey(PracticeOwnedModel):
    """A practice's key for the telephony and website integrations. Only its hash is kept;
    `prefix` (shown, and sent as the key's first part) finds the row without a scan."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    hashed = models.CharField(max_length=128, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("integration API key")
        verbose_name_plural = _("integration API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ProviderEvent(PracticeOwnedModel):
    """One raw event as a provider sent it (a call ringing, answered, ended; a chat message;
    a web form), append-only. `provider_id` names the conversation at the provider (a
    CallSid, a chat id, a form submission id)."""

    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    provider_id = models.CharField(_("provider id"), max_length=100)
    event = models.CharField(_("event"), max_length=40)
    # The provider's own order of events (Twilio's SequenceNumber), when it gives one.
    sequence = models.IntegerField(null=True, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("provider event")
        verbose_name_plural = _("provider events")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "source", "provider_id", "event"], name="crm_event_once"
            ),
        ]
        indexes = [models.Index(fields=["practice", "source", "provider_id"])]


class ChannelGroup(PracticeOwnedModel):
    """A group of ad channels, e.g. 'Context ads'."""

    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("ad channel group")
        verbose_name_plural = _("ad channel groups")
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="crm_channel_group_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Channel(PracticeOwnedModel):
    """An ad channel, e.g. 'Google search ads' in 'Context ads'."""

    # RESTRICT: a group with channels is not deleted on its own, but deleting the whole
    # practice (which deletes its channels too) works.
    group = models.ForeignKey(
        ChannelGroup, on_delete=models.RESTRICT, related_name="channels", verbose_name=_("group")
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["group__name", "name"]
        verbose_name = _("ad channel")
        verbose_name_plural = _("ad channels")
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="crm_channel_name"),
        ]

    def __str__(self) -> str:
        return f"{self.group.name} › {self.name}"


class ChannelRule(PracticeOwnedModel):
    """'When this matches, the communication came through `channel`.' Rules are tried by
    kind in the order the issue gives (calls: UTM, caller's number, number called, service;
    chats: UTM, chat channel, service; requests: UTM, service), then by `priority`."""

    class Kind(models.TextChoices):
        UTM = "utm", _("UTM tags")
        CALLER_NUMBER = "caller_number", _("Caller's number")
        CALLED_NUMBER = "called_number", _("Practice number called")
        CHAT_CHANNEL = "chat_channel", _("Chat channel")
        SERVICE = "service", _("Account or service")

    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="rules", verbose_name=_("channel")
    )
    kind = models.CharField(_("rule"), max_length=20, choices=Kind.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)
    # UTM rules: each non-empty part must equal the communication's tag (case-insensitive).
    utm_source = models.CharField(_("utm_source"), max_length=200, blank=True)
    utm_medium = models.CharField(_("utm_medium"), max_length=200, blank=True)
    utm_campaign = models.CharField(_("utm_campaign"), max_length=200, blank=True)
    # Other rules: the number (E.164), chat channel or service name to match.
    value = models.CharField(_("value"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = _("ad channel rule")
        verbose_name_plural = _("ad channel rules")

    def __str__(self) -> str:
        utm = [getattr(self, f) for f in ("utm_source", "utm_medium", "utm_campaign")]
        what = self.value or " / ".join(part for part in utm if part)
        return f"{self.get_kind_display()}: {what}"


class Contact(PracticeOwnedModel):
    """All communications of one person in one practice-local day. `person_key` names the
    person: 'client:<id>' when matched, else 'phone:<e164>' or 'email:<address>', so two
    numbers of one client are one contact and an unknown caller is still one."""

    class Result(models.TextChoices):
        DIDNT_BOOK = "didnt_book", _("Didn't book")
        BOOKED = "booked", pgettext_lazy("contact result", "Booked")
        WAITLIST = "waitlist", _("Booked to waitlist")
        CANCELLED = "cancelled", pgettext_lazy("contact result", "Cancelled")
        ATTENDED = "attended", _("Booked and attended")
        REQUESTS = "requests", _("Requests (open)")

    local_date = models.DateField(_("day"))
    person_key = models.CharField(max_length=200)
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    employee = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = models.CharField(
        _("result"), max_length=20, choices=Result.choices, default=Result.DIDNT_BOOK
    )
    result_reason = models.CharField(_("why"), max_length=300, blank=True)
    first_at = models.DateTimeField(null=True, blank=True)
    last_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-local_date", "-first_at"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "local_date", "person_key"], name="crm_contact_once_a_day"
            ),
        ]
        indexes = [models.Index(fields=["practice", "local_date"])]

    @property
    def person_label(self) -> str:
        """Who, when no client was matched: the number or address ('phone:…', 'email:…'),
        or that the number was withheld ('unknown:…', crm.contacts.person_key)."""
        kind, _sep, value = self.person_key.partition(":")
        return str(_("Withheld number")) if kind == "unknown" else value


class Communication(PracticeOwnedModel):
    """One call, chat, web request or staff-recorded dialog."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        CHAT = "chat", _("Chat")
        WEB_REQUEST = "web_request", _("Web request")
        DIALOG = "dialog", _("Dialog")
        REQUEST_DIALOG = "request_dialog", _("Request-dialog")

    class Direction(models.TextChoices):
        INCOMING = "in", _("Incoming")
        OUTGOING = "out", _("Outgoing")

    class Status(models.TextChoices):
        # calls
        RINGING = "ringing", _("Ringing")  # not ended yet: the current call
        ANSWERED = "answered", _("Answered")
        MISSED = "missed", _("Missed")
        # chats
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")
        # web requests
        OPEN = "open", _("Open")
        PROCESSED = "processed", _("Processed")
        # staff-recorded
        FINISHED = "finished", _("Finished")
        NEEDS_CALLBACK = "needs_callback", _("Needs a call back")

    class PersonKind(models.TextChoices):
        NEW_PATIENT = "new_patient", _("New patient")
        PATIENT = "patient", _("Patient")
        EMPLOYEE = "employee", _("Employee")
        OTHER = "other", _("Other / counterparty")

    class Purpose(models.TextChoices):
        WANTS_TO_BOOK = "wants_to_book", _("Patient. Wants to book")
        WAITLIST = "waitlist", _("Patient. Waitlist")
        CRM_TASK = "crm_task", _("Patient. CRM task")
        REMINDER = "reminder", _("Patient. Reminder")
        CONVERSATION = "conversation", _("Conversation with patient")

    class Recovery(models.TextChoices):
        CALLED_BACK = "called_back", _("Called back")
        CALLED_AGAIN = "called_again", _("Caller called again")
        BOOKED_ONLINE = "booked_online", _("Booked online")
        NOT_RECOVERED = "not_recovered", _("Not recovered")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices, default=Direction.INCOMING
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    status_reason = models.CharField(_("why"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    # The conversation's id at the provider ('' for staff entries); events name it too.
    provider_id = models.CharField(_("provider id"), max_length=100, blank=True)

    # When it happened (as stated, for staff entries) and when it was entered.
    started_at = models.DateTimeField(_("time"))
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    wait_seconds = models.PositiveIntegerField(_("waiting time (s)"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (s)"), null=True, blank=True)
    # The practice-local day of `started_at`: the contact it belongs to, and the filters.
    local_date = models.DateField(_("day"))

    # The other party: as given, and normalised (E.164 with the practice's default region).
    phone_raw = models.CharField(_("number"), max_length=64, blank=True)
    phone_e164 = models.CharField(max_length=20, blank=True, db_index=True)
    email = models.EmailField(_("email"), blank=True)
    name_given = models.CharField(_("name given"), max_length=200, blank=True)
    # Where it came in: the practice number called, the chat channel, the account/service.
    practice_number = models.CharField(_("number called"), max_length=20, blank=True)
    chat_channel = models.CharField(_("chat channel"), max_length=100, blank=True)
    service = models.CharField(_("account or service"), max_length=100, blank=True)
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=200, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    utm_term = models.CharField(max_length=200, blank=True)
    utm_content = models.CharField(max_length=200, blank=True)
    landing_page = models.CharField(_("landing page"), max_length=500, blank=True)
    recording_url = models.URLField(_("recording"), max_length=500, blank=True)
    transcript = models.TextField(_("transcript"), blank=True)
    topic = models.CharField(_("topic"), max_length=100, blank=True)
    text = models.TextField(_("text"), blank=True)  # a web request's message, a dialog's note

    # Who handled it (the answering leg, the chat's employee, the staff member who entered it).
    employee = models.ForeignKey(
        Membership,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("employee"),
    )
    location = models.ForeignKey(
        "practice.Location", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Who (derived): matched by normalised number or email within the practice.
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person_kind = models.CharField(
        _("who"), max_length=20, choices=PersonKind.choices, default=PersonKind.OTHER
    )
    matched_count = models.PositiveSmallIntegerField(default=0)
    match_note = models.CharField(max_length=300, blank=True)
    # What for (derived).
    purpose = models.CharField(
        _("type"), max_length=20, choices=Purpose.choices, default=Purpose.CONVERSATION
    )
    purpose_reason = models.CharField(max_length=300, blank=True)
    # Ad channel (derived): the rule that fired and what it matched.
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel_rule = models.ForeignKey(
        ChannelRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel_evidence = models.CharField(max_length=300, blank=True)

    # A missed call whose text-back link was used to book: that booking (the caller, if on
    # no client's card, is then the client who booked; `crm.online`).
    text_back_booking = models.ForeignKey(
        "appointments.Appointment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A call relinked by hand to the web request it answered.
    answers_request = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="answered_by"
    )
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="communications",
    )
    # A web request or request-dialog handled: when and by whom.
    processed_at = models.DateTimeField(null=True, blank=True)
    processed_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A missed incoming call: what became of it, and how many minutes it took.
    recovery = models.CharField(max_length=20, choices=Recovery.choices, blank=True)
    recovery_minutes = models.PositiveIntegerField(null=True, blank=True)
    recovered_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("communication")
        verbose_name_plural = _("communications")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "source", "provider_id"],
                condition=~Q(provider_id=""),
                name="crm_communication_once",
            ),
        ]
        indexes = [
            models.Index(fields=["practice", "local_date"]),
            # The contact history's grouped figures read only these columns of a period:
            # an index-only scan, no visit to the table's rows.
            models.Index(
                fields=["practice", "local_date"],
                include=["contact", "employee", "wait_seconds", "duration_seconds"],
                name="crm_comm_period_figures",
            ),
            models.Index(fields=["practice", "started_at"]),
            models.Index(fields=["practice", "phone_e164", "started_at"]),
            # The report's topic list: the practice's distinct topics without its rows.
            models.Index(
                fields=["practice", "topic"], condition=~Q(topic=""), name="crm_comm_topic"
            ),
        ]

    # Reasons are stored as codes (crm.reasons) and read in the reader's language.
    @property
    def status_reason_text(self) -> str:
        return reason_text(self.status_reason)

    @property
    def match_note_text(self) -> str:
        return reason_text(self.match_note)

    @property
    def purpose_reason_text(self) -> str:
        return reason_text(self.purpose_reason)

    @property
    def channel_evidence_text(self) -> str:
        return reason_text(self.channel_evidence)

    def __str__(self) -> str:
        who = self.phone_raw or self.email
        when = localtime.to_local(self.started_at, self.practice.tz)  # the practice's clock
        return f"{self.get_kind_display()} {who} {when:%Y-%m-%d %H:%M}"


class Comment(PracticeOwnedModel):
    """A staff member's comment on a conversation: attached to the call of the same number
    and direction within the practice's window, else shown on its own (and deletable)."""

    author = models.ForeignKey(Membership, on_delete=models.RESTRICT, related_name="+")
    text = models.TextField(_("comment"))
    stated_at = models.DateTimeField(_("time"))
    phone_raw = models.CharField(_("number"), max_length=64, blank=True)
    phone_e164 = models.CharField(max_length=20, blank=True)
    direction = models.CharField(
        _("direction"), max_length=3, choices=Communication.Direction.choices, blank=True
    )
    communication = models.ForeignKey(
        Communication, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["stated_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")


class ContactRecord(PracticeOwnedModel):
    """An appointment or waitlist entry staff created for the contact's person that day:
    what was created at the time (`created_status`), read now for its current status."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="records")
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    waitlist_entry = models.ForeignKey(
        WaitlistEntry, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField()  # the record's own creation time: ties go to the first
    created_status = models.CharField(max_length=20, blank=True)
    is_main = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_main", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(appointment__isnull=False, waitlist_entry__isnull=True)
                | Q(appointment__isnull=True, waitlist_entry__isnull=False),
                name="crm_contact_record_one_thing",
            ),
        ]
