"""Forms of the contact history's staff entry. Times are typed on the practice's clock."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from practice import localtime
from practice.form_fields import BoundedDateField
from practice.models import Practice

from .comments import TEXT_MAX
from .models import Communication

Kind = Communication.Kind


class _StatedTime(forms.Form):
    """A day and a time on the practice's wall clock, read as one UTC instant."""

    stated_date = BoundedDateField(label=_("Day"))
    stated_time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}))

    def __init__(self, *args, practice: Practice, **kwargs):
        now = localtime.local_now(practice.tz)
        kwargs.setdefault(
            "initial", {"stated_date": now.date(), "stated_time": now.strftime("%H:%M")}
        )
        super().__init__(*args, **kwargs)
        self.practice = practice

    def clean(self) -> dict:
        data = super().clean()
        day, time = data.get("stated_date"), data.get("stated_time")
        if day is not None and time is not None:
            # A time the clocks skip is the moment they jump; a repeated one its first instant.
            data["stated_at"] = localtime.wall_to_utc(day, time, self.practice.tz)
        return data


class DialogForm(_StatedTime):
    kind = forms.ChoiceField(
        label=_("What"),
        choices=[
            (Kind.DIALOG, _("Dialog: finished, needs no call back")),
            (Kind.REQUEST_DIALOG, _("Request-dialog: needs a call back")),
        ],
        widget=forms.RadioSelect,
        initial=Kind.DIALOG,
    )
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=Communication.Direction.choices,
        initial=Communication.Direction.INCOMING,
    )
    phone = forms.CharField(label=_("Number"), max_length=64, required=False)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    text = forms.CharField(
        label=_("Note"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    field_order = ["kind", "direction", "phone", "name", "stated_date", "stated_time", "text"]


class CommentForm(_StatedTime):
    """A comment by number, direction and time: it finds its call (or stays on its own)."""

    phone = forms.CharField(label=_("Number"), max_length=64)
    direction = forms.ChoiceField(label=_("Direction"), choices=Communication.Direction.choices)
    text = forms.CharField(
        label=_("Comment"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    field_order = ["phone", "direction", "stated_date", "stated_time", "text"]


class CommentOnForm(forms.Form):
    """A comment written on one conversation's page."""

    text = forms.CharField(
        label=_("Comment"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class RequestChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, tz: dt.tzinfo | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tz = tz

    def label_from_instance(self, obj: Communication) -> str:
        when = localtime.to_local(obj.started_at, self.tz).strftime("%Y-%m-%d %H:%M")
        who = obj.name_given or obj.phone_raw or obj.email
        return f"{when} · {who}"


class RelinkForm(forms.Form):
    web_request = RequestChoiceField(
        label=_("Web request it answered"),
        queryset=Communication.objects.none(),
        required=False,
        empty_label=_("None (unlink)"),
        error_messages={"invalid_choice": _("Choose a web request made before the call.")},
    )

    def __init__(self, *args, candidates, practice: Practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["web_request"].queryset = candidates
        self.fields["web_request"].tz = practice.tz
