"""Django admin: a manager builds a workflow with criteria and steps (inlines), activates
it, edits it into a new version, and removes a patient, all through the services."""

import pytest
from django.urls import reverse

from marketing_workflows.models import Criterion, Enrolment, StepRun, Workflow, WorkflowVersion
from practice.scoping import for_practice

from .conftest import make_patient


@pytest.fixture
def dora_admin(client, director):
    director.user.is_staff = True
    director.user.save()
    client.force_login(director.user)
    return client


def _version_url(version):
    return reverse("admin:marketing_workflows_workflowversion_change", args=[version.pk])


def _version_form(criteria, steps, **settings):
    data = {
        "weekdays": ["0", "1", "2", "3", "4", "5", "6"],
        "window_start": "00:00",
        "window_end": "00:00",
        "goal": "",
        "reenrol_after_days": "30",
        "enrol_existing": "on",
        **settings,
    }
    for prefix, rows in (("criteria", criteria), ("steps", steps)):
        data.update({f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": 0,
                     f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000})  # fmt: skip
        for index, row in enumerate(rows):
            data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
            data[f"{prefix}-{index}-position"] = index
    return data


ROMA = {"subject": "patient", "field": "city", "operator": "eq", "value": "Roma"}
EMAIL = {"kind": "email", "subject": "Hi {patient}", "body": "Book: {booking_link}",
         "pause_days": 0, "pause_hours": 0, "pause_minutes": 0}  # fmt: skip


def test_a_manager_builds_and_activates_a_workflow_in_admin(dora_admin, practice_a):
    # given: two patients in Roma
    make_patient(practice_a, name="Rosa", city="Roma")
    make_patient(practice_a, name="Romeo", city="Roma")
    # when: she adds the workflow, fills in its version and activates it
    response = dora_admin.post(
        reverse("admin:marketing_workflows_workflow_add"), {"name": "Roma recall"}
    )
    assert response.status_code == 302
    workflow = Workflow.objects.unscoped().get(name="Roma recall")
    assert workflow.practice == practice_a
    version = workflow.current_version
    response = dora_admin.post(_version_url(version), _version_form([ROMA], [EMAIL]))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(for_practice(Criterion, practice_a).values_list("value", flat=True)) == ["Roma"]
    response = dora_admin.post(
        reverse("admin:marketing_workflows_workflow_changelist"),
        {"action": "activate", "_selected_action": [workflow.pk]},
        follow=True,
    )
    # then
    assert "Roma recall is active: 2 patients enrolled." in response.content.decode()
    assert for_practice(Enrolment, practice_a).count() == 2


def test_admin_shows_each_criterion_and_steps_error_and_saves_nothing(
    dora_admin, practice_a, location_b
):
    dora_admin.post(reverse("admin:marketing_workflows_workflow_add"), {"name": "W"})
    version = Workflow.objects.unscoped().get(name="W").current_version
    theirs = {"subject": "appointment", "field": "location", "operator": "eq",
              "value": str(location_b.pk)}  # fmt: skip
    bad_email = {**EMAIL, "subject": "", "body": "Hi {nickname}"}
    response = dora_admin.post(_version_url(version), _version_form([ROMA, theirs], [bad_email]))
    assert response.status_code == 200
    criteria_errors = [form.errors for form in response.context["inline_admin_formsets"][0].formset]
    step_errors = response.context["inline_admin_formsets"][1].formset.forms[0].errors
    assert criteria_errors[1]["value"] == ["Choose one from the list."]
    assert "subject" in step_errors
    assert "Unknown placeholder {nickname}" in step_errors["body"][0]
    assert not for_practice(Criterion, practice_a).exists()


def test_editing_a_live_version_in_admin_saves_the_next_version(dora_admin, practice_a):
    make_patient(practice_a, name="Rosa", city="Roma")
    dora_admin.post(reverse("admin:marketing_workflows_workflow_add"), {"name": "W"})
    workflow = Workflow.objects.unscoped().get(name="W")
    dora_admin.post(_version_url(workflow.current_version), _version_form([ROMA], [EMAIL]))
    dora_admin.post(
        reverse("admin:marketing_workflows_workflow_changelist"),
        {"action": "activate", "_selected_action": [workflow.pk]},
    )
    first = WorkflowVersion.objects.unscoped().get(workflow=workflow)
    milano = {**ROMA, "value": "Milano"}
    response = dora_admin.post(_version_url(first), _version_form([milano], [EMAIL]))
    workflow.refresh_from_db()
    assert workflow.current_version.number == 2
    assert response["Location"] == _version_url(workflow.current_version)
    assert list(
        for_practice(Criterion, practice_a)
        .order_by("version__number")
        .values_list("value", flat=True)
    ) == ["Roma", "Milano"]
    assert for_practice(Enrolment, practice_a).get().version_id == first.pk


def test_activation_refused_in_admin_says_why(dora_admin, practice_a):
    make_patient(practice_a, name="Rosa", city="Roma")
    dora_admin.post(reverse("admin:marketing_workflows_workflow_add"), {"name": "W"})
    workflow = Workflow.objects.unscoped().get(name="W")
    sms = {**EMAIL, "kind": "sms", "subject": ""}
    dora_admin.post(_version_url(workflow.current_version), _version_form([ROMA], [sms]))
    response = dora_admin.post(
        reverse("admin:marketing_workflows_workflow_changelist"),
        {"action": "activate", "_selected_action": [workflow.pk]},
        follow=True,
    )
    assert "no SMS gateway" in response.content.decode()
    workflow.refresh_from_db()
    assert not workflow.is_active


def test_removing_a_patient_in_admin_cancels_their_waiting_steps(dora_admin, practice_a, live):
    from .conftest import email, pause

    make_patient(practice_a, name="Rosa", city="Roma")
    live([{"subject": "patient", "field": "city", "operator": "eq", "value": "Roma",
           "value_to": ""}], [pause(days=1), email()])  # fmt: skip
    enrolment = for_practice(Enrolment, practice_a).get()
    dora_admin.post(
        reverse("admin:marketing_workflows_enrolment_changelist"),
        {"action": "remove", "_selected_action": [enrolment.pk]},
    )
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.REMOVED
    assert for_practice(StepRun, practice_a).get().state == StepRun.State.CANCELLED
