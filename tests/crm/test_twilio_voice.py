"""Twilio Voice status callbacks: signed, stored once, forwarded calls judged by the dial leg."""

import datetime as dt
from email.utils import format_datetime

import pytest
from django.utils import translation
from twilio.request_validator import RequestValidator

from crm.models import Communication, ProviderEvent
from messaging.models import SmsGateway
from practice.scoping import for_practice

TOKEN = "voice-token-5678"
PUBLIC = "https://practice.example.com"
PATH = "/crm/twilio/voice/centrum/"
PARENT = "CA" + "a" * 32
CHILD = "CA" + "b" * 32
T0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def gateway_a(practice_a, settings):
    settings.PUBLIC_BASE_URL = PUBLIC
    return SmsGateway.objects.unscoped().create(
        practice=practice_a, account_sid="AC" + "1" * 32, auth_token=TOKEN, sender="+3197010000000"
    )


def signed(client, params, token=TOKEN, url=PUBLIC + PATH):
    signature = RequestValidator(token).compute_signature(url, params)
    return client.post(PATH, params, HTTP_X_TWILIO_SIGNATURE=signature)


def parent(status, seconds, seq, **extra):
    return {"CallSid": PARENT, "CallStatus": status, "Direction": "inbound",
            "From": "+31612345678", "To": "+31301234567", "SequenceNumber": str(seq),
            "Timestamp": format_datetime(T0 + dt.timedelta(seconds=seconds)), **extra}  # fmt: skip


def leg(status, seconds, seq, **extra):
    return {"CallSid": CHILD, "ParentCallSid": PARENT, "CallStatus": status,
            "Direction": "outbound-dial", "From": "+31612345678", "To": "client:rita",
            "SequenceNumber": str(seq),
            "Timestamp": format_datetime(T0 + dt.timedelta(seconds=seconds)), **extra}  # fmt: skip


def the_call(practice):
    return for_practice(Communication, practice).get()


def test_a_callback_with_a_valid_signature_is_accepted(client, gateway_a, practice_a):
    answer = signed(client, parent("ringing", 0, 0))
    assert answer.status_code == 200
    c = the_call(practice_a)
    assert (c.provider_id, c.status, c.phone_e164) == (PARENT, "ringing", "+31612345678")
    assert c.practice_number == "+31301234567"


def test_a_forged_signature_is_refused_403_and_nothing_is_stored(client, gateway_a, practice_a):
    answer = signed(client, parent("completed", 60, 3), token="not-the-token")
    assert answer.status_code == 403
    assert not for_practice(ProviderEvent, practice_a).exists()


def test_the_signature_is_checked_against_the_public_url_not_the_host_seen(
    client, gateway_a, practice_a
):
    # signed for the URL this server sees behind the proxy: not what Twilio was given
    answer = signed(client, parent("ringing", 0, 0), url="http://testserver" + PATH)
    assert answer.status_code == 403


def test_a_practice_without_twilio_answers_403(client, practice_a, settings):
    settings.PUBLIC_BASE_URL = PUBLIC
    assert signed(client, parent("ringing", 0, 0)).status_code == 403


def test_an_unknown_practice_answers_404(client, gateway_a):
    assert client.post("/crm/twilio/voice/nowhere/", parent("ringing", 0, 0)).status_code == 404


def test_a_bad_parameter_answers_400(client, gateway_a, practice_a):
    assert signed(client, parent("exploded", 0, 0)).status_code == 400
    assert signed(client, parent("ringing", 0, 0, Timestamp="soon")).status_code == 400


def test_a_repeated_callback_is_stored_once(client, gateway_a, practice_a):
    signed(client, parent("ringing", 0, 0))
    assert signed(client, parent("ringing", 0, 0)).status_code == 200
    assert for_practice(ProviderEvent, practice_a).count() == 1


def test_a_dial_forwarded_call_nobody_answered_is_missed_though_the_parent_completed(
    client, gateway_a, practice_a
):
    # given the caller's leg rings, is forwarded with <Dial>, the desk never answers
    signed(client, parent("ringing", 0, 0))
    signed(client, leg("ringing", 1, 0))
    signed(client, leg("no-answer", 31, 1))
    signed(client, parent("completed", 33, 1, CallDuration="33"))
    # then
    c = the_call(practice_a)
    assert c.status == Communication.Status.MISSED
    with translation.override(practice_a.language):
        expected = translation.gettext(
            "Forwarded with <Dial>, but the dial leg was not answered (%(dial)s); the caller's "
            "leg ended %(parent)s."
        ) % {"dial": "no-answer", "parent": "completed"}
        assert c.status_reason_text == expected
    assert c.wait_seconds == 33


def test_the_dial_actions_status_alone_makes_it_missed(client, gateway_a, practice_a):
    signed(client, parent("in-progress", 0, 0))
    signed(client, parent("in-progress", 30, 1, DialCallStatus="no-answer",
                          DialCallSid=CHILD))  # fmt: skip
    signed(client, parent("completed", 31, 2, CallDuration="31"))
    c = the_call(practice_a)
    assert c.status == Communication.Status.MISSED
    assert "no-answer" in c.status_reason_text


def test_a_dial_forwarded_call_answered_by_the_desk_is_answered(
    client, gateway_a, practice_a, receptionist
):
    signed(client, parent("ringing", 0, 0))
    signed(client, leg("in-progress", 12, 1))
    signed(client, leg("completed", 72, 2, CallDuration="60"))
    signed(client, parent("completed", 73, 1, CallDuration="73"))
    c = the_call(practice_a)
    assert c.status == Communication.Status.ANSWERED
    assert (c.wait_seconds, c.duration_seconds) == (12, 60)
    assert c.employee == receptionist  # the leg went to client:rita


CALLBACKS = [parent("ringing", 0, 0), leg("ringing", 1, 0), leg("in-progress", 9, 1),
             leg("completed", 69, 2, CallDuration="60"),
             parent("completed", 70, 1, CallDuration="70")]  # fmt: skip


@pytest.mark.parametrize("order", [(0, 1, 2, 3, 4), (4, 3, 2, 1, 0), (3, 0, 4, 2, 1)])
def test_out_of_order_callbacks_give_the_same_call(client, gateway_a, practice_a, order):
    for i in order:
        assert signed(client, CALLBACKS[i]).status_code == 200
    c = the_call(practice_a)
    assert (c.status, c.started_at) == (Communication.Status.ANSWERED, T0)
    assert (c.answered_at, c.ended_at) == (T0 + dt.timedelta(seconds=9),
                                           T0 + dt.timedelta(seconds=70))  # fmt: skip
    assert (c.wait_seconds, c.duration_seconds) == (9, 60)


def test_a_call_not_forwarded_that_ended_no_answer_is_missed(client, gateway_a, practice_a):
    signed(client, parent("no-answer", 30, 2))
    signed(client, parent("ringing", 0, 1))  # late: the state only moves forward
    c = the_call(practice_a)
    assert c.status == Communication.Status.MISSED
    assert "no-answer" in c.status_reason_text


def test_a_withheld_caller_matches_no_number(client, gateway_a, practice_a):
    signed(client, parent("ringing", 0, 0, From="+266696687"))
    assert the_call(practice_a).phone_e164 == ""
