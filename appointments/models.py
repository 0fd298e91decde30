from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from patients.models import Client, Delivery, Patient
from practice import localtime
from practice.models import Equipment, Location, Membership, Room
from practice.scoping import PracticeOwnedModel


class ConsultationType(PracticeOwnedModel):
    class Category(models.TextChoices):
        EXAMINATION = "examination", _("Examination")
        TREATMENT = "treatment", _("Treatment")
        DENTIST_RECALL = "dentist_recall", _("Dentist recall")
        HYGIENIST_RECALL = "hygienist_recall", _("Hygienist recall")
        VACCINATION = "vaccination", _("Vaccination")
        SURGERY = "surgery", _("Surgery")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=100)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=30)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    colour = models.CharField(_("colour"), max_length=7, default="#7aa6c2")
    room_kind = models.CharField(
        _("needs a room of kind"),
        max_length=20,
        choices=Room.Kind.choices,
        blank=True,
        help_text=_("Leave empty when no room is needed."),
    )
    equipment_kind = models.CharField(
        _("needs equipment of kind"),
        max_length=50,
        blank=True,
        help_text=_("For example: x-ray. Leave empty when no equipment is needed."),
    )
    fee = models.DecimalField(
        _("fee"),
        max_digits=10,
        decimal_places=2,
        default=0,
        help_text=_("What the visit itself costs; treatments done in it are added."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("consultation type")
        verbose_name_plural = _("consultation types")
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="ctype_unique_name"),
            models.CheckConstraint(condition=Q(duration_minutes__gt=0), name="ctype_duration_gt_0"),
        ]

    def __str__(self) -> str:
        return self.name


WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class WorkingHours(PracticeOwnedModel):
    """A practitioner's weekly hours at a location (several rows a day for split shifts)."""

    practitioner = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        choices=WEEKDAY_CHOICES,
    )
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))

    class Meta:
        ordering = ["practitioner", "weekday", "start_time"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="wh_end_after_start"
            )
        ]


class WorkingHoursException(PracticeOwnedModel):
    """Different hours on one date (or none: `start_time` empty means not working)."""

    practitioner = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("from"), null=True, blank=True)
    end_time = models.TimeField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("working hours exception")
        verbose_name_plural = _("working hours exceptions")


class Absence(PracticeOwnedModel):
    practitioner = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="absence_end_after_start"
            )
        ]


# No appointment is longer: range queries use it as a lower bound on starts_at, so an
# index on starts_at answers "what overlaps this time" without scanning all history.
MAX_APPOINTMENT_SPAN = dt.timedelta(hours=24)


class Appointment(PracticeOwnedModel):
    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        ARRIVED = "arrived", _("Arrived")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("No-show")

    class Source(models.TextChoices):
        STAFF = "staff", _("Staff")
        ONLINE = "online", _("Online")
        WORKFLOW = "workflow", _("Workflow")
        WAITLIST = "waitlist", _("Waitlist")

    # Statuses that no longer hold the practitioner's or room's time.
    RELEASED = (Status.CANCELLED, Status.NO_SHOW)

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="appointments")
    practitioner = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("practitioner"),
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="appointments")
    room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    equipment = models.ForeignKey(
        Equipment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("equipment"),
    )
    consultation_type = models.ForeignKey(
        ConsultationType,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("consultation type"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    # The time the appointment holds its practitioner, room and equipment: its own time
    # widened by buffers (preparation before, cleaning after). The exclusion constraints
    # compare these, so no one can book into another booking's buffer.
    held_from = models.DateTimeField(_("held from"), editable=False)
    held_until = models.DateTimeField(_("held until"), editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.BOOKED
    )
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.STAFF
    )
    notes = models.TextField(_("notes"), blank=True)
    # Copied from the client when booked; staff may change them per appointment.
    confirmation_channel = models.CharField(
        _("confirmation by"), max_length=5, choices=Delivery.choices, blank=True
    )
    reminder_channel = models.CharField(
        _("reminder by"), max_length=5, choices=Delivery.choices, blank=True
    )
    cancel_reason = models.CharField(_("cancellation reason"), max_length=200, blank=True)
    # The client's short link (/a/<code>/) to confirm or cancel: random, unguessable, and
    # short so an SMS stays one segment. Unique across practices: it is a public key.
    link_code = models.CharField(max_length=16, unique=True, null=True, blank=True, editable=False)
    confirmed_at = models.DateTimeField(
        _("confirmed by the client"),
        null=True,
        blank=True,
        help_text=_("When the client confirmed through the link in their message."),
    )
    # Counts the moves (time, practitioner or room). Messages about the appointment's time
    # are keyed by it, so each move gets its own confirmation and reminder, also a move back
    # to an earlier time, while a repeated event for the same move finds the same rows.
    schedule_revision = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="appt_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(held_from__lte=F("starts_at"), held_until__gte=F("ends_at")),
                name="appt_hold_covers_time",
            ),
        ]
        indexes = [
            models.Index(fields=["practice", "location", "starts_at"]),
            models.Index(fields=["practice", "practitioner", "starts_at"]),
            models.Index(fields=["practice", "patient", "starts_at"]),
        ]
        # The no-double-booking exclusion constraints live in a PostgreSQL-only migration.

    def __str__(self) -> str:
        return f"{self.patient} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def holds_time(self) -> bool:
        return self.status not in self.RELEASED

    @property
    def buffers(self) -> tuple[dt.timedelta, dt.timedelta]:
        """(before, after): how much longer than its own time the appointment holds."""
        if self.held_from is None or self.held_until is None:
            return dt.timedelta(0), dt.timedelta(0)
        return self.starts_at - self.held_from, self.held_until - self.ends_at

    def set_times(
        self,
        starts_at: dt.datetime,
        ends_at: dt.datetime,
        *,
        before: dt.timedelta | None = None,
        after: dt.timedelta | None = None,
    ) -> None:
        """Set the time, keeping the buffers unless new ones are given."""
        kept_before, kept_after = self.buffers
        self.starts_at, self.ends_at = starts_at, ends_at
        self.held_from = starts_at - (kept_before if before is None else before)
        self.held_until = ends_at + (kept_after if after is None else after)

    def save(self, *args, **kwargs) -> None:
        # Without buffers an appointment holds exactly its own time.
        if self.held_from is None:
            self.held_from = self.starts_at
        if self.held_until is None:
            self.held_until = self.ends_at
        super().save(*args, **kwargs)


class TreatmentPlan(PracticeOwnedModel):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("Accepted")
        COMPLETED = "completed", _("Completed")
        REJECTED = "rejected", _("Rejected")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="treatment_plans")
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("treatment plan")
        verbose_name_plural = _("treatment plans")

    def __str__(self) -> str:
        return self.title


class PlannedTreatment(PracticeOwnedModel):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        BOOKED = "booked", _("Booked")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="treatments")
    code = models.CharField(_("code"), max_length=20)
    description = models.CharField(_("description"), max_length=255)
    fee = models.DecimalField(_("fee"), max_digits=10, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    to_book = models.BooleanField(
        _("to be booked"), default=False, help_text=_("The practitioner marked it to be booked.")
    )
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="treatments"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("planned treatment")
        verbose_name_plural = _("planned treatments")

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class Recall(PracticeOwnedModel):
    class Kind(models.TextChoices):
        DENTIST = "dentist", _("Dentist recall")
        HYGIENIST = "hygienist", _("Hygienist recall")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="recalls")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    due_date = models.DateField(_("due date"))
    to_book = models.BooleanField(
        _("book at checkout"),
        default=False,
        help_text=_("The practitioner asks reception to book it when the patient leaves."),
    )

    class Meta:
        ordering = ["due_date"]
        verbose_name = _("recall")
        verbose_name_plural = _("recalls")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "patient", "kind"], name="recall_unique_kind"
            )
        ]


class Payment(PracticeOwnedModel):
    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        CARD = "card", _("Card")
        TRANSFER = "transfer", _("Bank transfer")
        OTHER = "other", _("Other")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="payments")
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    taken_at = models.DateTimeField(_("taken at"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-taken_at"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_gt_0")
        ]


class WaitlistEntry(PracticeOwnedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        BOOKED = "booked", _("Closed with an appointment")
        CLOSED = "closed", _("Closed without an appointment")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="waitlist_entries")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="waitlist_entries")
    consultation_type = models.ForeignKey(
        ConsultationType, on_delete=models.PROTECT, related_name="+"
    )
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    practitioner = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    # When the client can come, in the location's local time; empty means any. Weekdays
    # are digits 0 (Monday) to 6, e.g. "024": plain text works on SQLite and PostgreSQL.
    weekdays = models.CharField(
        _("days"),
        max_length=7,
        blank=True,
        help_text=_("Leave all unticked for any day."),
    )
    earliest_time = models.TimeField(
        _("from"), null=True, blank=True, help_text=_("Earliest start. Empty: any time.")
    )
    latest_time = models.TimeField(
        _("until"), null=True, blank=True, help_text=_("Latest end. Empty: any time.")
    )
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Who put the patient on the waitlist (nobody: online or a workflow); the contact
    # history credits the booking to them.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        constraints = [
            models.CheckConstraint(
                condition=Q(earliest_time__isnull=True)
                | Q(latest_time__isnull=True)
                | Q(latest_time__gt=F("earliest_time")),
                name="waitlist_hours_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient} · {self.consultation_type}"

    def clean(self) -> None:
        days = self.weekdays
        if days and not (set(days) <= set("0123456") and len(set(days)) == len(days)):
            raise ValidationError({"weekdays": _("Choose days from Monday to Sunday.")})
        if self.earliest_time and self.latest_time and self.latest_time <= self.earliest_time:
            raise ValidationError({"latest_time": _("The latest time must be after the earliest.")})


def new_offer_code() -> str:
    """12 characters, 72 random bits: unguessable, and short enough for one SMS segment."""
    return secrets.token_urlsafe(9)


class WaitlistOffer(PracticeOwnedModel):
    """A freed time offered to one waitlist entry; the first client to claim it books it."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("Offered")
        CLAIMED = "claimed", _("Claimed")
        GONE = "gone", _("Gone")
        EXPIRED = "expired", _("Expired")

    class Reason(models.TextChoices):
        NONE = "", "—"
        OTHER_CLIENT = "other_client", _("Another client booked it first.")
        NOT_FREE = "not_free", _("The time is no longer free.")
        ENTRY_CLOSED = "entry_closed", _("The waitlist entry is already closed.")
        PASSED = "passed", _("The time has passed.")

    class Channel(models.TextChoices):
        NONE = "", _("not sent: no mobile or email")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("email")

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    # The freed time: what the cancelled appointment held.
    cancelled_appointment = models.ForeignKey(
        Appointment,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("freed by"),
    )
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    practitioner = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="+", verbose_name=_("practitioner")
    )
    consultation_type = models.ForeignKey(
        ConsultationType, on_delete=models.CASCADE, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    # The client's personal link (/w/<code>/). Unique across practices: it is a public key.
    code = models.CharField(max_length=16, unique=True, default=new_offer_code, editable=False)
    channel = models.CharField(_("sent by"), max_length=5, choices=Channel.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OFFERED
    )
    reason = models.CharField(_("why"), max_length=20, choices=Reason.choices, blank=True)
    appointment = models.ForeignKey(
        Appointment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("booked appointment"),
    )
    created_at = models.DateTimeField(_("offered at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("waitlist offer")
        verbose_name_plural = _("waitlist offers")
        constraints = [
            # A repeated cancellation signal finds the offer it made and offers nothing twice.
            models.UniqueConstraint(
                fields=["practice", "entry", "cancelled_appointment"], name="waitlist_offer_once"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="waitlist_offer_end_after_start"
            ),
        ]
        indexes = [
            models.Index(
                fields=["practice", "cancelled_appointment"], name="waitlist_offer_freed_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def local_start(self) -> dt.datetime:
        return localtime.to_local(self.starts_at, self.location.tz)
