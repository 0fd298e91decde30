"""Online bookings are contacts too: the booking pages keep the UTM tags they were opened
with, and a booking records a processed web request with its channel and result Booked."""

import re
from html import unescape

import pytest

from crm.models import ChannelRule, Communication, Contact, Source

from ..crm.derived import channel, rule

pytestmark = pytest.mark.django_db

BOOK = "/p/centrum/book/"
NINE_UTC = "2030-01-07T08:00:00Z"  # Monday 09:00 in Amsterdam
ANNA = {
    "first_name": "Anna",
    "last_name": "Bakker",
    "mobile": "0612345670",
    "email": "anna.b@example.nl",
    "messages_by": "both",
}
TAGS = "utm_source=google&utm_medium=cpc&utm_campaign=spring"


def _links(page: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="([^"]+)"', page)]


def test_the_booking_pages_keep_the_utm_tags_they_were_opened_with(client, setup):
    start = client.get(f"{BOOK}?{TAGS}").content.decode()
    reason_link = next(link for link in _links(start) if f"reason={setup.pk}" in link)
    assert "utm_source=google" in reason_link
    assert "utm_campaign=spring" in reason_link
    day = client.get(f"{BOOK}?reason={setup.pk}&day=2030-01-07&{TAGS}").content.decode()
    details_link = next(link for link in _links(day) if "/details/" in link)
    assert "utm_medium=cpc" in details_link


def test_a_booking_made_online_records_a_web_request_with_its_channel_and_result_booked(
    client, practice_a, setup, django_capture_on_commit_callbacks
):
    ads = channel(practice_a, "Google search")
    fired = rule(practice_a, ads, ChannelRule.Kind.UTM, utm_source="google", utm_medium="cpc")
    # when: the client books through the details page opened from an ad
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{BOOK}details/?reason={setup.pk}&start={NINE_UTC}&{TAGS}",
            {"start": NINE_UTC, **ANNA},
        )
    assert response.status_code == 302
    # then
    request = Communication.objects.unscoped().get(source=Source.ONLINE_BOOKING)
    assert request.kind == Communication.Kind.WEB_REQUEST
    assert request.status == Communication.Status.PROCESSED
    assert (request.utm_source, request.utm_campaign) == ("google", "spring")
    assert request.landing_page == BOOK
    assert (request.channel_id, request.channel_rule_id) == (ads.pk, fired.pk)
    assert request.client_id is not None
    contact = Contact.objects.unscoped().get(pk=request.contact_id)
    assert contact.result == Contact.Result.BOOKED
    assert contact.channel_id == ads.pk


def test_a_booking_after_a_missed_call_the_same_day_joins_the_callers_contact(
    client, practice_a, setup, patient_a, django_capture_on_commit_callbacks
):
    from ..crm.derived import comm

    missed = comm(practice_a, status=Communication.Status.MISSED)
    anna = {
        **ANNA,
        "first_name": "Anna",
        "last_name": "de Vries",
        "mobile": "+31612345678",
        "email": "anna@example.nl",
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"{BOOK}details/?reason={setup.pk}&start={NINE_UTC}&utm_source=textback",
            {"start": NINE_UTC, **anna},
        )
    request = Communication.objects.unscoped().get(source=Source.ONLINE_BOOKING)
    missed.refresh_from_db()
    assert request.contact_id == missed.contact_id
    assert missed.recovery == Communication.Recovery.BOOKED_ONLINE
    assert Contact.objects.unscoped().get(pk=missed.contact_id).result == Contact.Result.BOOKED


def test_a_booking_through_the_public_api_records_its_utm_tags_and_channel(
    client, practice_a, location_a, setup, django_capture_on_commit_callbacks
):
    ads = channel(practice_a, "Google search")
    fired = rule(practice_a, ads, ChannelRule.Kind.UTM, utm_source="google", utm_medium="cpc")
    payload = {
        "location": location_a.pk, "reason": setup.pk, "starts_at": NINE_UTC,
        **{**ANNA, "messages_by": ""},
        "utm_source": "google", "utm_medium": "cpc", "utm_campaign": "spring",
        "landing_page": "https://centrum.example/afspraak",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/public/centrum/book/", payload, content_type="application/json"
        )
    assert response.status_code == 201, response.json()
    request = Communication.objects.unscoped().get(source=Source.ONLINE_BOOKING)
    assert (request.utm_source, request.utm_campaign) == ("google", "spring")
    assert request.landing_page == "https://centrum.example/afspraak"
    assert (request.channel_id, request.channel_rule_id) == (ads.pk, fired.pk)
    assert Contact.objects.unscoped().get(pk=request.contact_id).result == Contact.Result.BOOKED


def test_a_public_api_booking_with_a_tag_too_long_is_refused_with_the_reason(
    client, location_a, setup
):
    payload = {
        "location": location_a.pk, "reason": setup.pk, "starts_at": NINE_UTC,
        **{**ANNA, "messages_by": ""},
        "utm_source": "x" * 201,
    }  # fmt: skip
    response = client.post("/api/v1/public/centrum/book/", payload, content_type="application/json")
    assert response.status_code == 400
    assert "utm_source" in response.json()
    assert not Communication.objects.unscoped().exists()


STRANGER = "+31687654321"  # a mobile on no client's card


@pytest.fixture
def text_back_on(practice_a):
    from crm.models import ContactSettings
    from messaging.models import SmsGateway

    ContactSettings.objects.unscoped().update_or_create(
        practice=practice_a, defaults={"text_back_enabled": True}
    )
    SmsGateway.objects.unscoped().create(
        practice=practice_a, account_sid="AC" + "1" * 32, auth_token="t" * 32,
        sender="+3197010000000", credit_segments=100,
    )  # fmt: skip


def _text_back_link(message) -> str:
    link = re.search(r"https?://\S+", message.body).group(0)
    return link[link.index(BOOK) :]


def test_a_booking_through_the_text_back_link_joins_the_unknown_callers_contact(
    client, practice_a, setup, text_back_on, django_capture_on_commit_callbacks
):
    import datetime as dt

    import time_machine

    from messaging.models import Message

    from ..crm.derived import comm

    with time_machine.travel(dt.datetime(2030, 1, 6, 10, 0, tzinfo=dt.UTC), tick=False):
        # given: a missed call from a number on no card, texted back with the booking link
        missed = comm(
            practice_a, status=Communication.Status.MISSED,
            phone_raw=STRANGER, phone_e164=STRANGER, started_at=dt.datetime.now(dt.UTC),
        )  # fmt: skip
        text = Message.objects.unscoped().get(kind="text_back")
        assert (text.client_id, text.recipient) == (None, STRANGER)
        # when: the caller opens the link, and books with another number they typed
        start = client.get(_text_back_link(text)).content.decode()
        reason_link = next(link for link in _links(start) if f"reason={setup.pk}" in link)
        assert "call=" in reason_link  # the booking page keeps the code like the UTM tags
        code = re.search(r"call=([\w-]+)", reason_link).group(1)
    with (
        time_machine.travel(dt.datetime(2030, 1, 6, 10, 20, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            f"{BOOK}details/?reason={setup.pk}&start={NINE_UTC}"
            f"&utm_source=missed_call&utm_medium=sms&call={code}",
            {"start": NINE_UTC, **ANNA},
        )
    assert response.status_code == 302
    # then: the call is the client who booked, in one contact with the booking: Booked
    request = Communication.objects.unscoped().get(source=Source.ONLINE_BOOKING)
    missed.refresh_from_db()
    assert missed.client_id == request.client_id is not None
    assert missed.contact_id == request.contact_id
    assert (missed.recovery, missed.recovery_minutes) == (Communication.Recovery.BOOKED_ONLINE, 20)
    assert Contact.objects.unscoped().get(pk=missed.contact_id).result == Contact.Result.BOOKED


def test_a_forged_call_code_joins_no_call(
    client, practice_a, setup, django_capture_on_commit_callbacks
):
    from ..crm.derived import comm

    missed = comm(
        practice_a, status=Communication.Status.MISSED, phone_raw=STRANGER, phone_e164=STRANGER
    )
    forged = f"{missed.pk}-0000000000"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"{BOOK}details/?reason={setup.pk}&start={NINE_UTC}&call={forged}",
            {"start": NINE_UTC, **ANNA},
        )
    missed.refresh_from_db()
    assert (missed.client_id, missed.text_back_booking_id) == (None, None)
