from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from practice.scoping import PracticeOwnedModel

from .phone import phone_search_variants


class Sex(models.TextChoices):
    FEMALE = "f", _("Female")
    MALE = "m", _("Male")
    OTHER = "x", _("Other / unknown")


class Channel(models.TextChoices):
    NONE = "", _("No preference")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    BOTH = "both", _("SMS and email")


class Delivery(models.TextChoices):
    """How someone wants appointment confirmations or reminders."""

    NONE = "", _("Not wanted")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    BOTH = "both", _("SMS and email")

    @classmethod
    def channels(cls, value: str) -> list[str]:
        return {"sms": ["sms"], "email": ["email"], "both": ["sms", "email"]}.get(value, [])

    @classmethod
    def offered(cls, *, sms: bool) -> list[tuple[str, str]]:
        """The choices to offer: the SMS ones only when the practice can send SMS."""
        return [(v, label) for v, label in cls.choices if sms or v in ("", cls.EMAIL)]


class Client(PracticeOwnedModel):
    """The contact person: the patient themself (dental) or the owner (vet)."""

    # What staff may edit, in form order; consent has its own service (who, when, wording).
    EDITABLE_FIELDS = (
        "first_name",
        "last_name",
        "mobile",
        "email",
        "address",
        "postal_code",
        "city",
        "sex",
        "birth_date",
        "preferred_channel",
        "confirmation_channel",
        "reminder_channel",
        "language",
        "mobile_prompt_after",
        "email_prompt_after",
        "marketing_prompt_after",
        "notes",
    )

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    mobile = models.CharField(
        _("mobile"), max_length=20, blank=True, help_text=_("Stored in E.164, e.g. +31612345678.")
    )
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    preferred_channel = models.CharField(
        _("preferred contact channel"), max_length=5, choices=Channel.choices, blank=True
    )
    # Whether and how they want appointment confirmations and reminders: the default for
    # each new appointment, which staff may change per appointment.
    confirmation_channel = models.CharField(
        _("appointment confirmations by"), max_length=5, choices=Delivery.choices, blank=True
    )
    reminder_channel = models.CharField(
        _("appointment reminders by"), max_length=5, choices=Delivery.choices, blank=True
    )
    # Set by the SMS gateway: the number replied STOP (START clears it), or is a landline.
    sms_opted_out = models.BooleanField(_("opted out of SMS"), default=False)
    mobile_is_landline = models.BooleanField(
        _("number is a landline"),
        default=False,
        help_text=_("The SMS gateway said this number cannot receive SMS. Fix the number."),
    )
    # Explicit marketing consent: None = never asked or no clear answer.
    marketing_consent = models.BooleanField(_("marketing consent"), null=True, blank=True)
    marketing_consent_at = models.DateTimeField(_("consent recorded at"), null=True, blank=True)
    marketing_consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("consent recorded by"),
    )
    marketing_consent_wording = models.TextField(_("consent wording"), blank=True)
    # 'Do not ask again until': postponements of collecting details.
    mobile_prompt_after = models.DateField(_("don't ask for mobile until"), null=True, blank=True)
    email_prompt_after = models.DateField(_("don't ask for email until"), null=True, blank=True)
    marketing_prompt_after = models.DateField(
        _("don't ask for marketing consent until"), null=True, blank=True
    )
    # Their messages and the pages their links open speak it; empty: the practice's language.
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("For messages and booking pages. Empty: the practice's language."),
    )
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        indexes = [models.Index(fields=["practice", "last_name", "first_name"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def usable_channels(self, *, sms: bool) -> list[str]:
        """The channels a message reaches this client by now, best first: SMS to a mobile
        that is neither opted out nor a landline (when the practice can send SMS), then
        email. The one place this is decided (messaging.outbox and the waitlist ask it)."""
        channels = []
        if sms and self.mobile and not self.sms_opted_out and not self.mobile_is_landline:
            channels.append(Delivery.SMS.value)
        if self.email:
            channels.append(Delivery.EMAIL.value)
        return channels


class Patient(PracticeOwnedModel):
    """The one treated: the client themself in a dental practice, an animal in a vet one."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="patients", verbose_name=_("client")
    )
    name = models.CharField(_("name"), max_length=200)
    species = models.CharField(_("species"), max_length=50, blank=True)
    breed = models.CharField(_("breed"), max_length=100, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Lower-case names, phone digits and email of patient and client: one trigram-indexed
    # column makes search by any of them a single index scan (see migrations).
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")

    def __str__(self) -> str:
        return self.name

    def build_search_text(self, client: Client | None = None) -> str:
        client = client or self.client
        parts = [self.name, client.first_name, client.last_name, client.email]
        parts += phone_search_variants(client.mobile)
        return " ".join(p for p in parts if p).lower()
