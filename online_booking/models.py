"""What a practice opens to online booking: settings, locations, time windows, reasons."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from appointments.models import WEEKDAY_CHOICES, ConsultationType
from practice.models import Location, Membership
from practice.scoping import PracticeOwnedModel


class OnlineBookingSettings(PracticeOwnedModel):
    enabled = models.BooleanField(_("online booking on"), default=False)
    info_text = models.TextField(
        _("information text"), blank=True, help_text=_("Shown under the page title.")
    )
    lead_time_minutes = models.PositiveIntegerField(
        _("earliest start (minutes from now)"), default=120
    )
    horizon_days = models.PositiveIntegerField(_("book up to (days ahead)"), default=60)
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot interval (minutes)"),
        default=15,
        choices=[(5, "5"), (10, "10"), (15, "15"), (20, "20"), (30, "30"), (60, "60")],
    )
    show_duration = models.BooleanField(_("show the duration"), default=True)
    show_practitioner = models.BooleanField(_("show the practitioner's name"), default=True)
    require_email = models.BooleanField(_("email required"), default=True)
    require_mobile = models.BooleanField(_("mobile required"), default=True)
    require_address = models.BooleanField(_("address required"), default=False)
    max_upcoming_per_client = models.PositiveSmallIntegerField(
        _("upcoming online bookings per client"), default=3
    )

    class Meta:
        verbose_name = _("online booking settings")
        verbose_name_plural = _("online booking settings")
        constraints = [models.UniqueConstraint(fields=["practice"], name="online_settings_one")]

    def __str__(self) -> str:
        return str(_("Online booking settings"))


class OnlineLocation(PracticeOwnedModel):
    """A location open to online booking, and whether it asks for the species first."""

    location = models.OneToOneField(Location, on_delete=models.CASCADE, related_name="online")
    enabled = models.BooleanField(_("open to online booking"), default=True)
    asks_species = models.BooleanField(_("ask for the species first"), default=False)

    class Meta:
        verbose_name = _("online booking location")
        verbose_name_plural = _("online booking locations")

    def __str__(self) -> str:
        return str(self.location)


class OnlineWindow(PracticeOwnedModel):
    """Local hours of a weekday in which online bookings may fall (at one location)."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAY_CHOICES)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))

    class Meta:
        ordering = ["location", "weekday", "start_time"]
        verbose_name = _("online booking window")
        verbose_name_plural = _("online booking windows")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="window_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class ReasonGroup(PracticeOwnedModel):
    name = models.CharField(_("name"), max_length=100)
    instructions = models.TextField(_("instructions"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("reason group")
        verbose_name_plural = _("reason groups")

    def __str__(self) -> str:
        return self.name


class Reason(PracticeOwnedModel):
    """A consultation type as clients see it online: who takes it, how long, for which pets."""

    group = models.ForeignKey(ReasonGroup, on_delete=models.CASCADE, related_name="reasons")
    consultation_type = models.ForeignKey(
        ConsultationType, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    instructions = models.TextField(_("how to prepare"), blank=True)
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"),
        null=True,
        blank=True,
        help_text=_("Leave empty for the consultation type's duration."),
    )
    buffer_before_minutes = models.PositiveSmallIntegerField(_("free before (minutes)"), default=0)
    buffer_after_minutes = models.PositiveSmallIntegerField(_("free after (minutes)"), default=0)
    practitioners = models.ManyToManyField(
        Membership, related_name="+", verbose_name=_("practitioners who take it")
    )
    species = models.CharField(
        _("species"),
        max_length=200,
        blank=True,
        help_text=_("Comma-separated, e.g. dog, cat. Empty: every species."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["group", "position", "name"]
        verbose_name = _("online booking reason")
        verbose_name_plural = _("online booking reasons")

    def __str__(self) -> str:
        return self.name

    @property
    def duration(self) -> int:
        return self.duration_minutes or self.consultation_type.duration_minutes

    def species_list(self) -> list[str]:
        return [s.strip().lower() for s in self.species.split(",") if s.strip()]


class OnlineBooking(PracticeOwnedModel):
    """What a client typed when booking online, and how it matched existing records.

    Matched clients keep their stored data; what differs is kept here for reception to
    review. A booking whose details fit several clients gets a new client, flagged as a
    possible duplicate.
    """

    appointment = models.OneToOneField(
        "appointments.Appointment", on_delete=models.CASCADE, related_name="online_booking"
    )
    reason = models.ForeignKey(Reason, null=True, on_delete=models.SET_NULL, related_name="+")
    typed = models.JSONField(_("what the client typed"), default=dict)
    client_matched = models.BooleanField(_("matched an existing client"), default=False)
    patient_matched = models.BooleanField(_("matched an existing patient"), default=False)
    differences = models.JSONField(
        _("differences from the stored client"),
        default=dict,
        blank=True,
        help_text=_("Typed values that differ from the client's stored ones (not applied)."),
    )
    possible_duplicate = models.BooleanField(_("possible duplicate client"), default=False)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("online booking")
        verbose_name_plural = _("online bookings")
        indexes = [
            models.Index(
                fields=["practice", "created_at"],
                condition=Q(reviewed_at__isnull=True),
                name="online_booking_to_review_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.typed.get('first_name', '')} {self.typed.get('last_name', '')}".strip()
