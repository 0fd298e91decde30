from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .scoping import PracticeOwnedModel


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Practice(models.Model):
    """The tenant."""

    class Kind(models.TextChoices):
        DENTAL = "dental", _("Dental practice")
        VET = "vet", _("Veterinary practice")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    time_zone = models.CharField(
        _("default time zone"),
        max_length=64,
        default="Europe/Amsterdam",
        validators=[validate_time_zone],
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    default_country = models.CharField(
        _("default phone country"),
        max_length=2,
        default="NL",
        help_text=_("Two-letter country code used to read national phone numbers."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("practice")
        verbose_name_plural = _("practices")

    def __str__(self) -> str:
        return self.name

    @property
    def is_vet(self) -> bool:
        return self.kind == self.Kind.VET

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Location(PracticeOwnedModel):
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=255, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    phone_secondary = models.CharField(_("second phone"), max_length=32, blank=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_("Leave empty to use the practice's time zone."),
    )
    day_starts = models.TimeField(_("calendar starts"), default=dt.time(8))
    day_ends = models.TimeField(_("calendar ends"), default=dt.time(18))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="location_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone or self.practice.time_zone)


class Role(models.TextChoices):
    DIRECTOR = "director", _("Director")
    RECEPTION = "reception", _("Administrator / reception")
    DENTIST = "dentist", _("Dentist")
    HYGIENIST = "hygienist", _("Hygienist")
    VET = "vet", _("Veterinarian")
    NURSE = "nurse", _("Nurse")


CLINICAL_ROLES = frozenset({Role.DENTIST, Role.HYGIENIST, Role.VET, Role.NURSE})


class Membership(PracticeOwnedModel):
    """A Django user working in one practice, with a role. A practitioner is a membership."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    display_name = models.CharField(
        _("name in calendar"),
        max_length=100,
        blank=True,
        help_text=_("Defaults to the user's full name."),
    )
    colour = models.CharField(_("colour"), max_length=7, default="#4f7cac")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["display_name", "id"]
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(fields=["practice", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.user.get_full_name() or self.user.get_username()

    @property
    def is_practitioner(self) -> bool:
        return self.role in CLINICAL_ROLES


class StaffProfile(models.Model):
    """A staff user's own settings, the same in every practice they work in.

    No row, or an empty language, means the practice's language: a new member starts in it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Empty: the practice's language."),
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return str(self.user)


class Room(PracticeOwnedModel):
    class Kind(models.TextChoices):
        SURGERY = "surgery", _("Surgery")
        CONSULTING = "consulting", _("Consulting room")

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)

    class Meta:
        ordering = ["location", "name"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "location", "name"], name="room_unique_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Equipment(PracticeOwnedModel):
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="equipment")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=50, help_text=_("For example: x-ray, laser."))

    class Meta:
        ordering = ["location", "name"]
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")

    def __str__(self) -> str:
        return self.name


class AuditLog(PracticeOwnedModel):
    """One row per clinical or financial write, in the same transaction as the write."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.BigIntegerField()
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["practice", "object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"
