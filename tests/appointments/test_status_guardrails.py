"""Reception guardrails: a visit still ahead cannot be marked arrived, in progress,
completed or no-show (page and API alike), and after a status change the panel stays open
and says what changed for whom.

The rule (appointments.services.status_too_early): arrived and in progress are allowed from
the local day of the start (a patient may walk in early that day), completed and no-show
only once the start has passed (until then the patient may still come). Times are in the
practice's zone (Amsterdam); the suite runs in Kathmandu.
"""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from appointments.models import Appointment

from .. import factories as f

AMS = dt.timezone(dt.timedelta(hours=1))  # Amsterdam in winter


@pytest.fixture
def anna_at_11(practice_a, dentist, location_a, ctype_a):
    """Anna Jansen's appointment on Tuesday 1 December 2026, 11:00 Amsterdam."""
    client = f.ClientFactory(practice=practice_a, first_name="Anna", last_name="Jansen")
    patient = f.PatientFactory(practice=practice_a, client=client, name="Anna Jansen")
    start = dt.datetime(2026, 12, 1, 11, 0, tzinfo=AMS)
    return f.AppointmentFactory(
        practice=practice_a,
        patient=patient,
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
    )


@pytest.fixture
def api(receptionist):
    client = APIClient()
    client.force_authenticate(receptionist.user)
    return client


def _post_status(client, appointment, status, **headers):
    return client.post(
        reverse("appointment-status", args=[appointment.pk]), {"status": status}, **headers
    )


def _at(hour, minute=0):
    """On the day of the visit (1 December), Amsterdam time."""
    return time_machine.travel(dt.datetime(2026, 12, 1, hour, minute, tzinfo=AMS), tick=False)


def _the_evening_before(hour, minute=0):
    return time_machine.travel(dt.datetime(2026, 11, 30, hour, minute, tzinfo=AMS), tick=False)


def test_it_refuses_to_mark_arrived_before_the_day_of_the_visit(rita_client, anna_at_11):
    # given: the evening before, 23:30 Amsterdam (already the 1st in Kathmandu)
    with _the_evening_before(23, 30):
        # when
        response = _post_status(rita_client, anna_at_11, "arrived", HTTP_HX_REQUEST="true")
    # then
    assert response.status_code == 422
    assert "cannot be marked arrived before that day" in response.content.decode()
    anna_at_11.refresh_from_db()
    assert anna_at_11.status == Appointment.Status.BOOKED


def test_it_lets_reception_mark_an_early_arrival_on_the_day(rita_client, anna_at_11):
    with _at(8, 5):  # three hours early, same day
        response = _post_status(rita_client, anna_at_11, "arrived", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    anna_at_11.refresh_from_db()
    assert anna_at_11.status == Appointment.Status.ARRIVED


def test_it_refuses_completed_before_the_start(rita_client, anna_at_11):
    with _at(8, 5):
        _post_status(rita_client, anna_at_11, "arrived")
        response = _post_status(rita_client, anna_at_11, "completed", HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "cannot be marked completed before it starts" in response.content.decode()
    anna_at_11.refresh_from_db()
    assert anna_at_11.status == Appointment.Status.ARRIVED
    with _at(11, 20):
        assert _post_status(rita_client, anna_at_11, "completed").status_code == 302
    anna_at_11.refresh_from_db()
    assert anna_at_11.status == Appointment.Status.COMPLETED


def test_the_panel_offers_no_arrived_button_for_a_visit_still_ahead(rita_client, anna_at_11):
    url = reverse("appointment-detail", args=[anna_at_11.pk])
    with _the_evening_before(17):
        ahead = rita_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    with _at(9):
        today = rita_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'value="arrived"' not in ahead
    assert 'value="no_show"' not in ahead
    assert 'value="arrived"' in today
    assert 'value="no_show"' not in today  # 09:00, the visit is at 11:00


def test_it_refuses_a_no_show_before_the_start_on_the_page(rita_client, anna_at_11):
    # given: the morning of the visit, two hours before it
    with _at(9):
        # when
        response = _post_status(rita_client, anna_at_11, "no_show", HTTP_HX_REQUEST="true")
    # then: the panel again, saying why, nothing changed
    assert response.status_code == 422
    assert "cannot be marked no-show before it starts" in response.content.decode()
    anna_at_11.refresh_from_db()
    assert anna_at_11.status == Appointment.Status.BOOKED


def test_it_offers_and_accepts_a_no_show_once_the_start_has_passed(rita_client, anna_at_11):
    url = reverse("appointment-detail", args=[anna_at_11.pk])
    with _at(11, 20):
        assert 'value="no_show"' in rita_client.get(url, HTTP_HX_REQUEST="true").content.decode()
        response = _post_status(rita_client, anna_at_11, "no_show", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Marked Anna Jansen as a no-show." in response.content.decode()
    anna_at_11.refresh_from_db()
    assert anna_at_11.status == Appointment.Status.NO_SHOW


def test_the_api_refuses_a_no_show_before_the_start_with_a_reason(api, anna_at_11):
    with _at(10, 59):
        response = api.post(
            f"/api/v1/appointments/{anna_at_11.pk}/status/", {"status": "no_show"}, format="json"
        )
    assert response.status_code == 400
    assert "cannot be marked no-show before it starts" in str(response.json())
    anna_at_11.refresh_from_db()
    assert anna_at_11.status == Appointment.Status.BOOKED


def test_the_api_refuses_a_future_arrival_with_a_reason(api, anna_at_11):
    with _the_evening_before(17):
        response = api.post(
            f"/api/v1/appointments/{anna_at_11.pk}/status/", {"status": "arrived"}, format="json"
        )
    assert response.status_code == 400
    assert "cannot be marked arrived before that day" in str(response.json())
    anna_at_11.refresh_from_db()
    assert anna_at_11.status == Appointment.Status.BOOKED
    with _at(10, 50):
        response = api.post(
            f"/api/v1/appointments/{anna_at_11.pk}/status/", {"status": "arrived"}, format="json"
        )
    assert response.json()["status"] == "arrived"


def test_after_a_status_change_the_panel_stays_open_and_names_the_patient(rita_client, anna_at_11):
    with _at(10, 55):
        response = _post_status(rita_client, anna_at_11, "arrived", HTTP_HX_REQUEST="true")
    content = response.content.decode()
    # then: the panel itself comes back (no redirect that would close it) ...
    assert response.status_code == 200
    assert "HX-Redirect" not in response
    assert "<html" not in content
    # ... saying what changed and for whom, and the calendar is told to refresh
    assert "Marked Anna Jansen as arrived." in content
    assert response["HX-Trigger"] == "appointment-changed"
    # ... with the next steps on offer
    assert 'value="in_progress"' in content


def test_without_htmx_a_status_change_lands_on_the_appointment_page_with_the_notice(
    rita_client, anna_at_11
):
    with _at(10, 55):
        response = _post_status(rita_client, anna_at_11, "arrived", follow=True)
    assert response.redirect_chain[-1][0] == reverse("appointment-detail", args=[anna_at_11.pk])
    assert "Marked Anna Jansen as arrived." in response.content.decode()


def test_status_change_of_another_practices_appointment_is_404(rita_client, appointment_b):
    assert _post_status(rita_client, appointment_b, "arrived").status_code == 404
