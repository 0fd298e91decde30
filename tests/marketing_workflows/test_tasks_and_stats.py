"""'Add task' steps make CRM tasks (in the assignee's list), a goal closes the workflow's
open recall tasks, and the statistics: per workflow, per step, per patient; fixed query
counts."""

import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone

from appointments.services import appointment_book
from crm.models import Task
from marketing_workflows import selectors, services
from marketing_workflows.models import Enrolment, StepRun
from messaging.models import Message
from messaging.status import message_set_status
from practice.models import Membership
from practice.scoping import for_practice

from .conftest import crit, email, make_patient, pause, sms, task

ROMA = [crit("patient", "city", "eq", "Roma")]
ALWAYS = {"window_start": dt.time(0), "window_end": dt.time(0)}


def test_an_add_task_step_makes_a_task_for_the_responsible_staff_member(
    practice_a, live, receptionist, rita_client
):
    # given
    rosa = make_patient(practice_a, name="Rosa Rossi", city="Roma")
    workflow = live(ROMA, [task(receptionist, kind="recall", description="Call Rosa back")],
                    **ALWAYS)  # fmt: skip
    # when
    services.workflow_steps_run_due()
    # then
    made = for_practice(Task, practice_a).get()
    assert (made.patient_id, made.kind, made.description) == (rosa.pk, "recall", "Call Rosa back")
    assert made.assignee_id == receptionist.pk
    assert (made.origin, made.origin_id, made.origin_label) == (
        Task.Origin.WORKFLOW, workflow.pk, workflow.name,
    )  # fmt: skip
    run = for_practice(StepRun, practice_a).get()
    assert (run.state, run.task_id) == (StepRun.State.DONE, made.pk)
    # and it is in reception's task list, with the workflow that made it
    page = rita_client.get(reverse("task-list")).content.decode()
    assert "Call Rosa back" in page
    assert workflow.name in page


def test_a_task_step_whose_staff_member_left_is_skipped_and_the_enrolment_goes_on(
    practice_a, live, receptionist
):
    make_patient(practice_a, name="Rosa", city="Roma")
    live(ROMA, [task(receptionist), email()], **ALWAYS)
    Membership.objects.unscoped().filter(pk=receptionist.pk).update(is_active=False)
    services.workflow_steps_run_due()
    runs = list(for_practice(StepRun, practice_a).order_by("id"))
    assert [run.state for run in runs] == ["skipped", "done"]
    assert "active staff member" in runs[0].note
    assert not for_practice(Task, practice_a).exists()


def test_reaching_the_goal_closes_the_workflows_open_recall_tasks_for_the_patient(
    practice_a, director, live, receptionist, dentist, location_a, ctype_a,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    # given: a recall and a payment task made by the workflow, and one of staff's own
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    live(ROMA, [task(receptionist), task(receptionist, kind="payment"), pause(days=3), email()],
         goal="booked_appointment", **ALWAYS)  # fmt: skip
    services.workflow_steps_run_due()
    services.workflow_steps_run_due()
    from crm.services import task_create

    own = task_create(practice_a, actor=director.user, patient=rosa, kind="recall",
                      description="Mine", assignee=receptionist)  # fmt: skip
    # when: she books
    start = timezone.now() + dt.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_book(
            practice_a, actor=director.user, patient=rosa, practitioner=dentist,
            location=location_a, consultation_type=ctype_a, starts_at=start,
        )  # fmt: skip
    # then: the workflow's recall task is closed; its payment task and staff's own stay
    statuses = dict(for_practice(Task, practice_a).values_list("kind", "status").exclude(pk=own.pk))
    assert statuses == {"recall": Task.Status.CANCELLED, "payment": Task.Status.OPEN}
    own.refresh_from_db()
    assert own.status == Task.Status.OPEN
    assert for_practice(Enrolment, practice_a).get().state == Enrolment.State.GOAL_REACHED


def test_workflow_statistics_count_enrolments_steps_messages_and_tasks(
    practice_a, director, live, receptionist, sms_gateway_a, django_assert_num_queries
):
    # given: three patients; one without consent; one removed before the second step
    ada = make_patient(practice_a, name="Ada", city="Roma")
    make_patient(practice_a, name="Bea", city="Roma")
    make_patient(practice_a, name="Cleo", city="Roma", marketing_consent=False)
    workflow = live(ROMA, [email(), pause(minutes=1), sms(), task(receptionist)], **ALWAYS)
    services.workflow_steps_run_due()  # emails (Cleo's refused)
    services.enrolment_remove(
        practice_a, actor=director.user,
        enrolment=for_practice(Enrolment, practice_a).get(patient=ada),
    )  # fmt: skip
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
        services.workflow_steps_run_due()  # SMS (Cleo's refused), then tasks
    sms_sent = for_practice(Message, practice_a).get(channel="sms", status="scheduled")
    message_set_status(sms_sent, status=Message.Status.DELIVERED, expected=sms_sent.status)
    from crm.services import task_complete

    task_complete(practice_a, actor=director.user, task=for_practice(Task, practice_a).first())
    # when
    with django_assert_num_queries(2):  # enrolments by state, tasks (crm)
        stats = selectors.workflow_stats(practice_a, workflow)
    version = workflow.current_version
    with django_assert_num_queries(1):
        steps = list(selectors.workflow_step_stats(practice_a, version))
    # then
    assert stats == selectors.WorkflowStats(
        enrolled=3, active=0, completed=2, goal_reached=0, removed=1, tasks_created=2,
        tasks_done=1,
    )  # fmt: skip
    by_kind = {s.kind: s for s in steps if s.kind != "pause"}
    assert (by_kind["email"].done, by_kind["email"].skipped, by_kind["email"].failed) == (2, 1, 1)
    assert by_kind["email"].sent == 0  # queued, not handed to the provider yet
    assert (by_kind["sms"].done, by_kind["sms"].skipped, by_kind["sms"].delivered) == (1, 1, 1)
    assert (by_kind["task"].done, by_kind["task"].tasks) == (2, 2)


def test_the_workflow_list_shows_state_counts_and_last_activity_in_one_query(
    practice_a, live, build, django_assert_num_queries
):
    for name in ("Ada", "Bea"):
        make_patient(practice_a, name=name, city="Roma")
    with time_machine.travel(dt.datetime(2030, 6, 3, 8, tzinfo=dt.UTC), tick=False):
        live(ROMA, [email()], name="Recall", **ALWAYS)
    build(ROMA, [email()], name="Draft")
    with time_machine.travel(dt.datetime(2030, 6, 3, 9, tzinfo=dt.UTC), tick=False):
        services.workflow_steps_run_due()
    with django_assert_num_queries(1):
        rows = list(selectors.workflow_list(practice_a))
    summary = [
        (w.name, w.status, w.enrolled, w.active_count, w.current_version.number,
         selectors.last_activity(w)) for w in rows
    ]  # fmt: skip
    assert summary == [
        ("Draft", "paused", 0, 0, 1, None),
        ("Recall", "active", 2, 0, 1, dt.datetime(2030, 6, 3, 9, tzinfo=dt.UTC)),
    ]


def test_a_patients_workflows_say_what_each_did_in_two_queries(
    practice_a, director, live, receptionist, django_assert_num_queries
):
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    first = live(ROMA, [email(), task(receptionist)], name="Recall", **ALWAYS)
    services.workflow_steps_run_due()
    second = live(ROMA, [pause(days=2), email()], name="News", **ALWAYS)
    with django_assert_num_queries(2):
        enrolments = selectors.patient_workflows(practice_a, rosa)
        story = [
            (e.workflow.name, e.version.number, e.state,
             [(r.step.kind, r.state, r.message.status if r.message else None, r.task_id is not None)
              for r in e.run_list])
            for e in enrolments
        ]  # fmt: skip
    assert story == [
        ("News", 1, "active", [("email", "pending", None, False)]),
        ("Recall", 1, "completed", [("email", "done", "scheduled", False),
                                    ("task", "done", None, True)]),
    ]  # fmt: skip
    assert {first.pk, second.pk} == {e.workflow_id for e in enrolments}


def test_a_workflows_enrolments_list_in_one_query_with_each_next_step(
    practice_a, live, django_assert_num_queries
):
    for name in ("Ada", "Bea", "Cleo"):
        make_patient(practice_a, name=name, city="Roma")
    workflow = live(ROMA, [pause(days=2), email()], **ALWAYS)
    with django_assert_num_queries(1):
        rows = [
            (e.patient.name, e.version.number, e.state, e.next_due is not None)
            for e in selectors.workflow_enrolments(practice_a, workflow)
        ]
    assert sorted(rows) == [
        ("Ada", 1, "active", True),
        ("Bea", 1, "active", True),
        ("Cleo", 1, "active", True),
    ]
