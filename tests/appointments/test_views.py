import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appointments.models import Appointment

from .. import factories as f


def form_data(patient, location, practitioner, ctype, day, time="09:00", **extra):
    return {
        "patient": patient.pk,
        "location": location.pk,
        "practitioner": practitioner.pk,
        "consultation_type": ctype.pk,
        "date": day.isoformat(),
        "start_time": time,
        **extra,
    }


def test_calendar_shows_the_days_appointments_in_practitioner_columns(
    rita_client, appointment_a, dentist, location_a, tomorrow_9
):
    response = rita_client.get(reverse("calendar"), {"date": tomorrow_9.date().isoformat()})
    assert response.status_code == 200
    content = response.content.decode()
    assert dentist.name in content
    assert appointment_a.patient.name in content
    assert "09:00–09:30" in content


def test_calendar_shows_local_time_of_the_location(
    rita_client, practice_a, patient_a, dentist, location_a, ctype_a
):
    # 08:00 UTC on a winter day is 09:00 in Amsterdam.
    start = dt.datetime(2030, 1, 7, 8, 0, tzinfo=dt.UTC)
    f.AppointmentFactory(
        practice=practice_a,
        patient=patient_a,
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
    )
    response = rita_client.get(reverse("calendar"), {"date": "2030-01-07"})
    assert "09:00–09:30" in response.content.decode()


def _calendar_queries(rita_client, day) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert rita_client.get(reverse("calendar"), {"date": day.isoformat()}).status_code == 200
    return len(ctx)


def test_calendar_runs_a_constant_number_of_queries(
    rita_client, practice_a, location_a, ctype_a, tomorrow_9
):
    def add(n, offset_hours):
        for i in range(n):
            practitioner = f.MembershipFactory(practice=practice_a)
            start = tomorrow_9 + dt.timedelta(hours=offset_hours, minutes=30 * i)
            f.AppointmentFactory(
                practice=practice_a,
                practitioner=practitioner,
                location=location_a,
                consultation_type=ctype_a,
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=30),
            )

    add(2, 0)
    few = _calendar_queries(rita_client, tomorrow_9.date())
    add(12, 1)
    many = _calendar_queries(rita_client, tomorrow_9.date())
    assert few == many


def test_booking_from_the_form_puts_it_on_the_calendar(
    rita_client, patient_a, location_a, dentist, ctype_a, tomorrow_9
):
    response = rita_client.post(
        reverse("appointment-create"),
        form_data(patient_a, location_a, dentist, ctype_a, tomorrow_9.date(), "10:15"),
    )
    assert response.status_code == 302
    appointment = Appointment.objects.unscoped().get()
    assert appointment.starts_at == dt.datetime.combine(
        tomorrow_9.date(), dt.time(10, 15), tzinfo=location_a.tz
    )
    assert appointment.created_by.username == "rita"
    calendar = rita_client.get(response["Location"])
    assert patient_a.name in calendar.content.decode()


def test_booking_via_htmx_answers_with_a_redirect_header(
    rita_client, patient_a, location_a, dentist, ctype_a, tomorrow_9
):
    response = rita_client.post(
        reverse("appointment-create"),
        form_data(patient_a, location_a, dentist, ctype_a, tomorrow_9.date()),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/calendar/")


def test_overlapping_booking_shows_the_conflicting_appointment_and_saves_nothing(
    rita_client, appointment_a, location_a, dentist, ctype_a, tomorrow_9, practice_a
):
    other = f.PatientFactory(practice=practice_a, name="Bert Jansen")
    response = rita_client.post(
        reverse("appointment-create"),
        form_data(other, location_a, dentist, ctype_a, tomorrow_9.date(), "09:15"),
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert appointment_a.patient.name in errors
    assert "09:00" in errors
    assert Appointment.objects.unscoped().count() == 1


def test_negative_duration_is_refused(
    rita_client, patient_a, location_a, dentist, ctype_a, tomorrow_9
):
    response = rita_client.post(
        reverse("appointment-create"),
        form_data(patient_a, location_a, dentist, ctype_a, tomorrow_9.date(), duration="-15"),
    )
    assert "duration" in response.context["form"].errors
    assert not Appointment.objects.unscoped().exists()


def test_garbage_input_is_a_form_error_not_a_500(rita_client, location_a):
    response = rita_client.post(
        reverse("appointment-create"),
        {
            "patient": "abc",
            "location": "x",
            "practitioner": "",
            "date": "not-a-date",
            "start_time": "25:99",
            "duration": "many",
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"patient", "date", "start_time"}


def test_moving_an_appointment(rita_client, appointment_a, dentist, tomorrow_9):
    new_day = tomorrow_9.date() + dt.timedelta(days=1)
    response = rita_client.post(
        reverse("appointment-move", args=[appointment_a.pk]),
        {
            "practitioner": dentist.pk,
            "date": new_day.isoformat(),
            "start_time": "14:00",
        },
    )
    assert response.status_code == 302
    appointment_a.refresh_from_db()
    local = appointment_a.starts_at.astimezone(appointment_a.location.tz)
    assert (local.date(), local.time()) == (new_day, dt.time(14))
    assert appointment_a.ends_at - appointment_a.starts_at == dt.timedelta(minutes=30)


def test_moving_onto_another_appointment_is_refused_with_its_name(
    rita_client, appointment_a, practice_a, dentist, location_a, ctype_a, tomorrow_9
):
    later = tomorrow_9 + dt.timedelta(hours=3)
    blocker = f.AppointmentFactory(
        practice=practice_a,
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=later,
        ends_at=later + dt.timedelta(hours=1),
        patient=f.PatientFactory(practice=practice_a, name="Carla Blok"),
    )
    response = rita_client.post(
        reverse("appointment-move", args=[appointment_a.pk]),
        {
            "practitioner": dentist.pk,
            "date": later.date().isoformat(),
            "start_time": "12:15",
        },
    )
    assert response.status_code == 422
    assert blocker.patient.name in response.content.decode()
    appointment_a.refresh_from_db()
    assert appointment_a.starts_at == tomorrow_9


def test_cancelling_an_appointment_frees_the_calendar(rita_client, appointment_a, tomorrow_9):
    response = rita_client.post(
        reverse("appointment-cancel", args=[appointment_a.pk]), {"reason": "Patient called"}
    )
    assert response.status_code == 302
    appointment_a.refresh_from_db()
    assert appointment_a.status == Appointment.Status.CANCELLED
    calendar = rita_client.get(reverse("calendar"), {"date": tomorrow_9.date().isoformat()})
    assert appointment_a.patient.name not in calendar.content.decode()


def test_status_buttons_move_the_appointment_along(rita_client, appointment_a):
    with time_machine.travel(appointment_a.starts_at - dt.timedelta(minutes=10)):
        rita_client.post(
            reverse("appointment-status", args=[appointment_a.pk]), {"status": "arrived"}
        )
    appointment_a.refresh_from_db()
    assert appointment_a.status == Appointment.Status.ARRIVED


def test_detail_panel_renders_for_htmx(rita_client, appointment_a):
    response = rita_client.get(
        reverse("appointment-detail", args=[appointment_a.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert appointment_a.patient.name in response.content.decode()


@pytest.mark.parametrize("status", ["completed", "bogus"])
def test_impossible_status_change_is_refused_without_500(rita_client, appointment_a, status):
    response = rita_client.post(
        reverse("appointment-status", args=[appointment_a.pk]), {"status": status}
    )
    assert response.status_code == 302
    appointment_a.refresh_from_db()
    assert appointment_a.status == Appointment.Status.BOOKED
