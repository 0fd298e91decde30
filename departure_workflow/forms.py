from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from appointments.models import Payment
from patients.forms import ConsentForm

from .models import FailureReason

__all__ = ["ConsentForm", "DetailForm", "FailureForm", "OptionForm", "PaymentForm"]


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), min_value=0.01, max_digits=10, decimal_places=2)
    method = forms.ChoiceField(label=_("Paid by"), choices=Payment.Method.choices)


class DetailForm(forms.Form):
    value = forms.CharField(label=_("Mobile or email"), max_length=254)


class FailureForm(forms.Form):
    """Why one action was left undone: a reason from the practice's list and/or free text."""

    reason = forms.ModelChoiceField(
        label=_("Reason"), queryset=FailureReason.objects.none(), required=False
    )
    note = forms.CharField(label=_("Other reason"), max_length=300, required=False)

    def __init__(self, *args, reasons=None, **kwargs):
        super().__init__(*args, **kwargs)
        if reasons is not None:
            self.fields["reason"].queryset = reasons


class OptionForm(forms.Form):
    """A practitioner's custom option for the departure list: a message and its links."""

    message = forms.CharField(
        label=_("Message for reception"),
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Give the aftercare leaflet")}),
    )
    link_title = forms.CharField(label=_("Link title"), max_length=120)
    link_url = forms.URLField(label=_("Link"), max_length=500, assume_scheme="https")
    link2_title = forms.CharField(label=_("Second link title"), max_length=120, required=False)
    link2_url = forms.URLField(
        label=_("Second link"), max_length=500, required=False, assume_scheme="https"
    )

    def links(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        pairs = [(data["link_title"], data["link_url"])]
        if data.get("link2_url"):
            pairs.append((data.get("link2_title") or data["link2_url"], data["link2_url"]))
        return pairs
