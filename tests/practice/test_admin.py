"""Django admin: scoped so a practice's manager sees only their practice."""

import pytest
from django.contrib import admin
from django.urls import reverse

from appointments.models import ConsultationType
from practice.models import Practice
from practice.scoping import PracticeOwnedModel

from .. import factories as f

SCOPED_MODELS = [model for model in admin.site._registry if issubclass(model, PracticeOwnedModel)]


@pytest.fixture
def dora_admin(client, director):
    director.user.is_staff = True
    director.user.save()
    client.force_login(director.user)
    return client


@pytest.fixture
def superuser_client(client, db):
    user = f.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.fixture
def rows(appointment_a, appointment_b, director, vet_b, practice_a, practice_b):
    """One row of every registered model in each practice."""
    from appointments.models import (
        Absence,
        Payment,
        PlannedTreatment,
        Recall,
        TreatmentPlan,
        WaitlistEntry,
        WorkingHours,
        WorkingHoursException,
    )
    from practice.models import AuditLog, Equipment

    made = {}
    for practice, appt in ((practice_a, appointment_a), (practice_b, appointment_b)):
        plan = TreatmentPlan.objects.unscoped().create(
            practice=practice, patient=appt.patient, title="Plan"
        )
        PlannedTreatment.objects.unscoped().create(
            practice=practice, plan=plan, code="X1", description="d", fee="10.00"
        )
        objects = [
            appt,
            appt.patient,
            appt.client,
            appt.location,
            appt.practitioner,
            appt.consultation_type,
            plan,
            f.RoomFactory(practice=practice, location=appt.location),
            Equipment.objects.unscoped().create(
                practice=practice, location=appt.location, name="X-ray", kind="xray"
            ),
            AuditLog.objects.unscoped().create(
                practice=practice, action="test", object_type="x", object_id=1
            ),
            WorkingHours.objects.unscoped().create(
                practice=practice,
                practitioner=appt.practitioner,
                location=appt.location,
                weekday=0,
                start_time="08:00",
                end_time="17:00",
            ),
            WorkingHoursException.objects.unscoped().create(
                practice=practice,
                practitioner=appt.practitioner,
                location=appt.location,
                date="2030-01-01",
            ),
            Absence.objects.unscoped().create(
                practice=practice,
                practitioner=appt.practitioner,
                starts_at=appt.starts_at,
                ends_at=appt.ends_at,
            ),
            Recall.objects.unscoped().create(
                practice=practice, patient=appt.patient, kind="dentist", due_date="2030-01-01"
            ),
            f.PaymentFactory(practice=practice, client=appt.client, appointment=appt),
            WaitlistEntry.objects.unscoped().create(
                practice=practice,
                client=appt.client,
                patient=appt.patient,
                consultation_type=appt.consultation_type,
                location=appt.location,
            ),
            *_messaging_rows(practice, appt),
            *_departure_rows(practice, appt),
            *_online_booking_rows(practice, appt),
            *_crm_rows(practice, appt),
            *_workflow_rows(practice, appt),
        ]
        made[practice.slug] = {type(o): o for o in objects}
        assert Payment  # imported for the registry check below
    return made


def _messaging_rows(practice, appt):
    from messaging.models import (
        Message,
        MessageTemplate,
        MessagingSettings,
        SmsGateway,
        SmsOptOut,
    )

    return [
        MessagingSettings.objects.unscoped().create(practice=practice),
        SmsGateway.objects.unscoped().create(
            practice=practice, account_sid="AC123456", auth_token="tok-9876", sender="+31970"
        ),
        MessageTemplate.objects.unscoped().create(
            practice=practice,
            consultation_type=appt.consultation_type,
            kind="reminder",
            channel="sms",
            language="en",
            body="Hi {client}",
        ),
        Message.objects.unscoped().create(
            practice=practice,
            appointment=appt,
            client=appt.client,
            kind="reminder",
            channel="sms",
            due_at=appt.starts_at,
            idempotency_key=f"k{appt.pk}",
        ),
        SmsOptOut.objects.unscoped().create(practice=practice, number="+31612345678"),
    ]


def _departure_rows(practice, appt):
    from departure_workflow.models import CustomOption, DepartureWorkflow, FailureReason

    return [
        FailureReason.objects.unscoped().filter(practice=practice).first(),
        CustomOption.objects.unscoped().create(practice=practice, appointment=appt, message="m"),
        DepartureWorkflow.objects.unscoped().create(
            practice=practice,
            appointment=appt,
            patient=appt.patient,
            client=appt.client,
            location=appt.location,
            practitioner=appt.practitioner,
            local_date="2030-01-01",
        ),
    ]


def _crm_rows(practice, appt):
    from django.utils import timezone

    from crm.models import (
        ApiKey,
        Channel,
        ChannelGroup,
        ChannelRule,
        ContactSettings,
        ProviderEvent,
        Task,
    )

    group = ChannelGroup.objects.unscoped().create(practice=practice, name="Context ads")
    channel = Channel.objects.unscoped().create(practice=practice, group=group, name="Search")
    return [
        Task.objects.unscoped().create(
            practice=practice, patient=appt.patient, kind="recall", assignee=appt.practitioner
        ),
        group,
        channel,
        ChannelRule.objects.unscoped().create(
            practice=practice, channel=channel, kind="utm", utm_source="google"
        ),
        ContactSettings.objects.unscoped().create(practice=practice),
        ApiKey.objects.unscoped().create(
            practice=practice, name="Telephony", prefix=f"p{practice.pk}", hashed="x"
        ),
        ProviderEvent.objects.unscoped().create(
            practice=practice,
            source="api",
            provider_id="call:1",
            event="ringing",
            occurred_at=timezone.now(),
        ),  # fmt: skip
    ]


def _workflow_rows(practice, appt):
    from django.utils import timezone

    from marketing_workflows.models import Enrolment, Workflow, WorkflowVersion

    workflow = Workflow.objects.unscoped().create(practice=practice, name="Recall")
    version = WorkflowVersion.objects.unscoped().create(practice=practice, workflow=workflow)
    Workflow.objects.unscoped().filter(pk=workflow.pk).update(current_version=version)
    enrolment = Enrolment.objects.unscoped().create(
        practice=practice,
        workflow=workflow,
        version=version,
        patient=appt.patient,
        time_zone="Europe/Amsterdam",
        enrolled_at=timezone.now(),
    )
    return [workflow, version, enrolment]


def _online_booking_rows(practice, appt):
    from online_booking.models import (
        OnlineBooking,
        OnlineBookingSettings,
        OnlineLocation,
        OnlineWindow,
        Reason,
        ReasonGroup,
    )

    group = ReasonGroup.objects.unscoped().create(practice=practice, name="Checks")
    reason = Reason.objects.unscoped().create(
        practice=practice, group=group, consultation_type=appt.consultation_type, name="R"
    )
    return [
        OnlineBookingSettings.objects.unscoped().create(practice=practice),
        OnlineLocation.objects.unscoped().create(practice=practice, location=appt.location),
        OnlineWindow.objects.unscoped().create(
            practice=practice,
            location=appt.location,
            weekday=0,
            start_time="08:00",
            end_time="12:00",
        ),
        group,
        reason,
        OnlineBooking.objects.unscoped().create(
            practice=practice, appointment=appt, reason=reason, typed={"first_name": "A"}
        ),
    ]


def _url(model, name, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{name}", args=args)


def test_every_practice_owned_model_is_registered():
    from django.apps import apps

    from appointments.models import PlannedTreatment, WaitlistOffer
    from crm import models as crm
    from departure_workflow.models import CustomOptionLink, DepartureAction, DepartureStep
    from marketing_workflows.models import Criterion, PriorMatch, Step, StepRun

    owned = {m for m in apps.get_models() if issubclass(m, PracticeOwnedModel)}
    # Shown inline on their parent (treatment plan, custom option, departure workflow,
    # waitlist entry, workflow version, enrolment).
    inline_only = {
        PlannedTreatment,
        CustomOptionLink,
        DepartureAction,
        DepartureStep,
        WaitlistOffer,
        Criterion,
        Step,
        StepRun,
    }
    # Bookkeeping of the enrolment sweep, nothing for staff to see; the contact history's
    # derived rows, which staff see in its pages.
    internal = {
        PriorMatch,
        crm.Communication,
        crm.Comment,
        crm.Contact,
        crm.ContactRecord,
    }
    assert owned - inline_only - internal == set(SCOPED_MODELS)


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m.__name__)
def test_manager_changelist_shows_only_their_practice(dora_admin, rows, model):
    response = dora_admin.get(_url(model, "changelist"))
    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert rows["centrum"][model].pk in shown
    assert rows["kivi"][model].pk not in shown


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m.__name__)
def test_another_practices_row_answers_like_a_missing_one(dora_admin, rows, model):
    other = dora_admin.get(_url(model, "change", rows["kivi"][model].pk))
    missing = dora_admin.get(_url(model, "change", 987_654))
    assert other.status_code == missing.status_code == 302
    assert other["Location"] == missing["Location"]


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m.__name__)
def test_superuser_sees_every_practice(superuser_client, rows, model):
    response = superuser_client.get(_url(model, "changelist"))
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert {rows["centrum"][model].pk, rows["kivi"][model].pk} <= shown
    assert superuser_client.get(_url(model, "change", rows["kivi"][model].pk)).status_code == 200


def test_clinical_staff_cannot_use_the_admin(client, dentist):
    dentist.user.is_staff = True
    dentist.user.save()
    client.force_login(dentist.user)
    assert client.get(_url(ConsultationType, "changelist")).status_code == 403


def test_added_rows_belong_to_the_managers_practice_whatever_is_posted(
    dora_admin, practice_a, practice_b
):
    response = dora_admin.post(
        _url(ConsultationType, "add"),
        {
            "practice": practice_b.pk,
            "name": "Implant consult",
            "duration_minutes": 30,
            "category": "examination",
            "colour": "#123456",
            "room_kind": "",
            "fee": "0",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = ConsultationType.objects.unscoped().get(name="Implant consult")
    assert created.practice == practice_a


def test_foreign_key_choices_exclude_another_practice(dora_admin, rows):
    from appointments.models import WorkingHours

    response = dora_admin.get(_url(WorkingHours, "add"))
    choices = response.context["adminform"].form.fields["location"].queryset
    assert rows["centrum"][type(rows["centrum"][WorkingHours].location)] in choices
    assert not choices.filter(practice__slug="kivi").exists()


def test_manager_sees_only_their_practice_row(dora_admin, practice_a, practice_b):
    response = dora_admin.get(reverse("admin:practice_practice_changelist"))
    assert list(response.context["cl"].result_list) == [practice_a]
    other = dora_admin.get(reverse("admin:practice_practice_change", args=[practice_b.pk]))
    assert other.status_code == 302
    assert Practice.objects.count() == 2


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m.__name__)
def test_manager_opens_their_own_rows(dora_admin, rows, model):
    assert dora_admin.get(_url(model, "change", rows["centrum"][model].pk)).status_code == 200


def test_gateway_auth_token_is_never_shown_back(dora_admin, rows):
    from messaging.models import SmsGateway

    gateway = rows["centrum"][SmsGateway]
    content = dora_admin.get(_url(SmsGateway, "change", gateway.pk)).content.decode()
    assert "tok-9876" not in content


def test_template_with_an_unknown_placeholder_is_refused(dora_admin, rows):
    from messaging.models import MessageTemplate

    response = dora_admin.post(
        _url(MessageTemplate, "add"),
        {
            "kind": "confirmation",
            "channel": "sms",
            "language": "nl",
            "body": "Beste {klant}, tot {date}",
            "subject": "",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["body"]
    assert "{klant}" in errors[0]
    assert not MessageTemplate.objects.unscoped().filter(body__contains="klant").exists()
