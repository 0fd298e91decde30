from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from practice.admin_base import PracticeScopedAdmin, ReadOnlyScopedAdmin

from .models import Message, MessageTemplate, MessagingSettings, SmsGateway


@admin.register(MessagingSettings)
class MessagingSettingsAdmin(PracticeScopedAdmin):
    list_display = ["__str__", "confirmation_enabled", "reminder_enabled", "reminder_hours_before"]


class SmsGatewayForm(forms.ModelForm):
    """The auth token is write-only: never shown back; left empty keeps the current one."""

    auth_token = forms.CharField(
        label=_("auth token"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current token."),
    )

    class Meta:
        model = SmsGateway
        fields = ["practice", "account_sid", "auth_token", "sender", "credit_segments", "is_active"]

    def clean_auth_token(self):
        token = self.cleaned_data["auth_token"]
        if not token and self.instance.pk:
            return self.instance.auth_token
        if not token:
            raise forms.ValidationError(_("Enter the auth token."))
        return token


@admin.register(SmsGateway)
class SmsGatewayAdmin(PracticeScopedAdmin):
    form = SmsGatewayForm
    list_display = ["__str__", "sender", "credit_segments", "is_active"]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(PracticeScopedAdmin):
    list_display = ["kind", "channel", "language", "consultation_type", "subject", "segments"]
    list_filter = ["kind", "channel", "language"]
    list_select_related = ["consultation_type", "practice"]
    search_fields = ["subject", "body"]


@admin.register(Message)
class MessageAdmin(ReadOnlyScopedAdmin):
    list_display = ["due_at", "kind", "channel", "recipient", "status", "error"]
    list_filter = ["status", "kind", "channel"]
    list_select_related = ["practice"]
    search_fields = ["recipient", "provider_id"]
    date_hierarchy = "due_at"
