"""The appointment panel's messages: which time each confirmation confirmed, and a failed
message sent by the other channel with one click; the booking form's channel warning."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from messaging.dispatch import dispatch_due_messages
from messaging.fake_twilio import FakeTwilio
from messaging.models import Message
from patients.models import Client

from .test_scheduling import in_days
from .test_views import book_via_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_twilio(settings):
    with FakeTwilio(slow_seconds=1.5) as fake:
        settings.MESSAGING_PROVIDER = "twilio"
        settings.TWILIO_API_BASE_URL = fake.url
        settings.TWILIO_TIMEOUT_SECONDS = 2
        yield fake


def set_client(patient, **values):
    Client.objects.unscoped().filter(pk=patient.client_id).update(**values)
    patient.client.refresh_from_db()


def panel(rita_client, appointment_id):
    response = rita_client.get(reverse("appointment-messages", args=[appointment_id]))
    assert response.status_code == 200
    return response.content.decode()


def rows(html):
    return re.findall(r'<li class="msg .*?</li>', html, flags=re.S)


def booked_appointment_id():
    return Message.objects.unscoped().values_list("appointment_id", flat=True).first()


# --- which time a confirmation confirmed ---------------------------------------------------


def test_a_moved_appointments_two_confirmations_say_which_time_each_confirmed(
    rita_client, messaging_on, wants_both, location_a, dentist, ctype_a, settings,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    assert settings.TIME_ZONE == "Asia/Kathmandu"  # neither UTC nor the location's zone
    set_client(wants_both, confirmation_channel="sms", reminder_channel="")
    with django_capture_on_commit_callbacks(execute=True):
        book_via_form(rita_client, wants_both, location_a, dentist, ctype_a)
    appointment_id = booked_appointment_id()
    day = in_days(location_a, 3).date()
    with django_capture_on_commit_callbacks(execute=True):
        rita_client.post(
            reverse("appointment-move", args=[appointment_id]),
            {"practitioner": dentist.pk, "date": day.isoformat(), "start_time": "11:30"},
        )
    confirmations = [r for r in rows(panel(rita_client, appointment_id)) if "Confirmation" in r]
    assert len(confirmations) == 2
    first, second = confirmations
    # in the location's zone (Amsterdam), not the server's or UTC
    assert re.search(r"For \w+ \d+ \w+ \d{4}, 10:00", first)
    assert "earlier time" in first
    assert re.search(r"For \w+ \d+ \w+ \d{4}, 11:30", second)
    assert "earlier time" not in second


def test_the_confirmed_time_reads_right_on_the_night_the_clocks_go_back(
    rita_client, messaging_on, wants_both, practice_a, location_a, dentist, ctype_a,
    django_capture_on_commit_callbacks, time_machine,
):  # fmt: skip
    # 2026-10-25: Amsterdam goes from 03:00 summer time back to 02:00; booked days before
    time_machine.move_to(dt.datetime(2026, 10, 20, 8, tzinfo=dt.UTC))
    set_client(wants_both, confirmation_channel="sms", reminder_channel="")
    with django_capture_on_commit_callbacks(execute=True):
        book_via_form(rita_client, wants_both, location_a, dentist, ctype_a, date="2026-10-26")
    html = panel(rita_client, booked_appointment_id())
    assert "For Mon 26 Oct 2026, 10:00" in html


def test_messages_from_before_the_time_was_stored_get_it_from_their_key(
    appointment_a, practice_a, patient_a
):
    name = "0013_cancellation_templates_and_confirmed_times"
    from importlib import import_module

    migration = import_module(f"messaging.migrations.{name}")
    start = appointment_a.starts_at
    key = f"appt:{appointment_a.pk}:confirmation:sms:{int(start.timestamp())}:r2"
    old = Message.objects.unscoped().create(
        practice=practice_a,
        appointment=appointment_a,
        client=patient_a.client,
        kind="confirmation",
        channel="sms",
        due_at=start,
        idempotency_key=key,
    )
    historic = MigrationExecutor(connection).loader.project_state(("messaging", name)).apps
    with connection.schema_editor() as editor:
        migration.backfill_times(historic, editor)
    old.refresh_from_db()
    assert old.appointment_starts_at == start


# --- a failed message by the other channel ---------------------------------------------------


def test_a_failed_sms_can_be_sent_by_email_with_one_click(
    rita_client, messaging_on, wants_both, location_a, dentist, ctype_a,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    set_client(wants_both, mobile="", confirmation_channel="sms", reminder_channel="")
    with django_capture_on_commit_callbacks(execute=True):
        book_via_form(rita_client, wants_both, location_a, dentist, ctype_a)
    failed = Message.objects.unscoped().get(kind="confirmation", channel="sms")
    html = panel(rita_client, failed.appointment_id)
    assert "The client has no mobile number." in html
    assert "Send by email instead" in html
    assert reverse("message-other-channel", args=[failed.pk]) in html

    with django_capture_on_commit_callbacks(execute=True):
        response = rita_client.post(reverse("message-other-channel", args=[failed.pk]))
    html = response.content.decode()
    assert "Sent again by email." in html
    assert "Send by email instead" not in html  # done: no second button
    assert "Sent by email (below)." in html  # the failed row says so
    email = Message.objects.unscoped().get(kind="confirmation", channel="email")
    assert (email.status, email.recipient) == ("sent", "anna@example.nl")
    assert email.appointment_starts_at == failed.appointment_starts_at
    assert [m.to for m in mail.outbox] == [["anna@example.nl"]]

    # a second click (double submit, another tab) sends nothing more
    with django_capture_on_commit_callbacks(execute=True):
        rita_client.post(reverse("message-other-channel", args=[failed.pk]))
    assert Message.objects.unscoped().filter(kind="confirmation", channel="email").count() == 1
    assert len(mail.outbox) == 1


def test_a_landline_refused_by_twilio_can_be_sent_by_email_with_one_click(
    fake_twilio, rita_client, messaging_on, wants_both, location_a, dentist, ctype_a,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    # the fake answers 21614 (not a mobile number) for ...0006
    set_client(wants_both, mobile="+31612340006", confirmation_channel="sms", reminder_channel="")
    with django_capture_on_commit_callbacks(execute=True):
        book_via_form(rita_client, wants_both, location_a, dentist, ctype_a)
    dispatch_due_messages()
    failed = Message.objects.unscoped().get(kind="confirmation", channel="sms")
    assert failed.status == "failed"
    html = panel(rita_client, failed.appointment_id)
    assert "The number is a landline and cannot receive SMS." in html
    with django_capture_on_commit_callbacks(execute=True):
        rita_client.post(reverse("message-other-channel", args=[failed.pk]))
    assert Message.objects.unscoped().get(kind="confirmation", channel="email").status == "sent"
    assert len(fake_twilio.requests) == 1  # the landline was not tried again


def test_a_bounced_email_can_be_sent_by_sms(
    rita_client, messaging_on, wants_both, location_a, dentist, ctype_a,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    set_client(wants_both, email="", confirmation_channel="email", reminder_channel="")
    with django_capture_on_commit_callbacks(execute=True):
        book_via_form(rita_client, wants_both, location_a, dentist, ctype_a)
    failed = Message.objects.unscoped().get(kind="confirmation", channel="email")
    assert "Send by SMS instead" in panel(rita_client, failed.appointment_id)
    with django_capture_on_commit_callbacks(execute=True):
        rita_client.post(reverse("message-other-channel", args=[failed.pk]))
    sms = Message.objects.unscoped().get(kind="confirmation", channel="sms")
    assert (sms.status, sms.recipient) == ("sent", "+31612345678")


def test_the_other_channel_is_not_offered_when_it_cannot_reach_the_client_either(
    rita_client, messaging_on, wants_both, location_a, dentist, ctype_a,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    set_client(wants_both, mobile="", email="", confirmation_channel="sms", reminder_channel="")
    with django_capture_on_commit_callbacks(execute=True):
        book_via_form(rita_client, wants_both, location_a, dentist, ctype_a)
    failed = Message.objects.unscoped().get(kind="confirmation", channel="sms")
    assert "instead" not in panel(rita_client, failed.appointment_id)
    response = rita_client.post(reverse("message-other-channel", args=[failed.pk]))
    assert "The client has no email address." in response.content.decode()
    assert Message.objects.unscoped().count() == 1


def test_a_failed_cancellation_can_be_sent_by_the_other_channel(
    rita_client, messaging_on, wants_both, location_a, dentist, ctype_a,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    set_client(wants_both, confirmation_channel="sms", reminder_channel="")
    with django_capture_on_commit_callbacks(execute=True):
        book_via_form(rita_client, wants_both, location_a, dentist, ctype_a)
    appointment_id = booked_appointment_id()
    set_client(wants_both, sms_opted_out=True, email="")
    with django_capture_on_commit_callbacks(execute=True):
        rita_client.post(reverse("appointment-cancel", args=[appointment_id]), {"reason": ""})
    failed = Message.objects.unscoped().get(kind="cancellation")
    assert failed.status == "failed"
    set_client(wants_both, email="anna@example.nl")  # reception adds the address
    html = panel(rita_client, appointment_id)
    assert "Send by email instead" in html
    with django_capture_on_commit_callbacks(execute=True):
        rita_client.post(reverse("message-other-channel", args=[failed.pk]))
    sent = Message.objects.unscoped().get(kind="cancellation", channel="email")
    assert sent.status == "sent"
    assert "geannuleerd" in sent.subject


def test_the_panel_costs_a_few_queries_however_many_messages(
    rita_client, messaging_on, wants_both, location_a, dentist, ctype_a,
    django_capture_on_commit_callbacks, django_assert_max_num_queries,
):  # fmt: skip
    set_client(wants_both, mobile="", confirmation_channel="both", reminder_channel="both")
    with django_capture_on_commit_callbacks(execute=True):
        book_via_form(rita_client, wants_both, location_a, dentist, ctype_a)
    appointment_id = booked_appointment_id()
    for hour in (11, 12, 13):
        with django_capture_on_commit_callbacks(execute=True):
            rita_client.post(
                reverse("appointment-move", args=[appointment_id]),
                {
                    "practitioner": dentist.pk,
                    "date": in_days(location_a, 3).date().isoformat(),
                    "start_time": f"{hour}:00",
                },
            )
    assert Message.objects.unscoped().count() >= 12
    with django_assert_max_num_queries(14):
        html = panel(rita_client, appointment_id)
    assert html.count("earlier time") >= 6


def test_another_practices_message_cannot_be_sent_by_the_other_channel(
    rita_client, appointment_b, patient_b
):
    other = Message.objects.unscoped().create(
        practice=appointment_b.practice,
        appointment=appointment_b,
        client=patient_b.client,
        kind="confirmation",
        channel="sms",
        due_at=appointment_b.starts_at,
        idempotency_key="x",
        status="failed",
    )
    url = reverse("message-other-channel", args=[other.pk])
    assert rita_client.post(url).status_code == 404
    assert rita_client.post(reverse("message-other-channel", args=[987654])).status_code == 404
    assert Message.objects.unscoped().count() == 1


# --- the booking form warns ------------------------------------------------------------------


def check(rita_client, patient, **choices):
    response = rita_client.get(
        reverse("booking-channel-check"),
        {
            "patient": patient.pk,
            "confirmation_channel": "client",
            "reminder_channel": "client",
            **choices,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_booking_form_asks_for_the_warning_as_soon_as_a_patient_or_channel_is_chosen(
    rita_client, messaging_on, patient_a
):
    html = rita_client.get(reverse("appointment-create"), {"patient": patient_a.pk}).content
    html = html.decode()
    assert reverse("booking-channel-check") in html
    assert "change from:#id_patient" in html
    assert "change from:#id_confirmation_channel" in html
    assert 'hx-trigger="load' in html  # a patient chosen before the form opens


def test_the_booking_form_warns_when_the_client_has_no_mobile_for_sms(
    rita_client, messaging_on, wants_both
):
    set_client(wants_both, mobile="")
    html = check(rita_client, wants_both, confirmation_channel="sms", reminder_channel="")
    assert "The confirmation by SMS will fail:" in html
    assert "The client has no mobile number." in html
    assert "Email reaches the client" in html


def test_the_booking_form_warns_when_the_clients_own_choice_is_sms_to_a_landline(
    rita_client, messaging_on, wants_both
):
    set_client(wants_both, mobile_is_landline=True)  # wants both, as the client's record says
    html = check(rita_client, wants_both)
    assert "The confirmation and reminder by SMS will fail:" in html
    assert "The number is a landline and cannot receive SMS." in html
    assert "by email will fail" not in html


def test_the_booking_form_says_when_nothing_reaches_the_client(
    rita_client, messaging_on, wants_both
):
    set_client(wants_both, mobile="", email="")
    html = check(rita_client, wants_both)
    assert "by SMS will fail" in html
    assert "by email will fail" in html
    assert "Nothing reaches this client" in html
    assert reverse("client-edit", args=[wants_both.client_id]) in html


def test_the_booking_form_does_not_warn_when_the_channels_work(
    rita_client, messaging_on, wants_both
):
    assert "will fail" not in check(rita_client, wants_both)
    assert "will fail" not in check(rita_client, wants_both, confirmation_channel="email")


def test_the_booking_form_does_not_warn_of_what_the_practice_does_not_send(rita_client, wants_both):
    set_client(wants_both, mobile="")
    assert "will fail" not in check(rita_client, wants_both, confirmation_channel="sms")


def test_another_practices_patient_answers_404_to_the_channel_check(rita_client, patient_b):
    response = rita_client.get(reverse("booking-channel-check"), {"patient": patient_b.pk})
    assert response.status_code == 404
    assert rita_client.get(reverse("booking-channel-check")).content == b""
    bad = rita_client.get(reverse("booking-channel-check"), {"patient": "x"})
    assert bad.status_code == 400


def test_a_reminder_resent_by_email_still_waits_for_its_time(
    rita_client, messaging_on, wants_both, location_a, dentist, ctype_a,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    set_client(wants_both, mobile="", confirmation_channel="", reminder_channel="sms")
    with django_capture_on_commit_callbacks(execute=True):
        book_via_form(rita_client, wants_both, location_a, dentist, ctype_a)
    failed = Message.objects.unscoped().get(kind="reminder", channel="sms")
    with django_capture_on_commit_callbacks(execute=True):
        rita_client.post(reverse("message-other-channel", args=[failed.pk]))
    email = Message.objects.unscoped().get(kind="reminder", channel="email")
    assert email.status == "scheduled"
    assert email.due_at == failed.due_at
