"""Settings → practice preferences → appointment confirmation and reminder, templates."""

from django.contrib import messages as flash
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appointments.models import Appointment
from practice.rights import Right
from practice.scoping import for_practice, get_for_practice_or_404
from practice.views_helpers import staff_view

from .forms import MessageTemplateForm, MessagingSettingsForm
from .links import appointment_link_if_made
from .models import Channel, MessageTemplate
from .selectors import messaging_settings, sms_gateway
from .services import (
    message_template_delete,
    message_template_save,
    messaging_settings_save,
)
from .templating import PLACEHOLDERS, AppointmentValues, sms_segments
from .templating import render as render_text


@staff_view(Right.MANAGE_SETTINGS)
def messaging_settings_page(request):
    practice = request.practice
    gateway = sms_gateway(practice)
    instance = messaging_settings(practice)
    form = MessagingSettingsForm(
        request.POST or None, instance=instance, sms_available=gateway is not None
    )
    if request.method == "POST" and form.is_valid():
        messaging_settings_save(practice, actor=request.user, prefs=form.save(commit=False))
        flash.success(request, _("Settings saved."))
        return redirect("messaging-settings")
    templates = (
        for_practice(MessageTemplate, practice)
        .select_related("consultation_type")
        .order_by("kind", "channel", "consultation_type__name", "language")
    )
    return render(
        request,
        "messaging/settings.html",
        {
            "form": form,
            "gateway": gateway,
            "templates": templates,
            "placeholders": PLACEHOLDERS,
        },
    )


def _sample_values(practice, template: MessageTemplate) -> dict[str, str]:
    """A real upcoming appointment of the practice when there is one, else sample text."""
    upcoming = (
        for_practice(Appointment, practice)
        .filter(starts_at__gt=timezone.now(), status=Appointment.Status.BOOKED)
        .select_related("patient", "client", "location", "practitioner__user", "practice")
        .order_by("starts_at")
        .first()
    )
    if upcoming is None:
        return PLACEHOLDERS
    return AppointmentValues.build(
        upcoming, language=template.language, link=appointment_link_if_made(upcoming)
    ).values


def _preview(practice, template: MessageTemplate) -> dict:
    values = _sample_values(practice, template)
    with translation.override(template.language):
        body = render_text(template.body or "", values)
        subject = render_text(template.subject or "", values)
    return {
        "preview_subject": subject,
        "preview_body": body,
        "segments": sms_segments(body) if template.channel == Channel.SMS else None,
    }


@staff_view(Right.MANAGE_SETTINGS)
def template_edit(request, template_id: int | None = None):
    practice = request.practice
    template = (
        get_for_practice_or_404(MessageTemplate, practice, template_id) if template_id else None
    )
    form = MessageTemplateForm(request.POST or None, instance=template, practice=practice)
    if request.method == "POST" and form.is_valid():
        message_template_save(practice, actor=request.user, template=form.save(commit=False))
        flash.success(request, _("Template saved."))
        return redirect("messaging-settings")
    return render(
        request,
        "messaging/template_form.html",
        {
            "form": form,
            "template": template,
            "placeholders": PLACEHOLDERS,
            **_preview(practice, form.instance),
        },
    )


@require_POST
@staff_view(Right.MANAGE_SETTINGS)
def template_preview(request):
    """htmx: the preview and segment count for the text being typed."""
    form = MessageTemplateForm(request.POST, practice=request.practice)
    form.is_valid()  # fills instance fields; errors show on save, the preview shows anyway
    template = form.instance
    template.subject = request.POST.get("subject", "")
    template.body = request.POST.get("body", "")
    template.channel = request.POST.get("channel", Channel.SMS)
    template.language = request.POST.get("language", "en")
    return render(request, "messaging/_preview.html", _preview(request.practice, template))


@require_POST
@staff_view(Right.MANAGE_SETTINGS)
def template_delete(request, template_id: int):
    template = get_for_practice_or_404(MessageTemplate, request.practice, template_id)
    message_template_delete(request.practice, actor=request.user, template=template)
    flash.success(request, _("Template deleted."))
    return redirect("messaging-settings")
