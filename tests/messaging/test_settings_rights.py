"""Messaging settings and templates are written by services that check the manage-settings
right themselves, not only the pages that call them."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from messaging.models import MessageTemplate, MessagingSettings
from messaging.services import (
    message_template_delete,
    message_template_save,
    messaging_settings_save,
)
from practice.models import AuditLog


@pytest.fixture
def dentist_client(client, dentist):
    client.force_login(dentist.user)
    return client


def _a_template(practice):
    return MessageTemplate.objects.unscoped().filter(practice=practice).first()


def test_clinical_staff_cannot_save_settings_or_templates_through_the_pages(
    dentist_client, messaging_on, practice_a
):
    template = _a_template(practice_a)
    before = template.body
    settings_post = dentist_client.post(
        reverse("messaging-settings"), {"reminder_enabled": "", "reminder_hours_before": "2"}
    )
    edit_post = dentist_client.post(
        reverse("template-edit", args=[template.pk]),
        {"kind": template.kind, "channel": template.channel, "language": "en", "body": "x"},
    )
    delete_post = dentist_client.post(reverse("template-delete", args=[template.pk]))
    assert settings_post.status_code == edit_post.status_code == delete_post.status_code == 403
    template.refresh_from_db()
    assert template.body == before
    assert MessagingSettings.objects.unscoped().get(practice=practice_a).reminder_enabled


@pytest.mark.parametrize("write", ["settings", "template", "delete"])
def test_services_refuse_a_role_without_the_manage_settings_right(
    messaging_on, practice_a, dentist, write
):
    template = _a_template(practice_a)
    prefs = MessagingSettings.objects.unscoped().get(practice=practice_a)
    calls = {
        "settings": lambda: messaging_settings_save(practice_a, actor=dentist.user, prefs=prefs),
        "template": lambda: message_template_save(
            practice_a, actor=dentist.user, template=template
        ),
        "delete": lambda: message_template_delete(
            practice_a, actor=dentist.user, template=template
        ),
    }
    with pytest.raises(PermissionDenied):
        calls[write]()
    assert MessageTemplate.objects.unscoped().filter(pk=template.pk).exists()


def test_a_template_delete_by_reception_is_audited(rita_client, messaging_on, practice_a):
    template = _a_template(practice_a)
    response = rita_client.post(reverse("template-delete", args=[template.pk]))
    assert response.status_code == 302
    assert not MessageTemplate.objects.unscoped().filter(pk=template.pk).exists()
    assert (
        AuditLog.objects.unscoped()
        .filter(practice=practice_a, action="message_template.delete", object_id=template.pk)
        .exists()
    )
