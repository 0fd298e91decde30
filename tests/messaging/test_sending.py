import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from messaging import dispatch, providers
from messaging.dispatch import claim_due_messages, dispatch_due_messages
from messaging.models import Message, SmsGateway
from messaging.templating import sms_segments, validate_placeholders


@pytest.fixture
def due_sms(sms_to, wants_both):
    """A confirmation SMS row that is due now."""
    return sms_to(wants_both.client.mobile)


class FailingProvider:
    error: Exception = providers.TemporaryFailure("503 from provider")

    def send_sms(self, **kwargs):
        raise self.error


def credit(practice):
    return SmsGateway.objects.unscoped().get(practice=practice).credit_segments


def test_sending_debits_the_sms_credit_by_segments(due_sms, practice_a):
    dispatch_due_messages()
    due_sms.refresh_from_db()
    assert due_sms.status == "sent"
    assert due_sms.segments >= 1
    assert credit(practice_a) == 100 - due_sms.segments


def test_not_enough_credit_fails_clearly_and_sends_nothing(due_sms, practice_a):
    SmsGateway.objects.unscoped().filter(practice=practice_a).update(credit_segments=0)
    dispatch_due_messages()
    due_sms.refresh_from_db()
    assert due_sms.status == "failed"
    assert due_sms.error == "Not enough SMS credit at the gateway."
    assert due_sms.provider_id == ""


def test_a_provider_5xx_is_retried_with_backoff(due_sms, practice_a, monkeypatch):
    monkeypatch.setattr(dispatch, "sms_provider", FailingProvider)
    dispatch_due_messages()
    due_sms.refresh_from_db()
    assert due_sms.status == "scheduled"
    assert due_sms.due_at > timezone.now() + dt.timedelta(seconds=30)
    assert credit(practice_a) == 100  # refunded


def test_a_definite_refusal_is_not_retried(due_sms, practice_a, monkeypatch):
    class OptedOut(FailingProvider):
        error = providers.PermanentFailure("opted_out", "21610")

    monkeypatch.setattr(dispatch, "sms_provider", OptedOut)
    dispatch_due_messages()
    due_sms.refresh_from_db()
    assert due_sms.status == "failed"
    assert due_sms.error_code == "21610"
    assert "opted out" in due_sms.error
    assert credit(practice_a) == 100


def test_a_timeout_after_sending_is_unknown_not_resent(due_sms, monkeypatch):
    class Timeout(FailingProvider):
        error = providers.UncertainFailure("read timeout")

    monkeypatch.setattr(dispatch, "sms_provider", Timeout)
    dispatch_due_messages()
    due_sms.refresh_from_db()
    assert due_sms.status == "unknown"
    assert claim_due_messages(limit=10) == []


def test_status_only_moves_forward():
    message = Message(status="delivered")
    assert not message.moves_forward_to("sent")
    assert not message.moves_forward_to("queued")
    assert Message(status="sent").moves_forward_to("delivered")


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("€" * 80, 1),
        ("€" * 81, 2),
        ("ж" * 70, 1),
        ("ж" * 71, 2),
        ("", 0),
    ],
)
def test_sms_segments(text, segments):
    assert sms_segments(text) == segments


def test_unknown_placeholders_are_refused_by_name():
    validate_placeholders("Hello {client}, see you {date} at {time}")
    with pytest.raises(Exception, match=r"\{pet\}"):
        validate_placeholders("Hello {client}, bring {pet}")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_claim_the_same_message(
    messaging_on, wants_both, practice_a, on_postgres
):
    rows = [
        Message(
            practice=practice_a,
            client=wants_both.client,
            kind="reminder",
            channel="email",
            recipient="a@example.com",
            due_at=timezone.now(),
            idempotency_key=f"k{i}",
        )
        for i in range(200)
    ]
    Message.objects.unscoped().bulk_create(rows)
    claimed: list[list[int]] = [[], []]
    barrier = threading.Barrier(2)

    def worker(n):
        barrier.wait()
        while ids := claim_due_messages(limit=7):
            claimed[n].extend(ids)
        connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not set(claimed[0]) & set(claimed[1])
    assert len(claimed[0]) + len(claimed[1]) == 200


def test_the_workers_late_save_never_moves_a_status_back(due_sms, monkeypatch):
    class CallbackFirst:
        """Twilio's 'delivered' callback lands while the worker is still in send_sms."""

        def send_sms(self, *, message, **kwargs):
            Message.objects.unscoped().filter(pk=message.pk).update(status="delivered")
            return providers.Sent(provider_id="SMx", status="queued")

    monkeypatch.setattr(dispatch, "sms_provider", CallbackFirst)
    dispatch_due_messages()
    due_sms.refresh_from_db()
    assert due_sms.status == "delivered"
    assert due_sms.provider_id == "SMx"


def test_the_default_reminder_sms_with_its_link_fits_one_segment(
    messaging_on, appointment_a, practice_a
):
    from messaging.dispatch import Batch, _compose

    message = Message(
        practice=practice_a,
        appointment=appointment_a,
        client=appointment_a.client,
        kind="reminder",
        channel="sms",
    )
    assert _compose(message, Batch()) == ""
    assert "/a/" in message.body
    assert message.segments == 1, (len(message.body), message.body)
