from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_base import PracticeScopedAdmin, ReadOnlyScopedAdmin, manages_practice
from .models import AuditLog, Equipment, Location, Membership, Practice, Room

admin.site.site_header = _("Practice settings")
admin.site.site_title = _("Practice settings")
admin.site.index_title = _("Settings")


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin):
    """Superusers manage all practices; a practice's manager sees and edits only theirs."""

    list_display = ["name", "slug", "kind", "time_zone", "language", "currency"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk=getattr(request.practice, "pk", None))

    def get_readonly_fields(self, request, obj=None):
        return [] if request.user.is_superuser else ["slug", "kind"]

    def get_prepopulated_fields(self, request, obj=None):
        # The slug is read-only for a practice's own managers: nothing to fill it from the
        # name (a prepopulated read-only field is a KeyError in Django's admin form).
        return super().get_prepopulated_fields(request, obj) if request.user.is_superuser else {}

    def _manages(self, request):
        return request.user.is_superuser or (request.user.is_staff and manages_practice(request))

    def has_module_permission(self, request):
        return self._manages(request)

    def has_view_permission(self, request, obj=None):
        return self._manages(request)

    def has_change_permission(self, request, obj=None):
        return self._manages(request)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Location)
class LocationAdmin(PracticeScopedAdmin):
    list_display = ["name", "city", "phone", "time_zone", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "city"]


@admin.register(Membership)
class MembershipAdmin(PracticeScopedAdmin):
    list_display = ["__str__", "user", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["display_name", "user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "practice"]
    raw_id_fields = ["user"]


@admin.register(Room)
class RoomAdmin(PracticeScopedAdmin):
    list_display = ["name", "kind", "location"]
    list_filter = ["kind"]
    list_select_related = ["location", "practice"]


@admin.register(Equipment)
class EquipmentAdmin(PracticeScopedAdmin):
    list_display = ["name", "kind", "location"]
    list_select_related = ["location", "practice"]


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyScopedAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action"]
    list_select_related = ["actor", "practice"]
    date_hierarchy = "at"
