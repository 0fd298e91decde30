from __future__ import annotations

from django import forms
from django.utils import formats
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

    date_from = BoundedDateField(label=_("From"))
    date_to = BoundedDateField(label=_("Until"))
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
        # Each tick or untick shows the table again (static/js/app.js, data-autosubmit).
        widget=forms.CheckboxSelectMultiple(attrs={"data-autosubmit": ""}),
    )

    def __init__(self, data=None, *, practice: Practice, lock_practitioner: bool = False):
        today = localtime.local_today(practice.tz)
        self.default_from = today.replace(day=1)
        self.default_to = today
        if data is not None:
            data = self._with_defaults(data)
        super().__init__(data)
        self.initial.update(
            {
                "date_from": self.default_from,
                "date_to": self.default_to,
                "columns": list(DEFAULT_COLUMNS),
            }
        )
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

    def _with_defaults(self, data):
        """The query with the default period and columns filled in, so the picker shows the
        columns on screen ticked and a tick adds one column to them (not replaces them)."""
        data = data.copy()  # a QueryDict keeps every ticked column; .dict() kept only one
        if not any(k in data for k in ("date_from", "date_to")):
            data["date_from"] = formats.localize_input(self.default_from)
            data["date_to"] = formats.localize_input(self.default_to)
        if not data.getlist("columns"):
            data.setlist("columns", list(DEFAULT_COLUMNS))
        return data

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
