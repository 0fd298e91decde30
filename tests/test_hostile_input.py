"""One named test per input the probe of issue 10 answered with a 500.

Each goes the way a client, a member of staff or Twilio does (through the page, the API,
the webhook), and says what the answer is now: 400 with the reason, 404, a form error or
a redirect; never a 5xx, and nothing saved.
"""

import pytest
from django.urls import reverse
from twilio.request_validator import RequestValidator

from appointments.models import Appointment
from departure_workflow.models import ActionKind
from departure_workflow.services import workflow_build
from messaging.models import Message
from patients.models import Client
from practice.models import Practice

from .departure_workflow.conftest import make_visit  # noqa: F401  (a fixture)
from .departure_workflow.helpers import action_of
from .departure_workflow.test_rules import _plan
from .messaging.conftest import messaging_on, wants_both  # noqa: F401  (fixtures)
from .online_booking.conftest import open_for_online

pytestmark = pytest.mark.django_db

SUPERSCRIPT_TWO = "\u00b2"  # "²".isdigit() is True; int("²") raises
BOOK = "/p/centrum/book/"
DETAILS = "/p/centrum/book/details/"
PUBLIC_API = "/api/v1/public/centrum"


@pytest.fixture
def setup(practice_a, location_a, dentist, ctype_a):
    practice_a.language = "en"
    practice_a.save()
    return open_for_online(practice_a, location_a, dentist, ctype_a)


@pytest.fixture
def dora(client, director):
    director.user.is_staff = True
    director.user.save()
    client.force_login(director.user)
    return client


@pytest.fixture
def rita_admin(client, receptionist):
    receptionist.user.is_staff = True
    receptionist.user.save()
    client.force_login(receptionist.user)
    return client


# Ids that are digits in Unicode but not ASCII ------------------------------------------------


@pytest.mark.parametrize("param", ["location", "reason"])
def test_a_non_ascii_digit_id_on_the_booking_page_answers_404_like_an_unknown_one(
    client, setup, param
):
    assert client.get(BOOK, {param: SUPERSCRIPT_TWO}).status_code == 404


def test_a_non_ascii_digit_practitioner_on_the_details_page_means_anyone(client, setup):
    response = client.get(
        DETAILS,
        {"reason": setup.pk, "start": "2030-01-07T08:00:00Z", "practitioner": SUPERSCRIPT_TWO},
    )
    assert response.status_code == 200


@pytest.mark.parametrize("endpoint", ["reasons", "days", "times"])
@pytest.mark.parametrize("param", ["location", "reason"])
def test_a_non_ascii_digit_id_in_the_public_api_answers_400_naming_the_field(
    client, location_a, setup, endpoint, param
):
    query = {"location": location_a.pk, "reason": setup.pk, "date": "2030-01-07"}
    query[param] = SUPERSCRIPT_TWO
    response = client.get(f"{PUBLIC_API}/{endpoint}/", query)
    if endpoint == "reasons" and param == "reason":
        assert response.status_code == 200  # reasons/ reads no reason
    else:
        assert response.status_code == 400
        assert response.json()[param] == ["Give a whole number."]


def test_a_non_ascii_digit_location_on_the_staff_calendar_answers_400_with_the_reason(
    rita_client, location_a
):
    response = rita_client.get("/calendar/", {"location": SUPERSCRIPT_TWO})
    assert response.status_code == 400
    assert "Give a whole number." in response.content.decode()


def test_a_non_ascii_digit_patient_posted_to_the_booking_form_is_a_form_error(
    rita_client, location_a
):
    response = rita_client.post("/appointments/new/", {"patient": SUPERSCRIPT_TWO})
    assert response.status_code == 200
    assert response.context["form"].errors["patient"]
    assert not Appointment.objects.unscoped().exists()


# Dates at the ends of the calendar ------------------------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_day_at_the_end_of_the_calendar_on_the_booking_page_goes_back_a_step(client, setup, day):
    response = client.get(BOOK, {"reason": setup.pk, "day": day})
    assert response.status_code == 200
    assert response.context["choice"].day is None


@pytest.mark.parametrize("month", ["0001-01", "9999-12"])
def test_a_month_at_the_end_of_the_calendar_on_the_booking_page_shows_this_month(
    client, setup, month
):
    response = client.get(BOOK, {"reason": setup.pk, "month": month})
    assert response.status_code == 200
    assert response.context["choice"].month == response.context["choice"].today.replace(day=1)


@pytest.mark.parametrize("start", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])
def test_a_start_at_the_end_of_the_calendar_on_the_details_page_goes_back_to_choosing(
    client, setup, start
):
    response = client.get(DETAILS, {"reason": setup.pk, "start": start})
    assert response.status_code == 302
    assert response["Location"].startswith(BOOK)


@pytest.mark.parametrize(
    ("endpoint", "param", "value"),
    [("days", "month", "9999-12"), ("days", "month", "0001-01"), ("times", "date", "9999-12-31")],
)
def test_a_date_at_the_end_of_the_calendar_in_the_public_api_answers_400(
    client, location_a, setup, endpoint, param, value
):
    query = {"location": location_a.pk, "reason": setup.pk, param: value}
    response = client.get(f"{PUBLIC_API}/{endpoint}/", query)
    assert response.status_code == 400
    assert "between the years" in response.json()[param][0]


@pytest.mark.parametrize("url", ["/calendar/", "/checkout/"])
@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31"])
def test_a_date_at_the_end_of_the_calendar_on_staff_pages_answers_400(
    rita_client, location_a, url, date
):
    response = rita_client.get(url, {"location": location_a.pk, "date": date})
    assert response.status_code == 400
    assert "between the years" in response.content.decode()


@pytest.mark.parametrize("starts_at", ["0001-01-01T00:00:00Z", "9999-12-31T23:00:00Z"])
def test_an_api_datetime_at_the_end_of_the_calendar_answers_400_naming_the_field(
    rita_client, patient_a, dentist, location_a, ctype_a, starts_at
):
    body = {
        "patient": patient_a.pk,
        "practitioner": dentist.pk,
        "location": location_a.pk,
        "consultation_type": ctype_a.pk,
        "starts_at": starts_at,
    }
    response = rita_client.post("/api/v1/appointments/", body, content_type="application/json")
    assert response.status_code == 400
    assert "starts_at" in response.json()
    assert not Appointment.objects.unscoped().exists()


@pytest.mark.parametrize(
    "param", [{"date_from": "0001-01-01T00:00:00Z"}, {"date_to": "9999-12-31T23:59:59Z"}]
)
def test_an_api_filter_datetime_at_the_end_of_the_calendar_answers_400(rita_client, param):
    response = rita_client.get("/api/v1/appointments/", param)
    assert response.status_code == 400
    assert set(response.json()) == set(param)


@pytest.mark.parametrize("starts_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])
def test_a_public_booking_at_the_end_of_the_calendar_answers_400(
    client, location_a, setup, starts_at
):
    body = {"location": location_a.pk, "reason": setup.pk, "starts_at": starts_at}
    body |= {"first_name": "Anna", "last_name": "Bakker", "email": "anna@example.nl"}
    response = client.post(f"{PUBLIC_API}/book/", body, content_type="application/json")
    assert response.status_code == 400
    assert "starts_at" in response.json()


def test_a_staff_booking_form_date_at_the_end_of_the_calendar_is_a_form_error(
    rita_client, patient_a, dentist, location_a, ctype_a
):
    response = rita_client.post(
        "/appointments/new/",
        {
            "patient": patient_a.pk,
            "location": location_a.pk,
            "practitioner": dentist.pk,
            "consultation_type": ctype_a.pk,
            "date": "9999-12-31",
            "start_time": "23:45",
            "duration": "30",
        },
    )
    assert response.status_code == 200
    assert "between the years" in response.context["form"].errors["date"][0]


# A NUL byte in a link code, in the Twilio webhooks ---------------------------------------------


@pytest.mark.parametrize(
    "url", ["/a/%00/", "/w/%00/", f"{BOOK}done/%00/", f"{BOOK}done/%00/appointment.ics"]
)
def test_a_nul_byte_in_a_link_code_answers_404(client, setup, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/a/x/", f"/a/{'A' * 17}/", "/w/%C2%B2%C2%B2%C2%B2%C2%B2/"])
def test_a_link_code_out_of_its_alphabet_or_length_answers_404(client, url):
    assert client.get(url).status_code == 404


STATUS_URL = "http://testserver/messaging/twilio/status/"
INBOUND_URL = "http://testserver/messaging/twilio/inbound/"


@pytest.fixture
def queued(messaging_on, wants_both, appointment_a, practice_a):  # noqa: F811
    return Message.objects.unscoped().create(
        practice=practice_a,
        appointment=appointment_a,
        client=wants_both.client,
        kind="confirmation",
        channel="sms",
        recipient=wants_both.client.mobile,
        due_at=appointment_a.starts_at,
        idempotency_key="hostile",
        status="queued",
        provider_id="SM" + "a" * 32,
    )


def _signed(client, url, params, token="secret-token-1234"):
    signature = RequestValidator(token).compute_signature(url, params)
    return client.post(url, params, HTTP_X_TWILIO_SIGNATURE=signature)


@pytest.mark.parametrize("param", ["MessageSid", "MessageStatus", "ErrorCode"])
def test_a_nul_byte_in_a_status_callback_answers_400_and_changes_nothing(client, queued, param):
    params = {"MessageSid": queued.provider_id, "MessageStatus": "delivered", param: "x\x00"}
    assert _signed(client, STATUS_URL, params).status_code == 400
    queued.refresh_from_db()
    assert queued.status == "queued"


@pytest.mark.parametrize("param", ["To", "From", "Body"])
def test_a_nul_byte_in_an_inbound_sms_answers_400_and_changes_nothing(
    client,
    queued,
    wants_both,  # noqa: F811  (the fixture imported above)
    param,
):
    params = {"From": wants_both.client.mobile, "To": "+3197010000000", "Body": "STOP"}
    params[param] += "\x00"
    assert _signed(client, INBOUND_URL, params).status_code == 400
    assert not Client.objects.unscoped().get(pk=wants_both.client_id).sms_opted_out


@pytest.mark.parametrize(
    ("query", "params"),
    [
        (f"?m={SUPERSCRIPT_TWO}", {"MessageSid": "SM" + "a" * 32}),
        ("", {"MessageSid": "SM;DROP"}),
        ("", {"MessageSid": ""}),
    ],
)
def test_junk_in_a_status_callback_answers_400_before_any_lookup(client, queued, query, params):
    response = _signed(client, STATUS_URL + query, {**params, "MessageStatus": "delivered"})
    assert response.status_code == 400
    queued.refresh_from_db()
    assert queued.status == "queued"


def test_a_clean_but_unsigned_callback_is_still_refused(client, queued):
    params = {"MessageSid": queued.provider_id, "MessageStatus": "delivered"}
    assert _signed(client, STATUS_URL, params, token="forged").status_code == 403
    queued.refresh_from_db()
    assert queued.status == "queued"


# The practice switcher's next, admin -----------------------------------------------------------


@pytest.mark.parametrize("next_url", ["calendar2", "calendar", "javascript:alert(1)", "//evil/"])
def test_the_practice_switchers_next_without_a_slash_goes_to_the_calendar(
    rita_client, practice_a, next_url
):
    response = rita_client.post(
        reverse("practice-switch"), {"practice": practice_a.pk, "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("calendar")


def test_the_practice_switchers_next_path_is_kept(rita_client, practice_a):
    response = rita_client.post(
        reverse("practice-switch"), {"practice": practice_a.pk, "next": "/patients/?q=anna"}
    )
    assert response["Location"] == "/patients/?q=anna"


@pytest.mark.parametrize(
    "query",
    ["role__exact=%00", "display_name=%00", "is_active__exact=%00", "q=%00", "%00=1"],
)
def test_an_admin_list_filter_with_a_nul_byte_answers_400(dora, director, query):
    response = dora.get(f"/admin/practice/membership/?{query}")
    assert response.status_code == 400


def test_an_admin_date_drill_down_past_our_years_starts_over(dora, director):
    response = dora.get("/admin/practice/auditlog/?at__year=9999")
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_an_unreadable_date_in_an_admin_add_forms_prefill_is_left_out(dora, director):
    response = dora.get("/admin/appointments/appointment/add/?starts_at=tomorrow")
    assert response.status_code == 200


def test_online_bookings_cannot_be_added_by_hand_in_admin(dora, director):
    assert dora.get("/admin/online_booking/onlinebooking/add/").status_code == 403


@pytest.mark.parametrize("who", ["dora", "rita_admin"])
def test_a_manager_opens_and_saves_their_practices_settings(request, practice_a, director, who):
    # given the director or the receptionist (both manage settings) in admin
    client = request.getfixturevalue(who)
    url = reverse("admin:practice_practice_change", args=[practice_a.pk])
    # when they open their practice's settings and save a new name
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": "Tandartspraktijk Centrum-Oost",
            "slug": "hijacked",
            "time_zone": "Europe/Amsterdam",
            "language": "nl",
            "currency": "EUR",
            "phone": "",
            "default_country": "NL",
        },
    )
    # then it is saved, and the slug (the public address) stays as it was
    assert response.status_code == 302
    practice_a.refresh_from_db()
    assert (practice_a.name, practice_a.slug) == ("Tandartspraktijk Centrum-Oost", "centrum")


def test_an_api_path_with_a_format_suffix_is_not_found(rita_client):
    assert rita_client.get("/api/v1/appointments.json/").status_code == 404
    assert Practice.objects.count() == 1


@pytest.mark.parametrize("key", ["k" * 300, "k1;drop", "\u00b2"])
def test_a_booking_link_request_key_not_of_our_making_answers_400_and_sends_nothing(
    rita_client,
    practice_a,
    make_visit,  # noqa: F811  (the fixture imported above)
    key,
):
    # given a checkout with planned treatment to book
    visit = make_visit()
    _plan(practice_a, visit.patient)
    workflow = workflow_build(practice_a, visit)
    action = action_of(workflow, ActionKind.PLANNED_TREATMENT)
    url = reverse("checkout-step", args=[workflow.pk, action.pk, "send-link"])
    # when the form comes back with a key the page never made
    response = rita_client.post(url, {"key": key})
    # then it is refused and no message is made
    assert response.status_code == 400
    assert not Message.objects.unscoped().exists()


def test_a_nul_byte_in_an_api_query_answers_400_in_json(rita_client):
    response = rita_client.get("/api/v1/appointments/?status=%00")
    assert response.status_code == 400
    assert response.json() == {"status": ["The request holds a character we cannot accept."]}


@pytest.mark.parametrize("pk", ["%C2%B2", "abc", "9" * 20])
def test_an_api_id_that_is_no_id_answers_404_in_json(rita_client, pk):
    response = rita_client.get(f"/api/v1/patients/{pk}/")
    assert response.status_code == 404
    assert "detail" in response.json()
