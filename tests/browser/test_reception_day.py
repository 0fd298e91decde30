"""A receptionist's day in a real browser: log in, find a patient, book, move, cancel."""

import datetime as dt

import pytest
from django.utils import timezone

from appointments.models import Appointment

from .. import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_receptionist_finds_a_patient_books_moves_and_cancels(
    live_server, page, receptionist, dentist, location_a, ctype_a, patient_a, practice_a
):
    day = timezone.localdate(timezone=location_a.tz) + dt.timedelta(days=1)
    other_dentist = f.MembershipFactory(
        practice=practice_a, user=f.UserFactory(username="eva", first_name="Eva", last_name="Ek")
    )

    # given: Rita logs in
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", "pw")
    page.click("button.primary")
    page.wait_for_url("**/calendar/**")

    # when: she finds Anna by phone and opens the card
    page.click("text=Patients")
    page.fill("#q", "0612345")
    page.press("#q", "Enter")  # live results come by htmx; Enter works with or without
    page.click(f".result-list >> text={patient_a.name}")
    page.wait_for_url(f"**/patients/{patient_a.pk}/")

    # and books her from the card
    page.click("text=Book appointment")
    page.wait_for_selector("#panel form")
    page.select_option("#id_practitioner", str(dentist.pk))
    page.select_option("#id_consultation_type", str(ctype_a.pk))
    page.fill("#id_date", day.isoformat())
    page.fill("#id_start_time", "10:00")
    page.click("#panel button.primary")
    page.wait_for_url("**/calendar/**")
    assert page.locator(".appt", has_text=patient_a.name).count() == 1
    appointment = Appointment.objects.unscoped().get(patient=patient_a)

    # then moves it to Eva at 11:30 from the calendar
    page.click(f"[data-appointment='{appointment.pk}']")
    page.wait_for_selector("#move-form")
    page.select_option("#move-form #id_practitioner", str(other_dentist.pk))
    page.fill("#move-form #id_start_time", "11:30")
    page.click("#move-form button.primary")
    page.wait_for_selector("text=Appointment moved.")
    appointment.refresh_from_db()
    assert appointment.practitioner == other_dentist
    assert appointment.starts_at.astimezone(location_a.tz).time() == dt.time(11, 30)
    column = page.locator(f".cal-col[data-practitioner='{other_dentist.pk}']")
    assert column.locator(".appt", has_text=patient_a.name).count() == 1

    # and cancels it
    page.click(f"[data-appointment='{appointment.pk}']")
    page.wait_for_selector("#cancel-form")
    page.fill("#cancel-form #id_reason", "Patient called")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#cancel-form button.danger")
    page.wait_for_selector("text=Appointment cancelled.")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert page.locator(".appt", has_text=patient_a.name).count() == 0


def test_overlap_is_shown_in_the_booking_panel(
    live_server, page, receptionist, dentist, location_a, ctype_a, appointment_a, practice_a
):
    other = f.PatientFactory(practice=practice_a, name="Bram Smit")
    local = appointment_a.starts_at.astimezone(location_a.tz)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", "pw")
    page.click("button.primary")
    page.goto(f"{live_server.url}/patients/{other.pk}/")
    page.click("text=Book appointment")
    page.wait_for_selector("#panel form")
    page.select_option("#id_practitioner", str(dentist.pk))
    page.select_option("#id_consultation_type", str(ctype_a.pk))
    page.fill("#id_date", local.date().isoformat())
    page.fill("#id_start_time", "09:15")
    page.click("#panel button.primary")
    page.wait_for_selector("#panel .form-errors")
    assert appointment_a.patient.name in page.inner_text("#panel .form-errors")
    assert Appointment.objects.unscoped().count() == 1


def test_clicking_an_empty_time_opens_the_form_prefilled(
    live_server, page, receptionist, dentist, location_a, ctype_a, patient_a
):
    from appointments.models import WorkingHours

    day = timezone.localdate(timezone=location_a.tz) + dt.timedelta(days=1)
    WorkingHours.objects.unscoped().create(
        practice=location_a.practice,
        practitioner=dentist,
        location=location_a,
        weekday=day.weekday(),
        start_time=dt.time(8),
        end_time=dt.time(17),
    )
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", "pw")
    page.click("button.primary")
    page.goto(f"{live_server.url}/calendar/?date={day.isoformat()}")
    column = page.locator(f".cal-col[data-practitioner='{dentist.pk}']")
    # 2px a minute from 08:00: y=365 is 11:02, in the 11:00 quarter.
    column.click(position={"x": 40, "y": 365})
    page.wait_for_selector("#panel form")
    assert page.input_value("#id_start_time") == "11:00"
    assert page.input_value("#id_date") == day.strftime("%d/%m/%Y")  # as English writes it
    assert page.input_value("#id_practitioner") == str(dentist.pk)
