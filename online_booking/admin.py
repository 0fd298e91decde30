from django.contrib import admin

from practice.admin_base import PracticeScopedAdmin

from .models import (
    OnlineBooking,
    OnlineBookingSettings,
    OnlineLocation,
    OnlineWindow,
    Reason,
    ReasonGroup,
)


@admin.register(OnlineBookingSettings)
class OnlineBookingSettingsAdmin(PracticeScopedAdmin):
    list_display = ["__str__", "enabled", "lead_time_minutes", "horizon_days", "slot_minutes"]


@admin.register(OnlineLocation)
class OnlineLocationAdmin(PracticeScopedAdmin):
    list_display = ["location", "enabled", "asks_species"]


@admin.register(OnlineWindow)
class OnlineWindowAdmin(PracticeScopedAdmin):
    list_display = ["location", "weekday", "start_time", "end_time"]
    list_filter = ["location", "weekday"]


@admin.register(ReasonGroup)
class ReasonGroupAdmin(PracticeScopedAdmin):
    list_display = ["name", "position"]


@admin.register(Reason)
class ReasonAdmin(PracticeScopedAdmin):
    list_display = ["name", "group", "consultation_type", "duration_minutes", "is_active"]
    list_filter = ["group", "is_active"]
    # The base admin offers only this practice's practitioners.
    filter_horizontal = ["practitioners"]


@admin.register(OnlineBooking)
class OnlineBookingAdmin(PracticeScopedAdmin):
    """Reception reviews online bookings: typed data, differences, possible duplicates."""

    list_display = [
        "__str__",
        "appointment",
        "client_matched",
        "patient_matched",
        "possible_duplicate",
        "reviewed_at",
    ]
    list_filter = ["possible_duplicate", "client_matched"]
    list_select_related = ["appointment__patient", "practice"]
    readonly_fields = [
        "appointment",
        "reason",
        "typed",
        "client_matched",
        "patient_matched",
        "differences",
        "possible_duplicate",
    ]

    def has_add_permission(self, request):
        return False  # clients make them by booking online; the form has no appointment
