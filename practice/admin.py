from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .admin_base import PracticeScopedAdmin, ReadOnlyScopedAdmin, manages_practice
from .forms import StaffMemberCreateForm
from .lockout import AdminLoginForm
from .models import AuditLog, Equipment, Location, Membership, Practice, Room
from .rights import Right, has_right
from .services import staff_login_unlock, staff_member_create

admin.site.site_header = _("Practice settings")
admin.site.site_title = _("Practice settings")
admin.site.index_title = _("Settings")
# Says 'locked for N minutes' when django-axes refuses the login.
admin.site.login_form = AdminLoginForm


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
    """Staff and their roles. A superuser may attach any account to any practice; a
    director adds a colleague only as a new account in their own practice, and an existing
    membership keeps its account."""

    list_display = ["__str__", "user", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["display_name", "user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "practice"]
    raw_id_fields = ["user"]  # superusers only: practice managers never pick an account
    actions = ["unlock_login"]

    def _may(self, request) -> bool:
        return request.user.is_superuser or (
            request.user.is_staff and has_right(request.membership, Right.MANAGE_STAFF)
        )

    def _creates_account(self, request, obj) -> bool:
        return obj is None and not request.user.is_superuser

    def get_form(self, request, obj=None, **kwargs):
        if self._creates_account(request, obj):
            kwargs["form"] = StaffMemberCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if self._creates_account(request, obj):
            return StaffMemberCreateForm.fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not request.user.is_superuser:
            readonly.append("user")
        return readonly

    def save_model(self, request, obj, form, change):
        if change or request.user.is_superuser:
            return super().save_model(request, obj, form, change)
        membership = staff_member_create(
            request.practice,
            actor=request.user,
            role=obj.role,
            display_name=obj.display_name,
            colour=obj.colour,
            is_active=obj.is_active,
            **form.account(),
        )
        # The admin goes on with `obj` (history entry, redirect): make it the saved row.
        obj.pk, obj.user, obj.practice = membership.pk, membership.user, membership.practice
        obj._state.adding, obj._state.db = False, membership._state.db
        return None

    @admin.action(description=_("Unlock login (clear failed login attempts)"))
    def unlock_login(self, request, queryset):
        # The queryset is the manager's own practice's (a superuser's: any practice's).
        for membership in queryset.select_related("user", "practice"):
            staff_login_unlock(membership.practice, actor=request.user, membership=membership)
        count = queryset.count()
        self.message_user(
            request,
            ngettext(
                "%(count)d staff member can log in again.",
                "%(count)d staff members can log in again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


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


# Site-wide internals: Celery beat's schedules, django-axes' login records, user accounts
# and groups. Only superusers see them, whatever Django permissions a manager was given;
# practice managers add their staff through the staff membership form above.
SUPERUSER_ONLY_APPS = ("django_celery_beat", "axes", "auth")


class SuperuserOnlyAdminMixin:
    def _superuser(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return self._superuser(request)

    def has_view_permission(self, request, obj=None):
        return self._superuser(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return self._superuser(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._superuser(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._superuser(request) and super().has_delete_permission(request, obj)


def _superusers_only(site: admin.AdminSite, app_labels: tuple[str, ...]) -> None:
    """Re-register the apps' admins (registered before ours: INSTALLED_APPS order) with
    superuser-only permissions, keeping everything else they do."""
    for model, model_admin in list(site._registry.items()):
        if model._meta.app_label not in app_labels:
            continue
        base = type(model_admin)
        site.unregister(model)
        site.register(model, type(base.__name__, (SuperuserOnlyAdminMixin, base), {}))


_superusers_only(admin.site, SUPERUSER_ONLY_APPS)
