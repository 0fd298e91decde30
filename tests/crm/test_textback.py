"""Missed-call text-back: off by default; one SMS a day per number with the booking link,
through messaging (quiet hours, opt-out, landline and credit rules)."""

import datetime as dt

import pytest
import time_machine

from crm.models import Communication, ContactSettings
from crm.textback import text_back_code
from messaging.dispatch import dispatch_due_messages
from messaging.fake_twilio import FakeTwilio
from messaging.models import Kind, Message, SmsGateway, SmsOptOut

from ..messaging.conftest import messaging_on  # noqa: F401  (a fixture)
from ..messaging.test_callbacks import INBOUND_URL, post_signed
from .derived import comm

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2030, 3, 4, 11, 0, tzinfo=dt.UTC)  # 12:00 in Amsterdam
ANNA = "+31612345678"


@pytest.fixture
def text_back_on(practice_a, messaging_on):  # noqa: F811
    ContactSettings.objects.unscoped().update_or_create(
        practice=practice_a, defaults={"text_back_enabled": True}
    )
    return messaging_on


def _missed(practice, at=NOON, **fields):
    with time_machine.travel(at, tick=False):
        return comm(practice, status=Communication.Status.MISSED, started_at=at, **fields)


def _texts():
    return list(Message.objects.unscoped().filter(kind=Kind.TEXT_BACK))


def test_text_back_is_off_by_default(practice_a, patient_a, messaging_on):  # noqa: F811
    _missed(practice_a)
    assert _texts() == []


def test_a_missed_call_from_a_clients_mobile_gets_an_sms_with_the_booking_link(
    practice_a, patient_a, text_back_on
):
    _missed(practice_a)
    [text] = _texts()
    assert (text.channel, text.recipient, text.status) == ("sms", ANNA, "scheduled")
    assert text.idempotency_key == f"textback:{ANNA}:2030-03-04"
    assert "/p/centrum/book/?utm_source=missed_call&utm_medium=sms&call=" in text.body
    assert text.due_at == NOON


def test_only_one_text_back_a_day_per_number(practice_a, patient_a, text_back_on):
    _missed(practice_a)
    _missed(practice_a, at=NOON + dt.timedelta(hours=3))
    assert len(_texts()) == 1
    _missed(practice_a, at=NOON + dt.timedelta(days=1))
    assert len(_texts()) == 2


def test_a_call_missed_in_quiet_hours_is_texted_when_the_window_opens(
    practice_a, patient_a, text_back_on
):
    late = dt.datetime(2030, 3, 4, 21, 30, tzinfo=dt.UTC)  # 22:30 in Amsterdam
    _missed(practice_a, at=late)
    [text] = _texts()
    assert text.due_at == dt.datetime(2030, 3, 5, 9, 0, tzinfo=practice_a.tz)


def test_an_opted_out_number_gets_a_failed_message_with_its_reason(
    practice_a, patient_a, text_back_on
):
    patient_a.client.sms_opted_out = True
    patient_a.client.save()
    _missed(practice_a)
    [text] = _texts()
    assert (text.status, text.error_code) == ("failed", "opted_out")


def test_landlines_get_no_text_back(practice_a, patient_a, text_back_on):
    patient_a.client.mobile_is_landline = True
    patient_a.client.save()
    _missed(practice_a)
    landline = "+31201234567"
    patient_a.client.mobile, patient_a.client.mobile_is_landline = landline, False
    patient_a.client.save()
    _missed(practice_a, phone_raw=landline, phone_e164=landline)
    assert _texts() == []


STRANGER = "+31687654321"  # a mobile on no client's card


def _stranger_missed(practice, at=NOON, number=STRANGER):
    return _missed(practice, at=at, phone_raw=number, phone_e164=number)


def _send(settings, at):
    with FakeTwilio() as fake:
        settings.MESSAGING_PROVIDER = "twilio"
        settings.TWILIO_API_BASE_URL = fake.url
        with time_machine.travel(at, tick=False):
            dispatch_due_messages()


def test_an_unknown_callers_mobile_gets_the_text_back_at_the_number(
    practice_a, text_back_on, settings
):
    call = _stranger_missed(practice_a)
    [text] = _texts()
    assert (text.client_id, text.channel, text.recipient) == (None, "sms", STRANGER)
    assert text.idempotency_key == f"textback:{STRANGER}:2030-03-04"
    assert f"call={text_back_code(call)}" in text.body
    _send(settings, NOON + dt.timedelta(minutes=1))
    text.refresh_from_db()
    assert text.status == "queued"  # Twilio took it
    assert text.body.startswith(practice_a.name)


def test_an_unknown_caller_gets_one_text_back_a_local_day(practice_a, text_back_on):
    # 23:30 and 23:50 in Amsterdam are one local day; 00:10 is the next
    late = dt.datetime(2030, 3, 4, 22, 30, tzinfo=dt.UTC)
    _stranger_missed(practice_a, at=late)
    _stranger_missed(practice_a, at=late + dt.timedelta(minutes=20))
    assert len(_texts()) == 1
    _stranger_missed(practice_a, at=late + dt.timedelta(minutes=40))
    assert sorted(t.idempotency_key for t in _texts()) == [
        f"textback:{STRANGER}:2030-03-04",
        f"textback:{STRANGER}:2030-03-05",
    ]


def test_an_unknown_number_that_replied_stop_gets_a_failed_text_back_with_its_reason(
    client, practice_a, text_back_on
):
    # given: the stranger replied STOP to the practice's number (Twilio's inbound webhook)
    params = {"From": STRANGER, "To": text_back_on.sender, "Body": "STOP"}
    assert post_signed(client, INBOUND_URL, params).status_code == 200
    # when
    _stranger_missed(practice_a)
    # then
    [text] = _texts()
    assert (text.status, text.error_code) == ("failed", "opted_out")
    # START lets the next day's text-back go
    post_signed(client, INBOUND_URL, {**params, "Body": "start"})
    _stranger_missed(practice_a, at=NOON + dt.timedelta(days=1))
    assert sorted(t.status for t in _texts()) == ["failed", "scheduled"]


def test_a_stop_between_queueing_and_sending_stops_the_unknown_callers_text_back(
    client, practice_a, text_back_on, settings
):
    late = dt.datetime(2030, 3, 4, 21, 30, tzinfo=dt.UTC)  # quiet hours: waits until 09:00
    _stranger_missed(practice_a, at=late)
    post_signed(client, INBOUND_URL, {"From": STRANGER, "To": text_back_on.sender, "Body": "Stop"})
    _send(settings, dt.datetime(2030, 3, 5, 8, 1, tzinfo=dt.UTC))
    [text] = _texts()
    assert (text.status, text.error_code, text.provider_id) == ("failed", "opted_out", "")


def test_an_unknown_number_the_gateway_says_unsubscribed_is_kept_opted_out(
    practice_a, text_back_on, settings
):
    unsubscribed = "+31612340002"  # the fake Twilio answers 21610 (replied STOP) to ...0002
    _stranger_missed(practice_a, number=unsubscribed)
    _send(settings, NOON + dt.timedelta(minutes=1))
    assert SmsOptOut.objects.unscoped().filter(practice=practice_a, number=unsubscribed).exists()
    _stranger_missed(practice_a, at=NOON + dt.timedelta(days=1), number=unsubscribed)
    assert [t.error_code for t in _texts()].count("opted_out") == 1


def test_an_unknown_callers_landline_gets_no_text_back(practice_a, text_back_on):
    _stranger_missed(practice_a, number="+31201234567")  # Amsterdam fixed line
    assert _texts() == []


def test_a_call_from_the_practices_own_number_gets_no_text_back(
    practice_a, location_a, text_back_on
):
    location_a.phone = STRANGER
    location_a.save()
    _stranger_missed(practice_a)
    assert _texts() == []


def test_the_text_back_is_sent_with_the_practice_name_and_takes_credit(
    practice_a, patient_a, text_back_on, settings
):
    _missed(practice_a)
    _send(settings, NOON + dt.timedelta(minutes=1))
    [text] = _texts()
    assert text.status == "queued"  # Twilio took it
    assert text.provider_id
    assert text.body.startswith(practice_a.name)
    assert SmsGateway.objects.unscoped().get(practice=practice_a).credit_segments == (
        100 - text.segments
    )


def test_a_director_turns_text_back_on_in_the_admin_once_per_practice(client, director, practice_a):
    director.user.is_staff = True
    director.user.save()
    client.force_login(director.user)
    add = "/admin/crm/contactsettings/add/"
    response = client.post(
        add,
        {
            "comment_window_minutes": 5,
            "outgoing_window_minutes": 15,
            "request_overdue_days": 7,
            "text_back_enabled": "on",
        },
    )
    assert response.status_code == 302
    assert ContactSettings.objects.unscoped().get(practice=practice_a).text_back_enabled
    assert client.get(add).status_code == 403  # one row per practice
