from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from practice.admin_base import PracticeScopedAdmin, ReadOnlyScopedAdmin

from .models import Message, MessageTemplate, MessagingSettings, SmsGateway, SmsOptOut
from .templating import PLACEHOLDERS, render, sms_segments


@admin.register(MessagingSettings)
class MessagingSettingsAdmin(PracticeScopedAdmin):
    list_display = [
        "__str__",
        "confirmation_enabled",
        "cancellation_enabled",
        "reminder_enabled",
        "reminder_hours_before",
    ]


SECRETS = ("auth_token", "api_key_secret")


class SmsGatewayForm(forms.ModelForm):
    """Secrets are write-only: never shown back; left empty keeps the current one."""

    auth_token = forms.CharField(
        label=_("auth token"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current token."),
    )
    api_key_secret = forms.CharField(
        label=_("API key secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current secret."),
    )

    class Meta:
        model = SmsGateway
        fields = [
            "practice",
            "account_sid",
            "auth_token",
            "api_key_sid",
            "api_key_secret",
            "sender",
            "credit_segments",
            "is_active",
        ]

    def clean(self):
        data = super().clean()
        for name in SECRETS:
            if not data.get(name) and self.instance.pk:
                data[name] = getattr(self.instance, name)
        if not data.get("auth_token"):
            self.add_error("auth_token", _("Enter the auth token."))
        if data.get("api_key_sid") and not data.get("api_key_secret"):
            self.add_error("api_key_secret", _("Enter the API key's secret."))
        return data


@admin.register(SmsGateway)
class SmsGatewayAdmin(PracticeScopedAdmin):
    form = SmsGatewayForm
    list_display = ["__str__", "sender", "credit_segments", "is_active"]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(PracticeScopedAdmin):
    list_display = ["kind", "channel", "language", "consultation_type", "subject", "segments"]
    readonly_fields = ["preview"]

    @admin.display(description=_("Preview for a sample appointment"))
    def preview(self, obj):
        body = render(obj.body or "", PLACEHOLDERS)
        if obj.channel == "sms":
            body += f"  [{sms_segments(body)} SMS]"
        return body

    list_filter = ["kind", "channel", "language"]
    list_select_related = ["consultation_type", "practice"]
    search_fields = ["subject", "body"]


@admin.register(SmsOptOut)
class SmsOptOutAdmin(ReadOnlyScopedAdmin):
    """Numbers that replied STOP: shown to explain why a number gets no SMS; only the
    number's own START takes it off (never an edit here)."""

    list_display = ["number", "created_at"]
    search_fields = ["number"]


@admin.register(Message)
class MessageAdmin(ReadOnlyScopedAdmin):
    list_display = ["due_at", "kind", "channel", "recipient", "status", "reason"]
    list_filter = ["status", "kind", "channel"]
    list_select_related = ["practice"]
    search_fields = ["recipient", "provider_id"]
    date_hierarchy = "due_at"
    # The reason as the reader reads it (the row keeps its code: errors.reason_text).
    exclude = ["error"]
    readonly_fields = ["reason"]

    @admin.display(description=_("reason"))
    def reason(self, message: Message) -> str:
        return message.error_text
