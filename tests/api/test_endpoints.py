import base64
import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from appointments.models import Appointment
from patients.models import Client

from .. import factories as f


def test_anonymous_requests_are_refused(practice_a):
    response = APIClient().get("/api/v1/patients/")
    assert response.status_code in (401, 403)


def test_basic_auth_works(receptionist, patient_a):
    token = base64.b64encode(b"rita:pw").decode()
    response = APIClient().get("/api/v1/patients/", HTTP_AUTHORIZATION=f"Basic {token}")
    assert response.status_code == 200
    assert [r["name"] for r in response.json()["results"]] == [patient_a.name]


def test_create_client_normalises_the_mobile(api, practice_a):
    response = api.post(
        "/api/v1/clients/",
        {
            "first_name": "Sanne",
            "last_name": "Bakker",
            "mobile": "06 1234 5679",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["mobile"] == "+31612345679"


def test_invalid_mobile_is_a_400_on_the_field_and_nothing_saved(api, practice_a):
    response = api.post(
        "/api/v1/clients/",
        {
            "first_name": "Sanne",
            "last_name": "Bakker",
            "mobile": "12345",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "not a valid phone number" in response.json()["mobile"][0]
    assert not Client.objects.unscoped().exists()


def test_patch_client(api, patient_a):
    response = api.patch(
        f"/api/v1/clients/{patient_a.client_id}/", {"city": "Zeist"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["city"] == "Zeist"


def test_patient_search_filter(api, patient_a, practice_a):
    f.PatientFactory(
        practice=practice_a,
        name="Someone Else",
        client=f.ClientFactory(
            practice=practice_a, first_name="Someone", last_name="Else", mobile="+31687654321"
        ),
    )
    rows = api.get("/api/v1/patients/", {"q": "0612345"}).json()["results"]
    assert [r["id"] for r in rows] == [patient_a.pk]


def test_book_move_cancel_through_the_api(api, patient_a, dentist, location_a, ctype_a, tomorrow_9):
    booked = api.post(
        "/api/v1/appointments/",
        {
            "patient": patient_a.pk,
            "practitioner": dentist.pk,
            "location": location_a.pk,
            "consultation_type": ctype_a.pk,
            "starts_at": tomorrow_9.isoformat(),
        },
        format="json",
    )
    assert booked.status_code == 201, booked.json()
    appointment_id = booked.json()["id"]
    assert booked.json()["ends_at"] == (tomorrow_9 + dt.timedelta(minutes=30)).astimezone(
        dt.UTC
    ).isoformat().replace("+00:00", "Z")

    later = tomorrow_9 + dt.timedelta(hours=2)
    moved = api.patch(
        f"/api/v1/appointments/{appointment_id}/", {"starts_at": later.isoformat()}, format="json"
    )
    assert moved.status_code == 200
    assert Appointment.objects.unscoped().get(pk=appointment_id).starts_at == later

    cancelled = api.post(
        f"/api/v1/appointments/{appointment_id}/cancel/", {"reason": "called"}, format="json"
    )
    assert cancelled.json()["status"] == "cancelled"


def test_overlapping_booking_is_409_naming_the_conflict(
    api, appointment_a, practice_a, dentist, location_a, ctype_a, tomorrow_9
):
    other = f.PatientFactory(practice=practice_a)
    response = api.post(
        "/api/v1/appointments/",
        {
            "patient": other.pk,
            "practitioner": dentist.pk,
            "location": location_a.pk,
            "consultation_type": ctype_a.pk,
            "starts_at": (tomorrow_9 + dt.timedelta(minutes=10)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["conflict"]["id"] == appointment_a.pk
    assert appointment_a.patient.name in response.json()["detail"]
    assert Appointment.objects.unscoped().count() == 1


def test_end_before_start_is_400(api, patient_a, dentist, location_a, ctype_a, tomorrow_9):
    response = api.post(
        "/api/v1/appointments/",
        {
            "patient": patient_a.pk,
            "practitioner": dentist.pk,
            "location": location_a.pk,
            "consultation_type": ctype_a.pk,
            "starts_at": tomorrow_9.isoformat(),
            "ends_at": (tomorrow_9 - dt.timedelta(hours=1)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "ends_at" in response.json()
    assert not Appointment.objects.unscoped().exists()


@pytest.mark.parametrize(
    "body",
    [
        {"starts_at": "yesterday-ish"},
        {"patient": "abc", "starts_at": "2030-01-01T09:00:00+01:00"},
        {},
    ],
)
def test_garbage_booking_input_is_400_not_500(api, body):
    assert api.post("/api/v1/appointments/", body, format="json").status_code == 400


def test_impossible_status_change_is_400(api, appointment_a):
    response = api.post(
        f"/api/v1/appointments/{appointment_a.pk}/status/", {"status": "completed"}, format="json"
    )
    assert response.status_code == 400
    with time_machine.travel(appointment_a.starts_at - dt.timedelta(minutes=10)):
        response = api.post(
            f"/api/v1/appointments/{appointment_a.pk}/status/", {"status": "arrived"}, format="json"
        )
    assert response.json()["status"] == "arrived"


def test_appointment_filters(
    api, appointment_a, practice_a, dentist, location_a, ctype_a, tomorrow_9
):
    later = tomorrow_9 + dt.timedelta(days=3)
    f.AppointmentFactory(
        practice=practice_a,
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=later,
        ends_at=later + dt.timedelta(minutes=30),
    )
    rows = api.get(
        "/api/v1/appointments/",
        {
            "date_from": tomorrow_9.isoformat(),
            "date_to": (tomorrow_9 + dt.timedelta(days=1)).isoformat(),
            "practitioner": dentist.pk,
        },
    ).json()["results"]
    assert [r["id"] for r in rows] == [appointment_a.pk]


def test_practitioners_list_only_clinical_staff(api, dentist, receptionist, director):
    rows = api.get("/api/v1/practitioners/").json()["results"]
    assert [r["id"] for r in rows] == [dentist.pk]


def test_schema_and_docs_are_served_to_staff(client, receptionist):
    client.force_login(receptionist.user)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def _queries(api, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert api.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/appointments/",
        "/api/v1/patients/",
        "/api/v1/clients/",
        "/api/v1/practitioners/",
        "/api/v1/consultation-types/",
    ],
)
def test_lists_run_a_constant_number_of_queries(api, practice_a, location_a, url):
    def add(n):
        for _ in range(n):
            f.AppointmentFactory(practice=practice_a, location=location_a)

    add(2)
    few = _queries(api, url)
    add(10)
    assert _queries(api, url) == few


@pytest.mark.parametrize(
    "value",
    [
        "2030-01-07T09:00:00-19:49",  # an offset Python reads and PostgreSQL refuses
        "0001-01-01T00:00:00+05:00",  # before year 1 in UTC
        "9999-12-31T23:00:00-05:00",  # after year 9999 in UTC
    ],
)
def test_appointment_date_filters_take_any_readable_instant_or_answer_400(
    api, appointment_a, value
):
    response = api.get("/api/v1/appointments/", {"date_to": value, "date_from": value})
    assert response.status_code in (200, 400), response.content
    if response.status_code == 200:
        assert response.json()["results"] == []


def test_appointment_date_filter_with_a_far_offset_finds_the_same_instant(api, appointment_a):
    # given: the appointment's start, written with a -19:49 offset
    start = appointment_a.starts_at.astimezone(dt.timezone(-dt.timedelta(hours=19, minutes=49)))
    # when
    rows = api.get(
        "/api/v1/appointments/", {"date_from": start.isoformat(), "date_to": start.isoformat()}
    )
    # then: an instant is an instant, whatever its offset
    assert rows.status_code == 200
    assert rows.json()["count"] == 0  # ends after start AND starts before start: none
    later = (start + dt.timedelta(minutes=1)).isoformat()
    found = api.get("/api/v1/appointments/", {"date_from": start.isoformat(), "date_to": later})
    assert [r["id"] for r in found.json()["results"]] == [appointment_a.pk]
