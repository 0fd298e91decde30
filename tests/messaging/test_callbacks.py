import datetime as dt

import pytest
from django.utils import timezone
from twilio.request_validator import RequestValidator

from messaging.models import Message
from patients.models import Client

STATUS_URL = "http://testserver/messaging/twilio/status/"
INBOUND_URL = "http://testserver/messaging/twilio/inbound/"


@pytest.fixture
def queued(messaging_on, wants_both, appointment_a, practice_a):
    return Message.objects.unscoped().create(
        practice=practice_a,
        appointment=appointment_a,
        client=wants_both.client,
        kind="confirmation",
        channel="sms",
        recipient=wants_both.client.mobile,
        due_at=timezone.now() - dt.timedelta(minutes=1),
        idempotency_key="cb",
        status="queued",
        provider_id="SM" + "a" * 32,
    )


def post_signed(client, url, params, token="secret-token-1234"):
    signature = RequestValidator(token).compute_signature(url, params)
    return client.post(url, params, HTTP_X_TWILIO_SIGNATURE=signature)


def status(client, message, value, **extra):
    return post_signed(
        client, STATUS_URL, {"MessageSid": message.provider_id, "MessageStatus": value, **extra}
    )


def test_a_signed_callback_moves_the_status_forward(client, queued):
    assert status(client, queued, "sent").status_code == 200
    assert status(client, queued, "delivered").status_code == 200
    queued.refresh_from_db()
    assert queued.status == "delivered"


def test_late_and_repeated_callbacks_never_move_it_back(client, queued):
    status(client, queued, "delivered")
    status(client, queued, "sent")
    status(client, queued, "delivered")
    queued.refresh_from_db()
    assert queued.status == "delivered"


def test_a_forged_callback_is_refused(client, queued):
    response = post_signed(
        client,
        STATUS_URL,
        {"MessageSid": queued.provider_id, "MessageStatus": "delivered"},
        token="wrong",
    )
    assert response.status_code == 403
    unsigned = client.post(
        STATUS_URL, {"MessageSid": queued.provider_id, "MessageStatus": "delivered"}
    )
    assert unsigned.status_code == 403
    queued.refresh_from_db()
    assert queued.status == "queued"


def test_undelivered_to_a_landline_shows_the_reason_and_flags_the_number(client, queued):
    status(client, queued, "undelivered", ErrorCode="30006")
    queued.refresh_from_db()
    assert queued.status == "undelivered"
    assert queued.error == "The number is a landline and cannot receive SMS."
    assert Client.objects.unscoped().get(pk=queued.client_id).mobile_is_landline


def test_unknown_message_sid_is_404(client, queued):
    response = post_signed(client, STATUS_URL, {"MessageSid": "SMnope", "MessageStatus": "sent"})
    assert response.status_code == 404


def test_stop_and_start_change_the_clients_sms_consent(client, queued, wants_both):
    params = {"From": wants_both.client.mobile, "To": "+3197010000000", "Body": "STOP"}
    assert post_signed(client, INBOUND_URL, params).status_code == 200
    assert Client.objects.unscoped().get(pk=wants_both.client_id).sms_opted_out
    post_signed(client, INBOUND_URL, {**params, "Body": "start"})
    assert not Client.objects.unscoped().get(pk=wants_both.client_id).sms_opted_out


def test_stop_only_touches_the_practice_written_to(client, queued, wants_both, patient_b):
    Client.objects.unscoped().filter(pk=patient_b.client_id).update(mobile=wants_both.client.mobile)
    post_signed(
        client,
        INBOUND_URL,
        {"From": wants_both.client.mobile, "To": "+3197010000000", "Body": "STOP"},
    )
    assert not Client.objects.unscoped().get(pk=patient_b.client_id).sms_opted_out


def test_forged_inbound_is_refused(client, queued, wants_both):
    params = {"From": wants_both.client.mobile, "To": "+3197010000000", "Body": "STOP"}
    assert post_signed(client, INBOUND_URL, params, token="forged").status_code == 403
    assert not Client.objects.unscoped().get(pk=wants_both.client_id).sms_opted_out


def test_a_callback_before_the_sid_is_saved_finds_the_message_by_our_id(client, queued):
    Message.objects.unscoped().filter(pk=queued.pk).update(provider_id="", status="sending")
    url = f"{STATUS_URL}?m={queued.pk}"
    response = post_signed(client, url, {"MessageSid": "SM" + "b" * 32, "MessageStatus": "sent"})
    assert response.status_code == 200
    queued.refresh_from_db()
    assert (queued.status, queued.provider_id) == ("sent", "SM" + "b" * 32)


def test_a_callback_naming_another_sid_for_our_id_is_refused(client, queued):
    url = f"{STATUS_URL}?m={queued.pk}"
    response = post_signed(client, url, {"MessageSid": "SMother", "MessageStatus": "delivered"})
    assert response.status_code == 404
