"""Rule 'what for': an outgoing call to the number on a patient's card counts for a CRM
task, a waitlist entry or a reminder only when the same employee acts within the window
(15 minutes) of the call; a waitlist call that ends in a booking becomes 'Wants to book'."""

import datetime as dt

import pytest
import time_machine

from appointments.models import WaitlistEntry
from appointments.services import appointment_book, appointment_cancel, appointment_move
from appointments.waitlist import waitlist_entry_save
from crm.models import Communication, Task
from crm.services import task_complete

from .derived import comm, minutes

pytestmark = pytest.mark.django_db
Purpose = Communication.Purpose
CALL_AT = dt.datetime(2030, 3, 4, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def outgoing_call(practice_a, patient_a, receptionist):
    """Rita calls Anna at 09:00 for 3 minutes."""

    def make(**fields):
        values = {
            "direction": Communication.Direction.OUTGOING,
            "employee": receptionist,
            "started_at": CALL_AT,
            "answered_at": CALL_AT,
            "ended_at": CALL_AT + minutes(3),
            "duration_seconds": 180,
            **fields,
        }
        with time_machine.travel(CALL_AT + minutes(3), tick=False):
            return comm(practice_a, **values)

    return make


def _at(moment):
    return time_machine.travel(moment, tick=False)


def _refetch(call):
    call.refresh_from_db()
    return call


@pytest.fixture
def task(practice_a, patient_a, receptionist):
    return Task.objects.unscoped().create(
        practice=practice_a,
        patient=patient_a,
        kind=Task.Kind.RECALL,
        assignee=receptionist,
        description="Call about the recall",
    )


def test_a_task_completed_by_the_caller_at_the_windows_last_minute_makes_a_crm_task_call(
    practice_a, receptionist, outgoing_call, task, run_on_commit
):
    call = outgoing_call()
    assert call.purpose == Purpose.CONVERSATION
    # the window ends 15 minutes after the call ended (09:03 + 15 = 09:18), edge included
    with _at(CALL_AT + minutes(18)):
        run_on_commit(task_complete, practice_a, actor=receptionist.user, task=task)
    assert _refetch(call).purpose == Purpose.CRM_TASK
    assert call.purpose_reason_text


def test_a_task_completed_a_second_after_the_window_leaves_a_conversation(
    practice_a, receptionist, outgoing_call, task, run_on_commit
):
    call = outgoing_call()
    with _at(CALL_AT + minutes(18) + dt.timedelta(seconds=1)):
        run_on_commit(task_complete, practice_a, actor=receptionist.user, task=task)
    call = _refetch(call)
    assert call.purpose == Purpose.CONVERSATION
    assert "15 minutes" in call.purpose_reason_text


def test_another_employees_action_in_the_window_does_not_count(
    practice_a, director, outgoing_call, task, run_on_commit
):
    call = outgoing_call()
    with _at(CALL_AT + minutes(5)):
        run_on_commit(task_complete, practice_a, actor=director.user, task=task)
    assert _refetch(call).purpose == Purpose.CONVERSATION


def test_an_action_before_the_call_does_not_count(
    practice_a, receptionist, outgoing_call, task, run_on_commit
):
    with _at(CALL_AT - dt.timedelta(seconds=1)):
        run_on_commit(task_complete, practice_a, actor=receptionist.user, task=task)
    call = outgoing_call()
    assert call.purpose == Purpose.CONVERSATION


def test_moving_or_cancelling_an_appointment_after_the_call_makes_it_a_reminder_call(
    practice_a, receptionist, outgoing_call, appointment_a, run_on_commit
):
    call = outgoing_call()
    with _at(CALL_AT + minutes(10)):
        run_on_commit(
            appointment_move,
            practice_a,
            actor=receptionist.user,
            appointment=appointment_a,
            starts_at=appointment_a.starts_at + dt.timedelta(hours=2),
        )
    assert _refetch(call).purpose == Purpose.REMINDER

    second = outgoing_call(started_at=CALL_AT + dt.timedelta(hours=1), ended_at=None)
    with _at(CALL_AT + dt.timedelta(hours=1) + minutes(15)):
        run_on_commit(
            appointment_cancel, practice_a, actor=receptionist.user, appointment=appointment_a
        )
    assert _refetch(second).purpose == Purpose.REMINDER


@pytest.fixture
def entry(practice_a, patient_a, ctype_a, location_a, director):
    with _at(CALL_AT - dt.timedelta(days=3)):
        return waitlist_entry_save(
            practice_a,
            actor=director.user,
            entry=WaitlistEntry(
                client=patient_a.client,
                patient=patient_a,
                consultation_type=ctype_a,
                location=location_a,
            ),
        )


def test_closing_a_waitlist_entry_after_the_call_makes_it_a_waitlist_call(
    practice_a, receptionist, outgoing_call, entry, run_on_commit
):
    call = outgoing_call()
    entry.status = WaitlistEntry.Status.CLOSED
    with _at(CALL_AT + minutes(4)):
        run_on_commit(waitlist_entry_save, practice_a, actor=receptionist.user, entry=entry)
    assert _refetch(call).purpose == Purpose.WAITLIST


def test_a_waitlist_call_that_ends_in_a_booking_becomes_wants_to_book(
    practice_a,
    receptionist,
    dentist,
    location_a,
    ctype_a,
    patient_a,
    outgoing_call,
    entry,
    run_on_commit,
):
    call = outgoing_call()
    with _at(CALL_AT + minutes(6)):
        booked = run_on_commit(
            appointment_book,
            practice_a,
            actor=receptionist.user,
            patient=patient_a,
            practitioner=dentist,
            location=location_a,
            consultation_type=ctype_a,
            starts_at=CALL_AT + dt.timedelta(days=2),
        )
        entry.status, entry.appointment = WaitlistEntry.Status.BOOKED, booked
        run_on_commit(waitlist_entry_save, practice_a, actor=receptionist.user, entry=entry)
    call = _refetch(call)
    assert call.purpose == Purpose.WANTS_TO_BOOK
    assert "waitlist" in call.purpose_reason_text


def test_an_incoming_call_from_a_patient_wants_to_book(practice_a, patient_a):
    assert comm(practice_a).purpose == Purpose.WANTS_TO_BOOK


def test_an_outgoing_call_to_a_number_on_no_card_is_a_conversation(practice_a, outgoing_call):
    call = outgoing_call(phone_raw="+31687654321", phone_e164="+31687654321")
    assert call.purpose == Purpose.CONVERSATION


@pytest.fixture
def rita_client(client, receptionist):
    """Logs Rita in at the (travelled) time of each request: a session from today would
    have expired by 2030."""

    class LoggedIn:
        def post(self, *args, **kwargs):
            client.force_login(receptionist.user)
            return client.post(*args, **kwargs)

    return LoggedIn()


def _mark_notified(rita_client, appointment, run_on_commit):
    url = f"/appointments/{appointment.pk}/notified/"
    return run_on_commit(rita_client.post, url, HTTP_HX_REQUEST="true")


def test_marking_the_patient_notified_at_the_windows_last_second_makes_a_reminder_call(
    rita_client, outgoing_call, appointment_a, run_on_commit
):
    # given: Rita called Anna 09:00-09:03
    call = outgoing_call()
    # when: on the appointment panel she marks Anna notified at 09:18:00 (03 + 15, included)
    with _at(CALL_AT + minutes(18)):
        response = _mark_notified(rita_client, appointment_a, run_on_commit)
    # then
    assert response.status_code == 200
    call = _refetch(call)
    assert call.purpose == Purpose.REMINDER
    assert "notified" in call.purpose_reason_text


def test_marking_the_patient_notified_a_second_after_the_window_leaves_a_conversation(
    rita_client, outgoing_call, appointment_a, run_on_commit
):
    call = outgoing_call()
    with _at(CALL_AT + minutes(18) + dt.timedelta(seconds=1)):
        _mark_notified(rita_client, appointment_a, run_on_commit)
    assert _refetch(call).purpose == Purpose.CONVERSATION


def test_marking_notified_at_the_calls_start_counts_and_a_second_before_does_not(
    rita_client, practice_a, outgoing_call, appointment_a, run_on_commit
):
    with _at(CALL_AT - dt.timedelta(seconds=1)):
        _mark_notified(rita_client, appointment_a, run_on_commit)
    assert outgoing_call().purpose == Purpose.CONVERSATION
    with _at(CALL_AT):
        _mark_notified(rita_client, appointment_a, run_on_commit)
    later = outgoing_call(provider_id="second")
    assert later.purpose == Purpose.REMINDER


def test_a_notified_mark_with_a_task_done_in_the_window_makes_a_crm_task_call(
    rita_client, practice_a, receptionist, outgoing_call, appointment_a, task, run_on_commit
):
    # the task (and the waitlist) take precedence over the reminder, as for any action
    call = outgoing_call()
    with _at(CALL_AT + minutes(5)):
        _mark_notified(rita_client, appointment_a, run_on_commit)
        run_on_commit(task_complete, practice_a, actor=receptionist.user, task=task)
    assert _refetch(call).purpose == Purpose.CRM_TASK


def test_a_notified_mark_with_a_waitlist_entry_closed_in_the_window_makes_a_waitlist_call(
    rita_client, practice_a, receptionist, outgoing_call, appointment_a, entry, run_on_commit
):
    call = outgoing_call()
    entry.status = WaitlistEntry.Status.CLOSED
    with _at(CALL_AT + minutes(12)):
        _mark_notified(rita_client, appointment_a, run_on_commit)
        run_on_commit(waitlist_entry_save, practice_a, actor=receptionist.user, entry=entry)
    assert _refetch(call).purpose == Purpose.WAITLIST
