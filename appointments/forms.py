"""Appointment forms. Choice querysets are built per request from the practice."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from patients.models import Delivery, Patient
from practice import localtime, parsing
from practice.form_fields import BoundedDateField, LocaleDecimalField
from practice.hooks import sms_available
from practice.models import Location, Practice
from practice.scoping import for_practice
from practice.selectors import practitioner_list

from .models import Appointment, PlannedTreatment, Recall, TreatmentPlan
from .selectors import consultation_type_list

AS_CLIENT = "client"


class PractitionerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class _LocalTimeMixin:
    """Reads date + time as local time at the chosen location.

    On the night the clocks go back a wall time happens twice. A free time picked in the
    finder (or among the nearest free times) fills the hidden `instant` with the UTC instant
    it stands for, so the second 02:30 books the second. A time typed by hand means its
    first instant (summer time, the one the clock shows first); the booking's message and
    the calendar then say "(summer time)", and the finder offers the winter-time one.
    """

    def local_datetime(self, location: Location, day: dt.date, time: dt.time) -> dt.datetime | None:
        """The UTC instant, or None with a form error for a time the clocks skip. On the
        night they go back, the instant the hidden field names, else the first."""
        try:
            instants = localtime.wall_instants(
                parsing.check_year(day, field="date"), time, location.tz
            )
        except parsing.InvalidInput as error:
            self.add_error("date", error.message)
            return None
        if not instants:
            self.add_error(
                "start_time",
                _("%(time)s does not exist on %(date)s: the clocks go forward that night.")
                % {"time": time.strftime("%H:%M"), "date": formats.date_format(day)},
            )
            return None
        return localtime.chosen_instant(instants, self.cleaned_data.get("instant")) or instants[0]


class AppointmentForm(_LocalTimeMixin, forms.Form):
    patient = forms.ModelChoiceField(
        queryset=Patient.objects.none(),
        widget=forms.HiddenInput,
        error_messages={"required": _("Choose a patient.")},
    )
    location = forms.ModelChoiceField(queryset=Location.objects.none(), label=_("Location"))
    practitioner = PractitionerChoiceField(queryset=None, label=_("Practitioner"))
    consultation_type = forms.ModelChoiceField(queryset=None, label=_("Consultation type"))
    date = BoundedDateField(label=_("Date"))
    start_time = forms.TimeField(
        label=_("Start"),
        widget=forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M"),
    )
    # Which of the two instants a repeated wall time is (see _LocalTimeMixin).
    instant = forms.CharField(required=False, widget=forms.HiddenInput)
    duration = forms.IntegerField(
        label=_("Duration (minutes)"),
        required=False,
        min_value=-1440,
        max_value=1440,
        help_text=_("Leave empty for the consultation type's duration."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirmation_channel = forms.ChoiceField(label=_("Confirmation"), required=False)
    reminder_channel = forms.ChoiceField(label=_("Reminder"), required=False)

    def __init__(self, *args, practice: Practice, **kwargs):
        super().__init__(*args, **kwargs)
        # "As the client wants" leaves the choice to the client's record.
        choices = [
            (AS_CLIENT, _("As the client wants")),
            *Delivery.offered(sms=sms_available(practice)),
        ]
        for name in ("confirmation_channel", "reminder_channel"):
            self.fields[name].choices = choices
            self.fields[name].initial = AS_CLIENT
        self.fields["patient"].queryset = for_practice(Patient, practice).select_related("client")
        self.fields["location"].queryset = for_practice(Location, practice).filter(is_active=True)
        self.fields["practitioner"].queryset = practitioner_list(practice)
        self.fields["consultation_type"].queryset = consultation_type_list(practice)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        for name in ("confirmation_channel", "reminder_channel"):
            data[name] = None if data.get(name) in (AS_CLIENT, None) else data[name]
        data["starts_at"] = self.local_datetime(data["location"], data["date"], data["start_time"])
        data["ends_at"] = None
        if data["starts_at"] is None:
            return data
        if data.get("duration") is not None:
            if data["duration"] <= 0:
                self.add_error("duration", _("The end must be after the start."))
            else:
                data["ends_at"] = data["starts_at"] + dt.timedelta(minutes=data["duration"])
        return data


class MoveForm(_LocalTimeMixin, forms.Form):
    practitioner = PractitionerChoiceField(queryset=None, label=_("Practitioner"))
    date = BoundedDateField(label=_("Date"))
    start_time = forms.TimeField(
        label=_("Start"),
        widget=forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M"),
    )
    # Which of the two instants a repeated wall time is (see _LocalTimeMixin).
    instant = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, practice: Practice, appointment: Appointment, **kwargs):
        super().__init__(*args, **kwargs)
        self.appointment = appointment
        self.fields["practitioner"].queryset = practitioner_list(practice)

    def clean(self):
        data = super().clean()
        if not self.errors:
            data["starts_at"] = self.local_datetime(
                self.appointment.location, data["date"], data["start_time"]
            )
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Appointment.Status.choices)


class FreeTimesForm(forms.Form):
    """What the booking form's free-time finder asks about (read from the booking form)."""

    location = forms.ModelChoiceField(queryset=Location.objects.none())
    practitioner = PractitionerChoiceField(queryset=None, required=False)
    consultation_type = forms.ModelChoiceField(queryset=None)
    duration = forms.IntegerField(required=False, min_value=1, max_value=1440)
    date = BoundedDateField(required=False)
    first = BoundedDateField(required=False, input_formats=["%Y-%m-%d"])

    def __init__(self, *args, practice: Practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = for_practice(Location, practice).filter(is_active=True)
        self.fields["practitioner"].queryset = practitioner_list(practice)
        self.fields["consultation_type"].queryset = consultation_type_list(practice)


class RecallForm(forms.ModelForm):
    """A recall's kind, due date and 'book at checkout'; `recalls.recall_create` judges it."""

    class Meta:
        model = Recall
        fields = ["kind", "due_date", "to_book"]
        field_classes = {"due_date": BoundedDateField}


class RecallChangeForm(RecallForm):
    """A recall keeps its kind (one of each per patient): only its date and to_book change."""

    class Meta(RecallForm.Meta):
        fields = ["due_date", "to_book"]


class TreatmentPlanForm(forms.ModelForm):
    """A plan's title; `plans.treatment_plan_create` / `treatment_plan_update` judge it."""

    class Meta:
        model = TreatmentPlan
        fields = ["title"]


class PlannedTreatmentForm(forms.ModelForm):
    """One treatment line: code, description, fee typed the user's way (12,50 in Dutch) and
    'to be booked'. The fee's rules (never below zero) are `appointments.plans`'s."""

    fee = LocaleDecimalField(label=_("Fee"), max_digits=10, decimal_places=2)

    class Meta:
        model = PlannedTreatment
        fields = ["code", "description", "fee", "to_book"]


TREATMENT_LINE_FIELDS = ("code", "description", "fee")
TreatmentLineFormSet = forms.formset_factory(PlannedTreatmentForm, extra=3)


class PlanStatusForm(forms.Form):
    """The status a plan moves to; `plans.PLAN_TRANSITIONS` (in the service) decides."""

    status = forms.ChoiceField(choices=TreatmentPlan.Status.choices)
