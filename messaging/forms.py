from django import forms
from django.utils.translation import gettext_lazy as _

from appointments.models import ConsultationType
from appointments.selectors import consultation_type_list
from practice.models import Practice
from practice.scoping import for_practice

from .models import MessageTemplate, MessagingSettings


class MessagingSettingsForm(forms.ModelForm):
    class Meta:
        model = MessagingSettings
        fields = [
            "confirmation_enabled",
            "confirmation_sms",
            "confirmation_email",
            "cancellation_enabled",
            "reminder_enabled",
            "reminder_sms",
            "reminder_email",
            "reminder_hours_before",
            "reminder_window_start",
            "reminder_window_end",
        ]
        widgets = {
            "reminder_window_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "reminder_window_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, sms_available: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not sms_available:  # the SMS options appear once a gateway is set up
            del self.fields["confirmation_sms"]
            del self.fields["reminder_sms"]


class MessageTemplateForm(forms.ModelForm):
    # Declared, not generated: generating it would query the scoped manager at import time.
    consultation_type = forms.ModelChoiceField(
        queryset=ConsultationType.objects.none(),
        required=False,
        label=_("Consultation type"),
        empty_label=_("Every type"),
    )

    class Meta:
        model = MessageTemplate
        fields = ["consultation_type", "kind", "channel", "language", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, practice: Practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.practice = practice
        self.instance.practice = practice
        self.fields["consultation_type"].queryset = consultation_type_list(practice)

    def clean(self):
        # The unique constraints lead with practice, which is not a form field, so Django
        # would not check them here: one template per type, kind, channel and language.
        data = super().clean()
        keys = ("consultation_type", "kind", "channel", "language")
        if all(k in data for k in keys):
            clash = (
                for_practice(MessageTemplate, self.practice)
                .filter(**{k: data[k] for k in keys})
                .exclude(pk=self.instance.pk)
            )
            if clash.exists():
                raise forms.ValidationError(
                    _(
                        "There is already a template for this consultation type, kind, channel "
                        "and language. Edit that one instead."
                    )
                )
        return data
