from django import forms
from django.contrib import admin
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from practice.admin_base import PracticeScopedAdmin, PracticeScopedInline

from .models import (
    WEEKDAY_CHOICES,
    Absence,
    Appointment,
    ConsultationType,
    Payment,
    PlannedTreatment,
    Recall,
    TreatmentPlan,
    WaitlistEntry,
    WaitlistOffer,
    WorkingHours,
    WorkingHoursException,
)
from .waitlist import waitlist_entry_save


@admin.register(ConsultationType)
class ConsultationTypeAdmin(PracticeScopedAdmin):
    list_display = ["name", "category", "duration_minutes", "room_kind", "colour", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["name"]


@admin.register(WorkingHours)
class WorkingHoursAdmin(PracticeScopedAdmin):
    list_display = ["practitioner", "location", "weekday", "start_time", "end_time"]
    list_filter = ["weekday"]
    list_select_related = ["practitioner__user", "location", "practice"]


@admin.register(WorkingHoursException)
class WorkingHoursExceptionAdmin(PracticeScopedAdmin):
    list_display = ["practitioner", "location", "date", "start_time", "end_time", "note"]
    list_select_related = ["practitioner__user", "location", "practice"]
    date_hierarchy = "date"


@admin.register(Absence)
class AbsenceAdmin(PracticeScopedAdmin):
    list_display = ["practitioner", "starts_at", "ends_at", "reason"]
    list_select_related = ["practitioner__user", "practice"]


@admin.register(Appointment)
class AppointmentAdmin(PracticeScopedAdmin):
    list_display = [
        "starts_at",
        "patient",
        "practitioner",
        "consultation_type",
        "location",
        "status",
        "source",
    ]
    list_filter = ["status", "source"]
    search_fields = ["patient__name", "client__last_name"]
    list_select_related = [
        "patient",
        "practitioner__user",
        "consultation_type",
        "location",
        "practice",
    ]
    raw_id_fields = ["patient", "client"]
    date_hierarchy = "starts_at"


class PlannedTreatmentInline(PracticeScopedInline):
    model = PlannedTreatment
    raw_id_fields = ["appointment"]


@admin.register(TreatmentPlan)
class TreatmentPlanAdmin(PracticeScopedAdmin):
    list_display = ["title", "patient", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["patient", "practice"]
    raw_id_fields = ["patient"]
    inlines = [PlannedTreatmentInline]


@admin.register(Recall)
class RecallAdmin(PracticeScopedAdmin):
    list_display = ["patient", "kind", "due_date"]
    list_filter = ["kind"]
    list_select_related = ["patient", "practice"]
    raw_id_fields = ["patient"]


@admin.register(Payment)
class PaymentAdmin(PracticeScopedAdmin):
    list_display = ["taken_at", "client", "amount", "method", "appointment"]
    list_filter = ["method"]
    list_select_related = ["client", "appointment", "practice"]
    raw_id_fields = ["client", "patient", "appointment"]


class WaitlistEntryForm(forms.ModelForm):
    """The days the client can come as checkboxes, kept as digits ("024" = Mon, Wed, Fri)."""

    weekdays = forms.TypedMultipleChoiceField(
        label=_("days"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for any day."),
    )

    class Meta:
        model = WaitlistEntry
        # The admin adds the other fields; foreign keys here would query at import time.
        fields = ["weekdays", "earliest_time", "latest_time"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["weekdays"] = [int(day) for day in self.instance.weekdays]

    def clean_weekdays(self) -> str:
        return "".join(str(day) for day in sorted(set(self.cleaned_data["weekdays"])))


class WaitlistOfferInline(PracticeScopedInline):
    """What was offered to the entry and what came of it; made by the system, read-only."""

    model = WaitlistOffer
    fk_name = "entry"
    fields = readonly_fields = [
        "when",
        "practitioner",
        "channel",
        "result",
        "reason",
        "appointment",
        "created_at",
        "closed_at",
    ]
    ordering = ["-created_at", "-id"]
    can_delete = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("location__practice", "practitioner__user", "appointment__patient")
        )

    @admin.display(description=_("offered time"))
    def when(self, offer: WaitlistOffer) -> str:
        local = offer.local_start
        return f"{formats.date_format(local, 'D j M Y')} {local:%H:%M}"

    @admin.display(description=_("result"))
    def result(self, offer: WaitlistOffer) -> str:
        if offer.status == WaitlistOffer.Status.OFFERED and offer.starts_at <= timezone.now():
            return str(WaitlistOffer.Status.EXPIRED.label)  # never claimed before the time
        return offer.get_status_display()

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(PracticeScopedAdmin):
    form = WaitlistEntryForm
    # Named here: the form's own Meta lists only the fields it changes, and without this
    # the add page offered nothing else (an entry could not be added).
    fields = [
        "client",
        "patient",
        "consultation_type",
        "location",
        "practitioner",
        "weekdays",
        "earliest_time",
        "latest_time",
        "notes",
        "status",
        "appointment",
    ]
    list_display = [
        "patient",
        "consultation_type",
        "practitioner",
        "weekdays_display",
        "earliest_time",
        "latest_time",
        "status",
        "created_at",
    ]
    list_filter = ["status"]
    list_select_related = ["patient", "consultation_type", "practitioner__user", "practice"]
    raw_id_fields = ["client", "patient", "appointment"]
    inlines = [WaitlistOfferInline]

    def save_model(self, request, obj, form, change):
        # Through the service: who put the patient on the waitlist, when it closed, audit.
        practice = obj.practice if request.user.is_superuser else request.practice
        waitlist_entry_save(practice, actor=request.user, entry=obj)

    @admin.display(description=_("days"))
    def weekdays_display(self, entry: WaitlistEntry) -> str:
        names = dict(WEEKDAY_CHOICES)
        return ", ".join(str(names[int(day)])[:3] for day in entry.weekdays) or str(_("any"))
