from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from practice.admin_base import PracticeScopedAdmin, PracticeScopedInline, ReadOnlyScopedAdmin
from practice.scoping import for_practice

from .api_keys import api_key_create, api_key_revoke, api_key_rotate
from .models import ApiKey, Channel, ChannelGroup, ChannelRule, ContactSettings, ProviderEvent, Task


class RevokedFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", _("Active")), ("revoked", _("Revoked"))]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


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


@admin.register(ApiKey)
class ApiKeyAdmin(PracticeScopedAdmin):
    """Integration keys: made here (the plain key is shown once, in the message after
    saving), rotated or revoked with the list's actions. Only a hash is stored."""

    list_display = ["name", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [RevokedFilter]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    actions = ["rotate_keys", "revoke_keys"]

    def get_fields(self, request, obj=None):
        fields = ["name"] if obj is None else ["name", *self.readonly_fields]
        if request.user.is_superuser and obj is None:
            fields.insert(0, "practice")
        return fields

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)  # the name only
            return
        practice = obj.practice if request.user.is_superuser else request.practice
        issued = api_key_create(practice, actor=request.user, name=obj.name)
        obj.pk, obj.practice_id = issued.key.pk, issued.key.practice_id
        obj.prefix, obj.hashed, obj.created_at = issued.key.prefix, "", issued.key.created_at
        self._show_once(request, issued.plain, obj.name)

    def _show_once(self, request, plain: str, name: str) -> None:
        self.message_user(
            request,
            _("The key for “%(name)s” is %(key)s. Copy it now: it is not shown again.")
            % {"name": name, "key": plain},
            messages.WARNING,
        )

    @admin.action(description=_("Rotate: a new key, the old one revoked"))
    def rotate_keys(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True).select_related("practice"):
            issued = api_key_rotate(key.practice, actor=request.user, key=key)
            self._show_once(request, issued.plain, key.name)

    @admin.action(description=_("Revoke"))
    def revoke_keys(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True).select_related("practice"):
            api_key_revoke(key.practice, actor=request.user, key=key)
        self.message_user(request, _("Revoked. Integrations using those keys now get 401."))


@admin.register(ProviderEvent)
class ProviderEventAdmin(ReadOnlyScopedAdmin):
    """Raw events as the telephony and website sent them (append-only): to see what came in
    when a communication looks wrong."""

    list_display = ["occurred_at", "source", "provider_id", "event", "sequence", "received_at"]
    list_filter = ["source"]
    search_fields = ["provider_id", "event"]
    date_hierarchy = "occurred_at"
