"""The departure list: what reception had to do when a patient left, and how it went.

A `DepartureWorkflow` is built once per appointment when it is completed. It holds one
`DepartureAction` per thing that applied then; every click on the checkout screen is a
`DepartureStep` (who, when, what). Completing the workflow judges each action
(success / failed / postponed), and the report counts those outcomes.

The action row repeats the appointment's local day, location, practitioner and the staff
member who ran the workflow, so the report is one GROUP BY over one table.
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from appointments.models import Appointment
from patients.models import Client, Patient
from practice.models import Location, Membership
from practice.scoping import PracticeOwnedModel


class ActionKind(models.TextChoices):
    PLANNED_TREATMENT = "planned_treatment", _("Book Planned Treatment")
    DENTIST_RECALL = "dentist_recall", _("Book Dentist Recall")
    HYGIENIST_RECALL = "hygienist_recall", _("Book Hygienist Recall")
    PAYMENT = "payment", _("Take Payment")
    MOBILE = "mobile", _("Collect Mobile")
    EMAIL = "email", _("Collect Email")
    MARKETING_CONSENT = "marketing_consent", _("Collect Marketing Consent")
    CUSTOM = "custom", _("Custom action")


class Outcome(models.TextChoices):
    OPEN = "open", _("To do")
    SUCCESS = "success", _("Success")
    FAILED = "failed", _("Failed")
    POSTPONED = "postponed", _("Postponed")


# A plain date kept in a note or a step's detail, shown as the reader's language writes it.
ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


class PostponeReason(models.TextChoices):
    BOOKING_LINK_SENT = "booking_link_sent", _("Online booking link sent")
    PROMPT_LATER = "prompt_later", _("Ask again in 12 months")


class FailureReason(PracticeOwnedModel):
    """The practice's list of reasons an action was left undone (Settings, admin).

    Each action kind has its own list ('Card declined' is a payment's reason, not a
    recall's); a reason without a kind is offered for every action (the lists practices
    had before reasons were per action)."""

    kind = models.CharField(
        _("action"),
        max_length=30,
        choices=ActionKind.choices,
        blank=True,
        help_text=_("Empty: offered for every action."),
    )
    label = models.CharField(_("reason"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["kind", "position", "label"]
        verbose_name = _("failure reason")
        verbose_name_plural = _("failure reasons")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "kind", "label"], name="failure_reason_unique_per_kind"
            )
        ]

    def __str__(self) -> str:
        return self.label

    def fits(self, kind: str) -> bool:
        """Offered for an action of this kind."""
        return self.kind in ("", kind)


class CustomOption(PracticeOwnedModel):
    """A practitioner's message on one appointment's departure list, with links to open."""

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="departure_options"
    )
    message = models.CharField(_("message"), max_length=300)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("custom departure option")
        verbose_name_plural = _("custom departure options")

    def __str__(self) -> str:
        return self.message


class CustomOptionLink(PracticeOwnedModel):
    """A leaflet or form to open at checkout; the click is recorded through our redirect."""

    option = models.ForeignKey(CustomOption, on_delete=models.CASCADE, related_name="links")
    title = models.CharField(_("title"), max_length=120)
    url = models.URLField(_("link"), max_length=500)
    clicked_at = models.DateTimeField(null=True, blank=True)
    clicked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("custom option link")
        verbose_name_plural = _("custom option links")

    def __str__(self) -> str:
        return self.title


class DepartureWorkflow(PracticeOwnedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("To check out")
        COMPLETED = "completed", _("Completed")

    appointment = models.OneToOneField(
        Appointment, on_delete=models.CASCADE, related_name="departure"
    )
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    practitioner = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    # The appointment's day in the location's time zone: report ranges and the same-day
    # payment rule use the practice's local day, not UTC.
    local_date = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    has_failure = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("checked out by"),
    )

    class Meta:
        ordering = ["-local_date", "-id"]
        verbose_name = _("departure workflow")
        verbose_name_plural = _("departure workflows")
        indexes = [
            models.Index(fields=["practice", "status", "local_date"]),
            models.Index(
                fields=["practice", "local_date"],
                condition=Q(has_failure=True),
                name="departure_failed_idx",
            ),
            models.Index(fields=["practice", "patient", "local_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.patient} {self.local_date}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class DepartureAction(PracticeOwnedModel):
    workflow = models.ForeignKey(
        DepartureWorkflow, on_delete=models.CASCADE, related_name="actions"
    )
    kind = models.CharField(_("action"), max_length=24, choices=ActionKind.choices)
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.OPEN
    )
    # What was needed: the amount due for Take Payment.
    amount_due = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    # What was done in the workflow.
    paid_amount = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    booked_appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    booking_link_message = models.ForeignKey(
        "messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prompt_later = models.BooleanField(default=False)
    # Judged on completion.
    postpone_reason = models.CharField(
        _("why postponed"), max_length=24, choices=PostponeReason.choices, blank=True
    )
    postpone_note = models.CharField(_("postponement details"), max_length=300, blank=True)
    failure_reason = models.ForeignKey(
        FailureReason,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("failure reason"),
    )
    failure_note = models.CharField(_("failure details"), max_length=300, blank=True)
    judged_at = models.DateTimeField(null=True, blank=True)
    # A postponed item worked later from the follow-up list.
    followed_up_at = models.DateTimeField(null=True, blank=True)
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Copies of the workflow's report dimensions (see the module docstring).
    local_date = models.DateField()
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    practitioner = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("departure action")
        verbose_name_plural = _("departure actions")
        constraints = [
            models.UniqueConstraint(fields=["workflow", "kind"], name="departure_action_once"),
        ]
        indexes = [
            models.Index(fields=["practice", "local_date"]),
            models.Index(
                fields=["practice", "kind"],
                condition=Q(outcome="postponed", followed_up_at__isnull=True),
                name="departure_follow_up_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_outcome_display()}"

    @property
    def postpone_text(self) -> str:
        return postpone_text(self.postpone_reason, self.postpone_note)


def postpone_text(reason: str, note: str) -> str:
    """A postponement's details in the reader's language. 'Ask again in 12 months' keeps
    only the date ('2027-11-30'; older rows an English sentence holding it), which reads
    'Not asked again until 30 November 2027' in each language."""
    if reason == PostponeReason.PROMPT_LATER:
        found = ISO_DATE.search(note)
        if found:
            day = dt.date(*(int(part) for part in found.groups()))
            return _("Not asked again until %(date)s") % {
                "date": formats.date_format(day, "DATE_FORMAT")
            }
    return note


# Steps whose detail is a date ('ask again after', 'paid on'), and a consent's answer.
DATE_DETAILS = frozenset({"prompt_later", "paid_later_same_day"})
CONSENT_WORDS = {"yes": _("yes"), "no": _("no")}

STEP_LABELS = {
    "booked": _("booked"),
    "booking_link_sent": _("online booking link sent"),
    "payment_taken": _("payment taken"),
    "mobile_collected": _("mobile saved"),
    "email_collected": _("email saved"),
    "prompt_later": _("ask again in 12 months"),
    "consent_recorded": _("consent recorded"),
    "link_opened": _("link opened"),
    "completed": _("checkout completed"),
    "paid_later_same_day": _("paid at a later checkout the same day"),
    "booking_link_failed": _("online booking link not delivered: now failed"),
    "booking_link_resent": _("online booking link sent again: postponed again"),
}


class DepartureStep(PracticeOwnedModel):
    """One thing a staff member did on a departure list: the workflow's history."""

    workflow = models.ForeignKey(DepartureWorkflow, on_delete=models.CASCADE, related_name="steps")
    action = models.ForeignKey(
        DepartureAction, null=True, blank=True, on_delete=models.CASCADE, related_name="steps"
    )
    what = models.CharField(max_length=40)
    detail = models.CharField(max_length=300, blank=True)
    # Steps taken later from the follow-up list still belong to the original workflow.
    from_follow_up = models.BooleanField(default=False)
    # Empty for what happened on its own: the provider reporting a booking link undelivered.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("departure step")
        verbose_name_plural = _("departure steps")

    def __str__(self) -> str:
        return f"{self.what} {self.at:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        return str(STEP_LABELS.get(self.what, self.what))

    @property
    def detail_text(self) -> str:
        """The detail in the reader's language: a consent's yes or no, a date as their
        language writes it. The row keeps plain values ('no', '2027-11-30'), not words."""
        if self.what == "consent_recorded":
            return str(CONSENT_WORDS.get(self.detail, self.detail))
        if self.what in DATE_DETAILS:
            found = ISO_DATE.search(self.detail)
            if found:
                day = dt.date(*(int(part) for part in found.groups()))
                return formats.date_format(day, "DATE_FORMAT")
        return self.detail
