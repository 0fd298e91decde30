"""Reception books and reads the calendar on the nights the clocks change (Amsterdam)."""

import datetime as dt

from django.urls import reverse

from appointments.calendar_layout import day_grid
from appointments.models import Appointment
from appointments.selectors import day_calendar

from .. import factories as f
from .test_views import form_data

SPRING_SUNDAY = dt.date(2030, 3, 31)  # 02:00 → 03:00
AUTUMN_SUNDAY = dt.date(2030, 10, 27)  # 03:00 → 02:00


def test_booking_a_time_the_clocks_skip_is_refused_with_a_clear_message(
    rita_client, patient_a, location_a, dentist, ctype_a
):
    response = rita_client.post(
        reverse("appointment-create"),
        form_data(patient_a, location_a, dentist, ctype_a, SPRING_SUNDAY, "02:30"),
    )
    assert response.status_code == 200  # the form again, with the error by the start time
    assert "does not exist" in response.content.decode()
    assert not Appointment.objects.unscoped().exists()


def test_a_repeated_time_books_its_first_instant_and_lasts_its_real_duration(
    rita_client, patient_a, location_a, dentist, ctype_a
):
    response = rita_client.post(
        reverse("appointment-create"),
        form_data(patient_a, location_a, dentist, ctype_a, AUTUMN_SUNDAY, "02:45"),
    )
    assert response.status_code == 302
    appointment = Appointment.objects.unscoped().get()
    assert appointment.starts_at == dt.datetime(2030, 10, 27, 0, 45, tzinfo=dt.UTC)  # CEST
    assert appointment.ends_at - appointment.starts_at == dt.timedelta(
        minutes=ctype_a.duration_minutes
    )


def test_the_calendar_of_the_spring_night_has_no_skipped_hour(
    rita_client, practice_a, location_a, dentist, patient_a, ctype_a
):
    # given: an appointment at 01:30 CET pulls the grid back to 01:00
    start = dt.datetime(2030, 3, 31, 0, 30, tzinfo=dt.UTC)
    f.AppointmentFactory(
        practice=practice_a,
        patient=patient_a,
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
    )
    # when
    response = rita_client.get(
        reverse("calendar"), {"location": location_a.pk, "date": SPRING_SUNDAY.isoformat()}
    )
    grid = day_grid(day_calendar(practice_a, location=location_a, day=SPRING_SUNDAY))
    # then
    assert response.status_code == 200
    assert patient_a.name in response.content.decode()
    labels = [slot.label for slot in grid.slots]
    assert labels[:4] == ["01:00", "01:15", "01:30", "01:45"]
    assert labels[4] == "03:00"  # 02:00–02:59 never happens that night
    assert len(labels) == len(set(labels))


def test_the_calendar_of_the_autumn_night_renders(rita_client, location_a):
    response = rita_client.get(
        reverse("calendar"), {"location": location_a.pk, "date": AUTUMN_SUNDAY.isoformat()}
    )
    assert response.status_code == 200
