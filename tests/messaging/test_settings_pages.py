from django.urls import reverse

from messaging.models import MessageTemplate, MessagingSettings


def test_reception_switches_services_on_and_sets_reminder_hours(
    rita_client, messaging_on, practice_a
):
    response = rita_client.post(
        reverse("messaging-settings"),
        {
            "confirmation_enabled": "on",
            "confirmation_sms": "on",
            "reminder_enabled": "on",
            "reminder_email": "on",
            "reminder_hours_before": "48",
            "reminder_window_start": "08:00",
            "reminder_window_end": "19:00",
        },
    )
    assert response.status_code == 302
    prefs = MessagingSettings.objects.unscoped().get(practice=practice_a)
    assert prefs.reminder_hours_before == 48
    assert (prefs.confirmation_email, prefs.reminder_sms) == (False, False)


def test_sms_options_only_with_a_gateway(rita_client, practice_a):
    form = rita_client.get(reverse("messaging-settings")).context["form"]
    assert "confirmation_sms" not in form.fields
    assert "confirmation_email" in form.fields


def test_gateway_secret_is_masked(rita_client, messaging_on):
    content = rita_client.get(reverse("messaging-settings")).content.decode()
    assert messaging_on.account_sid not in content
    assert messaging_on.auth_token not in content
    assert "…1111" in content


def test_saving_a_template_with_an_unknown_placeholder_is_refused(rita_client, messaging_on):
    response = rita_client.post(
        reverse("template-create"),
        {
            "kind": "reminder",
            "channel": "sms",
            "language": "nl",
            "body": "Hoi {voornaam}, tot {date}",
        },
    )
    assert response.status_code == 200
    assert "{voornaam}" in " ".join(response.context["form"].errors["body"])
    assert not MessageTemplate.objects.unscoped().filter(body__contains="voornaam").exists()


def test_a_template_per_consultation_type_is_saved(rita_client, messaging_on, ctype_a):
    response = rita_client.post(
        reverse("template-create"),
        {
            "consultation_type": ctype_a.pk,
            "kind": "reminder",
            "channel": "sms",
            "language": "nl",
            "body": "Controle {date} {time}",
        },
    )
    assert response.status_code == 302
    assert (
        MessageTemplate.objects.unscoped()
        .get(consultation_type=ctype_a)
        .body.startswith("Controle")
    )


def test_preview_renders_and_counts_sms_segments(rita_client, messaging_on, appointment_a):
    response = rita_client.post(
        reverse("template-preview"),
        {
            "kind": "reminder",
            "channel": "sms",
            "language": "nl",
            "body": "Tot {time}! " * 20,
        },
    )
    content = response.content.decode()
    assert "Tot 09:00!" in content
    assert "2 SMS segments" in content


def test_another_practices_template_answers_404(rita_client, practice_b):
    other = MessageTemplate.objects.unscoped().filter(practice=practice_b).first()
    assert rita_client.get(reverse("template-edit", args=[other.pk])).status_code == 404
    assert rita_client.post(reverse("template-delete", args=[other.pk])).status_code == 404
    assert MessageTemplate.objects.unscoped().filter(pk=other.pk).exists()


def test_clinical_staff_cannot_change_messaging_settings(client, dentist):
    client.force_login(dentist.user)
    assert client.get(reverse("messaging-settings")).status_code == 403


def test_a_second_template_for_the_same_slot_is_a_form_error_not_a_500(rita_client, messaging_on):
    response = rita_client.post(
        reverse("template-create"),
        {
            "kind": "reminder",
            "channel": "sms",
            "language": "nl",
            "body": "Tot {date}",
        },
    )
    assert response.status_code == 200
    assert "already a template" in " ".join(response.context["form"].non_field_errors())
