"""Cancelling tells the client: the news of a cancellation, or, when the client cancelled
through their own link, a confirmation of it. Once, after commit, by their channel, in the
practice's language."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from appointments import signals
from appointments.models import Appointment
from messaging.dispatch import dispatch_due_messages
from messaging.fake_twilio import FakeTwilio
from messaging.links import appointment_link
from messaging.models import Message, MessageTemplate, MessagingSettings
from messaging.services import message_cancellation_for_appointment
from patients.models import Client

from .. import factories as f
from .test_scheduling import in_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_twilio(settings):
    with FakeTwilio(slow_seconds=1.5) as fake:
        settings.MESSAGING_PROVIDER = "twilio"
        settings.TWILIO_API_BASE_URL = fake.url
        settings.TWILIO_TIMEOUT_SECONDS = 2
        yield fake


@pytest.fixture
def booked(messaging_on, wants_both, practice_a, dentist, location_a, ctype_a):
    """make(days=3, hour=10, **extra): an appointment at that local time, events not run."""

    def make(days=3, hour=10, **extra):
        start = in_days(location_a, days, hour=hour)
        extra.setdefault("confirmation_channel", "sms")
        return f.AppointmentFactory(
            practice=practice_a,
            patient=wants_both,
            practitioner=dentist,
            location=location_a,
            consultation_type=ctype_a,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=30),
            **extra,
        )

    return make


def staff_cancel(rita_client, appointment, capture, reason="Dentist ill"):
    with capture(execute=True):
        response = rita_client.post(
            reverse("appointment-cancel", args=[appointment.pk]), {"reason": reason}
        )
    assert response.status_code in (200, 204, 302)  # 302: back to the calendar
    return response


def link_path(appointment):
    return appointment_link(appointment).split("testserver", 1)[-1].split("8000", 1)[-1]


def cancellations(appointment):
    return Message.objects.unscoped().filter(
        appointment_id=appointment.pk, kind__in=["cancellation", "cancel_confirmed"]
    )


def test_staff_cancelling_sends_the_client_a_cancellation_in_the_practices_language(
    rita_client, booked, django_capture_on_commit_callbacks
):
    appointment = booked()
    staff_cancel(rita_client, appointment, django_capture_on_commit_callbacks)
    [message] = cancellations(appointment)
    assert (message.kind, message.channel, message.status) == ("cancellation", "sms", "sent")
    # Dutch, 10:00 at the location (the suite runs in Asia/Kathmandu), booking page link
    assert message.body.startswith("Tandartspraktijk Centrum: de afspraak voor")
    assert "om 10:00" in message.body
    assert "is geannuleerd" in message.body
    assert "/p/centrum/" in message.body


def test_a_client_who_cancels_through_their_link_gets_a_confirmation_of_it_instead(
    client, booked, django_capture_on_commit_callbacks
):
    appointment = booked()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link_path(appointment), {"action": "cancel"})
    [message] = cancellations(appointment)
    assert (message.kind, message.status) == ("cancel_confirmed", "sent")
    assert "heeft de afspraak voor" in message.body
    assert "geannuleerd" in message.body


def test_the_cancellation_goes_by_the_clients_channel_email_when_they_want_email(
    rita_client, booked, django_capture_on_commit_callbacks
):
    appointment = booked(confirmation_channel="email")
    staff_cancel(rita_client, appointment, django_capture_on_commit_callbacks)
    [message] = cancellations(appointment)
    assert (message.channel, message.recipient) == ("email", "anna@example.nl")
    [email] = [m for m in mail.outbox if "geannuleerd" in m.subject]
    assert email.to == ["anna@example.nl"]


def test_a_landline_gets_the_cancellation_by_email_by_the_best_channel_rule(
    rita_client, booked, django_capture_on_commit_callbacks
):
    appointment = booked()
    Client.objects.unscoped().filter(pk=appointment.client_id).update(mobile_is_landline=True)
    staff_cancel(rita_client, appointment, django_capture_on_commit_callbacks)
    [message] = cancellations(appointment)
    assert (message.channel, message.status) == ("email", "sent")


def test_a_client_nothing_reaches_has_a_failed_cancellation_with_its_reason(
    rita_client, booked, django_capture_on_commit_callbacks
):
    appointment = booked()
    Client.objects.unscoped().filter(pk=appointment.client_id).update(mobile="", email="")
    staff_cancel(rita_client, appointment, django_capture_on_commit_callbacks)
    [message] = cancellations(appointment)
    assert (message.channel, message.status) == ("sms", "failed")
    assert message.error == "The client has no mobile number."


def test_the_cancellation_is_sent_exactly_once_however_often_the_event_comes(
    rita_client, booked, practice_a, django_capture_on_commit_callbacks
):
    appointment = booked()
    staff_cancel(rita_client, appointment, django_capture_on_commit_callbacks)
    # the event again (a retried task), and staff posting the cancel form twice
    with django_capture_on_commit_callbacks(execute=True):
        for by_client in (False, True):
            signals.appointment_cancelled.send(
                sender=Appointment,
                practice=practice_a,
                appointment=appointment,
                actor=None,
                by_client=by_client,
            )
    staff_cancel(rita_client, appointment, django_capture_on_commit_callbacks)
    dispatch_due_messages()
    assert cancellations(appointment).count() == 1
    assert Message.objects.unscoped().filter(kind="cancellation", status="sent").count() == 1


def test_the_cancellation_is_queued_only_after_the_cancel_commits(
    practice_a, booked, django_capture_on_commit_callbacks
):
    from appointments.services import appointment_cancel

    appointment = booked()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        appointment_cancel(practice_a, actor=None, appointment=appointment)
        assert not cancellations(appointment).exists()
    for callback in callbacks:
        callback()
    assert cancellations(appointment).count() == 1

    # rolled back: nothing to tell
    other = booked(days=4)

    def cancel_then_fail():
        with transaction.atomic():
            appointment_cancel(practice_a, actor=None, appointment=other)
            raise RuntimeError

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        cancel_then_fail()
    assert not cancellations(other).exists()


def test_cancelling_a_past_appointment_tells_nobody(
    rita_client, booked, django_capture_on_commit_callbacks
):
    appointment = booked(days=-1)
    staff_cancel(rita_client, appointment, django_capture_on_commit_callbacks)
    assert not cancellations(appointment).exists()


def test_a_practice_that_sends_no_confirmations_still_sends_cancellations(
    rita_client, booked, practice_a, django_capture_on_commit_callbacks
):
    # confirmations off at the practice: the cancellation is a setting of its own
    MessagingSettings.objects.unscoped().filter(practice=practice_a).update(
        confirmation_enabled=False
    )
    appointment = booked()
    staff_cancel(rita_client, appointment, django_capture_on_commit_callbacks)
    [message] = cancellations(appointment)
    assert (message.kind, message.channel, message.status) == ("cancellation", "sms", "sent")


def test_cancellation_messages_are_on_by_default_for_a_practice_that_never_saved_settings(
    rita_client, booked, practice_a, django_capture_on_commit_callbacks
):
    MessagingSettings.objects.unscoped().filter(practice=practice_a).delete()
    appointment = booked(confirmation_channel="email")
    staff_cancel(rita_client, appointment, django_capture_on_commit_callbacks)
    [message] = cancellations(appointment)
    assert (message.channel, message.status) == ("email", "sent")


def _save_settings(rita_client, **switches):
    form = {
        "confirmation_sms": "on",
        "confirmation_email": "on",
        "reminder_hours_before": "24",
        "reminder_window_start": "09:00",
        "reminder_window_end": "20:00",
    }
    form.update({name: "on" for name, on in switches.items() if on})
    response = rita_client.post(reverse("messaging-settings"), form)
    assert response.status_code == 302


def test_a_practice_that_switches_cancellation_messages_off_on_the_settings_page_sends_none(
    rita_client, booked, django_capture_on_commit_callbacks
):
    _save_settings(rita_client, confirmation_enabled=True, cancellation_enabled=False)
    appointment = booked()
    staff_cancel(rita_client, appointment, django_capture_on_commit_callbacks)
    assert not cancellations(appointment).exists()


def test_a_client_cancelling_by_link_gets_no_confirmation_when_cancellations_are_off(
    client, rita_client, booked, django_capture_on_commit_callbacks
):
    _save_settings(rita_client, confirmation_enabled=True, cancellation_enabled=False)
    appointment = booked()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link_path(appointment), {"action": "cancel"})
    assert Appointment.objects.unscoped().get(pk=appointment.pk).status == "cancelled"
    assert not cancellations(appointment).exists()


def test_the_settings_page_offers_the_cancellation_switch_on_by_default(rita_client, practice_a):
    response = rita_client.get(reverse("messaging-settings"))
    html = response.content.decode()
    assert 'name="cancellation_enabled"' in html
    assert re.search(r'<input[^>]*name="cancellation_enabled"[^>]*checked', html)
    # confirmations off, cancellations on: saved as such
    _save_settings(rita_client, cancellation_enabled=True)
    prefs = MessagingSettings.objects.unscoped().get(practice=practice_a)
    assert (prefs.confirmation_enabled, prefs.cancellation_enabled) == (False, True)


@pytest.mark.parametrize(
    ("language", "news", "confirmed"),
    [
        ("en", "is cancelled", "you cancelled the appointment"),
        ("nl", "is geannuleerd", "u heeft de afspraak"),
        ("it", "è annullato", "ha annullato l'appuntamento"),
        ("ru", "отменена", "вы отменили запись"),
        ("fi", "on peruttu", "perutit ajan"),
    ],
)
def test_cancellation_templates_speak_the_five_languages(
    practice_a, booked, language, news, confirmed, scope_a
):
    practice_a.language = language
    practice_a.save()
    for by_client, expected in ((False, news), (True, confirmed)):
        appointment = booked(days=3 + by_client)
        appointment.status = Appointment.Status.CANCELLED
        appointment.save()
        message = message_cancellation_for_appointment(practice_a, appointment, by_client=by_client)
        dispatch_due_messages()
        message.refresh_from_db()
        assert message.status == "sent", message.error
        assert expected in message.body


def test_the_practices_own_cancellation_text_is_used_after_it_is_edited(
    client, director, rita_client, booked, practice_a, django_capture_on_commit_callbacks
):
    template = MessageTemplate.objects.unscoped().get(
        practice=practice_a,
        kind="cancellation",
        channel="sms",
        language="nl",
        consultation_type__isnull=True,
    )
    client.force_login(director.user)
    response = client.post(
        reverse("template-edit", args=[template.pk]),
        {
            "kind": "cancellation",
            "channel": "sms",
            "language": "nl",
            "consultation_type": "",
            "subject": "",
            "body": "Helaas: {patient} op {date} om {time} gaat niet door. Bel {practice_phone}.",
        },
    )
    assert response.status_code in (200, 302), response.content.decode()[:500]
    rita_client.force_login(f.MembershipFactory(practice=practice_a, role="reception").user)
    appointment = booked()
    staff_cancel(rita_client, appointment, django_capture_on_commit_callbacks)
    [message] = cancellations(appointment)
    assert message.body.startswith("Helaas: ")


def test_existing_practices_get_the_cancellation_templates_by_migration(practice_a):
    from importlib import import_module

    name = "0013_cancellation_templates_and_confirmed_times"
    migration = import_module(f"messaging.migrations.{name}")
    # The models as the migration sees them (plain managers, as in a real migrate).
    historic = MigrationExecutor(connection).loader.project_state(("messaging", name)).apps
    cancelling = MessageTemplate.objects.unscoped().filter(
        practice=practice_a, kind__in=["cancellation", "cancel_confirmed"]
    )
    cancelling.delete()
    migration.install(historic, None)
    assert cancelling.count() == 2 * 2 * 5  # kinds × channels × languages
    migration.install(historic, None)
    assert cancelling.count() == 20  # once


def test_the_cancellation_goes_once_through_the_real_twilio_client(
    fake_twilio, rita_client, booked, django_capture_on_commit_callbacks
):
    appointment = booked()
    staff_cancel(rita_client, appointment, django_capture_on_commit_callbacks)
    staff_cancel(rita_client, appointment, django_capture_on_commit_callbacks)
    dispatch_due_messages()
    [request] = fake_twilio.requests
    assert request["form"]["To"] == "+31612345678"
    assert "is geannuleerd" in request["form"]["Body"]
    [message] = cancellations(appointment)
    assert message.status == "queued"
    assert message.provider_id.startswith("SM")


def test_another_practices_appointment_cannot_be_cancelled_from_here(
    rita_client, appointment_b, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = rita_client.post(reverse("appointment-cancel", args=[appointment_b.pk]))
    assert response.status_code == 404
    assert not cancellations(appointment_b).exists()
