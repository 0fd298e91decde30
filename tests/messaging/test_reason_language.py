"""Why a message failed is kept as a code and read in the reader's language: the same row
in Finnish and in Dutch, on the appointment's panel and in the admin's message list."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from messaging.models import Message
from practice.models import StaffProfile

pytestmark = pytest.mark.django_db

MSGID = "The number is a landline and cannot receive SMS."


def _failed(appointment):
    # as a worker wrote it, in whatever language was active there (English here)
    return Message.objects.unscoped().create(
        practice=appointment.practice,
        appointment=appointment,
        client=appointment.client,
        kind="confirmation",
        channel="sms",
        recipient="+31612340006",
        status="failed",
        error_code="21614",  # Twilio: not a mobile number
        error=MSGID,
        due_at=timezone.now(),
        idempotency_key="reason-language",
    )


def _as(client, member, language):
    StaffProfile.objects.update_or_create(user=member.user, defaults={"language": language})
    client.force_login(member.user)
    return client


def _in(language):
    with translation.override(language):
        text = translation.gettext(MSGID)
    assert text != MSGID
    return text


def test_a_failure_reason_reads_in_each_readers_language_on_the_appointment_panel(
    client, receptionist, appointment_a
):
    _failed(appointment_a)
    url = reverse("appointment-messages", args=[appointment_a.pk])
    for language in ("fi", "nl"):
        html = _as(client, receptionist, language).get(url).content.decode()
        assert _in(language) in html
        assert MSGID not in html


def test_a_failure_reason_reads_in_each_readers_language_in_the_admin(
    client, director, appointment_a
):
    director.user.is_staff = True
    director.user.save()
    message = _failed(appointment_a)
    for language in ("fi", "nl"):
        reader = _as(client, director, language)
        listing = reader.get(reverse("admin:messaging_message_changelist")).content.decode()
        assert _in(language) in listing
        page = reader.get(reverse("admin:messaging_message_change", args=[message.pk]))
        assert _in(language) in page.content.decode()
