"""Forms for tasks. Choice querysets are built per request from the practice."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from practice import localtime
from practice.form_fields import BoundedDateField
from practice.models import Membership, Practice

from .models import Task
from .selectors import assignable_staff


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return obj.name


class TaskForm(forms.Form):
    """'Add task' on the patient card: what, for whom, and by when (practice's local time)."""

    kind = forms.ChoiceField(label=_("Type"), choices=Task.Kind.choices)
    description = forms.CharField(
        label=_("Description"),
        max_length=Task.DESCRIPTION_MAX,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Call about the quote")}),
    )
    assignee = StaffChoiceField(
        label=_("Who does it"),
        queryset=Membership.objects.none(),
        error_messages={"invalid_choice": _("Choose an active staff member of this practice.")},
    )
    due_date = BoundedDateField(label=_("Due date"), required=False)
    due_time = forms.TimeField(
        label=_("Due time"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args, practice: Practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.practice = practice
        self.fields["assignee"].queryset = assignable_staff(practice)

    def clean(self) -> dict:
        data = super().clean()
        day, time = data.get("due_date"), data.get("due_time")
        if time is not None and day is None:
            self.add_error("due_date", _("Give the day too."))
        if day is not None and time is None and "due_time" not in self.errors:
            self.add_error("due_time", _("Give the time too."))
        data["due_at"] = None
        if day is not None and time is not None:
            # A time the clocks skip means the moment they jump; a repeated one its first
            # instant (the task is due by then either way).
            data["due_at"] = localtime.wall_to_utc(day, time, self.practice.tz)
        return data
