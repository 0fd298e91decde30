"""Workflow fixtures: practice A (Amsterdam) with patients to match, and helpers to build a
workflow through the services."""

import datetime as dt
from types import SimpleNamespace

import pytest

from marketing_workflows import services
from marketing_workflows.models import Step

from .. import factories as f

AMS = "Europe/Amsterdam"


def crit(subject, field, operator, value, value_to=""):
    """A criterion as a page would hand it to the services."""
    return SimpleNamespace(
        subject=subject, field=field, operator=operator, value=str(value), value_to=str(value_to)
    )


def email(subject="Time for a check-up, {patient}", body="Book at {booking_link}"):
    return {"kind": Step.Kind.EMAIL, "subject": subject, "body": body}


def sms(body="Hi {patient}, time for a check-up: {booking_link}"):
    return {"kind": Step.Kind.SMS, "body": body}


def pause(days=0, hours=0, minutes=0):
    return {"kind": Step.Kind.PAUSE, "pause_days": days, "pause_hours": hours,
            "pause_minutes": minutes}  # fmt: skip


def task(assignee, kind="recall", description="Call about a check-up"):
    return {
        "kind": Step.Kind.TASK,
        "task_kind": kind,
        "task_description": description,
        "task_assignee_id": assignee.pk,
    }


def make_patient(practice, *, name=None, patient=None, **client_fields):
    """A client and their patient (the same person in a dental practice)."""
    client_fields.setdefault("marketing_consent", True)
    client = f.ClientFactory(practice=practice, **client_fields)
    return f.PatientFactory(
        practice=practice, client=client, name=name or client.full_name, **(patient or {})
    )


@pytest.fixture
def build(practice_a, director):
    """build(criteria, steps, **settings): a saved (paused) workflow with one version."""
    counter = iter(range(1000))

    def make(criteria, steps, name=None, **settings):
        workflow = services.workflow_create(
            practice_a, actor=director.user, name=name or f"Workflow {next(counter)}"
        )
        services.workflow_version_save(
            practice_a,
            actor=director.user,
            workflow=workflow,
            settings=settings,
            criteria=criteria,
            steps=steps,
        )
        workflow.refresh_from_db()
        return workflow

    return make


@pytest.fixture
def appointment_for(practice_a, dentist, location_a, ctype_a):
    """appointment_for(patient, starts_at, **fields): an appointment of practice A, with a
    practitioner of its own unless one is given (no two clash)."""

    def make(patient, starts_at, **fields):
        if "practitioner" not in fields:
            fields["practitioner"] = f.MembershipFactory(practice=practice_a)
        fields.setdefault("location", location_a)
        fields.setdefault("consultation_type", ctype_a)
        return f.AppointmentFactory(
            practice=practice_a,
            patient=patient,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=30),
            **fields,
        )

    return make


@pytest.fixture
def sms_gateway_a(practice_a):
    from messaging.models import SmsGateway

    return SmsGateway.objects.unscoped().create(
        practice=practice_a,
        account_sid="AC" + "1" * 32,
        auth_token="secret-token-1234",
        sender="+3197010000000",
        credit_segments=100,
    )


@pytest.fixture
def live(practice_a, director, build):
    """live(criteria, steps, **settings): an active workflow, its existing matches enrolled."""

    def make(criteria, steps, **settings):
        settings.setdefault("enrol_existing", True)
        workflow = build(criteria, steps, **settings)
        services.workflow_activate(practice_a, actor=director.user, workflow=workflow)
        workflow.refresh_from_db()
        return workflow

    return make


def at(year, month, day, hour=0, minute=0, zone=AMS):
    """A local wall-clock time as a UTC instant (the test's own arithmetic)."""
    import zoneinfo

    from practice import localtime

    return localtime.wall_to_utc(dt.date(year, month, day), dt.time(hour, minute),
                                 zoneinfo.ZoneInfo(zone))  # fmt: skip
