"""Confirmations and reminders follow the appointment through moves and status changes.

After any sequence of moves exactly one reminder per channel is pending, for the current
time, and the client's latest confirmation is of the current time; nothing is sent twice
for the same move, and a retry sends again on its own row.
"""

import copy
import datetime as dt
import threading

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from appointments import signals
from appointments.models import Appointment
from appointments.services import appointment_move
from messaging.models import Message
from messaging.services import messages_cancel_pending, messages_schedule_for_appointment
from patients.models import Client

from .. import factories as f
from .test_scheduling import in_days

pytestmark = pytest.mark.django_db

REMINDER_HOURS = 24  # the default; 10:00, 11:00 and 14:00 stay inside the sending hours


@pytest.fixture
def booked(messaging_on, wants_both, practice_a, dentist, location_a, ctype_a):
    """An appointment in 3 days at 10:00 local, booked without running its events."""

    def make(**extra):
        start = in_days(location_a, 3, hour=10)
        return f.AppointmentFactory(
            practice=practice_a,
            patient=wants_both,
            practitioner=dentist,
            location=location_a,
            consultation_type=ctype_a,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=30),
            confirmation_channel="both",
            reminder_channel="both",
            **extra,
        )

    return make


@pytest.fixture
def appointment(booked, practice_a, django_capture_on_commit_callbacks):
    """Booked, with its booking event run: confirmations sent, reminders pending."""
    appointment = booked()
    with django_capture_on_commit_callbacks(execute=True):
        signals.appointment_booked.send(
            sender=Appointment, practice=practice_a, appointment=appointment, actor=None
        )
    return appointment


@pytest.fixture
def api(receptionist):
    client = APIClient()
    client.force_authenticate(receptionist.user)
    return client


def of(appointment, kind, **filters):
    return Message.objects.unscoped().filter(appointment_id=appointment.pk, kind=kind, **filters)


def assert_messages_follow(appointment, location):
    """The rule of the issue, checked against the appointment as it is now."""
    appointment.refresh_from_db()
    reminders = list(of(appointment, "reminder", status="scheduled"))
    assert sorted(m.channel for m in reminders) == ["email", "sms"]
    due = appointment.starts_at - dt.timedelta(hours=REMINDER_HOURS)
    assert all(m.due_at == due for m in reminders)
    local = appointment.starts_at.astimezone(location.tz)
    for channel in ("sms", "email"):
        latest = of(appointment, "confirmation", channel=channel).order_by("-id").first()
        assert latest.status == "sent", (
            latest.idempotency_key,
            latest.status,
            latest.due_at,
            latest.attempts,
            latest.error,
            appointment.schedule_revision,
        )
        assert f"{local:%H:%M}" in latest.body


def sent_confirmations(appointment) -> int:
    return of(appointment, "confirmation", channel="sms", status="sent").count()


def move_in_calendar(rita_client, appointment, practitioner, when):
    return rita_client.post(
        reverse("appointment-move", args=[appointment.pk]),
        {
            "practitioner": practitioner.pk,
            "date": when.date().isoformat(),
            "start_time": f"{when:%H:%M}",
        },
    )


def test_moving_back_to_the_earlier_time_queues_a_fresh_reminder_and_confirmation(
    appointment, practice_a, location_a, django_capture_on_commit_callbacks
):
    first = appointment.starts_at
    old_reminder = of(appointment, "reminder", channel="sms").get()
    for when in (in_days(location_a, 5, hour=14), first):
        with django_capture_on_commit_callbacks(execute=True):
            appointment_move(practice_a, actor=None, appointment=appointment, starts_at=when)
    old_reminder.refresh_from_db()
    assert old_reminder.status == "cancelled"  # history: the first visit to 10:00
    assert_messages_follow(appointment, location_a)
    assert of(appointment, "reminder", channel="sms", status="scheduled").get() != old_reminder
    assert sent_confirmations(appointment) == 3  # booked, moved, moved back


def test_after_moves_back_and_forth_in_the_calendar_one_reminder_is_pending_for_the_time(
    appointment, rita_client, dentist, location_a, django_capture_on_commit_callbacks
):
    times = [
        in_days(location_a, 5, hour=14),
        in_days(location_a, 3, hour=10),
        in_days(location_a, 4, hour=11),
        in_days(location_a, 5, hour=14),
        in_days(location_a, 3, hour=10),
    ]
    for moves, when in enumerate(times, start=1):
        with django_capture_on_commit_callbacks(execute=True):
            response = move_in_calendar(rita_client, appointment, dentist, when)
        assert response.status_code == 302, response.content  # back to the calendar
        assert Appointment.objects.unscoped().get(pk=appointment.pk).starts_at == when
        assert_messages_follow(appointment, location_a)
        assert sent_confirmations(appointment) == moves + 1


def test_after_moves_back_and_forth_through_the_api_one_reminder_is_pending_for_the_time(
    appointment, api, location_a, django_capture_on_commit_callbacks
):
    for when in (in_days(location_a, 4, hour=11), appointment.starts_at):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.patch(
                f"/api/v1/appointments/{appointment.pk}/",
                {"starts_at": when.isoformat()},
                format="json",
            )
        assert response.status_code == 200, response.json()
        assert_messages_follow(appointment, location_a)
    assert sent_confirmations(appointment) == 3


def test_a_repeated_or_late_move_event_sends_nothing_twice(
    appointment, practice_a, location_a, django_capture_on_commit_callbacks
):
    # given: moved twice; a copy of the appointment as the first move left it
    with django_capture_on_commit_callbacks(execute=True):
        appointment_move(
            practice_a, actor=None, appointment=appointment, starts_at=in_days(location_a, 4, 11)
        )
    after_first_move = copy.copy(appointment)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_move(
            practice_a, actor=None, appointment=appointment, starts_at=in_days(location_a, 5, 14)
        )
    rows = Message.objects.unscoped().count()
    # when: the last event comes again, and the first one arrives late
    with django_capture_on_commit_callbacks(execute=True):
        for stale_or_repeated in (appointment, after_first_move, appointment):
            signals.appointment_moved.send(
                sender=Appointment,
                practice=practice_a,
                appointment=stale_or_repeated,
                actor=None,
                previous_starts_at=None,
            )
    # then: no new message, and the messages still follow the current time
    assert Message.objects.unscoped().count() == rows
    assert_messages_follow(appointment, location_a)


def test_submitting_the_same_move_twice_moves_once(
    appointment, rita_client, dentist, location_a, django_capture_on_commit_callbacks
):
    when = in_days(location_a, 4, hour=11)
    for _ in range(2):  # a double click
        with django_capture_on_commit_callbacks(execute=True):
            move_in_calendar(rita_client, appointment, dentist, when)
    appointment.refresh_from_db()
    assert appointment.schedule_revision == 1
    assert sent_confirmations(appointment) == 2  # booked, moved: not a third
    assert_messages_follow(appointment, location_a)


def test_a_new_practitioner_at_the_same_time_keeps_one_pending_reminder(
    appointment, rita_client, practice_a, location_a, django_capture_on_commit_callbacks
):
    other = f.MembershipFactory(practice=practice_a, role="dentist")
    local = appointment.starts_at.astimezone(location_a.tz)
    with django_capture_on_commit_callbacks(execute=True):
        move_in_calendar(rita_client, appointment, other, local)
    assert_messages_follow(appointment, location_a)
    assert sent_confirmations(appointment) == 2  # the client is told the new practitioner


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_events_for_one_move_make_each_message_once(
    booked, practice_a, location_a, on_postgres
):
    appointment = booked()
    barrier = threading.Barrier(4)

    def event():
        barrier.wait()
        try:
            messages_schedule_for_appointment(practice_a, appointment)
        finally:
            connection.close()

    threads = [threading.Thread(target=event) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    keys = list(Message.objects.unscoped().values_list("idempotency_key", flat=True))
    assert len(keys) == len(set(keys)) == 4  # confirmation and reminder, by SMS and email
    assert of(appointment, "reminder", status="scheduled").count() == 2


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_take_turns_and_leave_one_reminder_for_the_final_time(
    booked, practice_a, location_a, on_postgres
):
    appointment = booked()
    messages_schedule_for_appointment(practice_a, appointment)
    targets = [in_days(location_a, 4, hour=11), in_days(location_a, 5, hour=14)]
    barrier = threading.Barrier(len(targets))

    errors = []

    def move(when):
        mine = Appointment.objects.unscoped().get(pk=appointment.pk)
        barrier.wait()
        try:
            appointment_move(practice_a, actor=None, appointment=mine, starts_at=when)
        except Exception as error:  # noqa: BLE001  (reported by the test below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=move, args=(when,)) for when in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    appointment.refresh_from_db()
    assert appointment.schedule_revision == 2  # both moves counted, none lost
    assert appointment.starts_at in targets
    assert_messages_follow(appointment, location_a)


def test_a_retry_sends_again_on_its_own_row_and_a_later_event_finds_it(
    appointment,
    rita_client,
    practice_a,
    wants_both,
    location_a,
    django_capture_on_commit_callbacks,
):
    # given: moved while the client had no mobile, so that move's SMS confirmation failed
    Client.objects.unscoped().filter(pk=wants_both.client_id).update(mobile="")
    with django_capture_on_commit_callbacks(execute=True):
        appointment_move(
            practice_a, actor=None, appointment=appointment, starts_at=in_days(location_a, 4, 11)
        )
    failed = of(appointment, "confirmation", channel="sms").order_by("-id").first()
    assert failed.status == "failed"
    reminder = of(appointment, "reminder", channel="sms").order_by("-id").first()
    assert reminder.status == "failed"
    # when: reception fixes the number and sends both again
    Client.objects.unscoped().filter(pk=wants_both.client_id).update(mobile="+31612345678")
    with django_capture_on_commit_callbacks(execute=True):
        for message in (failed, reminder):
            rita_client.post(reverse("message-retry", args=[message.pk]))
        messages_schedule_for_appointment(practice_a, appointment)  # a repeated event
    # then: the same rows: the confirmation went out, the reminder waits for its time
    failed.refresh_from_db()
    reminder.refresh_from_db()
    assert (failed.status, reminder.status) == ("sent", "scheduled")
    assert of(appointment, "confirmation", channel="sms").count() == 2
    assert_messages_follow(appointment, location_a)


def test_a_confirmation_of_an_earlier_time_is_not_sent_again(
    booked, rita_client, practice_a, wants_both, location_a, django_capture_on_commit_callbacks
):
    Client.objects.unscoped().filter(pk=wants_both.client_id).update(mobile="")
    appointment = booked()
    with django_capture_on_commit_callbacks(execute=True):
        signals.appointment_booked.send(
            sender=Appointment, practice=practice_a, appointment=appointment, actor=None
        )
        appointment_move(
            practice_a, actor=None, appointment=appointment, starts_at=in_days(location_a, 4, 11)
        )
    superseded = of(appointment, "confirmation", channel="sms").order_by("id").first()
    Client.objects.unscoped().filter(pk=wants_both.client_id).update(mobile="+31612345678")
    with django_capture_on_commit_callbacks(execute=True):
        response = rita_client.post(reverse("message-retry", args=[superseded.pk]))
    [refusal] = get_messages(response.wsgi_request)
    assert str(refusal).startswith("The appointment was moved since")
    superseded.refresh_from_db()
    assert superseded.status == "failed"


def _set_status(rita_client, appointment, status, capture):
    with capture(execute=True):
        rita_client.post(reverse("appointment-status", args=[appointment.pk]), {"status": status})


@pytest.mark.parametrize("path", [["arrived", "completed"], ["no_show"]])
def test_a_completed_or_no_show_appointment_keeps_no_pending_reminder(
    appointment, rita_client, path, django_capture_on_commit_callbacks
):
    with time_machine.travel(appointment.starts_at + dt.timedelta(minutes=5)):
        for status in path:
            _set_status(rita_client, appointment, status, django_capture_on_commit_callbacks)
    assert Appointment.objects.unscoped().get(pk=appointment.pk).status == path[-1]
    assert not of(appointment, "reminder", status="scheduled").exists()
    assert set(of(appointment, "reminder").values_list("status", flat=True)) == {"cancelled"}


def test_a_no_show_put_back_to_booked_gets_its_reminder_back_without_a_new_confirmation(
    appointment, rita_client, location_a, django_capture_on_commit_callbacks
):
    reminder = of(appointment, "reminder", channel="sms").get()
    for status in ("no_show", "booked"):
        _set_status(rita_client, appointment, status, django_capture_on_commit_callbacks)
    reminder.refresh_from_db()
    assert reminder.status == "scheduled"  # the same row: it never went out
    assert sent_confirmations(appointment) == 1  # the client already has this time
    assert_messages_follow(appointment, location_a)


def test_a_cancelled_appointment_keeps_no_pending_reminder_or_confirmation(
    booked, api, practice_a, django_capture_on_commit_callbacks
):
    # given: confirmations not sent yet (no worker ran) and reminders pending
    appointment = booked()
    messages_schedule_for_appointment(practice_a, appointment)
    assert of(appointment, "confirmation", status="scheduled").count() == 2
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/appointments/{appointment.pk}/cancel/", {}, format="json")
    # then
    assert response.json()["status"] == "cancelled"
    about_time = Message.objects.unscoped().filter(kind__in=["confirmation", "reminder"])
    assert not about_time.filter(status="scheduled").exists()
    assert set(about_time.values_list("status", flat=True)) == {"cancelled"}
    # what the client is sent instead: the news of the cancellation (test_cancellation.py)
    assert Message.objects.unscoped().filter(kind="cancellation").count() == 1


def test_the_appointments_events_never_cancel_its_booking_link(appointment, practice_a):
    link = Message.objects.unscoped().create(
        practice=practice_a,
        appointment=appointment,
        client=appointment.client,
        kind="booking_link",
        channel="sms",
        recipient="+31612345678",
        due_at=appointment.starts_at,
        idempotency_key="booking:link",
    )
    messages_cancel_pending(practice_a, appointment)
    link.refresh_from_db()
    assert link.status == "scheduled"
