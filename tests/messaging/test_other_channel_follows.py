"""A message sent by the other channel ("Send by email instead") is one of the appointment's
messages like any other of its kind: a later move supersedes it with one for the new time by
the same channel, a status change keeps it, and nothing goes twice."""

import pytest
from django.core import mail
from django.urls import reverse

from appointments.models import Appointment
from messaging.models import Message, MessagingSettings
from practice.models import AuditLog

from .test_panel_messages import booked_appointment_id, panel, set_client
from .test_scheduling import in_days
from .test_views import book_via_form

pytestmark = pytest.mark.django_db


def _book_with_failed_sms(rita_client, patient, location, dentist, ctype, capture, **channels):
    set_client(patient, mobile="", **channels)
    with capture(execute=True):
        book_via_form(rita_client, patient, location, dentist, ctype)
    return booked_appointment_id()


def _send_by_email_instead(rita_client, kind, capture):
    failed = Message.objects.unscoped().get(kind=kind, channel="sms")
    assert "Send by email instead" in panel(rita_client, failed.appointment_id)
    with capture(execute=True):
        response = rita_client.post(reverse("message-other-channel", args=[failed.pk]))
    assert "Sent again by email." in response.content.decode()


def _move(rita_client, appointment_id, dentist, location, capture, days=4, hour="11:30"):
    with capture(execute=True):
        response = rita_client.post(
            reverse("appointment-move", args=[appointment_id]),
            {
                "practitioner": dentist.pk,
                "date": in_days(location, days).date().isoformat(),
                "start_time": hour,
            },
        )
    assert response.status_code in (200, 302)
    return Appointment.objects.unscoped().get(pk=appointment_id)


def _set_status(rita_client, appointment_id, status, capture):
    with capture(execute=True):
        rita_client.post(reverse("appointment-status", args=[appointment_id]), {"status": status})


def _emails(kind, **filters):
    return Message.objects.unscoped().filter(kind=kind, channel="email", **filters)


def test_a_reminder_sent_by_email_instead_is_superseded_by_one_for_the_new_time_on_a_move(
    rita_client, messaging_on, wants_both, location_a, dentist, ctype_a,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    # given: the SMS reminder failed (no mobile) and reception sent it by email instead
    capture = django_capture_on_commit_callbacks
    appointment_id = _book_with_failed_sms(
        rita_client, wants_both, location_a, dentist, ctype_a, capture,
        confirmation_channel="", reminder_channel="sms",
    )  # fmt: skip
    _send_by_email_instead(rita_client, "reminder", capture)
    first = _emails("reminder").get()
    assert first.status == "scheduled"
    # the appointment's reminders go by email from now on, and the audit says who chose it
    assert Appointment.objects.unscoped().get(pk=appointment_id).reminder_channel == "email"
    change = AuditLog.objects.unscoped().get(action="appointment.message_channel")
    assert change.data == {"field": "reminder_channel", "from": "sms", "to": "email"}
    # when: the appointment is moved through the move page
    moved = _move(rita_client, appointment_id, dentist, location_a, capture)
    # then: the email reminder of the old time is superseded, one for the new time waits
    first.refresh_from_db()
    assert first.status == "cancelled"
    pending = Message.objects.unscoped().filter(kind="reminder", status="scheduled")
    assert [(m.channel, m.appointment_starts_at) for m in pending] == [("email", moved.starts_at)]
    # and no second SMS to a client without a mobile was queued to fail again
    assert Message.objects.unscoped().filter(kind="reminder", channel="sms").count() == 1


def test_a_reminder_sent_by_email_instead_is_not_dropped_by_a_status_change(
    rita_client, messaging_on, wants_both, location_a, dentist, ctype_a,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    capture = django_capture_on_commit_callbacks
    appointment_id = _book_with_failed_sms(
        rita_client, wants_both, location_a, dentist, ctype_a, capture,
        confirmation_channel="", reminder_channel="sms",
    )  # fmt: skip
    _send_by_email_instead(rita_client, "reminder", capture)
    # a no-show put back to booked (a slip of the mouse, undone) re-plans the messages twice
    for status in ("no_show", "booked"):
        _set_status(rita_client, appointment_id, status, capture)
    assert Appointment.objects.unscoped().get(pk=appointment_id).status == "booked"
    [email] = _emails("reminder")
    assert email.status == "scheduled"  # the same row, waiting for its time again
    assert (
        not Message.objects.unscoped()
        .filter(kind="reminder", channel="sms")
        .exclude(status="failed")
        .exists()
    )


def test_a_confirmation_sent_by_email_instead_goes_by_email_again_after_a_move_and_once(
    rita_client, messaging_on, wants_both, location_a, dentist, ctype_a,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    capture = django_capture_on_commit_callbacks
    appointment_id = _book_with_failed_sms(
        rita_client, wants_both, location_a, dentist, ctype_a, capture,
        confirmation_channel="sms", reminder_channel="",
    )  # fmt: skip
    _send_by_email_instead(rita_client, "confirmation", capture)
    assert len(mail.outbox) == 1
    moved = _move(rita_client, appointment_id, dentist, location_a, capture)
    # a repeated event for the same move (the status page, a late signal) sends nothing more
    _set_status(rita_client, appointment_id, "no_show", capture)
    _set_status(rita_client, appointment_id, "booked", capture)
    sent = list(_emails("confirmation", status="sent").order_by("id"))
    assert [m.appointment_starts_at for m in sent][-1] == moved.starts_at
    assert len(sent) == 2  # the first time's and the new time's, each once
    assert len(mail.outbox) == 2


def test_a_reminder_is_not_offered_by_a_channel_the_practice_does_not_send_reminders_by(
    rita_client, messaging_on, wants_both, location_a, dentist, ctype_a,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    # sent anyway, the next event on the appointment would cancel it unseen
    MessagingSettings.objects.unscoped().update(reminder_email=False)
    _book_with_failed_sms(
        rita_client, wants_both, location_a, dentist, ctype_a, django_capture_on_commit_callbacks,
        confirmation_channel="", reminder_channel="sms",
    )  # fmt: skip
    failed = Message.objects.unscoped().get(kind="reminder", channel="sms")
    assert "Send by email instead" not in panel(rita_client, failed.appointment_id)
    response = rita_client.post(reverse("message-other-channel", args=[failed.pk]))
    assert "do not send this by Email" in response.content.decode()
    assert not _emails("reminder").exists()
    assert Appointment.objects.unscoped().get(pk=failed.appointment_id).reminder_channel == "sms"
