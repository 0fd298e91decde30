"""The public JSON endpoints: reasons, days, times, book (201, 400, 409), no account."""

import datetime as dt

import pytest

from appointments.models import Appointment
from messaging.models import Message
from online_booking.models import OnlineBookingSettings

from ..messaging.conftest import messaging_on  # noqa: F401  (a fixture)
from .conftest import MONDAY

pytestmark = pytest.mark.django_db

BASE = "/api/v1/public/centrum"


def _book(client, location_a, setup, hour=9, **extra):
    start = dt.datetime.combine(MONDAY, dt.time(hour), tzinfo=location_a.tz)
    payload = {
        "location": location_a.pk,
        "reason": setup.pk,
        "starts_at": start.isoformat(),
        "first_name": "Anna",
        "last_name": "Bakker",
        "mobile": "0612345670",
        "email": "anna.b@example.nl",
        **extra,
    }
    return client.post(f"{BASE}/book/", payload, content_type="application/json")


def test_reasons_are_listed_in_groups(client, location_a, setup):
    response = client.get(f"{BASE}/reasons/?location={location_a.pk}")
    assert response.status_code == 200
    assert response.json()[0]["reasons"][0]["name"] == "Check-up"


def test_days_of_a_month_with_free_times(client, location_a, setup):
    response = client.get(f"{BASE}/days/?location={location_a.pk}&reason={setup.pk}&month=2030-01")
    assert response.status_code == 200
    days = response.json()["days"]
    assert "2030-01-07" in days
    assert "2030-01-12" not in days  # Saturday


def test_times_of_a_day(client, location_a, setup):
    response = client.get(f"{BASE}/times/?location={location_a.pk}&reason={setup.pk}&date={MONDAY}")
    times = [t["starts_at"][11:16] for t in response.json()]
    assert times[0] == "09:00"
    assert response.json()[0]["practitioner"] == "Dirk Dentist"


def test_book_answers_201_and_the_appointment_is_online(client, location_a, setup):
    response = _book(client, location_a, setup)
    assert response.status_code == 201, response.json()
    appointment = Appointment.objects.unscoped().get(pk=response.json()["appointment"])
    assert appointment.source == "online"


def test_the_same_time_again_answers_409_with_alternatives(client, location_a, setup):
    assert _book(client, location_a, setup).status_code == 201
    again = _book(client, location_a, setup, first_name="Bram", email="bram@example.nl")
    assert again.status_code == 409
    body = again.json()
    assert "just taken" in body["detail"]
    assert len(body["alternatives"]) == 3


def test_bad_input_answers_400_with_reasons_and_saves_nothing(client, location_a, setup):
    response = _book(client, location_a, setup, mobile="12ab", email="x@")
    assert response.status_code == 400
    assert set(response.json()) >= {"mobile", "email"}
    assert not Appointment.objects.unscoped().exists()
    bad_date = client.get(f"{BASE}/times/?location={location_a.pk}&reason={setup.pk}&date=x")
    assert bad_date.status_code == 400


def test_honeypot_filled_is_refused(client, location_a, setup):
    response = _book(client, location_a, setup, website="http://spam.example")
    assert response.status_code == 400
    assert not Appointment.objects.unscoped().exists()


def test_closed_practice_or_unknown_location_answers_404(client, location_a, setup, location_b):
    assert client.get(f"{BASE}/reasons/?location={location_b.pk}").status_code == 404
    OnlineBookingSettings.objects.unscoped().update(enabled=False)
    assert client.get(f"{BASE}/reasons/?location={location_a.pk}").status_code == 404
    assert client.get("/api/v1/public/nope/reasons/?location=1").status_code == 404


def test_another_practices_reason_answers_like_a_missing_one(client, location_a, setup, practice_b):
    from online_booking.models import Reason, ReasonGroup

    from .. import factories as f

    group = ReasonGroup.objects.unscoped().create(practice=practice_b, name="G")
    foreign = Reason.objects.unscoped().create(
        practice=practice_b,
        group=group,
        consultation_type=f.ConsultationTypeFactory(practice=practice_b),
        name="R",
    )
    url = f"{BASE}/days/?location={location_a.pk}&month=2030-01&reason="
    assert client.get(url + str(foreign.pk)).status_code == 404
    assert client.get(url + "987654").status_code == 404


def test_an_api_booking_sends_its_confirmation_by_the_details_given(
    client,
    location_a,
    setup,
    messaging_on,  # noqa: F811  (the fixture imported above)
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _book(client, location_a, setup)
    appointment = Appointment.objects.unscoped().get(pk=response.json()["appointment"])
    assert appointment.confirmation_channel == "both"
    channels = set(
        Message.objects.unscoped()
        .filter(appointment=appointment, kind="confirmation")
        .values_list("channel", flat=True)
    )
    assert channels == {"sms", "email"}


def test_an_api_booking_may_choose_email_only(
    client,
    location_a,
    setup,
    messaging_on,  # noqa: F811  (the fixture imported above)
):
    response = _book(client, location_a, setup, messages_by="email")
    appointment = Appointment.objects.unscoped().get(pk=response.json()["appointment"])
    assert appointment.confirmation_channel == "email"
