from django.contrib import admin

from practice.admin_base import PracticeScopedAdmin, PracticeScopedInline

from .models import (
    Absence,
    Appointment,
    ConsultationType,
    Payment,
    PlannedTreatment,
    Recall,
    TreatmentPlan,
    WaitlistEntry,
    WorkingHours,
    WorkingHoursException,
)


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


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(PracticeScopedAdmin):
    list_display = ["patient", "consultation_type", "practitioner", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["patient", "consultation_type", "practitioner__user", "practice"]
    raw_id_fields = ["client", "patient", "appointment"]
