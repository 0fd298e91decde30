"""One scoped admin base: superusers see every practice, practice managers only theirs.

A non-superuser may use the admin with a membership whose role has the manage-settings
right (director, administrator/reception); they then get full rights on their practice's
rows and never see another practice's: another practice's id answers like a missing one.
Every user field (created by, taken by, ...) offers only the practice's own staff.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from .parsing import MAX_YEAR, MIN_YEAR, InvalidInput, check_year
from .rights import Right, has_right
from .scoping import for_practice
from .selectors import staff_users


def manages_practice(request) -> bool:
    return has_right(getattr(request, "membership", None), Right.MANAGE_SETTINGS)


def _initial_value(model, name: str, value):
    """A query-string value for an add form's field, read as the field reads it; None when
    it cannot be (Django hands a date's raw text to the widget, which then fails)."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if not isinstance(field, models.DateField | models.TimeField):
        return value
    try:
        parsed = field.to_python(value)
        if isinstance(parsed, dt.datetime) and timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        return check_year(parsed, field=name) if isinstance(parsed, dt.date) else parsed
    except (ValidationError, InvalidInput, ValueError, OverflowError):
        return None


def _check_date_hierarchy(request, field: str) -> None:
    """Django's date drill-down overflows past year 9999: refuse years we never store."""
    year = request.GET.get(f"{field}__year")
    if year is None:
        return
    if not (year.isascii() and year.isdigit() and MIN_YEAR <= int(year) <= MAX_YEAR):
        raise IncorrectLookupParameters(f"{field}__year")


def scoped_choices(related, request) -> QuerySet | None:
    """The rows a relation to `related` may pick in this request; None leaves Django's own."""
    superuser = request.user.is_superuser
    practice = getattr(request, "practice", None)
    if hasattr(related.objects, "unscoped"):
        if superuser:
            return related.objects.unscoped()
        return for_practice(related, practice) if practice else related.objects.none()
    if superuser:
        return None
    if related is get_user_model():
        return staff_users(practice) if practice else related.objects.none()
    if related._meta.label == "practice.Practice":
        return related.objects.filter(pk=getattr(practice, "pk", None))
    return None


def _scope_relation(model_admin, db_field, request, kwargs) -> None:
    queryset = scoped_choices(db_field.remote_field.model, request)
    if queryset is None:
        return
    kwargs["queryset"] = queryset
    if db_field.remote_field.model is get_user_model() and not request.user.is_superuser:
        # A raw-id box looks up (and shows the username of) any id typed into it: a practice
        # manager picks from the list of their own staff instead.
        if db_field.name in getattr(model_admin, "raw_id_fields", ()):
            kwargs.setdefault(
                "widget",
                forms.SelectMultiple if db_field.many_to_many else forms.Select,
            )


class PracticeScopedAdmin(admin.ModelAdmin):
    """For PracticeOwnedModel subclasses."""

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        readable = {name: _initial_value(self.model, name, v) for name, v in initial.items()}
        return {name: value for name, value in readable.items() if value is not None}

    def get_changelist_instance(self, request):
        if self.date_hierarchy:
            _check_date_hierarchy(request, self.date_hierarchy)
        return super().get_changelist_instance(request)

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
        _scope_relation(self, db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        _scope_relation(self, db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

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
        _scope_relation(self, db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        _scope_relation(self, db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or []), "practice"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or manages_practice(request)

    has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: self.has_view_permission(request, obj)
    )
