"""The calendar in a real browser: dragging in the week view, and reading it on a phone.

Set SCREENSHOTS=<dir> to save the pages these tests visit at 1280 and 390 pixels wide.
"""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone

from appointments.models import Appointment, PlannedTreatment, WorkingHours

from .. import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def shot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}-{page.viewport_size['width']}.png", full_page=True)


@pytest.fixture
def week_monday(location_a):
    """The Monday of the week after next: in the future, whatever today is."""
    today = timezone.localdate(timezone=location_a.tz)
    return today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=14)


@pytest.fixture
def surgery(practice_a, location_a, dentist, ctype_a, week_monday):
    """Dirk works Monday to Friday 08:00–17:00; Anna at Monday 09:00, Carla Tuesday 11:00,
    short visits and a cancelled appointment with its replacement on Monday."""
    for weekday in range(5):
        WorkingHours.objects.unscoped().create(
            practice=practice_a,
            practitioner=dentist,
            location=location_a,
            weekday=weekday,
            start_time=dt.time(8),
            end_time=dt.time(17),
        )
    tz = location_a.tz

    def book(patient_name, day, hour, minute=0, minutes=30, **extra):
        start = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)
        client = f.ClientFactory(practice=practice_a, last_name=patient_name.split()[-1])
        return f.AppointmentFactory(
            practice=practice_a,
            practitioner=dentist,
            location=location_a,
            consultation_type=ctype_a,
            patient=f.PatientFactory(practice=practice_a, client=client, name=patient_name),
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=minutes),
            **extra,
        )

    tuesday = week_monday + dt.timedelta(days=1)
    anna = book("Anna de Vries", week_monday, 9)
    plan = f.TreatmentPlanFactory(practice=practice_a, patient=anna.patient, title="Upper jaw")
    for code, description, fee in [
        ("V21", "Composite filling, two surfaces, upper left molar", "96.40"),
        ("C003", "Periodic oral examination", "27.62"),
    ]:
        PlannedTreatment.objects.unscoped().create(
            practice=practice_a, plan=plan, code=code, description=description, fee=fee
        )
    f.PaymentFactory(practice=practice_a, patient=anna.patient, client=anna.patient.client)
    carla = book("Carla Blok", tuesday, 11, minutes=60)
    book("Bartholomeus van der Heijden-Smit", week_monday, 10, minutes=15)
    book("Fleur Janssen", week_monday, 10, 15, minutes=15)
    book("Gerrit Mulder", week_monday, 13, status=Appointment.Status.CANCELLED)
    book("Hanna Bakker", week_monday, 13)
    return {"anna": anna, "carla": carla, "monday": week_monday, "tuesday": tuesday}


def log_in(page, live_server):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", "pw")
    page.click("button.primary")
    page.wait_for_url("**/calendar/**")


def drag(page, block, column, minutes_from_grid_start: int) -> None:
    """Drags `block` by its middle so its top lands `minutes_from_grid_start` into `column`."""
    box = block.bounding_box()
    target = column.bounding_box()
    grab = box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + grab)
    page.mouse.down()
    y = target["y"] + minutes_from_grid_start * 2 + grab
    page.mouse.move(target["x"] + target["width"] / 2, y, steps=12)
    page.mouse.up()


def test_dragging_in_the_week_view_moves_to_a_free_time_and_refuses_a_taken_one(
    live_server, page, receptionist, dentist, location_a, surgery
):
    # given: Rita has Dirk's week open
    log_in(page, live_server)
    monday, tuesday = surgery["monday"], surgery["tuesday"]
    anna = surgery["anna"]
    week_url = (
        f"{live_server.url}/calendar/?location={location_a.pk}&date={monday}"
        f"&view=week&practitioner={dentist.pk}"
    )
    page.goto(week_url)
    shot(page, "week-view")
    block = page.locator(f".appt[data-appointment='{anna.pk}']")
    wednesday = page.locator(f".cal-col[data-day='{monday + dt.timedelta(days=2)}']")

    # when: she drags Anna to Wednesday 10:07 (the grid starts at 08:00)
    drag(page, block, wednesday, 127)

    # then: moved to Wednesday 10:00 (snapped to the quarter), and the week is shown again
    page.wait_for_selector("text=Appointment moved.")
    assert "view=week" in page.url
    anna.refresh_from_db()
    local = anna.starts_at.astimezone(location_a.tz)
    assert (local.date(), local.time()) == (monday + dt.timedelta(days=2), dt.time(10))
    assert wednesday.locator(f".appt[data-appointment='{anna.pk}']").count() == 1

    # when: she drags Anna onto Carla's Tuesday 11:00
    block = page.locator(f".appt[data-appointment='{anna.pk}']")
    before = block.bounding_box()
    drag(page, block, page.locator(f".cal-col[data-day='{tuesday}']"), 195)

    # then: refused with the form's message, naming Carla; Anna stays where she was
    page.wait_for_selector("#panel:not([hidden]) >> text=Carla Blok")
    shot(page, "week-drop-refused")
    anna.refresh_from_db()
    assert anna.starts_at.astimezone(location_a.tz).time() == dt.time(10)
    assert block.bounding_box() == before
    assert page.locator("#move-form #id_start_time").input_value() == "11:15"


def test_dragging_in_the_day_view_moves_to_another_time(
    live_server, page, receptionist, dentist, location_a, surgery
):
    log_in(page, live_server)
    anna = surgery["anna"]
    page.goto(f"{live_server.url}/calendar/?location={location_a.pk}&date={surgery['monday']}")
    shot(page, "day-view")
    column = page.locator(f".cal-col[data-practitioner='{dentist.pk}']")
    drag(page, page.locator(f".appt[data-appointment='{anna.pk}']"), column, 3 * 60 + 30)
    page.wait_for_selector("text=Appointment moved.")
    anna.refresh_from_db()
    assert anna.starts_at.astimezone(location_a.tz).time() == dt.time(11, 30)


def test_a_click_on_an_appointment_still_opens_its_panel(
    live_server, page, receptionist, dentist, location_a, surgery
):
    log_in(page, live_server)
    page.goto(f"{live_server.url}/calendar/?location={location_a.pk}&date={surgery['monday']}")
    page.click(f".appt[data-appointment='{surgery['anna'].pk}']")
    page.wait_for_selector("#move-form")
    assert Appointment.objects.unscoped().get(pk=surgery["anna"].pk).starts_at == (
        surgery["anna"].starts_at
    )


def test_show_cancelled_draws_the_cancelled_block_beside_its_replacement(
    live_server, page, receptionist, dentist, location_a, surgery
):
    log_in(page, live_server)
    page.goto(
        f"{live_server.url}/calendar/?location={location_a.pk}&date={surgery['monday']}&cancelled=1"
    )
    shot(page, "day-view-cancelled")
    cancelled = page.locator(".appt.status-cancelled").bounding_box()
    replacement = page.locator(".appt", has_text="Hanna Bakker").bounding_box()
    assert cancelled["y"] == replacement["y"]
    assert cancelled["x"] >= replacement["x"] + replacement["width"]  # side by side


def test_a_closed_day_links_to_the_next_open_day(
    live_server, page, receptionist, dentist, location_a, surgery
):
    log_in(page, live_server)
    saturday = surgery["monday"] + dt.timedelta(days=5)
    page.goto(f"{live_server.url}/calendar/?location={location_a.pk}&date={saturday}")
    shot(page, "closed-day")
    assert page.locator(".cal-col").count() == 0
    page.click("text=Next open day")
    page.wait_for_url(f"**date={surgery['monday'] + dt.timedelta(days=7)}**")
    assert page.locator(".cal-col").count() == 1


def test_screens_at_desktop_width(
    live_server, page, receptionist, dentist, location_a, surgery, patient_a
):
    log_in(page, live_server)
    saturday = surgery["monday"] + dt.timedelta(days=5)
    page.goto(f"{live_server.url}/calendar/?location={location_a.pk}&date={saturday}")
    shot(page, "closed-day")
    page.goto(f"{live_server.url}/patients/{surgery['anna'].patient_id}/")
    page.wait_for_load_state("networkidle")
    shot(page, "patient-card")


def test_on_a_phone_short_appointments_show_names_and_the_card_does_not_clip(
    live_server, browser, receptionist, dentist, location_a, surgery, practice_a
):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, live_server)
        monday = surgery["monday"]
        # the day as a list: a 15-minute visit shows its patient's whole name
        page.goto(f"{live_server.url}/calendar/?location={location_a.pk}&date={monday}")
        shot(page, "day-view")
        item = page.locator(".cal-list-item", has_text="Bartholomeus")
        assert item.is_visible()
        name = item.locator("strong")
        assert name.inner_text() == "Bartholomeus van der Heijden-Smit"
        assert name.evaluate("el => el.scrollWidth <= el.clientWidth")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # a tap on it opens the panel
        item.click()
        page.wait_for_selector("#move-form")
        page.keyboard.press("Escape")
        # the week, as a list per day
        page.goto(
            f"{live_server.url}/calendar/?location={location_a.pk}&date={monday}"
            f"&view=week&practitioner={dentist.pk}"
        )
        shot(page, "week-view")
        assert page.locator(".cal-list-item", has_text="Carla Blok").is_visible()
        saturday = monday + dt.timedelta(days=5)
        page.goto(f"{live_server.url}/calendar/?location={location_a.pk}&date={saturday}")
        shot(page, "closed-day")
        assert page.locator("text=Next open day").is_visible()

        # the patient card: every table fits its card, no cell hidden
        patient = surgery["anna"].patient
        page.goto(f"{live_server.url}/patients/{patient.pk}/")
        page.wait_for_load_state("networkidle")
        shot(page, "patient-card")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        clipped = page.evaluate(
            """() => [...document.querySelectorAll('.card table')].filter((table) => {
                const card = table.closest('.card').getBoundingClientRect();
                const box = table.getBoundingClientRect();
                const hidden = [...table.querySelectorAll('td')].some(
                    (td) => getComputedStyle(td).display === 'none');
                return box.right > card.right + 1 || hidden;
            }).length"""
        )
        assert clipped == 0
    finally:
        context.close()


def test_a_click_on_a_free_time_in_the_week_view_books_that_day(
    live_server, page, receptionist, dentist, location_a, surgery
):
    log_in(page, live_server)
    thursday = surgery["monday"] + dt.timedelta(days=3)
    page.goto(
        f"{live_server.url}/calendar/?location={location_a.pk}&date={surgery['monday']}"
        f"&view=week&practitioner={dentist.pk}"
    )
    # 2px a minute from 08:00: y=365 is 11:02, in the 11:00 quarter.
    page.locator(f".cal-col[data-day='{thursday}']").click(position={"x": 40, "y": 365})
    page.wait_for_selector("#panel form")
    assert page.input_value("#id_date") == thursday.strftime("%d/%m/%Y")  # as English writes it
    assert page.input_value("#id_start_time") == "11:00"


def test_on_a_phone_a_long_press_drags_an_appointment_in_the_grid(
    live_server, browser, receptionist, dentist, location_a, surgery
):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, live_server)
        anna = surgery["anna"]
        page.goto(
            f"{live_server.url}/calendar/?location={location_a.pk}&date={surgery['monday']}"
            "&layout=grid"
        )
        shot(page, "day-view-grid")
        block = page.locator(f".appt[data-appointment='{anna.pk}']")
        block.scroll_into_view_if_needed()
        box = block.bounding_box()
        x, y = box["x"] + 20, box["y"] + box["height"] / 2
        cdp = context.new_cdp_session(page)

        def touch(kind, y_at):
            points = [] if kind == "touchEnd" else [{"x": x, "y": y_at}]
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        # when: she holds Anna for a moment, then drags her an hour down (120 px)
        touch("touchStart", y)
        page.wait_for_timeout(600)
        for step in range(1, 13):
            touch("touchMove", y + step * 10)
        touch("touchEnd", y + 120)
        # then: Anna moves from 09:00 to 10:00 (snapped)... onto Bartholomeus at 10:00:
        # refused, as on the desktop, with the message in the panel
        page.wait_for_selector("#panel:not([hidden]) >> text=Bartholomeus")
        assert page.locator("#move-form #id_start_time").input_value() == "10:00"
        anna.refresh_from_db()
        assert anna.starts_at == surgery["anna"].starts_at
    finally:
        context.close()


def test_the_autumn_week_renders_both_repeated_hour_appointments(
    live_server, page, receptionist, dentist, location_a, ctype_a, practice_a
):
    # given: 02:30 summer time and 02:30 winter time on the night the clocks go back
    sunday = dt.date(2030, 10, 27)
    for hour_utc in (0, 1):
        start = dt.datetime(2030, 10, 27, hour_utc, 30, tzinfo=dt.UTC)
        f.AppointmentFactory(
            practice=practice_a,
            practitioner=dentist,
            location=location_a,
            consultation_type=ctype_a,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=30),
        )
    log_in(page, live_server)
    page.goto(
        f"{live_server.url}/calendar/?location={location_a.pk}&date={sunday}"
        f"&view=week&practitioner={dentist.pk}"
    )
    shot(page, "week-view-autumn")
    # then: both on Sunday's 02:30 row, side by side
    blocks = page.locator(f".cal-col[data-day='{sunday}'] .appt")
    first, second = blocks.nth(0).bounding_box(), blocks.nth(1).bounding_box()
    assert first["y"] == second["y"]
    assert abs(first["x"] - second["x"]) >= first["width"]
    assert page.locator(".cal-hour", has_text="02:00").count() == 1
