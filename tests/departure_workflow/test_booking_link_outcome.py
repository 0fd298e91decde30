"""'Book planned treatment' postponed on a booking link follows what became of the link.

Judged once at checkout; when Twilio reports the link failed or undelivered only after
that (the usual timing), the action becomes failed with a history step saying why, leaves
the follow-up list and counts as failed in the report; a resend makes it postponed again.
"""

import datetime as dt
import time

import pytest
from django.test import Client as Browser
from django.urls import reverse

from departure_workflow import services
from departure_workflow.models import (
    ActionKind,
    DepartureAction,
    DepartureStep,
    DepartureWorkflow,
    Outcome,
    PostponeReason,
)
from messaging.dispatch import dispatch_due_messages
from messaging.fake_twilio import FakeTwilio
from messaging.models import Message, SmsGateway
from messaging.reconcile import reconcile_uncertain
from patients.models import Client

from ..messaging.test_callbacks import STATUS_URL, post_signed
from .conftest import local_today
from .helpers import action_of, build, complete_with_reasons
from .test_rules import _plan

pytestmark = pytest.mark.django_db

TOKEN = "secret-token-1234"


@pytest.fixture
def gateway(practice_a):
    return SmsGateway.objects.unscoped().create(
        practice=practice_a,
        account_sid="AC" + "1" * 32,
        auth_token=TOKEN,
        sender="+3197010000000",
        credit_segments=100,
    )


@pytest.fixture
def fake_twilio(settings, gateway):
    with FakeTwilio(slow_seconds=1.5) as fake:
        settings.MESSAGING_PROVIDER = "twilio"
        settings.TWILIO_API_BASE_URL = fake.url
        settings.TWILIO_TIMEOUT_SECONDS = 0.5
        yield fake


@pytest.fixture
def workflow(practice_a, visit):
    """A checkout with only a treatment to book (the client's details are all on file)."""
    Client.objects.unscoped().filter(pk=visit.client_id).update(
        marketing_consent=True, marketing_consent_at=dt.datetime.now(tz=dt.UTC)
    )
    _plan(practice_a, visit.patient)
    workflow = build(practice_a, visit)
    kinds = DepartureAction.objects.unscoped().filter(workflow=workflow).values_list("kind")
    assert set(kinds) == {(ActionKind.PLANNED_TREATMENT,)}
    return workflow


def treatment(workflow) -> DepartureAction:
    return action_of(workflow, ActionKind.PLANNED_TREATMENT)


def link_of(workflow) -> Message:
    return Message.objects.unscoped().get(pk=treatment(workflow).booking_link_message_id)


def twilio_says(client, message, status, **extra):
    message.refresh_from_db()
    params = {"MessageSid": message.provider_id, "MessageStatus": status, **extra}
    return post_signed(client, STATUS_URL, params, token=TOKEN)


def report_json(client, workflow) -> dict:
    day = workflow.local_date.isoformat()
    response = client.get(f"/api/v1/reports/departure/?date_from={day}&date_to={day}")
    assert response.status_code == 200, response.content
    return next(a for a in response.json()["actions"] if a["action"] == "planned_treatment")


def report_page_figures(client, workflow):
    day = workflow.local_date.isoformat()
    response = client.get(reverse("report-departure") + f"?date_from={day}&date_to={day}")
    assert response.status_code == 200
    return next(f for f in response.context["figures"] if f.kind == "planned_treatment")


def on_follow_up_page(client) -> bool:
    response = client.get(reverse("checkout-follow-up") + "?show=book")
    return any(item.kind == "planned_treatment" for item in response.context["items"])


def test_a_link_undelivered_after_checkout_fails_the_action_until_a_resend_is_delivered(
    rita_client,
    director,
    fake_twilio,
    workflow,
    practice_a,
    django_capture_on_commit_callbacks,
):
    # given: reception sent the booking link by SMS (Twilio queued it) and completed
    action = treatment(workflow)
    with django_capture_on_commit_callbacks(execute=True):
        rita_client.post(
            reverse("checkout-step", args=[workflow.pk, action.pk, "send-link"]), {"key": "k1"}
        )
    link = link_of(workflow)
    assert (link.channel, link.status) == ("sms", "queued")
    rita_client.post(reverse("checkout-complete", args=[workflow.pk]))
    assert treatment(workflow).outcome == Outcome.POSTPONED
    assert not DepartureWorkflow.objects.unscoped().get(pk=workflow.pk).has_failure
    assert on_follow_up_page(rita_client)

    # when: Twilio reports the link undelivered (the phone was unreachable)
    twilio = Browser()  # Twilio calls us without any session
    assert twilio_says(twilio, link, "undelivered", ErrorCode="30003").status_code == 200

    # then: failed, the history says why, off the follow-up list, counted failed
    action = treatment(workflow)
    assert action.outcome == Outcome.FAILED
    # in the practice's language (Dutch): the provider's call has no user's language
    assert action.failure_note == (
        "Link voor online boeken niet afgeleverd: Ongeldig of onbereikbaar nummer."
    )
    step = DepartureStep.objects.unscoped().get(action=action, what="booking_link_failed")
    assert step.by is None  # the provider, not a staff member
    assert "onbereikbaar" in step.detail
    screen = rita_client.get(reverse("checkout", args=[workflow.pk])).content.decode()
    assert "online booking link not delivered" in screen
    assert DepartureWorkflow.objects.unscoped().get(pk=workflow.pk).has_failure
    assert not on_follow_up_page(rita_client)
    dora = Browser()
    dora.force_login(director.user)
    figures = report_json(dora, workflow)
    assert (figures["failed"], figures["postponed"]) == (1, 0)
    page = report_page_figures(dora, workflow)
    assert (page.failed, page.postponed) == (1, 0)

    # when: reception sends it again from the visit's messages and Twilio delivers it
    with django_capture_on_commit_callbacks(execute=True):
        rita_client.post(reverse("message-retry", args=[link.pk]))
    link.refresh_from_db()
    assert (link.status, Message.objects.unscoped().filter(kind="booking_link").count()) == (
        "queued",
        1,
    )
    assert twilio_says(twilio, link, "delivered").status_code == 200

    # then: postponed again, back on the follow-up list, counted postponed
    action = treatment(workflow)
    assert action.outcome == Outcome.POSTPONED
    assert action.postpone_reason == PostponeReason.BOOKING_LINK_SENT
    assert not action.failure_note
    resent = DepartureStep.objects.unscoped().get(action=action, what="booking_link_resent")
    assert resent.by.username == "rita"
    assert not DepartureWorkflow.objects.unscoped().get(pk=workflow.pk).has_failure
    assert on_follow_up_page(rita_client)
    figures = report_json(dora, workflow)
    assert (figures["failed"], figures["postponed"]) == (0, 1)
    assert len(fake_twilio.requests) == 2  # sent, and sent again once


def _send_link(practice, workflow, rita):
    services.action_send_booking_link(
        practice, actor=rita, action=treatment(workflow), request_key="k1"
    )


def test_a_link_refused_by_the_dispatcher_after_checkout_fails_the_action(
    practice_a, workflow, gateway, rita
):
    # given: checkout completed while the link still waited for a worker
    _send_link(practice_a, workflow, rita)
    complete_with_reasons(practice_a, workflow, rita)
    assert treatment(workflow).outcome == Outcome.POSTPONED
    # when: the worker finds the client has opted out of SMS meanwhile
    Client.objects.unscoped().filter(pk=workflow.client_id).update(sms_opted_out=True)
    dispatch_due_messages()
    # then
    assert link_of(workflow).status == "failed"
    action = treatment(workflow)
    assert action.outcome == Outcome.FAILED
    assert "afgemeld" in action.failure_note  # opted out, in the practice's Dutch


def test_a_link_the_reconciler_finds_undelivered_at_twilio_fails_the_action(
    practice_a, workflow, fake_twilio, rita
):
    # given: the send timed out (we do not know if Twilio has it), checkout completed
    Client.objects.unscoped().filter(pk=workflow.client_id).update(mobile="+31612340004")
    _send_link(practice_a, workflow, rita)
    dispatch_due_messages()
    assert link_of(workflow).status == "unknown"
    complete_with_reasons(practice_a, workflow, rita)
    assert treatment(workflow).outcome == Outcome.POSTPONED
    deadline = time.monotonic() + 5
    while not fake_twilio.messages and time.monotonic() < deadline:
        time.sleep(0.05)  # Twilio finishes creating it after our client gave up
    fake_twilio.messages[0]["status"] = "undelivered"
    # when
    assert reconcile_uncertain()["found"] == 1
    # then
    assert treatment(workflow).outcome == Outcome.FAILED


def test_a_link_that_fails_while_the_checkout_is_open_is_judged_at_checkout(
    client, practice_a, workflow, fake_twilio, rita, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _send_link(practice_a, workflow, rita)
    twilio_says(client, link_of(workflow), "failed", ErrorCode="30003")
    assert treatment(workflow).outcome == Outcome.OPEN  # not judged before checkout
    complete_with_reasons(practice_a, workflow, rita, note="Link did not arrive")
    action = treatment(workflow)
    assert (action.outcome, action.failure_note) == (Outcome.FAILED, "Link did not arrive")


def test_a_treatment_worked_from_the_follow_up_list_keeps_its_outcome(
    client, practice_a, workflow, fake_twilio, rita, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _send_link(practice_a, workflow, rita)
    complete_with_reasons(practice_a, workflow, rita)
    DepartureAction.objects.unscoped().filter(pk=treatment(workflow).pk).update(
        followed_up_at=dt.datetime.now(tz=dt.UTC), followed_up_by=rita
    )
    twilio_says(client, link_of(workflow), "undelivered", ErrorCode="30003")
    assert treatment(workflow).outcome == Outcome.POSTPONED


def test_a_delivered_link_keeps_the_action_postponed_and_records_nothing(
    client, practice_a, workflow, fake_twilio, rita, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _send_link(practice_a, workflow, rita)
    complete_with_reasons(practice_a, workflow, rita)
    steps = DepartureStep.objects.unscoped().count()
    for status in ("sent", "delivered", "delivered"):
        twilio_says(client, link_of(workflow), status)
    assert treatment(workflow).outcome == Outcome.POSTPONED
    assert DepartureStep.objects.unscoped().count() == steps
    assert workflow.local_date == local_today(workflow.location)
