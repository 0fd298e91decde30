"""Reminders' and waitlist offers' local sending hours on the nights the clocks change."""

import datetime as dt

import pytest
from django.test import TestCase

from appointments.models import WaitlistOffer
from messaging.models import Message, MessagingSettings
from messaging.waitlist import waitlist_message_due

pytestmark = pytest.mark.django_db
captured_on_commit = TestCase.captureOnCommitCallbacks

# Amsterdam: forward on 2030-03-31 (02:00 → 03:00), back on 2030-10-27 (03:00 → 02:00).


def _book_through_the_api(client, patient, dentist, location, ctype, local_start):
    with captured_on_commit(execute=True):
        response = client.post(
            "/api/v1/appointments/",
            {
                "patient": patient.pk,
                "practitioner": dentist.pk,
                "location": location.pk,
                "consultation_type": ctype.pk,
                "starts_at": local_start.isoformat(),
            },
            content_type="application/json",
        )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def _reminder_due(appointment_id) -> dt.datetime:
    return Message.objects.unscoped().get(appointment_id=appointment_id, kind="reminder").due_at


@pytest.fixture
def reminders(messaging_on, wants_both, practice_a):
    wants_both.client.reminder_channel = "email"
    wants_both.client.confirmation_channel = ""
    wants_both.client.save()
    return MessagingSettings.objects.unscoped().get(practice=practice_a)


def test_a_reminder_before_the_window_on_the_switch_day_goes_the_evening_before(
    rita_client, reminders, wants_both, dentist, location_a, ctype_a
):
    # Monday 08:00 CEST; 24 h before is Sunday 08:00 CEST, before 09:00: Saturday 20:00 CET.
    start = dt.datetime(2030, 4, 1, 8, 0, tzinfo=location_a.tz)
    appointment = _book_through_the_api(
        rita_client, wants_both, dentist, location_a, ctype_a, start
    )
    assert _reminder_due(appointment) == dt.datetime(2030, 3, 30, 19, 0, tzinfo=dt.UTC)


def test_a_reminder_24_hours_before_counts_real_hours_across_the_switch(
    rita_client, reminders, wants_both, dentist, location_a, ctype_a
):
    # Sunday 12:00 CEST is 10:00 UTC; 24 real hours before is Saturday 11:00 CET.
    start = dt.datetime(2030, 3, 31, 12, 0, tzinfo=location_a.tz)
    appointment = _book_through_the_api(
        rita_client, wants_both, dentist, location_a, ctype_a, start
    )
    assert _reminder_due(appointment) == dt.datetime(2030, 3, 30, 10, 0, tzinfo=dt.UTC)


def test_a_window_that_ends_on_the_repeated_hour_ends_at_its_later_instant(
    rita_client, reminders, wants_both, dentist, location_a, ctype_a
):
    reminders.reminder_window_start = dt.time(0, 0)
    reminders.reminder_window_end = dt.time(2, 30)
    reminders.reminder_hours_before = 6
    reminders.save()
    # Sunday 10:00 CET (09:00 UTC); 6 h before is 04:00 CET, past 02:30: the second 02:30.
    start = dt.datetime(2030, 10, 27, 10, 0, tzinfo=location_a.tz)
    appointment = _book_through_the_api(
        rita_client, wants_both, dentist, location_a, ctype_a, start
    )
    assert _reminder_due(appointment) == dt.datetime(2030, 10, 27, 1, 30, tzinfo=dt.UTC)


def test_a_waitlist_offer_at_night_waits_for_the_window_across_the_switch(
    practice_a, location_a, reminders
):
    reminders.reminder_window_start = dt.time(2, 30)  # does not exist on 2030-03-31
    reminders.save()
    offer = WaitlistOffer(practice=practice_a, location=location_a)
    night = dt.datetime(2030, 3, 30, 23, 30, tzinfo=dt.UTC)  # 00:30 CET
    # 02:30 is skipped that night: sending starts when the clocks jump, 03:00 CEST.
    assert waitlist_message_due(practice_a, offer, now=night) == dt.datetime(
        2030, 3, 31, 1, 0, tzinfo=dt.UTC
    )
