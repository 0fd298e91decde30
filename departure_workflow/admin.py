from django.contrib import admin

from practice.admin_base import PracticeScopedAdmin, PracticeScopedInline, ReadOnlyScopedAdmin

from .failure_reasons import failure_reason_is_used
from .models import (
    CustomOption,
    CustomOptionLink,
    DepartureAction,
    DepartureStep,
    DepartureWorkflow,
    FailureReason,
)


@admin.register(FailureReason)
class FailureReasonAdmin(PracticeScopedAdmin):
    list_display = ["label", "kind", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["kind"]

    def has_delete_permission(self, request, obj=None):
        # A reason a recorded action names stays for its history: deactivate it instead.
        if obj is not None and failure_reason_is_used(obj.practice, obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # No bulk delete: it would not ask, one by one, whether a reason was used.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class CustomOptionLinkInline(PracticeScopedInline):
    model = CustomOptionLink
    fields = ["title", "url", "clicked_at", "clicked_by"]
    readonly_fields = ["clicked_at", "clicked_by"]


@admin.register(CustomOption)
class CustomOptionAdmin(PracticeScopedAdmin):
    list_display = ["message", "appointment", "added_by", "created_at"]
    list_select_related = ["appointment__patient", "added_by", "practice"]
    raw_id_fields = ["appointment", "added_by"]
    inlines = [CustomOptionLinkInline]


class ReadOnlyInline(PracticeScopedInline):
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DepartureActionInline(ReadOnlyInline):
    model = DepartureAction
    fields = [
        "kind",
        "outcome",
        "amount_due",
        "paid_amount",
        "postpone_reason",
        "postpone_note",
        "failure_reason",
        "failure_note",
        "followed_up_at",
    ]
    readonly_fields = fields


class DepartureStepInline(ReadOnlyInline):
    model = DepartureStep
    fields = ["at", "by", "what", "detail", "from_follow_up"]
    readonly_fields = fields


@admin.register(DepartureWorkflow)
class DepartureWorkflowAdmin(ReadOnlyScopedAdmin):
    """History, not a place to edit: outcomes are judged by the checkout."""

    list_display = [
        "local_date",
        "patient",
        "practitioner",
        "status",
        "has_failure",
        "completed_by",
    ]
    list_filter = ["status", "has_failure", "local_date"]
    list_select_related = ["patient", "practitioner__user", "completed_by", "practice"]
    inlines = [DepartureActionInline, DepartureStepInline]
