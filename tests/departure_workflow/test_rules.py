"""Every rule of the departure list (issue 4), one named test each."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from appointments.models import Appointment, PlannedTreatment, Recall
from appointments.services import appointment_set_status, payment_take
from departure_workflow import services
from departure_workflow.models import (
    ActionKind,
    CustomOptionLink,
    DepartureStep,
    DepartureWorkflow,
    FailureReason,
    Outcome,
    PostponeReason,
)
from messaging.models import Message, SmsGateway
from patients.models import Client

from .. import factories as f
from .conftest import local_today
from .helpers import action_of, build, complete_with_reasons, kinds_of

pytestmark = pytest.mark.django_db


def _plan(practice, patient, *, to_book=True, fee="80.00", appointment=None, status="planned"):
    plan = f.TreatmentPlanFactory(practice=practice, patient=patient)
    return PlannedTreatment.objects.unscoped().create(
        practice=practice,
        plan=plan,
        code="V21",
        description="Filling",
        fee=Decimal(fee),
        to_book=to_book,
        appointment=appointment,
        status=status,
    )


def _book_later(practice_a, visit, *, days=14):
    start = visit.starts_at + dt.timedelta(days=days)
    return f.AppointmentFactory(
        practice=practice_a,
        patient=visit.patient,
        practitioner=visit.practitioner,
        location=visit.location,
        consultation_type=visit.consultation_type,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
    )


# --- Building the list -------------------------------------------------------------


def test_list_is_built_when_the_appointment_is_completed(
    practice_a, appointment_a, director, django_capture_on_commit_callbacks
):
    user = director.user
    started = appointment_a.starts_at + dt.timedelta(minutes=5)
    for status in (Appointment.Status.ARRIVED, Appointment.Status.COMPLETED):
        with django_capture_on_commit_callbacks(execute=True), time_machine.travel(started):
            appointment_set_status(practice_a, actor=user, appointment=appointment_a, status=status)
    workflow = DepartureWorkflow.objects.unscoped().get(appointment=appointment_a)
    assert workflow.status == DepartureWorkflow.Status.OPEN
    assert (
        workflow.local_date == appointment_a.starts_at.astimezone(appointment_a.location.tz).date()
    )


def test_list_is_not_built_before_completion(practice_a, appointment_a):
    with pytest.raises(ValidationError):
        services.workflow_build(practice_a, appointment_a)


def test_planned_treatment_applies_only_when_marked_to_book(practice_a, visit, make_visit):
    _plan(practice_a, visit.patient, to_book=False)
    assert ActionKind.PLANNED_TREATMENT not in kinds_of(build(practice_a, visit))
    _plan(practice_a, visit.patient, to_book=True)
    assert ActionKind.PLANNED_TREATMENT in kinds_of(build(practice_a, make_visit(minute=30)))


def test_recall_applies_when_due_or_marked_by_practitioner(practice_a, visit, location_a):
    today = local_today(location_a)
    Recall.objects.unscoped().create(
        practice=practice_a, patient=visit.patient, kind="dentist", due_date=today
    )
    Recall.objects.unscoped().create(
        practice=practice_a,
        patient=visit.patient,
        kind="hygienist",
        due_date=today + dt.timedelta(days=300),
        to_book=True,
    )
    assert {ActionKind.DENTIST_RECALL, ActionKind.HYGIENIST_RECALL} <= kinds_of(
        build(practice_a, visit)
    )


def test_recall_far_in_the_future_and_not_marked_does_not_apply(practice_a, visit, location_a):
    Recall.objects.unscoped().create(
        practice=practice_a,
        patient=visit.patient,
        kind="dentist",
        due_date=local_today(location_a) + dt.timedelta(days=300),
    )
    assert ActionKind.DENTIST_RECALL not in kinds_of(build(practice_a, visit))


def test_take_payment_applies_when_the_visit_leaves_an_amount_due(practice_a, make_visit):
    visit = make_visit(fee="45.00")
    _plan(
        practice_a, visit.patient, to_book=False, fee="80.00", appointment=visit, status="completed"
    )
    f.PaymentFactory(
        practice=practice_a, client=visit.client, appointment=visit, amount=Decimal("25")
    )
    payment = action_of(build(practice_a, visit), ActionKind.PAYMENT)
    assert payment.amount_due == Decimal("100.00")


def test_take_payment_does_not_apply_when_nothing_is_due(practice_a, make_visit):
    assert ActionKind.PAYMENT not in kinds_of(build(practice_a, make_visit(fee="0")))


def test_collect_mobile_and_email_apply_when_missing(practice_a, visit):
    Client.objects.unscoped().filter(pk=visit.client_id).update(mobile="", email="")
    assert {ActionKind.MOBILE, ActionKind.EMAIL} <= kinds_of(build(practice_a, visit))


def test_collect_mobile_and_email_do_not_apply_when_on_file(practice_a, visit):
    kinds = kinds_of(build(practice_a, visit))
    assert ActionKind.MOBILE not in kinds
    assert ActionKind.EMAIL not in kinds


def test_collect_marketing_consent_applies_without_an_explicit_answer(practice_a, visit, rita):
    assert ActionKind.MARKETING_CONSENT in kinds_of(build(practice_a, visit))


def test_collect_marketing_consent_does_not_apply_after_an_explicit_no(
    practice_a, make_visit, rita
):
    visit = make_visit()
    from patients.services import client_record_consent

    client_record_consent(practice_a, actor=rita, client=visit.client, consent=False, wording="Q?")
    assert ActionKind.MARKETING_CONSENT not in kinds_of(build(practice_a, visit))


def test_custom_action_applies_when_a_practitioner_added_options(practice_a, visit, dentist):
    services.option_add(
        practice_a,
        actor=dentist.user,
        appointment=visit,
        message="Give the aftercare leaflet",
        links=[("Aftercare", "https://example.org/aftercare.pdf")],
    )
    assert ActionKind.CUSTOM in kinds_of(build(practice_a, visit))


def test_custom_option_added_to_an_open_list_joins_it(practice_a, visit, dentist):
    workflow = build(practice_a, visit)
    assert ActionKind.CUSTOM not in kinds_of(workflow)
    services.option_add(
        practice_a,
        actor=dentist.user,
        appointment=visit,
        message="Form",
        links=[("Consent form", "https://example.org/form")],
    )
    assert ActionKind.CUSTOM in kinds_of(workflow)


def test_custom_option_needs_a_message_and_a_link(practice_a, visit, dentist):
    with pytest.raises(ValidationError):
        services.option_add(
            practice_a, actor=dentist.user, appointment=visit, message="x", links=[]
        )
    with pytest.raises(ValidationError):
        services.option_add(
            practice_a, actor=dentist.user, appointment=visit, message=" ", links=[("a", "b")]
        )


# --- Judging ----------------------------------------------------------------------


def test_planned_treatment_success_when_booked(practice_a, visit, rita):
    treatment = _plan(practice_a, visit.patient)
    workflow = build(practice_a, visit)
    later = _book_later(practice_a, visit)
    services.action_record_booking(
        practice_a,
        actor=rita,
        action=action_of(workflow, ActionKind.PLANNED_TREATMENT),
        booked=later,
    )
    complete_with_reasons(practice_a, workflow, rita)
    assert action_of(workflow, ActionKind.PLANNED_TREATMENT).outcome == Outcome.SUCCESS
    treatment.refresh_from_db()
    assert treatment.status == PlannedTreatment.Status.BOOKED
    assert treatment.appointment == later


def test_planned_treatment_postponed_when_only_the_booking_link_was_sent(practice_a, visit, rita):
    _plan(practice_a, visit.patient)
    workflow = build(practice_a, visit)
    services.action_send_booking_link(
        practice_a,
        actor=rita,
        action=action_of(workflow, ActionKind.PLANNED_TREATMENT),
        request_key="k1",
    )
    complete_with_reasons(practice_a, workflow, rita)
    action = action_of(workflow, ActionKind.PLANNED_TREATMENT)
    assert action.outcome == Outcome.POSTPONED
    assert action.postpone_reason == PostponeReason.BOOKING_LINK_SENT
    assert "anna@example.nl" in action.postpone_note
    message = Message.objects.unscoped().get(pk=action.booking_link_message_id)
    assert message.kind == "booking_link"
    assert message.status != Message.Status.FAILED


def test_booking_link_goes_by_sms_when_the_practice_has_a_gateway(practice_a, visit, rita):
    SmsGateway.objects.unscoped().create(
        practice=practice_a, account_sid="AC1", auth_token="t", sender="+3197010000000"
    )
    _plan(practice_a, visit.patient)
    workflow = build(practice_a, visit)
    action = services.action_send_booking_link(
        practice_a,
        actor=rita,
        action=action_of(workflow, ActionKind.PLANNED_TREATMENT),
        request_key="k1",
    )
    message = Message.objects.unscoped().get(pk=action.booking_link_message_id)
    assert (message.channel, message.recipient) == ("sms", "+31612345678")


def test_booking_link_without_mobile_or_email_is_refused(practice_a, visit, rita):
    Client.objects.unscoped().filter(pk=visit.client_id).update(mobile="", email="")
    _plan(practice_a, visit.patient)
    workflow = build(practice_a, visit)
    with pytest.raises(ValidationError, match="no mobile or email"):
        services.action_send_booking_link(
            practice_a,
            actor=rita,
            action=action_of(workflow, ActionKind.PLANNED_TREATMENT),
            request_key="k1",
        )
    assert not Message.objects.unscoped().filter(kind="booking_link").exists()


def test_planned_treatment_failed_when_neither_booked_nor_link_sent(practice_a, visit, rita):
    _plan(practice_a, visit.patient)
    workflow = build(practice_a, visit)
    complete_with_reasons(practice_a, workflow, rita)
    assert action_of(workflow, ActionKind.PLANNED_TREATMENT).outcome == Outcome.FAILED


def test_booking_cancelled_before_completion_does_not_count(practice_a, visit, rita):
    _plan(practice_a, visit.patient)
    workflow = build(practice_a, visit)
    later = _book_later(practice_a, visit)
    services.action_record_booking(
        practice_a,
        actor=rita,
        action=action_of(workflow, ActionKind.PLANNED_TREATMENT),
        booked=later,
    )
    Appointment.objects.unscoped().filter(pk=later.pk).update(status="cancelled")
    complete_with_reasons(practice_a, workflow, rita)
    assert action_of(workflow, ActionKind.PLANNED_TREATMENT).outcome == Outcome.FAILED


def test_booking_another_patients_appointment_is_refused(practice_a, visit, rita):
    _plan(practice_a, visit.patient)
    workflow = build(practice_a, visit)
    other = f.AppointmentFactory(practice=practice_a)
    with pytest.raises(ValidationError):
        services.action_record_booking(
            practice_a,
            actor=rita,
            action=action_of(workflow, ActionKind.PLANNED_TREATMENT),
            booked=other,
        )


@pytest.mark.parametrize("kind", ["dentist", "hygienist"])
def test_recall_success_when_booked_failed_when_not_never_postponed(
    practice_a, make_visit, rita, kind, location_a, patient_a
):
    Recall.objects.unscoped().create(
        practice=practice_a,
        patient=patient_a,
        kind=kind,
        due_date=local_today(location_a),
    )
    action_kind = f"{kind}_recall"
    booked_visit = make_visit()
    workflow = build(practice_a, booked_visit)
    services.action_record_booking(
        practice_a,
        actor=rita,
        action=action_of(workflow, action_kind),
        booked=_book_later(practice_a, booked_visit),
    )
    complete_with_reasons(practice_a, workflow, rita)
    assert action_of(workflow, action_kind).outcome == Outcome.SUCCESS

    unbooked = build(practice_a, make_visit(minute=40))
    complete_with_reasons(practice_a, unbooked, rita)
    assert action_of(unbooked, action_kind).outcome == Outcome.FAILED
    with pytest.raises(ValidationError):
        services.action_prompt_later(
            practice_a, actor=rita, action=action_of(unbooked, action_kind)
        )


def test_take_payment_success_when_paid_in_the_workflow(practice_a, make_visit, rita):
    workflow = build(practice_a, make_visit(fee="45.00"))
    services.action_take_payment(
        practice_a,
        actor=rita,
        action=action_of(workflow, ActionKind.PAYMENT),
        amount=Decimal("45.00"),
        method="card",
    )
    complete_with_reasons(practice_a, workflow, rita)
    assert action_of(workflow, ActionKind.PAYMENT).outcome == Outcome.SUCCESS


def test_take_payment_failed_when_not_paid_and_cannot_be_postponed(practice_a, make_visit, rita):
    workflow = build(practice_a, make_visit(fee="45.00"))
    with pytest.raises(ValidationError):
        services.action_prompt_later(
            practice_a, actor=rita, action=action_of(workflow, ActionKind.PAYMENT)
        )
    complete_with_reasons(practice_a, workflow, rita)
    assert action_of(workflow, ActionKind.PAYMENT).outcome == Outcome.FAILED


def test_take_payment_refuses_zero_and_saves_nothing(practice_a, make_visit, rita):
    workflow = build(practice_a, make_visit(fee="45.00"))
    with pytest.raises(ValidationError):
        services.action_take_payment(
            practice_a,
            actor=rita,
            action=action_of(workflow, ActionKind.PAYMENT),
            amount=Decimal("0"),
            method="card",
        )
    assert action_of(workflow, ActionKind.PAYMENT).paid_amount == 0
    assert not f.PaymentFactory._meta.model.objects.unscoped().exists()


def test_missed_payment_becomes_success_when_a_later_workflow_the_same_day_takes_it(
    practice_a, make_visit, rita
):
    first = build(practice_a, make_visit(minute=10, fee="45.00"))
    complete_with_reasons(practice_a, first, rita)
    assert action_of(first, ActionKind.PAYMENT).outcome == Outcome.FAILED

    second = build(practice_a, make_visit(minute=40, fee="30.00"))
    payment = action_of(second, ActionKind.PAYMENT)
    assert payment.amount_due == Decimal("75.00")  # today's earlier unpaid visit included
    services.action_take_payment(
        practice_a, actor=rita, action=payment, amount=Decimal("75.00"), method="cash"
    )
    complete_with_reasons(practice_a, second, rita)

    settled = action_of(first, ActionKind.PAYMENT)
    assert settled.outcome == Outcome.SUCCESS
    assert (
        DepartureStep.objects.unscoped()
        .filter(workflow=first, what="paid_later_same_day", by=rita)
        .exists()
    )


def test_payment_taken_the_same_day_outside_any_workflow_does_not_make_it_a_success(
    practice_a, make_visit, rita
):
    visit = make_visit(fee="45.00")
    workflow = build(practice_a, visit)
    complete_with_reasons(practice_a, workflow, rita)
    payment_take(practice_a, actor=rita, appointment=visit, amount=Decimal("45.00"), method="card")
    assert action_of(workflow, ActionKind.PAYMENT).outcome == Outcome.FAILED


def test_payment_in_a_workflow_on_another_day_does_not_settle_a_missed_one(
    practice_a, make_visit, rita, location_a
):
    yesterday = local_today(location_a) - dt.timedelta(days=1)
    first = build(practice_a, make_visit(day=yesterday, fee="45.00"))
    complete_with_reasons(practice_a, first, rita)
    second = build(practice_a, make_visit(fee="30.00"))
    payment = action_of(second, ActionKind.PAYMENT)
    assert payment.amount_due == Decimal("30.00")
    services.action_take_payment(
        practice_a, actor=rita, action=payment, amount=Decimal("30.00"), method="cash"
    )
    complete_with_reasons(practice_a, second, rita)
    assert action_of(first, ActionKind.PAYMENT).outcome == Outcome.FAILED


def test_collect_mobile_success_when_provided(practice_a, visit, rita):
    Client.objects.unscoped().filter(pk=visit.client_id).update(mobile="")
    workflow = build(practice_a, visit)
    services.action_collect_detail(
        practice_a, actor=rita, action=action_of(workflow, ActionKind.MOBILE), value="06 1234 5679"
    )
    complete_with_reasons(practice_a, workflow, rita)
    assert action_of(workflow, ActionKind.MOBILE).outcome == Outcome.SUCCESS
    assert Client.objects.unscoped().get(pk=visit.client_id).mobile == "+31612345679"


def test_collect_mobile_refuses_an_invalid_number_and_saves_nothing(practice_a, visit, rita):
    Client.objects.unscoped().filter(pk=visit.client_id).update(mobile="")
    workflow = build(practice_a, visit)
    with pytest.raises(ValidationError):
        services.action_collect_detail(
            practice_a, actor=rita, action=action_of(workflow, ActionKind.MOBILE), value="12ab"
        )
    assert Client.objects.unscoped().get(pk=visit.client_id).mobile == ""
    assert not DepartureStep.objects.unscoped().filter(workflow=workflow).exists()


def test_collect_email_refuses_an_invalid_address(practice_a, visit, rita):
    Client.objects.unscoped().filter(pk=visit.client_id).update(email="")
    workflow = build(practice_a, visit)
    with pytest.raises(ValidationError):
        services.action_collect_detail(
            practice_a, actor=rita, action=action_of(workflow, ActionKind.EMAIL), value="anna@"
        )
    assert Client.objects.unscoped().get(pk=visit.client_id).email == ""


@pytest.mark.parametrize("kind", ["mobile", "email"])
def test_collect_detail_postponed_with_prompt_in_12_months(
    practice_a, visit, rita, kind, location_a
):
    Client.objects.unscoped().filter(pk=visit.client_id).update(mobile="", email="")
    workflow = build(practice_a, visit)
    services.action_prompt_later(practice_a, actor=rita, action=action_of(workflow, kind))
    complete_with_reasons(practice_a, workflow, rita)
    action = action_of(workflow, kind)
    assert action.outcome == Outcome.POSTPONED
    assert action.postpone_reason == PostponeReason.PROMPT_LATER
    today = local_today(location_a)
    until = getattr(Client.objects.unscoped().get(pk=visit.client_id), f"{kind}_prompt_after")
    assert until == today.replace(year=today.year + 1)


def test_collect_detail_failed_when_neither_provided_nor_postponed(practice_a, visit, rita):
    Client.objects.unscoped().filter(pk=visit.client_id).update(mobile="")
    workflow = build(practice_a, visit)
    complete_with_reasons(practice_a, workflow, rita)
    assert action_of(workflow, ActionKind.MOBILE).outcome == Outcome.FAILED


def test_postponed_detail_is_not_required_again_within_12_months(practice_a, make_visit, rita):
    first_visit = make_visit()
    Client.objects.unscoped().filter(pk=first_visit.client_id).update(mobile="")
    first = build(practice_a, first_visit)
    services.action_prompt_later(practice_a, actor=rita, action=action_of(first, ActionKind.MOBILE))
    assert ActionKind.MOBILE not in kinds_of(build(practice_a, make_visit(minute=40)))


def test_12_month_postponement_expires(practice_a, make_visit, location_a):
    visit = make_visit()
    today = local_today(location_a)
    Client.objects.unscoped().filter(pk=visit.client_id).update(
        mobile="", mobile_prompt_after=today
    )
    # 'Until today' has run out: today the mobile is asked for again.
    assert ActionKind.MOBILE in kinds_of(build(practice_a, visit))
    Client.objects.unscoped().filter(pk=visit.client_id).update(
        mobile_prompt_after=today + dt.timedelta(days=1)
    )
    assert ActionKind.MOBILE not in kinds_of(build(practice_a, make_visit(minute=40)))


@pytest.mark.parametrize("answer", [True, False])
def test_marketing_consent_success_when_explicit_answer_recorded(practice_a, visit, rita, answer):
    workflow = build(practice_a, visit)
    services.action_record_consent(
        practice_a,
        actor=rita,
        action=action_of(workflow, ActionKind.MARKETING_CONSENT),
        consent=answer,
        wording="May we send you our newsletter?",
    )
    complete_with_reasons(practice_a, workflow, rita)
    assert action_of(workflow, ActionKind.MARKETING_CONSENT).outcome == Outcome.SUCCESS
    client = Client.objects.unscoped().get(pk=visit.client_id)
    assert client.marketing_consent is answer
    assert client.marketing_consent_by == rita
    assert client.marketing_consent_at
    assert client.marketing_consent_wording == "May we send you our newsletter?"


def test_marketing_consent_without_wording_is_refused(practice_a, visit, rita):
    workflow = build(practice_a, visit)
    with pytest.raises(ValidationError):
        services.action_record_consent(
            practice_a,
            actor=rita,
            action=action_of(workflow, ActionKind.MARKETING_CONSENT),
            consent=True,
            wording="  ",
        )
    assert Client.objects.unscoped().get(pk=visit.client_id).marketing_consent is None


def test_marketing_consent_postponed_or_failed(practice_a, make_visit, rita):
    postponed = build(practice_a, make_visit())
    services.action_prompt_later(
        practice_a, actor=rita, action=action_of(postponed, ActionKind.MARKETING_CONSENT)
    )
    complete_with_reasons(practice_a, postponed, rita)
    assert action_of(postponed, ActionKind.MARKETING_CONSENT).outcome == Outcome.POSTPONED

    other = f.PatientFactory(practice=practice_a)
    failed = build(practice_a, make_visit(minute=40, patient=other))
    complete_with_reasons(practice_a, failed, rita)
    assert action_of(failed, ActionKind.MARKETING_CONSENT).outcome == Outcome.FAILED


def _with_two_links(practice_a, visit, dentist):
    services.option_add(
        practice_a,
        actor=dentist.user,
        appointment=visit,
        message="Hand out",
        links=[("Leaflet", "https://example.org/a"), ("Form", "https://example.org/b")],
    )
    return list(CustomOptionLink.objects.unscoped().filter(option__appointment=visit))


def test_custom_action_success_when_every_link_was_opened(practice_a, visit, dentist, rita):
    links = _with_two_links(practice_a, visit, dentist)
    workflow = build(practice_a, visit)
    for link in links:
        url = services.option_link_open(practice_a, actor=rita, workflow=workflow, link=link)
        assert url == link.url
    complete_with_reasons(practice_a, workflow, rita)
    assert action_of(workflow, ActionKind.CUSTOM).outcome == Outcome.SUCCESS


def test_custom_action_failed_when_a_link_was_missed(practice_a, visit, dentist, rita):
    links = _with_two_links(practice_a, visit, dentist)
    workflow = build(practice_a, visit)
    services.option_link_open(practice_a, actor=rita, workflow=workflow, link=links[0])
    complete_with_reasons(practice_a, workflow, rita)
    assert action_of(workflow, ActionKind.CUSTOM).outcome == Outcome.FAILED


# --- Failure reasons, steps, completion ---------------------------------------------


def test_failed_action_needs_a_reason_and_nothing_is_saved_without_one(practice_a, visit, rita):
    workflow = build(practice_a, visit)
    with pytest.raises(services.ReasonsMissing) as error:
        services.workflow_complete(practice_a, actor=rita, workflow=workflow, failure_reasons={})
    assert "Collect Marketing Consent" in str(error.value)
    workflow.refresh_from_db()
    assert workflow.status == DepartureWorkflow.Status.OPEN
    assert action_of(workflow, ActionKind.MARKETING_CONSENT).outcome == Outcome.OPEN


def test_failure_reason_from_the_practice_list_or_free_text(practice_a, make_visit, rita):
    reason = (
        FailureReason.objects.unscoped()
        .filter(practice=practice_a, kind=ActionKind.MARKETING_CONSENT)
        .first()
    )
    assert reason is not None  # every practice starts with a list per action
    listed = build(practice_a, make_visit())
    action = action_of(listed, ActionKind.MARKETING_CONSENT)
    services.workflow_complete(
        practice_a, actor=rita, workflow=listed, failure_reasons={action.pk: (reason, "")}
    )
    assert action_of(listed, ActionKind.MARKETING_CONSENT).failure_reason == reason

    other = f.PatientFactory(practice=practice_a)
    free = build(practice_a, make_visit(minute=40, patient=other))
    complete_with_reasons(practice_a, free, rita, note="Client was on the phone")
    assert action_of(free, ActionKind.MARKETING_CONSENT).failure_note == "Client was on the phone"


def test_failure_reason_of_another_practice_is_refused(practice_a, practice_b, visit, rita):
    foreign = FailureReason.objects.unscoped().filter(practice=practice_b).first()
    workflow = build(practice_a, visit)
    action = action_of(workflow, ActionKind.MARKETING_CONSENT)
    with pytest.raises(ValidationError):
        services.workflow_complete(
            practice_a, actor=rita, workflow=workflow, failure_reasons={action.pk: (foreign, "")}
        )
    workflow.refresh_from_db()
    assert workflow.is_open


def test_every_step_is_recorded_with_who_and_when(practice_a, make_visit, rita):
    workflow = build(practice_a, make_visit(fee="45.00"))
    before = timezone.now()
    services.action_take_payment(
        practice_a,
        actor=rita,
        action=action_of(workflow, ActionKind.PAYMENT),
        amount=Decimal("45"),
        method="card",
    )
    services.action_prompt_later(
        practice_a, actor=rita, action=action_of(workflow, ActionKind.MARKETING_CONSENT)
    )
    complete_with_reasons(practice_a, workflow, rita)
    steps = list(DepartureStep.objects.unscoped().filter(workflow=workflow))
    assert [s.what for s in steps] == ["payment_taken", "prompt_later", "completed"]
    assert all(s.by == rita and s.at >= before for s in steps)
    workflow.refresh_from_db()
    assert workflow.completed_by == rita
    assert workflow.completed_at >= before


def test_only_a_logged_in_staff_member_can_work_the_list(practice_a, visit):
    from django.contrib.auth.models import AnonymousUser

    workflow = build(practice_a, visit)
    with pytest.raises(ValidationError, match="logged-in"):
        services.action_prompt_later(
            practice_a,
            actor=AnonymousUser(),
            action=action_of(workflow, ActionKind.MARKETING_CONSENT),
        )
    with pytest.raises(ValidationError):
        services.workflow_complete(practice_a, actor=None, workflow=workflow)


def test_a_completed_list_takes_no_more_checkout_work(practice_a, make_visit, rita):
    workflow = build(practice_a, make_visit(fee="45.00"))
    complete_with_reasons(practice_a, workflow, rita)
    with pytest.raises(ValidationError, match="already completed"):
        services.action_take_payment(
            practice_a,
            actor=rita,
            action=action_of(workflow, ActionKind.PAYMENT),
            amount=Decimal("45"),
            method="card",
        )


def test_workflow_with_a_failed_action_is_marked_failed(practice_a, visit, rita):
    workflow = build(practice_a, visit)
    complete_with_reasons(practice_a, workflow, rita)
    workflow.refresh_from_db()
    assert workflow.has_failure


# --- Follow-up list -----------------------------------------------------------------


def test_postponed_items_land_on_the_follow_up_list_and_are_recorded_on_the_original_workflow(
    practice_a, visit, rita, director
):
    from departure_workflow.selectors import follow_up_list

    Client.objects.unscoped().filter(pk=visit.client_id).update(mobile="")
    _plan(practice_a, visit.patient)
    workflow = build(practice_a, visit)
    services.action_prompt_later(practice_a, actor=rita, action=action_of(workflow, "mobile"))
    services.action_send_booking_link(
        practice_a, actor=rita, action=action_of(workflow, "planned_treatment"), request_key="x"
    )
    complete_with_reasons(practice_a, workflow, rita)
    items = follow_up_list(practice_a)
    assert {i.kind for i in items} == {"mobile", "planned_treatment"}

    services.action_collect_detail(
        practice_a,
        actor=director.user,
        action=action_of(workflow, "mobile"),
        value="0612345670",
        from_follow_up=True,
    )
    step = DepartureStep.objects.unscoped().get(workflow=workflow, what="mobile_collected")
    assert step.from_follow_up
    assert step.by == director.user
    assert {i.kind for i in follow_up_list(practice_a)} == {"planned_treatment"}
    # The report keeps what happened at checkout.
    assert action_of(workflow, "mobile").outcome == Outcome.POSTPONED
