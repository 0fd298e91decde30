"""`message_outcome_changed`: sent once when a message reaches delivered, failed or
undelivered, whichever path ends it, and when staff send a failed one again."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from messaging.dispatch import dispatch_due_messages
from messaging.models import Message
from messaging.signals import message_outcome_changed
from patients.models import Client

from .test_callbacks import status

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    """What the signal said: (status, previous status, actor) per send."""
    said = []

    def listen(sender, *, message, previous_status, actor, **kwargs):
        said.append((message.status, previous_status, actor))

    message_outcome_changed.connect(listen)
    yield said
    message_outcome_changed.disconnect(listen)


@pytest.fixture
def link(messaging_on, wants_both, appointment_a, practice_a):
    """A booking link about yesterday's visit, due now."""
    return Message.objects.unscoped().create(
        practice=practice_a,
        appointment=appointment_a,
        client=wants_both.client,
        kind="booking_link",
        channel="sms",
        recipient=wants_both.client.mobile,
        due_at=timezone.now() - dt.timedelta(minutes=1),
        idempotency_key="booking:1",
    )


def test_twilio_callbacks_signal_the_final_status_once(client, link, heard):
    dispatch_due_messages()  # the database provider says 'sent'
    link.refresh_from_db()
    for value in ("sent", "undelivered", "undelivered", "delivered"):
        status(client, link, value, ErrorCode="30003")
    assert heard == [("undelivered", "sent", None)]


def test_a_refusal_by_the_dispatcher_is_signalled(link, heard, wants_both):
    Client.objects.unscoped().filter(pk=wants_both.client_id).update(sms_opted_out=True)
    dispatch_due_messages()
    assert heard == [("failed", "sending", None)]


def test_a_send_that_is_only_on_its_way_is_not_signalled(link, heard):
    dispatch_due_messages()
    assert heard == []


def test_sending_a_failed_booking_link_again_after_the_visit_is_signalled_with_who(
    rita_client, link, heard, receptionist, django_capture_on_commit_callbacks
):
    # given: a booking link about a visit in the past came back undelivered
    Message.objects.unscoped().filter(pk=link.pk).update(status="undelivered")
    start = timezone.now() - dt.timedelta(days=1)
    end = start + dt.timedelta(minutes=30)
    Appointment.objects.unscoped().filter(pk=link.appointment_id).update(
        starts_at=start, ends_at=end, held_from=start, held_until=end, status="completed"
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = rita_client.post(reverse("message-retry", args=[link.pk]))
    # then: scheduled again on the same row (and sent by the worker)
    assert response.status_code == 200
    assert heard[0] == ("scheduled", "undelivered", receptionist.user)
    link.refresh_from_db()
    assert link.status == "sent"
    assert Message.objects.unscoped().filter(kind="booking_link").count() == 1
