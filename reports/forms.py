from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from practice import localtime
from practice.form_fields import BoundedDateField
from practice.models import Location, Membership, Practice
from practice.scoping import for_practice

from .departure import DEFAULT_COLUMNS, DETAIL_COLUMNS, ReportFilters

MAX_DAYS = 400


def period_check(start, end, max_days: int) -> None:
    """A report's period: 'from' on or before 'until', and not longer than `max_days`
    (ValidationError otherwise). Every report form asks this."""
    if start and end:
        if start > end:
            raise forms.ValidationError(_("'From' must be on or before 'until'."))
        if (end - start).days > max_days:
            raise forms.ValidationError(
                _("Choose at most %(days)s days at a time.") % {"days": max_days}
            )


class DepartureReportForm(forms.Form):
    """Filters of the departure report; the same form checks the API's query string."""

    date_from = BoundedDateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = BoundedDateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    location = forms.TypedChoiceField(
        label=_("Location"), required=False, coerce=int, empty_value=None
    )
    practitioner = forms.TypedChoiceField(
        label=_("Practitioner"), required=False, coerce=int, empty_value=None
    )
    run_by = forms.TypedChoiceField(
        label=_("Checked out by"), required=False, coerce=int, empty_value=None
    )
    columns = forms.MultipleChoiceField(
        label=_("Columns"),
        required=False,
        choices=list(DETAIL_COLUMNS.items()),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, data=None, *, practice: Practice, lock_practitioner: bool = False):
        today = localtime.local_today(practice.tz)
        self.default_from = today.replace(day=1)
        self.default_to = today
        if data is not None and not any(k in data for k in ("date_from", "date_to")):
            data = {**data.dict(), "date_from": self.default_from, "date_to": self.default_to}
        super().__init__(data)
        self.initial.update({"date_from": self.default_from, "date_to": self.default_to})
        everyone = [("", _("All"))]
        self.fields["location"].choices = everyone + list(
            for_practice(Location, practice).values_list("pk", "name")
        )
        members = (
            for_practice(Membership, practice)
            .select_related("user")
            .order_by("user__first_name", "user__last_name")
        )
        self.fields["practitioner"].choices = everyone + [
            (m.pk, m.name) for m in members if m.is_practitioner
        ]
        self.fields["run_by"].choices = everyone + [(m.user_id, m.name) for m in members]
        if lock_practitioner:
            del self.fields["practitioner"]

    def clean(self):
        data = super().clean()
        period_check(data.get("date_from"), data.get("date_to"), MAX_DAYS)
        return data

    def filters(self) -> ReportFilters:
        data = self.cleaned_data
        return ReportFilters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            location_id=data.get("location"),
            practitioner_id=data.get("practitioner"),
            run_by_id=data.get("run_by"),
        )

    def chosen_columns(self) -> list[str]:
        return list(self.cleaned_data.get("columns") or DEFAULT_COLUMNS)
