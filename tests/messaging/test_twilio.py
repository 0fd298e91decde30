"""The real twilio client against a fake Twilio server on 127.0.0.1."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from messaging.dispatch import dispatch_due_messages
from messaging.fake_twilio import FakeTwilio
from messaging.models import Message, SmsGateway
from patients.models import Client


@pytest.fixture
def fake_twilio(settings):
    with FakeTwilio(slow_seconds=1.5) as fake:
        settings.MESSAGING_PROVIDER = "twilio"
        settings.TWILIO_API_BASE_URL = fake.url
        settings.TWILIO_TIMEOUT_SECONDS = 0.5
        yield fake


def sent(message):
    dispatch_due_messages()
    message.refresh_from_db()
    return message


def test_accepted_message_gets_twilios_sid(fake_twilio, sms_to):
    message = sent(sms_to("+31612340000"))
    assert message.status == "queued"
    assert message.provider_id.startswith("SM")
    [request] = fake_twilio.requests
    assert request["form"]["To"] == "+31612340000"
    assert request["form"]["From"] == "+3197010000000"
    assert request["form"]["StatusCallback"].endswith(f"/messaging/twilio/status/?m={message.pk}")
    assert request["auth"].startswith("Basic ")


def test_invalid_number_is_not_retried(fake_twilio, sms_to):
    message = sent(sms_to("+31612340001"))
    assert (message.status, message.error_code) == ("failed", "21211")
    assert message.error == "Invalid or unreachable number."
    assert dispatch_due_messages() == 0
    assert len(fake_twilio.requests) == 1


def test_opted_out_recipient_is_flagged_and_never_sent_again(fake_twilio, sms_to):
    message = sent(sms_to("+31612340002"))
    assert message.error == "The recipient opted out of SMS (replied STOP)."
    assert Client.objects.unscoped().get(pk=message.client_id).sms_opted_out
    second = Message.objects.unscoped().create(
        practice=message.practice,
        appointment=message.appointment,
        client=message.client,
        kind="reminder",
        channel="sms",
        recipient=message.recipient,
        due_at=timezone.now(),
        idempotency_key="again",
    )
    assert sent(second).status == "failed"
    assert len(fake_twilio.requests) == 1  # the gateway was not asked again


def test_no_balance_at_the_gateway_reads_not_enough_credit(fake_twilio, sms_to, practice_a):
    message = sent(sms_to("+31612340003"))
    assert message.error == "Not enough SMS credit at the gateway."
    assert SmsGateway.objects.unscoped().get(practice=practice_a).credit_segments == 100


def test_landline_flags_the_number_on_the_client(fake_twilio, sms_to):
    message = sent(sms_to("+31612340006"))
    assert message.error == "The number is a landline and cannot receive SMS."
    assert Client.objects.unscoped().get(pk=message.client_id).mobile_is_landline


def test_server_error_is_retried_later(fake_twilio, sms_to):
    message = sent(sms_to("+31612340005"))
    assert message.status == "scheduled"
    assert message.due_at > timezone.now()


def test_timeout_after_the_request_is_unknown_and_not_resent(fake_twilio, sms_to):
    message = sent(sms_to("+31612340004"))
    assert message.status == "unknown"
    assert dispatch_due_messages() == 0


def test_refused_connection_is_retried(settings, sms_to):
    settings.MESSAGING_PROVIDER = "twilio"
    settings.TWILIO_API_BASE_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    message = sent(sms_to("+31612340000"))
    assert message.status == "scheduled"
    assert "unreachable" in message.error


def test_an_unknown_send_that_reached_twilio_takes_its_record_and_is_not_resent(
    fake_twilio, sms_to, settings
):
    from messaging.reconcile import reconcile_uncertain

    message = sent(sms_to("+31612340004"))  # times out, but Twilio created it
    assert message.status == "unknown"
    deadline = time.monotonic() + 5
    while not fake_twilio.messages and time.monotonic() < deadline:
        time.sleep(0.05)  # Twilio finishes creating it after our client gave up
    result = reconcile_uncertain()
    message.refresh_from_db()
    assert result["found"] == 1
    assert message.status == "queued"
    assert message.provider_id == fake_twilio.messages[0]["sid"]
    assert len(fake_twilio.requests) == 1  # never sent twice


def test_an_unknown_send_absent_at_twilio_is_sent_again_after_the_grace(
    fake_twilio, sms_to, settings
):
    from messaging.reconcile import reconcile_uncertain

    message = sms_to("+31612340000")
    Message.objects.unscoped().filter(pk=message.pk).update(
        status="unknown", body="never arrived", updated_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert reconcile_uncertain()["resent"] == 1
    assert sent(message).status == "queued"
    assert len(fake_twilio.requests) == 1


def test_a_send_cut_off_by_a_killed_worker_becomes_unknown(messaging_on, sms_to, settings):
    from messaging.reconcile import reconcile_uncertain

    message = sms_to("+31612340000")
    Message.objects.unscoped().filter(pk=message.pk).update(
        status="sending", updated_at=timezone.now() - dt.timedelta(minutes=30)
    )
    result = reconcile_uncertain()
    message.refresh_from_db()
    assert result["stuck"] == 1
    assert message.status in ("unknown", "scheduled")
    assert dispatch_due_messages() <= 1


def test_an_api_key_sends_for_the_account(fake_twilio, sms_to, messaging_on):
    import base64

    SmsGateway.objects.unscoped().filter(pk=messaging_on.pk).update(
        api_key_sid="SK" + "2" * 32, api_key_secret="key-secret"
    )
    assert sent(sms_to("+31612340000")).status == "queued"
    [request] = fake_twilio.requests
    user = base64.b64decode(request["auth"].split()[1]).decode()
    assert user == "SK" + "2" * 32 + ":key-secret"
    assert f"/Accounts/{messaging_on.account_sid}/" in request["path"]


@pytest.fixture
def proxy_env(monkeypatch):
    """A proxy in the environment where nothing listens (the discard port)."""
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    return monkeypatch


def test_the_environments_proxy_is_still_used_by_the_twilio_client(fake_twilio, sms_to, proxy_env):
    message = sent(sms_to("+31612340000"))
    assert message.status == "scheduled"
    assert "unreachable" in message.error
    assert fake_twilio.requests == []


def test_no_proxy_for_the_api_address_sends_directly(fake_twilio, sms_to, proxy_env):
    proxy_env.setenv("NO_PROXY", "127.0.0.1")
    assert sent(sms_to("+31612340000")).status == "queued"
