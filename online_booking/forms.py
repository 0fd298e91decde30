"""The client's details on the public booking page."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from messaging.selectors import messaging_settings, sms_gateway
from patients.models import Delivery
from patients.species import species_label
from practice.models import Location, Practice

from .models import OnlineBookingSettings, Reason
from .services import BookingRequest


class DetailsForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    mobile = forms.CharField(label=_("Mobile phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)
    address = forms.CharField(label=_("Street address"), max_length=255, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    patient_name = forms.CharField(label=_("Your pet's name"), max_length=100, required=False)
    species = forms.CharField(label=_("Species"), max_length=50, required=False)
    note = forms.CharField(
        label=_("Anything we should know?"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    messages_by = forms.ChoiceField(label=_("Send my confirmation and reminder by"))
    remember = forms.BooleanField(
        label=_("Remember my details on this device"),
        required=False,
        help_text=_("Kept only in this browser, for your next booking."),
    )
    # A field people never see: bots fill it in.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    AUTOCOMPLETE = {
        "first_name": "given-name",
        "last_name": "family-name",
        "mobile": "tel",
        "email": "email",
        "address": "street-address",
        "postal_code": "postal-code",
        "city": "address-level2",
    }

    def __init__(
        self,
        *args,
        practice: Practice,
        booking_settings: OnlineBookingSettings,
        reason: Reason,
        species: str,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.practice = practice
        for name in ("email", "mobile"):
            self.fields[name].required = getattr(booking_settings, f"require_{name}")
        for name in ("address", "postal_code", "city"):
            self.fields[name].required = booking_settings.require_address
        for name, hint in self.AUTOCOMPLETE.items():
            self.fields[name].widget.attrs["autocomplete"] = hint
        self.fields["mobile"].widget.input_type = "tel"
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        self._fit_patient_fields(reason, species)
        self._fit_messages_by()

    def _fit_patient_fields(self, reason: Reason, species: str) -> None:
        if not self.practice.is_vet:
            del self.fields["patient_name"], self.fields["species"]
            return
        self.fields["patient_name"].required = True
        allowed = reason.species_list()
        if species:  # chosen on the first page
            self.fields["species"].initial = species
            self.fields["species"].widget = forms.HiddenInput()
        elif allowed:
            self.fields["species"] = forms.ChoiceField(
                label=_("Species"), choices=[(s, species_label(s)) for s in allowed]
            )

    def _fit_messages_by(self) -> None:
        """Offer the channels the practice sends confirmations by (SMS only with a gateway)."""
        prefs = messaging_settings(self.practice)
        email = prefs.confirmation_enabled and prefs.confirmation_email
        sms = prefs.confirmation_enabled and prefs.confirmation_sms
        sms = sms and sms_gateway(self.practice) is not None
        wanted = {Delivery.SMS: sms, Delivery.EMAIL: email, Delivery.BOTH: sms and email}
        choices = [(value, label) for value, label in Delivery.choices if wanted.get(value)]
        if not choices:
            del self.fields["messages_by"]  # the practice sends none: nothing to choose
            return
        field = self.fields["messages_by"]
        field.choices = choices
        field.initial = Delivery.BOTH if wanted[Delivery.BOTH] else choices[0][0]
        field.widget = forms.RadioSelect(choices=choices)

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise ValidationError(_("Leave this field empty."))
        return ""

    def clean(self) -> dict:
        data = super().clean()
        if data.get("messages_by") == Delivery.SMS and not data.get("mobile"):
            self.add_error("mobile", _("Give a mobile number for messages by SMS."))
        if data.get("messages_by") in (Delivery.EMAIL, Delivery.BOTH) and not data.get("email"):
            self.add_error("email", _("Give an email address for messages by email."))
        return data

    def booking_request(
        self, location: Location, reason: Reason, start: dt.datetime, practitioner_id: int | None
    ) -> BookingRequest:
        data = self.cleaned_data
        return BookingRequest(
            location=location,
            reason=reason,
            starts_at=start,
            client={name: data.get(name, "") for name in self.AUTOCOMPLETE},
            patient_name=data.get("patient_name", ""),
            species=data.get("species", ""),
            note=data.get("note", ""),
            practitioner_id=practitioner_id,
            messages_by=data.get("messages_by") if "messages_by" in self.fields else None,
        )
