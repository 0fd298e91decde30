"""One scoped admin base: superusers see every practice, practice managers only theirs.

A non-superuser may use the admin with a membership whose role has the manage-settings
right (director, administrator/reception); they then get full rights on their practice's
rows and never see another practice's: another practice's id answers like a missing one.
"""

from __future__ import annotations

from django.contrib import admin

from .rights import Right, has_right
from .scoping import for_practice


def manages_practice(request) -> bool:
    return has_right(getattr(request, "membership", None), Right.MANAGE_SETTINGS)


class PracticeScopedAdmin(admin.ModelAdmin):
    """For PracticeOwnedModel subclasses."""

    def get_queryset(self, request):
        if request.user.is_superuser:
            queryset = self.model.objects.unscoped()
        elif request.practice is None:
            queryset = self.model.objects.none()
        else:
            queryset = for_practice(self.model, request.practice)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.remote_field.model
        if hasattr(related.objects, "unscoped"):
            if request.user.is_superuser:
                kwargs["queryset"] = related.objects.unscoped()
            else:
                kwargs["queryset"] = (
                    for_practice(related, request.practice)
                    if request.practice
                    else related.objects.none()
                )
        elif related._meta.label == "practice.Practice" and not request.user.is_superuser:
            kwargs["queryset"] = related.objects.filter(pk=getattr(request.practice, "pk", None))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if not request.user.is_superuser:
            exclude.append("practice")
        return exclude

    def get_list_display(self, request):
        display = list(super().get_list_display(request))
        if request.user.is_superuser and "practice" not in display:
            display.append("practice")
        return display

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if request.user.is_superuser:
            filters.append("practice")
        return filters

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.practice = request.practice
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        # Inline rows take their parent's practice (the field is not on their form).
        for inline_form in formset.forms:
            if hasattr(inline_form.instance, "practice_id"):
                inline_form.instance.practice_id = form.instance.practice_id
        super().save_formset(request, form, formset, change)

    def _may(self, request) -> bool:
        return request.user.is_superuser or (request.user.is_staff and manages_practice(request))

    def has_module_permission(self, request):
        return self._may(request)

    def has_view_permission(self, request, obj=None):
        return self._may(request)

    def has_add_permission(self, request):
        return self._may(request)

    def has_change_permission(self, request, obj=None):
        return self._may(request)

    def has_delete_permission(self, request, obj=None):
        return self._may(request)


class ReadOnlyScopedAdmin(PracticeScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PracticeScopedInline(admin.TabularInline):
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.remote_field.model
        if hasattr(related.objects, "unscoped"):
            kwargs["queryset"] = (
                related.objects.unscoped()
                if request.user.is_superuser
                else for_practice(related, request.practice)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or []), "practice"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or manages_practice(request)

    has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: self.has_view_permission(request, obj)
    )
