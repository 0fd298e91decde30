"""Done-when for reception: a receptionist books three patients from the free-time finder,
at a desktop and on a phone, and sees the panel say what a status change did.

Screenshots land in screenshots/ (git-ignored) for looking at.
"""

import datetime as dt
from pathlib import Path

import pytest

from appointments.models import Appointment, WorkingHours
from practice import localtime

from .. import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
# An appointment in the calendar as the width shows it: a grid block or a row of the list.
_BLOCK = ".appt:visible, .cal-list-item:visible"


def _login(page, live_server):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", "pw")
    page.click("button.primary")
    page.wait_for_url("**/calendar/**")


def _works_every_day(practice, dentist, location):
    for weekday in range(7):
        WorkingHours.objects.unscoped().create(
            practice=practice,
            practitioner=dentist,
            location=location,
            weekday=weekday,
            start_time=dt.time(8),
            end_time=dt.time(18),
        )


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_receptionist_books_three_patients_from_the_free_time_finder(
    live_server, browser, width, receptionist, dentist, location_a, ctype_a, practice_a
):
    # given: Dirk works every day 08:00-18:00; three patients to book
    _works_every_day(practice_a, dentist, location_a)
    patients = [
        f.PatientFactory(
            practice=practice_a,
            name=name,
            client=f.ClientFactory(practice=practice_a, first_name=name.split()[0]),
        )
        for name in ("Anna Jansen", "Bram Smit", "Cees Bakker")
    ]
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h})
    page = context.new_page()
    page.set_default_timeout(15_000)
    SHOTS.mkdir(exist_ok=True)
    _login(page, live_server)
    picked = []
    for number, patient in enumerate(patients):
        # when: Rita opens the patient, books, and picks the first free time in the finder
        page.goto(f"{live_server.url}/patients/{patient.pk}/")
        page.click("text=Book appointment")
        page.wait_for_selector("#panel form")
        page.select_option("#id_practitioner", str(dentist.pk))
        page.select_option("#id_consultation_type", str(ctype_a.pk))
        first = page.locator("#panel .free-day[open] .time-pick").first
        first.wait_for()
        page.wait_for_function(
            "() => document.querySelector('.free-times-head strong')"
            f".textContent.includes({dentist.name!r})"
        )
        first = page.locator("#panel .free-day[open] .time-pick").first
        time_value = first.get_attribute("data-fill-time")
        date_value = first.get_attribute("data-fill-date")
        first.click()
        # then: the form holds that time
        assert page.input_value("#id_start_time") == time_value
        assert page.input_value("#id_date") == date_value
        assert first.get_attribute("aria-pressed") == "true"
        if number == 0:
            page.screenshot(path=str(SHOTS / f"desk13_finder_{width}.png"), full_page=False)
        page.click("#panel button.primary")
        page.wait_for_url("**/calendar/**")
        # (a grid at a desktop, a list on a phone)
        page.locator(_BLOCK, has_text=patient.name).first.wait_for()
        picked.append((date_value, time_value))
    # then: three bookings, none on another's time
    booked = Appointment.objects.unscoped().filter(practitioner=dentist).order_by("starts_at")
    assert [a.patient.name for a in booked] == [p.name for p in patients]
    assert len(set(picked)) == 3
    for earlier, later in zip(booked, booked[1:], strict=False):
        assert earlier.ends_at <= later.starts_at
    page.screenshot(path=str(SHOTS / f"desk13_calendar_after_{width}.png"), full_page=False)
    context.close()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_clash_offers_nearest_times_and_status_panel_says_what_changed(
    live_server, browser, width, receptionist, dentist, location_a, ctype_a, practice_a, patient_a
):
    _works_every_day(practice_a, dentist, location_a)
    day = localtime.local_today(location_a.tz) + dt.timedelta(days=2)
    start = dt.datetime.combine(day, dt.time(10), tzinfo=location_a.tz)
    other = f.PatientFactory(practice=practice_a, name="Bram Smit")
    f.AppointmentFactory(
        practice=practice_a,
        patient=other,
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
    )
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h})
    page = context.new_page()
    page.set_default_timeout(15_000)
    _login(page, live_server)
    # a clash: the nearest free times are offered and one click fills the form
    page.goto(f"{live_server.url}/patients/{patient_a.pk}/")
    page.click("text=Book appointment")
    page.wait_for_selector("#panel form")
    page.select_option("#id_practitioner", str(dentist.pk))
    page.select_option("#id_consultation_type", str(ctype_a.pk))
    page.fill("#id_date", day.isoformat())
    page.fill("#id_start_time", "10:15")
    page.click("#panel button.primary")
    page.wait_for_selector("#panel .alternatives .time-pick")
    page.screenshot(path=str(SHOTS / f"desk13_clash_{width}.png"), full_page=False)
    options = page.locator("#panel .alternatives .time-pick")
    assert options.count() == 3
    options.nth(1).click()
    assert page.input_value("#id_start_time") == "10:30"
    page.click("#panel button.primary")
    page.wait_for_url("**/calendar/**")
    assert Appointment.objects.unscoped().filter(patient=patient_a).count() == 1
    # a visit still ahead offers neither 'Arrived' nor 'No-show' (not before its start)
    page.goto(f"{live_server.url}/calendar/?date={day.isoformat()}")
    page.locator(_BLOCK, has_text="Bram Smit").first.click()
    page.wait_for_selector("#panel .panel-card")
    assert page.locator("#panel .status-buttons button", has_text="Arrived").count() == 0
    assert page.locator("#panel .status-buttons button", has_text="No-show").count() == 0
    # a status change on yesterday's visit: the panel stays open and says what changed for whom
    yesterday = day - dt.timedelta(days=3)
    past_start = dt.datetime.combine(yesterday, dt.time(10), tzinfo=location_a.tz)
    missed = f.AppointmentFactory(
        practice=practice_a,
        patient=f.PatientFactory(practice=practice_a, name="Cees Dekker"),
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=past_start,
        ends_at=past_start + dt.timedelta(minutes=30),
    )
    page.goto(f"{live_server.url}/calendar/?date={yesterday.isoformat()}")
    page.locator(_BLOCK, has_text="Cees Dekker").first.click()
    page.wait_for_selector("#panel .status-buttons")
    page.click("#panel .status-buttons button:has-text('No-show')")
    page.wait_for_selector("#panel .message.success")
    assert "Marked Cees Dekker as a no-show." in page.inner_text("#panel .message.success")
    assert page.locator("#panel").is_visible()
    # and the calendar behind it refreshed itself: a no-show no longer holds its place
    page.wait_for_selector(f".calendar [data-appointment='{missed.pk}']", state="detached")
    assert page.locator(_BLOCK, has_text="Cees Dekker").count() == 0
    page.screenshot(path=str(SHOTS / f"desk13_status_{width}.png"), full_page=False)
    context.close()


def test_a_click_below_an_appointment_proposes_the_first_time_that_fits(
    live_server, page, receptionist, dentist, location_a, ctype_a, practice_a, patient_a
):
    # given: tomorrow Dirk (08:00-18:00) has Anna 10:00-10:20
    _works_every_day(practice_a, dentist, location_a)
    day = localtime.local_today(location_a.tz) + dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time(10), tzinfo=location_a.tz)
    f.AppointmentFactory(
        practice=practice_a,
        patient=patient_a,
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=20),
    )
    _login(page, live_server)
    page.goto(f"{live_server.url}/calendar/?date={day.isoformat()}")
    column = page.locator(f".cal-col[data-practitioner='{dentist.pk}']")
    # when: Rita clicks just below the block; 2px a minute from 08:00, y=282 is the
    # 10:15 quarter, which Anna's visit still holds until 10:20
    column.click(position={"x": 40, "y": 282})
    page.wait_for_selector("#panel form")
    # then: the form proposes 10:20 and says why
    assert page.input_value("#id_start_time") == "10:20"
    assert "proposed 10:20" in page.inner_text("#panel")
    # and, once a consultation type is chosen, the finder lists Dirk's times from that day
    page.select_option("#id_consultation_type", str(ctype_a.pk))
    page.wait_for_selector("#panel .free-day[open] .time-pick")
    page.screenshot(path=str(SHOTS / "desk13_click_proposal_desktop.png"), full_page=False)
