"""The dispatcher works per batch: a fixed number of queries whatever the batch's size, the
credit taken once per gateway, the provider called from a few threads at once, and every
rule of a single send kept (each message sent once, credit never negative and refunded on a
refusal, refusals signalled, a callback that came first keeps its status)."""

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection
from django.test import Client as WebClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from messaging import dispatch, providers
from messaging.dispatch import dispatch_all_due, dispatch_due_messages
from messaging.fake_twilio import FakeTwilio
from messaging.models import Message, SmsGateway
from messaging.signals import message_outcome_changed
from patients.models import Client

from .. import factories as f
from .test_callbacks import STATUS_URL, post_signed


@pytest.fixture
def reminders(messaging_on, wants_both, practice_a, dentist, location_a, ctype_a):
    """make(numbers): one due SMS reminder per number, each about its own appointment,
    due a second apart in the order given."""

    made = []  # another call's appointments come after this one's

    def make(numbers):
        now = timezone.now()
        start = now + dt.timedelta(days=2, hours=len(made))
        messages = []
        for i, number in enumerate(numbers):
            appointment = f.AppointmentFactory(
                practice=practice_a,
                patient=wants_both,
                practitioner=dentist,
                location=location_a,
                consultation_type=ctype_a,
                starts_at=start + dt.timedelta(hours=i),
                ends_at=start + dt.timedelta(hours=i, minutes=30),
            )
            messages.append(
                Message.objects.unscoped().create(
                    practice=practice_a,
                    appointment=appointment,
                    client_id=wants_both.client_id,
                    kind="reminder",
                    channel="sms",
                    recipient=number,
                    due_at=now - dt.timedelta(seconds=len(numbers) - i),
                    idempotency_key=f"batch:{len(made)}:{i}",
                )
            )
        made.extend(messages)
        return messages

    return make


@pytest.fixture
def fake_twilio(settings):
    with FakeTwilio(slow_seconds=1.5) as fake:
        settings.MESSAGING_PROVIDER = "twilio"
        settings.TWILIO_API_BASE_URL = fake.url
        settings.TWILIO_TIMEOUT_SECONDS = 0.5
        yield fake


@pytest.fixture
def heard():
    said = []

    def listen(sender, *, message, previous_status, **kwargs):
        said.append((message.pk, message.status, previous_status))

    message_outcome_changed.connect(listen)
    yield said
    message_outcome_changed.disconnect(listen)


def credit(practice):
    return SmsGateway.objects.unscoped().get(practice=practice).credit_segments


def reloaded(messages):
    return [Message.objects.unscoped().get(pk=m.pk) for m in messages]


def numbers(count, first=10):
    """Numbers the fake Twilio accepts (it refuses those ending 0001-0006)."""
    return [f"+316123{n:05d}" for n in range(first, first + count)]


def queries_for_a_batch(messages):
    with CaptureQueriesContext(connection) as captured:
        assert dispatch_due_messages() == len(messages)
    return len(captured)


def test_a_batch_takes_as_many_queries_for_twenty_messages_as_for_five(reminders):
    # given: five due reminders, then twenty
    five = queries_for_a_batch(reminders(numbers(5)))
    # when
    twenty = queries_for_a_batch(reminders(numbers(20, first=100)))
    # then: nothing is looked up or written once a message
    assert twenty == five
    assert five <= 12


def test_each_message_of_a_batch_gets_its_own_link_and_segments_debited_once(reminders, practice_a):
    messages = reminders(numbers(4))
    dispatch_due_messages()
    sent = reloaded(messages)
    links = {m.body.split("/a/")[1].split("/")[0] for m in sent}
    assert len(links) == 4  # each appointment its own code
    assert {m.status for m in sent} == {"sent"}
    assert credit(practice_a) == 100 - sum(m.segments for m in sent)


def test_credit_short_of_the_batch_sends_in_order_what_it_covers_and_fails_the_rest(
    reminders, practice_a
):
    # given: credit for three one-segment messages, five due
    SmsGateway.objects.unscoped().filter(practice=practice_a).update(credit_segments=3)
    messages = reminders(numbers(5))
    # when
    dispatch_due_messages()
    # then
    sent = reloaded(messages)
    assert [m.segments for m in sent] == [1] * 5
    assert [m.status for m in sent] == ["sent"] * 3 + ["failed"] * 2
    assert {m.error for m in sent[3:]} == {"Not enough SMS credit at the gateway."}
    assert credit(practice_a) == 0  # never below


def test_refusals_in_a_batch_are_refunded_flagged_and_each_signalled(
    fake_twilio, reminders, practice_a, heard
):
    # given: accepted, invalid, server error, opted out, accepted
    messages = reminders(
        ["+31612340010", "+31612340001", "+31612340005", "+31612340002", "+31612340011"]
    )
    # when
    dispatch_due_messages()
    # then
    ok, invalid, later, opted_out, ok_too = reloaded(messages)
    assert (ok.status, ok_too.status) == ("queued", "queued")
    assert (invalid.status, invalid.error_code) == ("failed", "21211")
    assert later.status == "scheduled"
    assert later.due_at > timezone.now()
    assert (opted_out.status, opted_out.error_code) == ("failed", "21610")
    assert Client.objects.unscoped().get(pk=opted_out.client_id).sms_opted_out
    assert credit(practice_a) == 100 - ok.segments - ok_too.segments
    assert sorted(heard) == sorted(
        [(invalid.pk, "failed", "sending"), (opted_out.pk, "failed", "sending")]
    )


def test_concurrent_sends_each_keep_their_own_twilio_answer_on_a_few_kept_alive_connections(
    fake_twilio, reminders, settings
):
    # given: more messages than the sender has threads
    settings.MESSAGING_SEND_THREADS = 4
    messages = reminders(numbers(24))
    # when
    dispatch_due_messages()
    # then: each message carries the SID Twilio gave for its own number
    sid_of = {record["to"]: record["sid"] for record in fake_twilio.messages}
    sent = reloaded(messages)
    assert [m.provider_id for m in sent] == [sid_of[m.recipient] for m in sent]
    assert len(set(sid_of.values())) == 24
    # and the connections were kept alive: at most one a thread, not one a message
    connections = {request["connection"] for request in fake_twilio.requests}
    assert 1 <= len(connections) <= 4


def test_one_slow_send_leaves_only_itself_unknown(fake_twilio, reminders):
    messages = reminders(["+31612340010", "+31612340004", "+31612340011"])
    dispatch_due_messages()
    assert [m.status for m in reloaded(messages)] == ["queued", "unknown", "queued"]


class Breaks:
    """The database provider, except that one number makes it raise what it never should."""

    def send_sms(self, *, message, **kwargs):
        if message.recipient.endswith("0666"):
            raise RuntimeError("a bug in the provider")
        return providers.Sent(provider_id=f"db-{message.pk}", status="sent")


def test_a_send_that_breaks_unexpectedly_stays_sending_and_the_rest_are_recorded(
    reminders, monkeypatch
):
    monkeypatch.setattr(dispatch, "sms_provider", Breaks)
    messages = reminders(["+31612340010", "+31612340666", "+31612340011"])
    with pytest.raises(RuntimeError, match="a bug in the provider"):
        dispatch_due_messages()
    assert [m.status for m in reloaded(messages)] == ["sent", "sending", "sent"]


def test_dispatch_all_due_records_every_batch_even_when_one_breaks(
    reminders, monkeypatch, settings
):
    # given: three batches of two; the second batch's second message breaks the provider
    settings.MESSAGING_BATCH = 2
    monkeypatch.setattr(dispatch, "sms_provider", Breaks)
    messages = reminders(numbers(3) + ["+31612340666"] + numbers(2, first=50))
    # when
    with pytest.raises(RuntimeError):
        dispatch_all_due()
    # then: the batch already with the provider when it broke is recorded too
    statuses = [m.status for m in reloaded(messages)]
    assert statuses == ["sent", "sent", "sent", "sending", "sent", "sent"]


def test_dispatch_all_due_sends_every_batch(reminders, settings):
    settings.MESSAGING_BATCH = 3
    messages = reminders(numbers(8))
    assert dispatch_all_due() == 8
    assert {m.status for m in reloaded(messages)} == {"sent"}


class CountingProvider:
    """The database provider, counting how often each message is handed to it."""

    sends: Counter = Counter()
    lock = threading.Lock()

    def send_sms(self, *, message, **kwargs):
        with self.lock:
            self.sends[message.pk] += 1
        return providers.Sent(provider_id=f"db-{message.pk}", status="sent")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_at_once_send_each_message_exactly_once(
    reminders, monkeypatch, settings, on_postgres
):
    # given: many small batches and two workers starting together
    settings.MESSAGING_BATCH = 5
    CountingProvider.sends = Counter()
    monkeypatch.setattr(dispatch, "sms_provider", CountingProvider)
    messages = reminders(numbers(60))
    handled = [0, 0]
    barrier = threading.Barrier(2)

    def worker(n):
        barrier.wait()
        try:
            handled[n] = dispatch_all_due()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert sum(handled) == 60
    assert CountingProvider.sends == Counter({m.pk: 1 for m in messages})
    assert {m.status for m in reloaded(messages)} == {"sent"}


class CallbackFirst:
    """For one number, Twilio's signed 'delivered' callback is handled (by the web app, on
    its own database connection) before the provider call returns."""

    def send_sms(self, *, message, status_callback, **kwargs):
        sid = "SM" + f"{message.pk:032d}"
        if message.recipient.endswith("0099"):
            url = STATUS_URL + status_callback.split("/messaging/twilio/status/")[1]
            try:
                response = post_signed(
                    WebClient(), url, {"MessageSid": sid, "MessageStatus": "delivered"}
                )
                assert response.status_code == 200
            finally:
                connection.close()  # this thread's own connection
        return providers.Sent(provider_id=sid, status="queued")


@pytest.mark.django_db(transaction=True)
def test_a_callback_that_lands_mid_batch_keeps_its_status_and_the_rest_are_saved(
    reminders, monkeypatch, settings, heard
):
    # given: three messages sent together; the middle one's callback arrives first
    settings.PUBLIC_BASE_URL = "http://testserver"
    monkeypatch.setattr(dispatch, "sms_provider", CallbackFirst)
    messages = reminders(["+31612340010", "+31612340099", "+31612340011"])
    # when
    dispatch_due_messages()
    # then
    first, called_back, last = reloaded(messages)
    assert (first.status, called_back.status, last.status) == ("queued", "delivered", "queued")
    assert called_back.provider_id == "SM" + f"{called_back.pk:032d}"
    assert called_back.body  # the worker's late save kept its text
    assert heard == [(called_back.pk, "delivered", "sending")]
