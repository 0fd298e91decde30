"""Form fields whose dates stay within the years practice.parsing accepts.

A form's date lands in day arithmetic and time-zone conversion (an appointment's end, a
report's local day bounds); year 1 or 9999 would overflow there, so the field refuses it
with the same message as a query parameter.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db import models
from django.utils import formats

from .parsing import InvalidInput, check_year, date_placeholder


class _YearRange:
    def validate(self, value) -> None:
        super().validate(value)
        if isinstance(value, dt.date):
            try:
                check_year(value, field="")
            except InvalidInput as error:
                raise forms.ValidationError(error.message, code="year") from None


class LocaleDateInput(forms.DateInput):
    """A date typed as the user's language writes it (30/11/2026, 30-11-2026, 30.11.2026).

    Shown in the first of the language's DATE_INPUT_FORMATS and read back with any of them
    or ISO (config/formats). A text field, not type=date: the browser's date picker shows
    the browser's locale, whatever language the user chose (11/30/2026 in an English
    Chromium), and a localised value put into it shows as an empty field.
    """

    input_type = "text"

    def __init__(self, attrs=None, format=None):  # noqa: A002 (Django's own name)
        super().__init__({"autocomplete": "off", "class": "date-input", **(attrs or {})}, format)

    def format_value(self, value):
        if isinstance(value, str):
            # Defaults and links carry ISO days; show them as the user types them.
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                return value
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        input_format = self.format or formats.get_format(self.format_key)[0]
        context["widget"]["attrs"].setdefault("placeholder", date_placeholder(input_format))
        return context


class BoundedDateField(_YearRange, forms.DateField):
    widget = LocaleDateInput


def locale_date_formfield(db_field, **kwargs):
    """A ModelForm's `formfield_callback`: every date of the model typed as the user's
    language writes it."""
    if isinstance(db_field, models.DateField) and not isinstance(db_field, models.DateTimeField):
        kwargs.setdefault("widget", LocaleDateInput)
    return db_field.formfield(**kwargs)


class LocaleDecimalField(forms.DecimalField):
    """An amount typed as the user's language writes it: 12,50 in Dutch, Finnish, Italian or
    Russian, 12.50 in English (a point is read as the decimal point in every language, since
    thousands are not separated in typed amounts), and shown back the same way. A text
    field with a decimal keypad on phones: type=number refuses a decimal comma in most
    browsers."""

    def __init__(self, **kwargs):
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "decimal", "autocomplete": "off"}
