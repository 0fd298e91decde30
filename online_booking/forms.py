"""The client's details on the public booking page.

The form only collects what the client types and shows it back: which fields are required,
how long each may be and which channels are offered all come from `services`, and the
service's refusals land next to the field they name (`practice.views_helpers
.apply_validation_error`). No rule is checked here.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from patients.models import Delivery
from patients.species import species_label
from practice.models import Practice

from . import services
from .models import Reason


def _text(label, **kwargs) -> forms.CharField:
    # Never required for Django: the service says what is required (and the page marks it).
    return forms.CharField(label=label, required=False, strip=False, **kwargs)


class DetailsForm(forms.Form):
    first_name = _text(_("First name"))
    last_name = _text(_("Last name"))
    mobile = _text(_("Mobile phone"), widget=forms.TextInput(attrs={"type": "tel"}))
    email = _text(_("Email"), widget=forms.EmailInput)
    address = _text(_("Street address"))
    postal_code = _text(_("Postal code"))
    city = _text(_("City"))
    patient_name = _text(_("Your pet's name"))
    species = _text(_("Species"))
    note = _text(_("Anything we should know?"), widget=forms.Textarea(attrs={"rows": 3}))
    messages_by = _text(_("Send my confirmation and reminder by"))
    remember = forms.BooleanField(
        label=_("Remember my details on this device"),
        required=False,
        help_text=_("Kept only in this browser, for your next booking."),
    )
    # A field people never see: bots fill it in (the service refuses the booking then).
    website = _text(_("Leave this empty"))

    AUTOCOMPLETE = {
        "first_name": "given-name",
        "last_name": "family-name",
        "mobile": "tel",
        "email": "email",
        "address": "street-address",
        "postal_code": "postal-code",
        "city": "address-level2",
    }

    def __init__(self, *args, practice: Practice, reason: Reason, species: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.practice = practice
        required = services.required_fields(practice)
        for name, field in self.fields.items():
            if name in services.LIMITS:
                field.widget.attrs["maxlength"] = services.LIMITS[name]
            if name in required:  # shown with a * and announced; the service checks it
                field.widget.attrs["required"] = True
        for name, hint in self.AUTOCOMPLETE.items():
            self.fields[name].widget.attrs["autocomplete"] = hint
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        self._fit_patient_fields(reason, species)
        self._fit_messages_by()

    def _fit_patient_fields(self, reason: Reason, species: str) -> None:
        if not self.practice.is_vet:
            del self.fields["patient_name"], self.fields["species"]
            return
        allowed = reason.species_list()
        if species:  # chosen on the first page
            self.fields["species"].initial = species
            self.fields["species"].widget = forms.HiddenInput()
        elif allowed:
            self.fields["species"].widget = forms.Select(
                choices=[(s, species_label(s)) for s in allowed]
            )

    def _fit_messages_by(self) -> None:
        """Offer the channels the practice sends confirmations by."""
        offered = services.messages_by_choices(self.practice)
        if not offered:
            del self.fields["messages_by"]  # the practice sends none: nothing to choose
            return
        labels = dict(Delivery.choices)
        field = self.fields["messages_by"]
        field.initial = Delivery.BOTH if Delivery.BOTH in offered else offered[0]
        field.widget = forms.RadioSelect(choices=[(value, labels[value]) for value in offered])

    def booking_request(
        self,
        location_id: int,
        reason_id: int,
        start: dt.datetime,
        practitioner_id: int | None,
        tags: dict[str, str] | None = None,
    ) -> services.BookingRequest:
        data = self.cleaned_data
        return services.BookingRequest(
            location_id=location_id,
            reason_id=reason_id,
            starts_at=start,
            client={name: data.get(name, "") for name in self.AUTOCOMPLETE},
            patient_name=data.get("patient_name", ""),
            species=data.get("species", ""),
            note=data.get("note", ""),
            practitioner_id=practitioner_id,
            messages_by=data.get("messages_by") if "messages_by" in self.fields else None,
            website=data.get("website", ""),
            tags=tags or {},
            language=translation.get_language() or "",
        )
