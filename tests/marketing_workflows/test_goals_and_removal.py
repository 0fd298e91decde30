"""Leaving a workflow: the goal 'booked an appointment', staff removal; both cancel what
was still to come at once, including messages queued but not sent."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from appointments.services import appointment_book
from crm.models import Task
from crm.services import task_complete
from marketing_workflows import runner, sending, services
from marketing_workflows.models import Enrolment, StepRun
from messaging.models import Message
from practice.scoping import for_practice
from practice.tenancy import practice_scope

from .conftest import crit, email, make_patient, pause, task

ROMA = [crit("patient", "city", "eq", "Roma")]
ALWAYS = {"window_start": dt.time(0), "window_end": dt.time(0)}


def book(practice, actor, patient, dentist, location, ctype, days=3):
    start = timezone.now() + dt.timedelta(days=days)
    return appointment_book(
        practice, actor=actor, patient=patient, practitioner=dentist, location=location,
        consultation_type=ctype, starts_at=start,
    )  # fmt: skip


def test_booking_an_appointment_reaches_the_goal_and_cancels_the_steps_still_to_come(
    practice_a, director, live, dentist, location_a, ctype_a, django_capture_on_commit_callbacks
):
    # given: enrolled, first email queued (not sent yet), the second waits a week
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    live(ROMA, [email(), pause(days=7), email()], goal="booked_appointment", **ALWAYS)
    services.workflow_steps_run_due()
    # when: she books
    with django_capture_on_commit_callbacks(execute=True):
        book(practice_a, director.user, rosa, dentist, location_a, ctype_a)
    # then
    enrolment = for_practice(Enrolment, practice_a).get()
    assert enrolment.state == Enrolment.State.GOAL_REACHED
    assert enrolment.ended_at is not None
    states = list(for_practice(StepRun, practice_a).order_by("id").values_list("state", flat=True))
    assert states == ["done", "cancelled"]
    assert for_practice(Message, practice_a).get().status == Message.Status.CANCELLED


def test_a_booking_after_a_final_task_step_reaches_the_goal_and_closes_the_recall_task(
    practice_a, director, receptionist, live, dentist, location_a, ctype_a,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    # given: her steps are all done; the last one left reception a recall task
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    live(ROMA, [email(), task(receptionist)], goal="booked_appointment", **ALWAYS)
    services.workflow_steps_run_due()
    assert for_practice(Enrolment, practice_a).get().state == Enrolment.State.COMPLETED
    # when: she books
    with django_capture_on_commit_callbacks(execute=True):
        book(practice_a, director.user, rosa, dentist, location_a, ctype_a)
    # then: the task is closed and the enrolment counts as goal reached
    assert for_practice(Task, practice_a).get().status == Task.Status.CANCELLED
    assert for_practice(Enrolment, practice_a).get().state == Enrolment.State.GOAL_REACHED


def test_a_completed_enrolment_whose_task_was_done_stays_completed_on_a_booking(
    practice_a, director, receptionist, live, dentist, location_a, ctype_a,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    live(ROMA, [task(receptionist)], goal="booked_appointment", **ALWAYS)
    services.workflow_steps_run_due()
    recall = for_practice(Task, practice_a).get()
    task_complete(practice_a, actor=receptionist.user, task=recall)
    with django_capture_on_commit_callbacks(execute=True):
        book(practice_a, director.user, rosa, dentist, location_a, ctype_a)
    assert for_practice(Task, practice_a).get().status == Task.Status.DONE
    assert for_practice(Enrolment, practice_a).get().state == Enrolment.State.COMPLETED


def test_an_appointment_booked_before_enrolling_is_not_the_goal(
    practice_a, director, live, dentist, location_a, ctype_a
):
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    book(practice_a, director.user, rosa, dentist, location_a, ctype_a)
    live(ROMA, [email()], goal="booked_appointment", **ALWAYS)
    services.workflows_enrol(practice_a)
    assert for_practice(Enrolment, practice_a).get().state == Enrolment.State.ACTIVE


def test_the_goal_is_checked_before_a_step_runs_even_if_the_booking_event_was_lost(
    practice_a, director, live, dentist, location_a, ctype_a
):
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    live(ROMA, [email()], goal="booked_appointment", **ALWAYS)
    book(practice_a, director.user, rosa, dentist, location_a, ctype_a)  # no on_commit here
    services.workflow_steps_run_due()
    assert for_practice(Enrolment, practice_a).get().state == Enrolment.State.GOAL_REACHED
    assert not for_practice(Message, practice_a).exists()


def test_without_a_goal_a_booking_changes_nothing(
    practice_a, director, live, dentist, location_a, ctype_a, django_capture_on_commit_callbacks
):
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    live(ROMA, [email()], **ALWAYS)
    with django_capture_on_commit_callbacks(execute=True):
        book(practice_a, director.user, rosa, dentist, location_a, ctype_a)
    assert for_practice(Enrolment, practice_a).get().state == Enrolment.State.ACTIVE


def test_staff_removing_a_patient_cancels_pending_steps_and_unsent_messages_at_once(
    practice_a, receptionist, live
):
    # given: first email queued but not sent, second step waiting
    make_patient(practice_a, name="Rosa", city="Roma")
    live(ROMA, [email(), pause(days=1), email()], **ALWAYS)
    services.workflow_steps_run_due()
    enrolment = for_practice(Enrolment, practice_a).get()
    # when
    services.enrolment_remove(
        practice_a, actor=receptionist.user, enrolment=enrolment, note="Moved abroad"
    )
    # then
    enrolment.refresh_from_db()
    assert (enrolment.state, enrolment.end_note) == (Enrolment.State.REMOVED, "Moved abroad")
    assert enrolment.ended_by == receptionist.user
    runs = list(for_practice(StepRun, practice_a).order_by("id").values_list("state", flat=True))
    assert runs == ["done", "cancelled"]
    assert for_practice(Message, practice_a).get().status == Message.Status.CANCELLED
    # and nothing runs for them any more, even when the pause is over
    from time_machine import travel

    with travel(timezone.now() + dt.timedelta(days=2), tick=False):
        assert services.workflow_steps_run_due() == 0


def test_removing_needs_the_right_and_an_active_enrolment(practice_a, dentist, director, live):
    make_patient(practice_a, name="Rosa", city="Roma")
    live(ROMA, [email()], **ALWAYS)
    enrolment = for_practice(Enrolment, practice_a).get()
    with pytest.raises(PermissionDenied):
        services.enrolment_remove(practice_a, actor=dentist.user, enrolment=enrolment)
    services.enrolment_remove(practice_a, actor=director.user, enrolment=enrolment)
    with pytest.raises(ValidationError, match="no longer in this workflow"):
        services.enrolment_remove(practice_a, actor=director.user, enrolment=enrolment)


def _in_thread(target):
    """Run `target` in a thread of its own (its own database connection, closed after)."""
    result: dict = {}

    def run():
        try:
            result["value"] = target()
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            result["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_run_whose_patient_staff_are_removing_just_then_is_not_run(
    practice_a, director, live, on_postgres
):
    # given: staff are removing Rosa (their transaction not committed yet) as her run is due
    make_patient(practice_a, name="Rosa", city="Roma")
    live(ROMA, [email()], **ALWAYS)
    removing, commit = threading.Event(), threading.Event()

    def remove():
        with practice_scope(practice_a), transaction.atomic():
            enrolment = for_practice(Enrolment, practice_a).get()
            services.enrolment_remove(practice_a, actor=director.user, enrolment=enrolment)
            removing.set()
            assert commit.wait(30)

    thread, removal = _in_thread(remove)
    assert removing.wait(30)
    try:
        # when: a worker comes by meanwhile, and again after the removal
        assert services.workflow_steps_run_due() == 0  # passed by, not waited for
    finally:
        commit.set()
        thread.join(30)
    assert "error" not in removal
    assert services.workflow_steps_run_due() == 0
    # then: never run
    assert not for_practice(Message, practice_a).exists()
    assert for_practice(StepRun, practice_a).get().state == StepRun.State.CANCELLED


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_removing_a_patient_whose_step_a_worker_is_running_waits_and_cancels_what_it_queued(
    practice_a, director, live, monkeypatch, on_postgres
):
    # given: a worker has taken Rosa's first step and queued its email, not committed yet
    # (and no sender comes by before the removal: the email is still waiting to go)
    monkeypatch.setattr(sending, "dispatch_soon", lambda: None)
    make_patient(practice_a, name="Rosa", city="Roma")
    live(ROMA, [email(), pause(days=7), email()], **ALWAYS)
    took, commit = threading.Event(), threading.Event()

    def worker():
        with transaction.atomic():
            taken = runner.take_due_runs(limit=10, now=timezone.now())
            with practice_scope(practice_a):
                runner.run_taken(practice_a, taken[practice_a.pk])
            took.set()
            assert commit.wait(30)

    def remove():
        with practice_scope(practice_a):
            enrolment = for_practice(Enrolment, practice_a).get()
            return services.enrolment_remove(practice_a, actor=director.user, enrolment=enrolment)

    worker_thread, work = _in_thread(worker)
    assert took.wait(30)
    # when: staff remove her meanwhile (their removal waits for the worker's batch)
    removal_thread, removal = _in_thread(remove)
    removal_thread.join(0.5)
    assert removal_thread.is_alive()  # waiting for the enrolment's lock
    commit.set()
    worker_thread.join(30)
    removal_thread.join(30)
    # then: the step ran once, its email is cancelled before it went, nothing else is to come
    assert "error" not in work
    assert "error" not in removal
    assert removal["value"].state == Enrolment.State.REMOVED
    [message] = for_practice(Message, practice_a)
    assert message.status == Message.Status.CANCELLED
    assert sorted(for_practice(StepRun, practice_a).values_list("state", flat=True)) == [
        StepRun.State.CANCELLED,
        StepRun.State.DONE,
    ]
    assert services.workflow_steps_run_due() == 0
