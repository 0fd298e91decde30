from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from practice.form_fields import locale_date_formfield

from .models import Client, Delivery, Patient


class ClientForm(forms.ModelForm):
    """Field entry only; the service validates the phone and saves."""

    class Meta:
        model = Client
        fields = Client.EDITABLE_FIELDS
        formfield_callback = locale_date_formfield
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "mobile": forms.TextInput(attrs={"type": "tel", "placeholder": "+31 6 12345678"}),
        }

    def __init__(self, *args, sms_available: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("confirmation_channel", "reminder_channel"):
            self.fields[name].choices = Delivery.offered(sms=sms_available)
        # Empty is not 'unknown': their messages then follow the practice's language.
        self.fields["language"].choices = [
            ("", _("The practice's language")),
            *settings.LANGUAGES,
        ]


class PatientForm(forms.ModelForm):
    """An animal in a vet practice."""

    class Meta:
        model = Patient
        fields = ["name", "species", "breed", "sex", "birth_date"]
        formfield_callback = locale_date_formfield
        labels = {"name": _("Name")}


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)


class ConsentForm(forms.Form):
    consent = forms.TypedChoiceField(
        label=_("Marketing consent"),
        choices=[("yes", _("Yes, agrees")), ("no", _("No, refuses"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    wording = forms.CharField(
        label=_("Wording asked"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        initial=_("May we send you news and offers from the practice by SMS and email?"),
    )
