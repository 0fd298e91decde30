"""Reception's free-time finder, the nearest free times on a clash, and the start a click
on the calendar proposes: all through the staff pages, on the engine online booking uses.

Practice A is in Amsterdam; the suite runs in Kathmandu. The clock is frozen on Sunday
29 November 2026; Dirk works Monday to Friday 09:00–12:00.
"""

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from appointments.models import Appointment, WorkingHoursException
from practice.form_fields import LocaleDateInput
from practice.models import Equipment, Room

from .. import factories as f

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
MONDAY = dt.date(2026, 11, 30)
NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=AMS)


@pytest.fixture(autouse=True)
def _frozen(db):
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def dirk_works(practice_a, dentist, location_a):
    for weekday in range(5):
        f.WorkingHoursFactory(
            practice=practice_a,
            practitioner=dentist,
            location=location_a,
            weekday=weekday,
            start_time=dt.time(9),
            end_time=dt.time(12),
        )
    return dentist


def _book(practice, location, practitioner, start, minutes=30, **extra):
    patient = f.PatientFactory(practice=practice, client=f.ClientFactory(practice=practice))
    return f.AppointmentFactory(
        practice=practice,
        patient=patient,
        practitioner=practitioner,
        location=location,
        consultation_type=f.ConsultationTypeFactory(practice=practice),
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=minutes),
        **extra,
    )


def _finder(client, location, ctype, practitioner=None, **params):
    query = {"location": location.pk, "consultation_type": ctype.pk, **params}
    if practitioner is not None:
        query["practitioner"] = practitioner.pk
    response = client.get(reverse("appointment-free-times"), query, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def _times_on(html: str, day: dt.date) -> list[str]:
    """The times the finder offers on `day` (the buttons that fill the form)."""
    # The button carries the date as the form's date field shows it (English: 30/11/2026).
    with translation.override("en"):
        shown = LocaleDateInput().format_value(day)
    pattern = rf'data-fill-date="{re.escape(shown)}" data-fill-time="(\d\d:\d\d)"'
    return re.findall(pattern, html)


def _labels(html: str) -> list[str]:
    return re.findall(r'aria-pressed="false"[^>]*>([^<]+)<', html)


def test_finder_lists_the_practitioners_free_times_after_buffers(
    rita_client, practice_a, location_a, dirk_works, ctype_a
):
    # given: Monday 09:30–10:00 is held with a quarter of an hour's cleaning after it
    start = dt.datetime.combine(MONDAY, dt.time(9, 30), tzinfo=AMS)
    _book(
        practice_a,
        location_a,
        dirk_works,
        start,
        held_from=start,
        held_until=start + dt.timedelta(minutes=45),
    )
    # when
    html = _finder(rita_client, location_a, ctype_a, dirk_works)
    # then: 30 minutes fit at 09:00, then only after the buffer, until 11:30
    assert _times_on(html, MONDAY) == [
        "09:00",
        "10:15",
        "10:30",
        "10:45",
        "11:00",
        "11:15",
        "11:30",
    ]
    assert "Free times of Dirk Dentist" in html
    # the next days are listed too, a week from today; the weekend has nothing free
    assert _times_on(html, MONDAY + dt.timedelta(days=1))[0] == "09:00"
    assert "nothing free" in html


def test_finder_needs_a_free_room_and_piece_of_equipment(
    rita_client, practice_a, location_a, dirk_works, dentist
):
    # given: a type that needs the one surgery room and the one x-ray; another dentist has
    # the room 09:00–10:00 and the x-ray 10:30–11:00 on Monday
    other = f.MembershipFactory(practice=practice_a)
    room = Room.objects.unscoped().create(
        practice=practice_a, location=location_a, name="Surgery", kind="surgery"
    )
    xray = Equipment.objects.unscoped().create(
        practice=practice_a, location=location_a, name="X-ray", kind="x-ray"
    )
    ctype = f.ConsultationTypeFactory(
        practice=practice_a, room_kind="surgery", equipment_kind="x-ray", duration_minutes=30
    )
    nine = dt.datetime.combine(MONDAY, dt.time(9), tzinfo=AMS)
    _book(practice_a, location_a, other, nine, minutes=60, room=room)
    _book(practice_a, location_a, other, nine + dt.timedelta(minutes=90), equipment=xray)
    # when
    times = _times_on(_finder(rita_client, location_a, ctype, dentist), MONDAY)
    # then
    assert times == ["10:00", "11:00", "11:15", "11:30"]


def test_picking_any_practitioner_shows_whose_time_it_is(
    rita_client, practice_a, location_a, dirk_works, ctype_a
):
    html = _finder(rita_client, location_a, ctype_a)
    assert "Free times, any practitioner" in html
    assert f'data-fill-practitioner="{dirk_works.pk}"' in html


def test_finder_starts_from_the_forms_date_and_pages_by_week(
    rita_client, location_a, dirk_works, ctype_a
):
    later = MONDAY + dt.timedelta(days=14)
    html = _finder(rita_client, location_a, ctype_a, dirk_works, date=later.isoformat())
    assert _times_on(html, later)[0] == "09:00"
    assert _times_on(html, MONDAY) == []
    # "Later" asks from the day after the week shown, whatever the form's date says
    html = _finder(
        rita_client,
        location_a,
        ctype_a,
        dirk_works,
        date=MONDAY.isoformat(),
        first=(MONDAY + dt.timedelta(days=7)).isoformat(),
    )
    assert _times_on(html, MONDAY + dt.timedelta(days=7))[0] == "09:00"


def test_finder_never_offers_a_time_already_past(rita_client, location_a, dirk_works, ctype_a):
    with time_machine.travel(dt.datetime(2026, 11, 30, 10, 5, tzinfo=AMS), tick=False):
        times = _times_on(_finder(rita_client, location_a, ctype_a, dirk_works), MONDAY)
    assert times[0] == "10:15"


def test_finder_waits_for_a_consultation_type(rita_client, location_a, dirk_works):
    response = rita_client.get(
        reverse("appointment-free-times"),
        {"location": location_a.pk, "practitioner": dirk_works.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Choose a consultation type to see the free times." in response.content.decode()


def test_finder_with_another_practices_ids_answers_like_missing_ones(
    rita_client, location_a, location_b, dirk_works, ctype_a, appointment_b
):
    theirs = rita_client.get(
        reverse("appointment-free-times"),
        {"location": location_b.pk, "consultation_type": appointment_b.consultation_type_id},
    )
    missing = rita_client.get(
        reverse("appointment-free-times"), {"location": 999999, "consultation_type": 999999}
    )
    assert theirs.status_code == missing.status_code == 200
    assert theirs.content == missing.content


def test_finder_runs_a_constant_number_of_queries(
    rita_client, practice_a, location_a, dirk_works, ctype_a, django_assert_max_num_queries
):
    for day in range(5):
        start = dt.datetime.combine(MONDAY + dt.timedelta(days=day), dt.time(10), tzinfo=AMS)
        _book(practice_a, location_a, dirk_works, start)
    with django_assert_max_num_queries(14):
        _finder(rita_client, location_a, ctype_a)


def test_finder_on_the_night_the_clocks_go_forward(
    rita_client, practice_a, location_a, dentist, ctype_a
):
    # given: Dirk works 01:00–04:00 on Sunday 28 March 2027 (02:00 becomes 03:00)
    night = dt.date(2027, 3, 28)
    WorkingHoursException.objects.unscoped().create(
        practice=practice_a,
        practitioner=dentist,
        location=location_a,
        date=night,
        start_time=dt.time(1),
        end_time=dt.time(4),
    )
    # when
    html = _finder(rita_client, location_a, ctype_a, dentist, date=night.isoformat())
    # then: no time the clocks skip; 01:45 + 30 minutes ends at 03:15 on the clock
    assert _times_on(html, night) == ["01:00", "01:15", "01:30", "01:45", "03:00", "03:15", "03:30"]


def test_finder_on_the_night_the_clocks_go_back(
    rita_client, practice_a, location_a, dentist, ctype_a
):
    # given: Dirk works 01:00–04:00 on Sunday 31 October 2027 (03:00 becomes 02:00)
    night = dt.date(2027, 10, 31)
    WorkingHoursException.objects.unscoped().create(
        practice=practice_a,
        practitioner=dentist,
        location=location_a,
        date=night,
        start_time=dt.time(1),
        end_time=dt.time(4),
    )
    html = _finder(rita_client, location_a, ctype_a, dentist, date=night.isoformat())
    labels = [label.strip() for label in _labels(html)]
    # then: each instant of the repeated hour once, saying which of the two it is
    assert "02:00 (summer time)" in labels
    assert "02:00 (winter time)" in labels
    # four hours of real time: a start every quarter hour until 03:30
    assert len(labels) == len(set(labels)) == 15


def test_booking_a_taken_time_offers_the_nearest_free_times(
    rita_client, practice_a, location_a, dirk_works, ctype_a, patient_a
):
    # given: Monday 09:30–10:00 is Bert's
    start = dt.datetime.combine(MONDAY, dt.time(9, 30), tzinfo=AMS)
    _book(practice_a, location_a, dirk_works, start)
    # when: Rita books Anna at 09:45
    response = rita_client.post(
        reverse("appointment-create"),
        {
            "patient": patient_a.pk,
            "location": location_a.pk,
            "practitioner": dirk_works.pk,
            "consultation_type": ctype_a.pk,
            "date": MONDAY.isoformat(),
            "start_time": "09:45",
        },
        HTTP_HX_REQUEST="true",
    )
    # then: the clash is named and the nearest free times are offered, to fill the form
    html = response.content.decode()
    assert "Overlaps with" in html
    assert "Nearest free times:" in html
    assert _times_on(html.split("Nearest free times:")[1], MONDAY) == ["09:00", "10:00", "10:15"]
    assert Appointment.objects.unscoped().count() == 1


def test_a_click_on_the_calendar_proposes_the_first_time_that_fits(
    rita_client, practice_a, location_a, dirk_works, ctype_a
):
    # given: Monday 09:30–10:20 is taken
    start = dt.datetime.combine(MONDAY, dt.time(9, 30), tzinfo=AMS)
    _book(practice_a, location_a, dirk_works, start, minutes=50)
    # when: Rita clicks the empty place below it, which the grid snaps to 10:15
    response = rita_client.get(
        reverse("appointment-create"),
        {
            "location": location_a.pk,
            "practitioner": dirk_works.pk,
            "start": f"{MONDAY.isoformat()}T10:15",
        },
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    # then: the form proposes 10:20, the first start free for a quarter of an hour
    assert response.context["form"].initial["start_time"] == dt.time(10, 20)
    assert "10:15 is not free for Dirk Dentist: proposed 10:20" in html


def test_a_click_keeps_a_free_time_and_follows_the_consultation_type(
    rita_client, practice_a, location_a, dirk_works, ctype_a
):
    # given: 10:30–11:00 is taken; a 30-minute type clicked at 10:15 does not fit before it
    start = dt.datetime.combine(MONDAY, dt.time(10, 30), tzinfo=AMS)
    _book(practice_a, location_a, dirk_works, start)
    url = reverse("appointment-create")
    params = {"location": location_a.pk, "practitioner": dirk_works.pk}
    free = rita_client.get(url, {**params, "start": f"{MONDAY.isoformat()}T09:00"})
    assert free.context["form"].initial["start_time"] == dt.time(9)
    assert "is not free" not in free.content.decode()
    typed = rita_client.get(
        url, {**params, "consultation_type": ctype_a.pk, "start": f"{MONDAY.isoformat()}T10:15"}
    )
    assert typed.context["form"].initial["start_time"] == dt.time(11)


def test_the_booking_form_loads_the_finder(rita_client, location_a, dirk_works):
    html = rita_client.get(reverse("appointment-create"), HTTP_HX_REQUEST="true").content.decode()
    assert reverse("appointment-free-times") in html


def _move(client, appointment, practitioner, day, time):
    return client.post(
        reverse("appointment-move", args=[appointment.pk]),
        {"practitioner": practitioner.pk, "date": day.isoformat(), "start_time": time},
        HTTP_HX_REQUEST="true",
    )


def test_moving_onto_a_taken_time_offers_the_nearest_free_times_in_the_move_form(
    rita_client, practice_a, location_a, dirk_works
):
    # given: Monday 09:30–10:00 is Bert's; Anna is at 11:00
    _book(practice_a, location_a, dirk_works, dt.datetime.combine(MONDAY, dt.time(9, 30), AMS))
    anna = _book(practice_a, location_a, dirk_works, dt.datetime.combine(MONDAY, dt.time(11), AMS))
    # when: Rita moves Anna to 09:45 in the panel's Move form
    response = _move(rita_client, anna, dirk_works, MONDAY, "09:45")
    # then: refused, naming the clash, with the three nearest free times to fill the form
    html = response.content.decode()
    assert response.status_code == 422
    assert "Overlaps with" in html
    assert "Nearest free times:" in html
    move_form = html.split('id="move-form"')[1].split("</form>")[0]
    assert _times_on(move_form.split("Nearest free times:")[1], MONDAY) == [
        "09:00",
        "10:00",
        "10:15",
    ]
    anna.refresh_from_db()
    assert anna.starts_at == dt.datetime.combine(MONDAY, dt.time(11), AMS)


def test_the_move_forms_nearest_free_times_count_the_appointments_own_time_as_free(
    rita_client, practice_a, location_a, dirk_works
):
    # given: 09:00–10:00 taken by two others, Anna at 10:00–10:30
    for hour, minute in ((9, 0), (9, 30)):
        _book(
            practice_a,
            location_a,
            dirk_works,
            dt.datetime.combine(MONDAY, dt.time(hour, minute), AMS),
        )
    anna = _book(practice_a, location_a, dirk_works, dt.datetime.combine(MONDAY, dt.time(10), AMS))
    # when: Rita tries 09:30
    html = _move(rita_client, anna, dirk_works, MONDAY, "09:30").content.decode()
    # then: her own 10:00 and the times overlapping it are offered
    assert _times_on(html.split("Nearest free times:")[1], MONDAY) == ["10:00", "10:15", "10:30"]
