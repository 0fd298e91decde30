"""The contact history's filters and grouping levels, checked once for the page, its
htmx parts and the CSV.

A plain form rather than a django-filter FilterSet: the same checked values drive several
aggregate queries (groups, total, revenue) and the list, so they become one
`HistoryFilters` value instead of filtering one queryset.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from crm.models import Channel, ChannelGroup, Communication, Contact
from crm.selectors import topic_choices
from practice import localtime
from practice.form_fields import BoundedDateField
from practice.models import Membership, Practice
from practice.scoping import for_practice

from .contact_history import LEVELS, MAX_LEVELS, HistoryFilters
from .forms import MAX_DAYS, period_check

LIST, GROUPED = "list", "grouped"
LEVEL_CHOICES = [("", "—"), *[(key, label) for key, (_c, label) in LEVELS.items()]]
FILTER_NAMES = (
    "view",
    "date_from",
    "date_to",
    "purpose",
    "kind",
    "result",
    "topic",
    "channel_group",
    "channel",
    "employee",
    "level1",
    "level2",
    "level3",
)


class CaselessChoiceField(forms.ChoiceField):
    """A choice whatever its case ('implants' is the topic 'Implants'): a topic arrives as
    the telephony or website typed it, so a link may carry it in another case."""

    def to_python(self, value):
        value = super().to_python(value)
        by_lower = {str(key).lower(): key for key, _label in self.choices}
        return by_lower.get(value.lower(), value)


class ContactHistoryForm(forms.Form):
    view = forms.ChoiceField(
        label=_("View"),
        required=False,
        choices=[(LIST, _("No grouping")), (GROUPED, _("By contacts"))],
    )
    date_from = BoundedDateField(label=_("From"))
    date_to = BoundedDateField(label=_("Until"))
    purpose = forms.MultipleChoiceField(
        label=_("Who, type"),
        required=False,
        choices=Communication.Purpose.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    kind = forms.MultipleChoiceField(
        label=_("Kind"),
        required=False,
        choices=Communication.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    result = forms.MultipleChoiceField(
        label=_("Result"),
        required=False,
        choices=Contact.Result.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    # One of the practice's topics (those its communications carry), chosen from a list.
    topic = CaselessChoiceField(label=_("Topic"), required=False)
    channel_group = forms.TypedChoiceField(
        label=_("Channel group"), required=False, coerce=int, empty_value=None
    )
    channel = forms.TypedChoiceField(
        label=_("Ad channel"), required=False, coerce=int, empty_value=None
    )
    employee = forms.TypedChoiceField(
        label=_("Employee"), required=False, coerce=int, empty_value=None
    )
    level1 = forms.ChoiceField(label=_("Group by"), required=False, choices=LEVEL_CHOICES)
    level2 = forms.ChoiceField(label=_("then by"), required=False, choices=LEVEL_CHOICES)
    level3 = forms.ChoiceField(label=_("then by"), required=False, choices=LEVEL_CHOICES)

    def __init__(self, data=None, *, practice: Practice, default_days: int | None = None):
        today = localtime.local_today(practice.tz)
        start = today - dt.timedelta(days=default_days) if default_days else today.replace(day=1)
        self.default_from, self.default_to = start, today
        if data is not None and not (data.get("date_from") and data.get("date_to")):
            # An open page shows this month so far; one date given keeps the other default.
            data = data.copy()
            for name, default in (("date_from", self.default_from), ("date_to", self.default_to)):
                if not data.get(name):
                    data[name] = default.isoformat()
        super().__init__(data)
        self.initial.update({"date_from": self.default_from, "date_to": self.default_to})
        everyone = [("", _("All"))]
        members = for_practice(Membership, practice).select_related("user")
        self.employee_names = {m.pk: m.name for m in members}
        self.fields["employee"].choices = everyone + sorted(
            self.employee_names.items(), key=lambda item: item[1].lower()
        )
        channels = for_practice(Channel, practice).select_related("group")
        self.channel_names = {c.pk: str(c) for c in channels}
        self.fields["channel"].choices = everyone + list(self.channel_names.items())
        self.fields["channel_group"].choices = everyone + list(
            for_practice(ChannelGroup, practice).values_list("pk", "name")
        )
        self.fields["topic"].choices = everyone + [(t, t) for t in topic_choices(practice)]

    def clean(self):
        data = super().clean()
        period_check(data.get("date_from"), data.get("date_to"), MAX_DAYS)
        levels = [data.get(f"level{i}") for i in range(1, MAX_LEVELS + 1)]
        chosen = [level for level in levels if level]
        if len(set(chosen)) != len(chosen):
            raise forms.ValidationError(_("Choose each grouping level once."))
        return data

    def filters(self) -> HistoryFilters:
        data = self.cleaned_data
        return HistoryFilters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            purposes=tuple(data.get("purpose") or ()),
            kinds=tuple(data.get("kind") or ()),
            results=tuple(data.get("result") or ()),
            topic=(data.get("topic") or "").strip(),
            channel_group_id=data.get("channel_group"),
            channel_id=data.get("channel"),
            employee_id=data.get("employee"),
        )

    def view_name(self) -> str:
        return self.cleaned_data.get("view") or LIST

    def levels(self) -> list[str]:
        """The chosen levels in order; 'By contacts' with none chosen groups by result."""
        chosen = [self.cleaned_data.get(f"level{i}") for i in range(1, MAX_LEVELS + 1)]
        return [level for level in chosen if level] or ["result"]

    def query(self, view: str | None = None) -> str:
        """The checked filters as a query string (for the pager, the parts and the CSV)."""
        data = self.cleaned_data
        pairs: list[tuple[str, object]] = [("view", view or self.view_name())]
        for name in FILTER_NAMES:
            if name == "view" or name.startswith("level"):
                continue
            value = data.get(name)
            pairs.extend((name, v) for v in _as_list(value) if v not in (None, ""))
        pairs.extend((f"level{i}", level) for i, level in enumerate(self.levels(), start=1))
        return urlencode(pairs)


def _as_list(value) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]
