"""Who enters a workflow, when, and how often: enrol existing, coming to match later
(after a change or in the sweep), once per workflow, re-enrolment, the usual zone, bulk."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marketing_workflows import services
from marketing_workflows.models import Enrolment, StepRun, Workflow
from marketing_workflows.tasks import workflows_sweep_task
from patients.models import Client
from practice.scoping import for_practice

from .. import factories as f
from .conftest import crit, email, make_patient, pause

ROMA = [crit("patient", "city", "eq", "Roma")]


def enrolled(practice, workflow):
    rows = for_practice(Enrolment, practice).filter(workflow=workflow)
    return sorted(rows.values_list("patient__name", flat=True))


def test_enrol_existing_on_enrols_every_matching_patient_when_it_goes_live(
    practice_a, director, build
):
    # given
    make_patient(practice_a, name="Rosa", city="Roma")
    make_patient(practice_a, name="Romeo", city="Roma")
    make_patient(practice_a, name="Ada", city="Amsterdam")
    workflow = build(ROMA, [email()], enrol_existing=True)
    # when
    result = services.workflow_activate(practice_a, actor=director.user, workflow=workflow)
    # then
    assert result.enrolled == 2
    assert enrolled(practice_a, workflow) == ["Romeo", "Rosa"]
    runs = for_practice(StepRun, practice_a).filter(enrolment__workflow=workflow)
    assert runs.count() == 2
    assert set(runs.values_list("state", flat=True)) == {StepRun.State.PENDING}


def test_enrol_existing_off_enrols_only_patients_who_come_to_match_later(
    practice_a, director, build, django_capture_on_commit_callbacks
):
    # given: Rosa already lives in Roma when the workflow goes live
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    ada = make_patient(practice_a, name="Ada", city="Amsterdam")
    workflow = build(ROMA, [email()], enrol_existing=False)
    assert (
        services.workflow_activate(practice_a, actor=director.user, workflow=workflow).enrolled == 0
    )
    # when: Ada moves to Roma, and a new patient from Roma registers
    with django_capture_on_commit_callbacks(execute=True):
        services.workflows_enrol(practice_a)  # the sweep leaves Rosa alone
        Client.objects.unscoped().filter(pk=ada.client_id).update(city="Roma")
        ada.client.city = "Roma"
        ada.client.save()
        make_patient(practice_a, name="Nuova", city="Roma")
    # then
    assert enrolled(practice_a, workflow) == ["Ada", "Nuova"]
    # and Rosa, once she stops matching and matches again, has come to match later
    Client.objects.unscoped().filter(pk=rosa.client_id).update(city="Milano")
    services.workflows_enrol(practice_a)
    Client.objects.unscoped().filter(pk=rosa.client_id).update(city="Roma")
    services.workflows_enrol(practice_a)
    assert enrolled(practice_a, workflow) == ["Ada", "Nuova", "Rosa"]


def test_a_client_edited_on_the_page_to_match_is_enrolled(
    practice_a, director, build, rita_client, django_capture_on_commit_callbacks
):
    # given
    ada = make_patient(practice_a, name="Ada", first_name="Ada", last_name="Bos", city="Amsterdam")
    workflow = build(ROMA, [email()], enrol_existing=True)
    services.workflow_activate(practice_a, actor=director.user, workflow=workflow)
    client = ada.client
    form = {"first_name": "Ada", "last_name": "Bos", "mobile": "+31612345678", "city": "Roma"}
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = rita_client.post(reverse("client-edit", args=[client.pk]), form)
    # then
    assert response.status_code == 302
    assert enrolled(practice_a, workflow) == ["Ada Bos"]


def test_booking_an_appointment_enrols_a_patient_whom_appointment_criteria_now_match(
    practice_a, director, build, dentist, location_a, ctype_a, django_capture_on_commit_callbacks
):
    from appointments.services import appointment_book

    patient = make_patient(practice_a, name="Piet")
    workflow = build(
        [crit("appointment", "consultation_type", "eq", ctype_a.pk)], [email()],
        enrol_existing=True,
    )  # fmt: skip
    services.workflow_activate(practice_a, actor=director.user, workflow=workflow)
    assert enrolled(practice_a, workflow) == []
    start = timezone.now() + dt.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_book(
            practice_a, actor=director.user, patient=patient, practitioner=dentist,
            location=location_a, consultation_type=ctype_a, starts_at=start,
        )  # fmt: skip
    assert enrolled(practice_a, workflow) == ["Piet"]


def test_the_periodic_sweep_enrols_patients_whom_time_made_match(
    practice_a, director, build, appointment_for
):
    # given: last seen 500 days ago; the workflow wants more than 540 days
    patient = make_patient(practice_a, name="Dormant")
    appointment_for(patient, timezone.now() - dt.timedelta(days=500))
    workflow = build(
        [crit("patient", "last_appointment", "days_ago_gt", 540)], [email()], enrol_existing=True
    )
    services.workflow_activate(practice_a, actor=director.user, workflow=workflow)
    assert enrolled(practice_a, workflow) == []
    # when: 50 days later the beat task sweeps
    with time_machine.travel(timezone.now() + dt.timedelta(days=50), tick=False):
        workflows_sweep_task()
    # then
    assert enrolled(practice_a, workflow) == ["Dormant"]


def test_a_patient_is_enrolled_once_however_often_they_match_again(practice_a, director, build):
    make_patient(practice_a, name="Rosa", city="Roma")
    workflow = build(ROMA, [email()], enrol_existing=True)
    services.workflow_activate(practice_a, actor=director.user, workflow=workflow)
    for _ in range(3):
        services.workflows_enrol(practice_a)
    assert enrolled(practice_a, workflow) == ["Rosa"]
    # even after finishing: re-enrolment is off
    for_practice(Enrolment, practice_a).update(
        state=Enrolment.State.COMPLETED, ended_at=timezone.now() - dt.timedelta(days=400)
    )
    services.workflows_enrol(practice_a)
    assert enrolled(practice_a, workflow) == ["Rosa"]


def test_may_enrol_again_after_finishing_waits_the_days_set(practice_a, director, build):
    make_patient(practice_a, name="Rosa", city="Roma")
    workflow = build(
        ROMA, [email()], enrol_existing=True, allow_reenrolment=True, reenrol_after_days=30
    )
    services.workflow_activate(practice_a, actor=director.user, workflow=workflow)
    first = for_practice(Enrolment, practice_a).get()
    services.workflows_enrol(practice_a)  # still active: not twice
    assert for_practice(Enrolment, practice_a).count() == 1
    Enrolment.objects.unscoped().filter(pk=first.pk).update(
        state=Enrolment.State.COMPLETED, ended_at=timezone.now() - dt.timedelta(days=10)
    )
    services.workflows_enrol(practice_a)  # finished 10 days ago: too soon
    assert for_practice(Enrolment, practice_a).count() == 1
    with time_machine.travel(timezone.now() + dt.timedelta(days=21), tick=False):
        services.workflows_enrol(practice_a)
    rounds = for_practice(Enrolment, practice_a).order_by("round").values_list("round", "state")
    assert list(rounds) == [(1, "completed"), (2, "active")]


def test_a_patient_staff_removed_is_not_enrolled_again(practice_a, director, build):
    make_patient(practice_a, name="Rosa", city="Roma")
    workflow = build(ROMA, [email()], enrol_existing=True, allow_reenrolment=True,
                     reenrol_after_days=0)  # fmt: skip
    services.workflow_activate(practice_a, actor=director.user, workflow=workflow)
    services.enrolment_remove(
        practice_a, actor=director.user, enrolment=for_practice(Enrolment, practice_a).get()
    )
    services.workflows_enrol(practice_a)
    assert list(for_practice(Enrolment, practice_a).values_list("state", flat=True)) == ["removed"]


def test_enrolment_takes_the_zone_of_the_patients_usual_location_else_the_practices(
    practice_a, director, build, appointment_for
):
    helsinki = f.LocationFactory(practice=practice_a, name="Helsinki", time_zone="Europe/Helsinki")
    travels = make_patient(practice_a, name="Travels", city="Roma")
    appointment_for(travels, timezone.now() - dt.timedelta(days=30), location=helsinki)
    make_patient(practice_a, name="Stays", city="Roma")
    workflow = build(ROMA, [email()], enrol_existing=True)
    services.workflow_activate(practice_a, actor=director.user, workflow=workflow)
    zones = dict(for_practice(Enrolment, practice_a).values_list("patient__name", "time_zone"))
    assert zones == {"Travels": "Europe/Helsinki", "Stays": "Europe/Amsterdam"}


def _enrol_queries(practice, director, build, count, city):
    for index in range(count):
        make_patient(practice, name=f"P{index}", city=city)
    criteria = [crit("patient", "city", "eq", city)]
    workflow = build(criteria, [pause(days=1), email()], enrol_existing=True)
    with CaptureQueriesContext(connection) as queries:
        result = services.workflow_activate(practice, actor=director.user, workflow=workflow)
    assert result.enrolled == count
    return len(queries)


def test_enrolment_is_in_bulk_not_one_query_per_patient(practice_a, director, build):
    few = _enrol_queries(practice_a, director, build, 2, "Roma")
    many = _enrol_queries(practice_a, director, build, 40, "Milano")
    assert many == few


@pytest.mark.parametrize("exclusive_first", [True, False])
def test_exclusivity_works_both_ways(practice_a, director, build, exclusive_first):
    """A patient in an exclusive active workflow is kept out of the others; a patient already
    in another active workflow is kept out of an exclusive one."""
    make_patient(practice_a, name="Rosa", city="Roma")
    first = build(ROMA, [email()], enrol_existing=True, exclusive=exclusive_first, name="First")
    second = build(ROMA, [email()], enrol_existing=True, exclusive=not exclusive_first,
                   name="Second")  # fmt: skip
    services.workflow_activate(practice_a, actor=director.user, workflow=first)
    services.workflow_activate(practice_a, actor=director.user, workflow=second)
    services.workflows_enrol(practice_a)
    assert enrolled(practice_a, first) == ["Rosa"]
    assert enrolled(practice_a, second) == []


def test_non_exclusive_workflows_share_patients_and_a_paused_exclusive_one_keeps_no_one_out(
    practice_a, director, build
):
    make_patient(practice_a, name="Rosa", city="Roma")
    exclusive = build(ROMA, [email()], enrol_existing=True, exclusive=True, name="Exclusive")
    one = build(ROMA, [email()], enrol_existing=True, name="One")
    two = build(ROMA, [email()], enrol_existing=True, name="Two")
    services.workflow_activate(practice_a, actor=director.user, workflow=exclusive)
    services.workflow_pause(practice_a, actor=director.user, workflow=exclusive)
    services.workflow_activate(practice_a, actor=director.user, workflow=one)
    services.workflow_activate(practice_a, actor=director.user, workflow=two)
    assert enrolled(practice_a, one) == enrolled(practice_a, two) == ["Rosa"]


def test_a_paused_workflow_enrols_no_one(practice_a, director, build):
    workflow = build(ROMA, [email()], enrol_existing=True)
    make_patient(practice_a, name="Rosa", city="Roma")
    services.workflows_enrol(practice_a)
    assert Workflow.objects.unscoped().get(pk=workflow.pk).status == Workflow.Status.PAUSED
    assert enrolled(practice_a, workflow) == []


def test_enrolment_never_takes_another_practices_patients(practice_a, practice_b, director, build):
    make_patient(practice_b, name="Theirs", city="Roma")
    workflow = build(ROMA, [email()], enrol_existing=True)
    assert (
        services.workflow_activate(practice_a, actor=director.user, workflow=workflow).enrolled == 0
    )
    assert Enrolment.objects.unscoped().count() == 0
