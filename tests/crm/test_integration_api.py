"""The integration API: telephony and website events in, stored once, rebuilt in any order."""

import datetime as dt

import pytest
from django.utils import translation

from crm.api_keys import api_key_revoke, api_key_rotate
from crm.models import ApiKey, Communication, ProviderEvent
from practice.scoping import for_practice

T0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


def at(seconds):
    return (T0 + dt.timedelta(seconds=seconds)).isoformat()


def call(event, seconds, **extra):
    return {
        "provider_id": "c-1",
        "event": event,
        "occurred_at": at(seconds),
        "direction": "in",
        "from_number": "06 12 34 56 78",
        "to_number": "+31 30 123 4567",
        **extra,
    }


def calls_of(practice):
    return for_practice(Communication, practice).filter(kind=Communication.Kind.CALL)


def test_a_call_is_stored_with_its_numbers_times_and_local_day(post_event, api_key_a, practice_a):
    # given a ringing, then answered, then completed call
    post_event("calls/events/", api_key_a, **call("ringing", 0))
    post_event("calls/events/", api_key_a, **call("answered", 20))
    answer = post_event(
        "calls/events/", api_key_a, **call("completed", 200, recording_url="https://rec.example/1")
    )
    # then
    assert answer.status_code == 201, answer.json()
    c = calls_of(practice_a).get()
    assert answer.json()["communication"] == c.pk
    assert (c.status, c.direction) == (Communication.Status.ANSWERED, "in")
    assert c.phone_raw == "06 12 34 56 78"
    assert c.phone_e164 == "+31612345678"
    assert c.practice_number == "+31301234567"
    assert (c.wait_seconds, c.duration_seconds) == (20, 180)
    assert c.recording_url == "https://rec.example/1"
    assert c.started_at == T0
    assert c.local_date == dt.date(2026, 3, 10)


def test_local_day_is_the_practice_day_not_utc(post_event, api_key_a, practice_a):
    # 23:30 UTC on 10 March is 00:30 on 11 March in Amsterdam
    late = (T0.replace(hour=23, minute=30)).isoformat()
    post_event("calls/events/", api_key_a, **call("missed", 0, occurred_at=late))
    assert calls_of(practice_a).get().local_date == dt.date(2026, 3, 11)


def test_a_duplicate_webhook_is_stored_once_and_answered_200_with_the_same_result(
    post_event, api_key_a, practice_a
):
    first = post_event("calls/events/", api_key_a, **call("missed", 0))
    again = post_event("calls/events/", api_key_a, **call("missed", 0))
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["stored"] is False
    assert again.json()["communication"] == first.json()["communication"]
    assert again.json()["status"] == first.json()["status"] == "missed"
    assert for_practice(ProviderEvent, practice_a).count() == 1
    assert calls_of(practice_a).count() == 1


ORDER = [call("ringing", 0, sequence=1), call("answered", 15, sequence=2),
         call("completed", 95, sequence=3)]  # fmt: skip


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0), (2, 0, 1)])
def test_out_of_order_events_give_the_same_communication(post_event, api_key_a, practice_a, order):
    for i in order:
        post_event("calls/events/", api_key_a, **ORDER[i])
    c = calls_of(practice_a).get()
    assert c.status == Communication.Status.ANSWERED
    assert (c.started_at, c.answered_at) == (T0, T0 + dt.timedelta(seconds=15))
    assert (c.wait_seconds, c.duration_seconds) == (15, 80)


def test_a_late_ringing_does_not_move_an_answered_call_back(post_event, api_key_a, practice_a):
    post_event("calls/events/", api_key_a, **call("answered", 10, sequence=2))
    post_event("calls/events/", api_key_a, **call("ringing", 0, sequence=1))
    assert calls_of(practice_a).get().status == Communication.Status.ANSWERED


def test_completed_without_an_answer_is_missed_with_its_reason(post_event, api_key_a, practice_a):
    post_event("calls/events/", api_key_a, **call("ringing", 0))
    post_event("calls/events/", api_key_a, **call("completed", 30))
    c = calls_of(practice_a).get()
    assert c.status == Communication.Status.MISSED
    # the reason in the reader's language (stored as a code, translated when read)
    with translation.override(practice_a.language):
        assert c.status_reason_text == translation.gettext("Ended without being answered.")
    with translation.override("en"):
        assert c.status_reason_text == "Ended without being answered."
    assert c.wait_seconds == 30


def test_the_sequence_number_orders_events_over_their_times(post_event, api_key_a, practice_a):
    # the exchange's clocks disagree: 'answered' carries an earlier time than 'ringing'
    post_event("calls/events/", api_key_a, **call("answered", 0, sequence=2))
    post_event("calls/events/", api_key_a, **call("ringing", 5, sequence=1))
    post_event("calls/events/", api_key_a, **call("completed", 60, sequence=3))
    assert calls_of(practice_a).get().status == Communication.Status.ANSWERED


def test_the_employee_is_found_by_login_or_id(post_event, api_key_a, practice_a, receptionist):
    post_event("calls/events/", api_key_a, **call("answered", 0, employee="rita"))
    assert calls_of(practice_a).get().employee == receptionist
    post_event("calls/events/", api_key_a, **call("answered", 0, provider_id="c-2",
                                                  employee=str(receptionist.pk)))  # fmt: skip
    assert calls_of(practice_a).get(provider_id="call:c-2").employee == receptionist


def test_another_practices_employee_is_refused_400(post_event, api_key_a, practice_a, vet_b):
    answer = post_event("calls/events/", api_key_a, **call("answered", 0, employee=str(vet_b.pk)))
    assert answer.status_code == 400
    assert "employee" in answer.json()
    assert not for_practice(ProviderEvent, practice_a).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"event": "exploded"}, "event"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "9999-12-31T23:59:59Z"}, "occurred_at"),
        ({"provider_id": ""}, "provider_id"),
        ({"wait_seconds": -1}, "wait_seconds"),
        ({"direction": "sideways"}, "direction"),
        ({"recording_url": "not a url"}, "recording_url"),
        ({"location": 10**30}, "location"),
        ({"location": 987_654}, "location"),
        ({"sequence": 2**40}, "sequence"),
        ({"from_number": "+31\u0000612"}, "from_number"),
    ],
)
def test_bad_input_answers_400_with_reasons_and_stores_nothing(
    post_event, api_key_a, practice_a, change, field
):
    answer = post_event("calls/events/", api_key_a, **{**call("ringing", 0), **change})
    assert answer.status_code == 400
    assert field in answer.json()
    assert not for_practice(ProviderEvent, practice_a).exists()


def test_a_withheld_caller_is_stored_with_no_number_to_match(post_event, api_key_a, practice_a):
    post_event("calls/events/", api_key_a, **call("missed", 0, from_number="anonymous"))
    c = calls_of(practice_a).get()
    assert (c.phone_raw, c.phone_e164) == ("anonymous", "")


# --- chats and web requests ----------------------------------------------------------------


def chat(event, seconds, message_id="", **extra):
    return {"provider_id": "chat-9", "event": event, "occurred_at": at(seconds),
            "message_id": message_id, "chat_channel": "whatsapp", **extra}  # fmt: skip


def test_a_chat_closed_without_a_staff_reply_is_missed(post_event, api_key_a, practice_a):
    post_event("chats/events/", api_key_a, **chat("message_in", 0, "m1", text="Hallo?"))
    post_event("chats/events/", api_key_a, **chat("message_in", 30, "m2", text="Iemand?"))
    post_event("chats/events/", api_key_a, **chat("closed", 600))
    c = for_practice(Communication, practice_a).get()
    assert (c.kind, c.status) == (Communication.Kind.CHAT, Communication.Status.MISSED)
    assert c.text == "Hallo?"
    assert c.chat_channel == "whatsapp"
    assert for_practice(ProviderEvent, practice_a).count() == 3


def test_a_chat_with_a_staff_reply_is_active_then_closed(
    post_event, api_key_a, practice_a, receptionist
):
    post_event("chats/events/", api_key_a, **chat("message_in", 0, "m1"))
    post_event("chats/events/", api_key_a, **chat("message_out", 45, "m2", employee="rita"))
    c = for_practice(Communication, practice_a).get()
    assert c.status == Communication.Status.ACTIVE
    assert (c.employee, c.wait_seconds) == (receptionist, 45)
    post_event("chats/events/", api_key_a, **chat("closed", 300))
    c.refresh_from_db()
    assert c.status == Communication.Status.CLOSED


def test_a_chat_message_needs_its_id(post_event, api_key_a):
    answer = post_event("chats/events/", api_key_a, **chat("message_in", 0))
    assert answer.status_code == 400
    assert "message_id" in answer.json()


def test_a_web_request_keeps_its_utm_tags_and_landing_page(post_event, api_key_a, practice_a):
    answer = post_event(
        "web-requests/",
        api_key_a,
        provider_id="form-77",
        occurred_at=at(0),
        name="Anna de Vries",
        phone="0612345678",
        email="Anna@Example.nl",
        text="Graag een afspraak",
        utm_source="google",
        utm_medium="cpc",
        utm_campaign="implants",
        landing_page="https://centrum.example/implantaten",
        service="site",
    )
    assert answer.status_code == 201, answer.json()
    c = for_practice(Communication, practice_a).get()
    assert (c.kind, c.status) == (Communication.Kind.WEB_REQUEST, Communication.Status.OPEN)
    assert (c.utm_source, c.utm_medium, c.utm_campaign) == ("google", "cpc", "implants")
    assert c.landing_page == "https://centrum.example/implantaten"
    assert (c.name_given, c.phone_e164, c.email) == ("Anna de Vries", "+31612345678",
                                                     "anna@example.nl")  # fmt: skip


def test_a_web_request_without_phone_or_email_is_refused(post_event, api_key_a):
    answer = post_event("web-requests/", api_key_a, provider_id="f", occurred_at=at(0), name="X")
    assert answer.status_code == 400


def test_a_call_and_a_chat_with_the_same_provider_id_stay_apart(post_event, api_key_a, practice_a):
    post_event("calls/events/", api_key_a, **call("missed", 0, provider_id="1"))
    post_event("chats/events/", api_key_a, **chat("message_in", 0, "m1", provider_id="1"))
    assert for_practice(Communication, practice_a).count() == 2


# --- keys --------------------------------------------------------------------------------


def test_no_key_or_a_wrong_key_answers_401(post_event, client, api_key_a, practice_a):
    assert client.post("/api/v1/crm/calls/events/", call("missed", 0),
                       content_type="application/json").status_code == 401  # fmt: skip
    prefix = api_key_a.split(".")[0]
    assert post_event("calls/events/", f"{prefix}.wrong", **call("missed", 0)).status_code == 401
    assert post_event("calls/events/", "nonsense", **call("missed", 0)).status_code == 401
    assert not for_practice(ProviderEvent, practice_a).exists()


def test_a_revoked_key_answers_401(post_event, api_key_a, practice_a, director):
    key = for_practice(ApiKey, practice_a).get()
    api_key_revoke(practice_a, actor=director.user, key=key)
    assert post_event("calls/events/", api_key_a, **call("missed", 0)).status_code == 401


def test_rotating_gives_a_new_key_and_revokes_the_old(post_event, api_key_a, practice_a, director):
    key = for_practice(ApiKey, practice_a).get()
    issued = api_key_rotate(practice_a, actor=director.user, key=key)
    assert post_event("calls/events/", api_key_a, **call("missed", 0)).status_code == 401
    assert post_event("calls/events/", issued.plain, **call("missed", 0)).status_code == 201
    assert issued.key.name == "Telephony"


def test_only_a_hash_of_the_key_is_stored(api_key_a, practice_a):
    key = for_practice(ApiKey, practice_a).get()
    secret = api_key_a.split(".", 1)[1]
    assert secret not in key.hashed
    assert api_key_a.startswith(key.prefix + ".")


def test_another_practices_key_cannot_touch_this_practices_rows(
    post_event, api_key_a, api_key_b, practice_a, practice_b
):
    # given practice A's call c-1
    post_event("calls/events/", api_key_a, **call("ringing", 0))
    # when practice B's key sends events for the same provider id
    answer = post_event("calls/events/", api_key_b, **call("answered", 10))
    # then they make B's own call; A's stays as it was
    assert answer.status_code == 201
    a_call = calls_of(practice_a).get()
    assert a_call.status == Communication.Status.RINGING
    assert answer.json()["communication"] != a_call.pk
    assert calls_of(practice_b).get().status == Communication.Status.ANSWERED
    assert for_practice(ProviderEvent, practice_a).count() == 1


def test_the_api_is_rate_limited_per_key(post_event, api_key_a, settings):
    settings.CRM_API_RATE = "2/m"
    for second in range(2):
        assert post_event("calls/events/", api_key_a, **call("ringing", second,
                          provider_id=f"r{second}")).status_code == 201  # fmt: skip
    refused = post_event("calls/events/", api_key_a, **call("ringing", 9, provider_id="r9"))
    assert refused.status_code == 429
    assert refused.has_header("Retry-After")


def test_the_endpoints_are_in_the_openapi_schema(client, settings):
    settings.API_DOCS_PUBLIC = True
    schema = client.get("/api/schema/", headers={"Accept": "application/json"}).json()
    for path in ("/api/v1/crm/calls/events/", "/api/v1/crm/chats/events/",
                 "/api/v1/crm/web-requests/"):  # fmt: skip
        assert "401" in schema["paths"][path]["post"]["responses"]
    assert "integrationApiKey" in schema["components"]["securitySchemes"]


def test_an_event_costs_a_fixed_number_of_queries_however_many_came_before(
    post_event, api_key_a, practice_a
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost(provider_id: str) -> int:
        post_event("calls/events/", api_key_a, **call("ringing", 0, provider_id=provider_id))
        post_event("calls/events/", api_key_a, **call("answered", 10, provider_id=provider_id))
        with CaptureQueriesContext(connection) as queries:
            done = post_event(
                "calls/events/", api_key_a, **call("completed", 90, provider_id=provider_id)
            )
        assert done.status_code == 201
        return len(queries)

    few = cost("first")
    for second in range(30):
        post_event("calls/events/", api_key_a, **call("ringing", second, provider_id=f"q{second}"))
    # Storing the event, rebuilding its call and deriving who, what for, channel and contact:
    # the same statements with 30 other calls that day as with none.
    assert cost("later") == few
    assert few <= 30
