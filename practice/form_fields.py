"""Form fields whose dates stay within the years practice.parsing accepts.

A form's date lands in day arithmetic and time-zone conversion (an appointment's end, a
report's local day bounds); year 1 or 9999 would overflow there, so the field refuses it
with the same message as a query parameter.
"""

from __future__ import annotations

import datetime as dt

from django import forms

from .parsing import InvalidInput, check_year


class _YearRange:
    def validate(self, value) -> None:
        super().validate(value)
        if isinstance(value, dt.date):
            try:
                check_year(value, field="")
            except InvalidInput as error:
                raise forms.ValidationError(error.message, code="year") from None


class BoundedDateField(_YearRange, forms.DateField):
    pass
