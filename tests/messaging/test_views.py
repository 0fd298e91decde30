import datetime as dt

from django.urls import reverse
from django.utils import timezone

from messaging.models import Message, SmsGateway


def book_via_form(rita_client, patient, location, practitioner, ctype, **extra):
    day = timezone.localdate(timezone=location.tz) + dt.timedelta(days=3)
    return rita_client.post(
        reverse("appointment-create"),
        {
            "patient": patient.pk,
            "location": location.pk,
            "practitioner": practitioner.pk,
            "consultation_type": ctype.pk,
            "date": day.isoformat(),
            "start_time": "10:00",
            "confirmation_channel": "client",
            "reminder_channel": "client",
            **extra,
        },
    )


def test_booking_a_client_who_wants_sms_and_email_lists_both_with_status(
    rita_client,
    messaging_on,
    wants_both,
    location_a,
    dentist,
    ctype_a,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        book_via_form(rita_client, wants_both, location_a, dentist, ctype_a)
    appointment = Message.objects.unscoped().first().appointment
    panel = rita_client.get(reverse("appointment-messages", args=[appointment.pk]))
    content = panel.content.decode()
    assert content.count("Confirmation · SMS") == 1
    assert content.count("Confirmation · Email") == 1
    assert "Sent" in content
    assert wants_both.client.mobile in content


def test_a_failed_message_shows_its_reason_and_can_be_sent_again_after_the_fix(
    rita_client,
    messaging_on,
    wants_both,
    location_a,
    dentist,
    ctype_a,
    django_capture_on_commit_callbacks,
):
    client = wants_both.client
    client.mobile = ""
    client.save()
    with django_capture_on_commit_callbacks(execute=True):
        book_via_form(rita_client, wants_both, location_a, dentist, ctype_a)
    failed = Message.objects.unscoped().get(kind="confirmation", channel="sms")
    panel = rita_client.get(reverse("appointment-messages", args=[failed.appointment_id]))
    assert "The client has no mobile number." in panel.content.decode()

    client.mobile = "+31612345678"
    client.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = rita_client.post(reverse("message-retry", args=[failed.pk]))
    assert response.status_code == 200
    failed.refresh_from_db()
    assert failed.status == "sent"
    assert failed.recipient == "+31612345678"
    assert Message.objects.unscoped().filter(kind="confirmation", channel="sms").count() == 1


def test_sending_a_sent_message_again_is_refused(
    rita_client,
    messaging_on,
    wants_both,
    location_a,
    dentist,
    ctype_a,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        book_via_form(rita_client, wants_both, location_a, dentist, ctype_a)
    sent = Message.objects.unscoped().get(kind="confirmation", channel="sms")
    response = rita_client.post(reverse("message-retry", args=[sent.pk]), follow=True)
    assert response.status_code == 200
    assert Message.objects.unscoped().filter(kind="confirmation", channel="sms").count() == 1


def test_another_practices_messages_answer_404(rita_client, appointment_b, patient_b):
    other = Message.objects.unscoped().create(
        practice=appointment_b.practice,
        appointment=appointment_b,
        client=patient_b.client,
        kind="reminder",
        channel="sms",
        due_at=appointment_b.starts_at,
        idempotency_key="x",
        status="failed",
    )
    assert (
        rita_client.get(reverse("appointment-messages", args=[appointment_b.pk])).status_code == 404
    )
    assert rita_client.post(reverse("message-retry", args=[other.pk])).status_code == 404
    assert rita_client.post(reverse("message-retry", args=[987654])).status_code == 404


def test_sms_is_offered_only_when_the_practice_has_a_gateway(
    rita_client, practice_a, messaging_on, patient_a
):
    form = rita_client.get(reverse("appointment-create")).context["form"]
    assert "sms" in dict(form.fields["confirmation_channel"].choices)
    SmsGateway.objects.unscoped().filter(practice=practice_a).delete()
    form = rita_client.get(reverse("appointment-create")).context["form"]
    assert "sms" not in dict(form.fields["confirmation_channel"].choices)
    assert "email" in dict(form.fields["confirmation_channel"].choices)
    client_form = rita_client.get(reverse("client-edit", args=[patient_a.client_id]))
    assert "both" not in dict(client_form.context["form"].fields["reminder_channel"].choices)
