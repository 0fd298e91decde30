from django.contrib import admin

from practice.admin_base import PracticeScopedAdmin, PracticeScopedInline, ReadOnlyScopedAdmin
from practice.scoping import for_practice

from .models import Channel, ChannelGroup, ChannelRule, ContactSettings, Task


@admin.register(Task)
class TaskAdmin(ReadOnlyScopedAdmin):
    """Look tasks up across the practice's staff. Read-only: tasks are made, done and
    reassigned through their services (the task list, the patient card, workflows), which
    check who may be given one and write the audit row."""

    list_display = ["kind", "patient", "description", "assignee", "due_at", "status", "origin"]
    list_filter = ["status", "kind", "origin"]
    list_select_related = ["patient", "assignee__user", "practice"]
    search_fields = ["description", "patient__name", "origin_label"]
    date_hierarchy = "due_at"
    raw_id_fields = ["patient"]


class ChannelInline(PracticeScopedInline):
    model = Channel
    fields = ["name"]


@admin.register(ChannelGroup)
class ChannelGroupAdmin(PracticeScopedAdmin):
    """Ad channel groups ('Context ads') with their channels."""

    list_display = ["name"]
    search_fields = ["name"]
    inlines = [ChannelInline]


class ChannelRuleInline(PracticeScopedInline):
    model = ChannelRule
    fields = [
        "kind",
        "priority",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "value",
        "is_active",
    ]


@admin.register(Channel)
class ChannelAdmin(PracticeScopedAdmin):
    """A channel and the rules that find it. Rules are tried by kind in the issue's order
    (calls: UTM, caller's number, number called, service; chats: UTM, chat channel,
    service; requests: UTM, service), then by priority."""

    list_display = ["name", "group"]
    list_filter = ["group"]
    list_select_related = ["group", "practice"]
    search_fields = ["name", "group__name"]
    inlines = [ChannelRuleInline]


@admin.register(ChannelRule)
class ChannelRuleAdmin(PracticeScopedAdmin):
    list_display = ["channel", "kind", "priority", "value", "utm_source", "is_active"]
    list_filter = ["kind", "is_active"]
    list_select_related = ["channel__group", "practice"]
    search_fields = ["value", "utm_source", "utm_campaign", "channel__name"]


@admin.register(ContactSettings)
class ContactSettingsAdmin(PracticeScopedAdmin):
    """The practice's contact-history settings: the comment and outgoing-call windows, the
    overdue rule for web requests, and the missed-call text-back (off by default). One row
    per practice: it can be added once."""

    list_display = [
        "practice",
        "text_back_enabled",
        "outgoing_window_minutes",
        "comment_window_minutes",
        "request_overdue_days",
    ]

    def has_add_permission(self, request):
        if not super().has_add_permission(request):
            return False
        practice = getattr(request, "practice", None)
        return request.user.is_superuser or not (
            practice and for_practice(ContactSettings, practice).exists()
        )
