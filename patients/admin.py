from django.contrib import admin

from practice.admin_base import PracticeScopedAdmin

from .models import Client, Patient


@admin.register(Client)
class ClientAdmin(PracticeScopedAdmin):
    list_display = ["full_name", "mobile", "email", "city", "marketing_consent", "is_active"]
    list_filter = ["is_active", "marketing_consent", "preferred_channel"]
    search_fields = ["first_name", "last_name", "email", "mobile"]
    readonly_fields = ["marketing_consent_at", "marketing_consent_by", "created_at"]
    list_select_related = ["practice"]


@admin.register(Patient)
class PatientAdmin(PracticeScopedAdmin):
    list_display = ["name", "client", "species", "breed", "birth_date", "is_active"]
    list_filter = ["is_active", "species"]
    search_fields = ["name", "client__first_name", "client__last_name"]
    list_select_related = ["client", "practice"]
    raw_id_fields = ["client"]
