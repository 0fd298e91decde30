"""The calendar's week view, closed days, overlapping blocks and moving by drag and drop
(issue 13, "Calendar"), through the pages and the move endpoint a drop posts to."""

import datetime as dt
import html
import re

import pytest
from django.urls import reverse

from appointments.calendar_layout import Block, assign_lanes, day_grid, week_grid
from appointments.models import Appointment
from appointments.selectors import day_calendar, week_calendar

from .. import factories as f

MONDAY = dt.date(2030, 1, 7)
SPRING_SUNDAY = dt.date(2030, 3, 31)  # Amsterdam: 02:00 → 03:00
AUTUMN_SUNDAY = dt.date(2030, 10, 27)  # Amsterdam: 03:00 → 02:00


def local(location, day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=location.tz)


def book(practice, location, practitioner, ctype, start, minutes=30, **extra):
    return f.AppointmentFactory(
        practice=practice,
        practitioner=practitioner,
        location=location,
        consultation_type=ctype,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=minutes),
        **extra,
    )


def weekdays_8_to_17(practice, location, practitioner, days=range(5)):
    for weekday in days:
        f.WorkingHoursFactory(
            practice=practice, practitioner=practitioner, location=location, weekday=weekday
        )


def week(client, location, practitioner, day, **extra):
    params = {"location": location.pk, "date": day.isoformat(), "view": "week"}
    if practitioner is not None:
        params["practitioner"] = practitioner.pk
    return client.get(reverse("calendar"), {**params, **extra})


def column_days(content: str) -> list[str]:
    return re.findall(r'class="cal-col" data-practitioner="\d+" data-day="([\d-]+)"', content)


# --- the week view ---------------------------------------------------------------------


def test_week_view_shows_one_practitioners_seven_local_days(
    rita_client, practice_a, location_a, dentist, ctype_a
):
    # given: Dirk's appointments on Tuesday and Sunday, and another dentist's on Tuesday
    eva = f.MembershipFactory(practice=practice_a, display_name="Eva Ek")
    tuesday = book(
        practice_a,
        location_a,
        dentist,
        ctype_a,
        local(location_a, MONDAY, 9) + dt.timedelta(days=1),
    )
    sunday = book(
        practice_a,
        location_a,
        dentist,
        ctype_a,
        local(location_a, MONDAY + dt.timedelta(days=6), 10),
    )
    other = book(
        practice_a, location_a, eva, ctype_a, local(location_a, MONDAY, 11) + dt.timedelta(days=1)
    )
    # when: reception opens Dirk's week from a Thursday
    response = week(rita_client, location_a, dentist, MONDAY + dt.timedelta(days=3))
    # then: Monday to Sunday, his two appointments in their days' columns, not Eva's
    content = response.content.decode()
    assert response.status_code == 200
    assert column_days(content) == [(MONDAY + dt.timedelta(days=i)).isoformat() for i in range(7)]
    grid = response.context["grid"]
    by_day = {c.day: [b.appointment.pk for b in c.blocks] for c in grid.columns}
    assert by_day[MONDAY + dt.timedelta(days=1)] == [tuesday.pk]
    assert by_day[MONDAY + dt.timedelta(days=6)] == [sunday.pk]
    assert other.patient.name not in content


def test_week_view_navigates_by_week_and_switches_to_the_day(
    rita_client, location_a, dentist, ctype_a, practice_a
):
    response = week(rita_client, location_a, dentist, MONDAY + dt.timedelta(days=2))
    content = html.unescape(response.content.decode())
    query = f"view=week&practitioner={dentist.pk}"
    assert f"date=2029-12-31&{query}" in content  # previous week's Monday
    assert f"date=2030-01-14&{query}" in content  # next week's Monday
    assert 'aria-label="Previous week"' in content
    # each day's heading opens that day in the day view
    assert f'href="?location={location_a.pk}&date=2030-01-10"' in content
    # and the day view links each practitioner to their week
    day = rita_client.get(reverse("calendar"), {"location": location_a.pk, "date": "2030-01-09"})
    assert f"date=2030-01-09&view=week&practitioner={dentist.pk}" in html.unescape(
        day.content.decode()
    )


def test_week_view_without_a_practitioner_shows_the_first(rita_client, location_a, dentist):
    response = week(rita_client, location_a, None, MONDAY)
    assert response.status_code == 200
    assert response.context["practitioner"] == dentist


def test_week_view_of_another_practices_practitioner_is_a_404(
    rita_client, location_a, dentist, vet_b
):
    assert week(rita_client, location_a, vet_b, MONDAY).status_code == 404


def test_week_view_with_a_garbage_practitioner_is_a_400_not_a_500(rita_client, location_a):
    response = rita_client.get(
        reverse("calendar"), {"location": location_a.pk, "view": "week", "practitioner": "x'"}
    )
    assert response.status_code == 400


def test_week_view_greys_the_days_off_and_says_not_working(
    rita_client, practice_a, location_a, dentist
):
    weekdays_8_to_17(practice_a, location_a, dentist)
    response = week(rita_client, location_a, dentist, MONDAY)
    grid = response.context["grid"]
    saturday = grid.columns[5]
    assert saturday.off == [(0, grid.height)]
    assert response.content.decode().count("Not working") == 2  # Saturday and Sunday


def test_week_view_runs_a_constant_number_of_queries(
    rita_client, practice_a, location_a, dentist, ctype_a, django_assert_max_num_queries
):
    weekdays_8_to_17(practice_a, location_a, dentist)
    book(practice_a, location_a, dentist, ctype_a, local(location_a, MONDAY, 9))
    with django_assert_max_num_queries(30) as few:
        assert week(rita_client, location_a, dentist, MONDAY).status_code == 200
    # a full week: 5 days x 8 appointments, some of them cancelled and shown
    for day in range(5):
        for slot in range(1, 9):
            start = local(location_a, MONDAY + dt.timedelta(days=day), 8) + dt.timedelta(
                minutes=45 * slot
            )
            book(practice_a, location_a, dentist, ctype_a, start, status="cancelled")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = week(rita_client, location_a, dentist, MONDAY, cancelled="1")
    assert response.context["appointment_count"] == 41


def test_week_view_on_the_spring_forward_week_keeps_wall_clock_rows(
    rita_client, practice_a, location_a, dentist, ctype_a
):
    # given: 09:00 on the Saturday before and on the Sunday the clocks go forward
    saturday = SPRING_SUNDAY - dt.timedelta(days=1)
    book(practice_a, location_a, dentist, ctype_a, local(location_a, saturday, 9))
    book(practice_a, location_a, dentist, ctype_a, local(location_a, SPRING_SUNDAY, 9))
    # when
    response = week(rita_client, location_a, dentist, SPRING_SUNDAY)
    # then: both blocks sit on the same 09:00 row, labelled 09:00
    assert response.status_code == 200
    grid = response.context["grid"]
    tops = {c.day: [(b.top, b.label) for b in c.blocks] for c in grid.columns}
    assert tops[saturday] == tops[SPRING_SUNDAY]
    assert tops[saturday][0][1] == "09:00–09:30"
    assert [s.label for s in grid.hours][:2] == ["08:00", "09:00"]


def test_week_view_on_the_autumn_week_shows_both_repeated_hour_bookings(
    practice_a, location_a, dentist, ctype_a, scope_a
):
    # given: 02:30 summer time and 02:30 winter time, an hour apart in real time
    summer = dt.datetime(2030, 10, 27, 0, 30, tzinfo=dt.UTC)
    winter = dt.datetime(2030, 10, 27, 1, 30, tzinfo=dt.UTC)
    first = book(practice_a, location_a, dentist, ctype_a, summer)
    second = book(practice_a, location_a, dentist, ctype_a, winter)
    # when
    grid = week_grid(
        week_calendar(practice_a, location=location_a, practitioner=dentist, day=AUTUMN_SUNDAY)
    )
    # then: on the same wall-clock row, side by side, neither hidden
    sunday = grid.columns[6]
    blocks = {b.appointment.pk: b for b in sunday.blocks}
    assert blocks[first.pk].top == blocks[second.pk].top
    assert blocks[first.pk].height == blocks[second.pk].height == 60  # 30 real minutes each
    assert {blocks[first.pk].lane, blocks[second.pk].lane} == {0, 1}
    assert blocks[first.pk].lanes == blocks[second.pk].lanes == 2


# --- closed days -----------------------------------------------------------------------


def test_a_closed_day_says_so_and_links_to_the_next_open_day(
    rita_client, practice_a, location_a, dentist
):
    # given: the practice works Monday to Friday
    weekdays_8_to_17(practice_a, location_a, dentist)
    saturday = MONDAY + dt.timedelta(days=5)
    # when: reception opens Saturday
    response = rita_client.get(
        reverse("calendar"), {"location": location_a.pk, "date": saturday.isoformat()}
    )
    # then: no empty grid; a note and a link to Monday
    content = response.content.decode()
    assert "Centrum is closed on Saturday 12 January." in content
    assert f"date={(MONDAY + dt.timedelta(days=7)).isoformat()}" in content
    assert "Next open day: Monday 14 January" in content
    assert 'class="cal-col"' not in content


def test_a_closed_exception_day_links_past_it(rita_client, practice_a, location_a, dentist):
    weekdays_8_to_17(practice_a, location_a, dentist)
    from appointments.models import WorkingHoursException  # noqa: PLC0415

    WorkingHoursException.objects.unscoped().create(
        practice=practice_a, practitioner=dentist, location=location_a, date=MONDAY
    )
    response = rita_client.get(
        reverse("calendar"), {"location": location_a.pk, "date": MONDAY.isoformat()}
    )
    assert response.context["closed"] is True
    assert response.context["next_open"] == MONDAY + dt.timedelta(days=1)


def test_a_closed_day_with_appointments_still_shows_them(
    rita_client, practice_a, location_a, dentist, ctype_a
):
    weekdays_8_to_17(practice_a, location_a, dentist)
    saturday = MONDAY + dt.timedelta(days=5)
    held = book(practice_a, location_a, dentist, ctype_a, local(location_a, saturday, 10))
    response = rita_client.get(
        reverse("calendar"), {"location": location_a.pk, "date": saturday.isoformat()}
    )
    content = response.content.decode()
    assert "is closed on" in content
    assert f'data-appointment="{held.pk}"' in content


def test_without_any_working_hours_the_grid_stays_to_book_into(rita_client, location_a, dentist):
    response = rita_client.get(
        reverse("calendar"), {"location": location_a.pk, "date": MONDAY.isoformat()}
    )
    content = response.content.decode()
    assert response.context["closed"] is False
    assert "is closed on" not in content
    assert 'class="cal-col"' in content


# --- overlapping blocks ----------------------------------------------------------------


def _block(pk, top, height, status="booked"):
    appointment = Appointment(pk=pk, status=status)
    start = dt.datetime(2030, 1, 7, 9, tzinfo=dt.UTC)
    return Block(appointment, start, start, top, height)


def test_layout_puts_a_cancelled_appointment_beside_the_booking_that_took_its_place():
    cancelled = _block(1, 120, 60, status="cancelled")
    replacement = _block(2, 120, 60)
    assign_lanes([cancelled, replacement])
    assert (replacement.lane, cancelled.lane) == (0, 1)
    assert cancelled.lanes == replacement.lanes == 2


def test_layout_leaves_blocks_that_do_not_overlap_full_width():
    blocks = assign_lanes([_block(1, 0, 60), _block(2, 60, 60), _block(3, 200, 30)])
    assert [(b.lane, b.lanes) for b in blocks] == [(0, 1), (0, 1), (0, 1)]


def test_layout_shares_lanes_within_a_chain_of_overlaps():
    # 09:00-10:00 overlaps 09:30-10:30 and 09:45-10:00; 10:00-10:30 reuses the first lane
    a, b, c, d = _block(1, 0, 120), _block(2, 60, 120), _block(3, 90, 30), _block(4, 120, 60)
    assign_lanes([a, b, c, d])
    assert (a.lane, b.lane, c.lane, d.lane) == (0, 1, 2, 0)
    assert {x.lanes for x in (a, b, c, d)} == {3}


def test_show_cancelled_puts_the_cancelled_block_beside_its_replacement_on_the_page(
    rita_client, practice_a, location_a, dentist, ctype_a
):
    # given: 10:00 cancelled, and another patient booked into the freed time
    start = local(location_a, MONDAY, 10)
    cancelled = book(practice_a, location_a, dentist, ctype_a, start, status="cancelled")
    replacement = book(practice_a, location_a, dentist, ctype_a, start)
    # when
    response = rita_client.get(
        reverse("calendar"),
        {"location": location_a.pk, "date": MONDAY.isoformat(), "cancelled": "1"},
    )
    # then: both are drawn, each in its own lane
    content = response.content.decode()
    assert re.search(rf'data-lane="1" data-lanes="2" href="[^"]*{cancelled.pk}/"', content)
    assert re.search(rf'data-lane="0" data-lanes="2" href="[^"]*{replacement.pk}/"', content)


def test_day_grid_lays_out_lanes(practice_a, location_a, dentist, ctype_a, scope_a):
    start = local(location_a, MONDAY, 10)
    book(practice_a, location_a, dentist, ctype_a, start, status="cancelled")
    book(practice_a, location_a, dentist, ctype_a, start + dt.timedelta(minutes=15))
    grid = day_grid(
        day_calendar(practice_a, location=location_a, day=MONDAY, include_cancelled=True)
    )
    assert sorted((b.lane, b.lanes) for b in grid.columns[0].blocks) == [(0, 2), (1, 2)]


# --- moving by drag and drop (the endpoint a drop posts to) ------------------------------


def drop(client, appointment, practitioner, day, time, next_url):
    return client.post(
        reverse("appointment-move", args=[appointment.pk]),
        {
            "practitioner": practitioner.pk,
            "date": day.isoformat(),
            "start_time": time,
            "next": next_url,
        },
        HTTP_HX_REQUEST="true",
    )


def test_a_drop_on_a_free_time_moves_and_returns_to_the_week(
    rita_client, practice_a, location_a, dentist, ctype_a
):
    appointment = book(practice_a, location_a, dentist, ctype_a, local(location_a, MONDAY, 9))
    here = f"/calendar/?location={location_a.pk}&date={MONDAY}&view=week&practitioner={dentist.pk}"
    response = drop(rita_client, appointment, dentist, MONDAY + dt.timedelta(days=2), "11:15", here)
    assert response.status_code == 204
    assert response["HX-Redirect"] == here
    appointment.refresh_from_db()
    assert appointment.starts_at == local(location_a, MONDAY + dt.timedelta(days=2), 11, 15)


def test_a_drop_on_a_taken_time_is_refused_with_the_forms_message(
    rita_client, practice_a, location_a, dentist, ctype_a
):
    # given: Anna at 09:00 and Carla at 11:00 the same day
    appointment = book(practice_a, location_a, dentist, ctype_a, local(location_a, MONDAY, 9))
    carla = f.PatientFactory(practice=practice_a, name="Carla Blok")
    book(practice_a, location_a, dentist, ctype_a, local(location_a, MONDAY, 11), patient=carla)
    form = rita_client.post(
        reverse("appointment-move", args=[appointment.pk]),
        {"practitioner": dentist.pk, "date": MONDAY.isoformat(), "start_time": "11:15"},
        HTTP_HX_REQUEST="true",
    )
    # when: Anna is dropped onto Carla's time
    response = drop(rita_client, appointment, dentist, MONDAY, "11:15", "/calendar/")
    # then: refused, the same message as the form, and Anna stays at 09:00
    assert response.status_code == 422
    assert "Carla Blok" in response.content.decode()
    errors = response.context["move_form"].non_field_errors()
    assert list(errors) == list(form.context["move_form"].non_field_errors())
    appointment.refresh_from_db()
    assert appointment.starts_at == local(location_a, MONDAY, 9)


def test_a_drop_ignores_a_next_that_leaves_the_site(
    rita_client, practice_a, location_a, dentist, ctype_a
):
    appointment = book(practice_a, location_a, dentist, ctype_a, local(location_a, MONDAY, 9))
    response = drop(rita_client, appointment, dentist, MONDAY, "10:00", "https://evil.example/")
    assert response["HX-Redirect"].startswith("/calendar/")


def test_a_cancelled_appointment_is_not_draggable(
    rita_client, practice_a, location_a, dentist, ctype_a
):
    start = local(location_a, MONDAY, 9)
    booked = book(practice_a, location_a, dentist, ctype_a, start)
    gone = book(practice_a, location_a, dentist, ctype_a, start, status="cancelled")
    content = week(rita_client, location_a, dentist, MONDAY, cancelled="1").content.decode()
    assert re.search(
        rf'class="appt status-booked movable"[^>]*data-appointment="{booked.pk}"',
        content.replace("\n", " "),
    )
    assert not re.search(rf'movable"[^>]*data-appointment="{gone.pk}"', content.replace("\n", " "))


@pytest.mark.parametrize("view", ["day", "week"])
def test_calendar_pages_load_the_calendar_script_and_move_url(
    rita_client, location_a, dentist, view
):
    response = rita_client.get(
        reverse("calendar"), {"location": location_a.pk, "date": MONDAY.isoformat(), "view": view}
    )
    content = response.content.decode()
    assert "js/calendar.js" in content
    assert 'data-move-url="/appointments/"' in content
