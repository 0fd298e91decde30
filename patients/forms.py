from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Client, Patient


class ClientForm(forms.ModelForm):
    """Field entry only; the service validates the phone and saves."""

    class Meta:
        model = Client
        fields = [
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
            "notes",
        ]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "mobile": forms.TextInput(attrs={"type": "tel", "placeholder": "+31 6 12345678"}),
        }


class PatientForm(forms.ModelForm):
    """An animal in a vet practice."""

    class Meta:
        model = Patient
        fields = ["name", "species", "breed", "sex", "birth_date"]
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"})}
        labels = {"name": _("Name")}


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
