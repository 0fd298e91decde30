"""Reception on the night the clocks go back (Amsterdam, Sunday 31 October 2027: 03:00
becomes 02:00, so 02:00–02:59 happens twice): a free time picked in the finder books the
instant it names, a typed time books its documented default, a move keeps its instant,
and the calendar, week view and panel say which of the two times a block starts and ends.
"""

import datetime as dt
import html as html_lib
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from appointments.models import Appointment, WorkingHoursException
from practice.models import Role

from .. import factories as f

UTC = dt.UTC
NIGHT = dt.date(2027, 10, 31)
SUMMER_0200 = dt.datetime(2027, 10, 31, 0, 0, tzinfo=UTC)  # 02:00 CEST, +02:00
WINTER_0200 = dt.datetime(2027, 10, 31, 1, 0, tzinfo=UTC)  # 02:00 CET, +01:00
BUTTON = re.compile(
    r'data-fill-date="([^"]+)" data-fill-time="([^"]+)" data-fill-instant="([^"]+)"[^>]*>([^<]+)<'
)


@pytest.fixture
def dirk_works_the_night(practice_a, dentist, location_a):
    WorkingHoursException.objects.unscoped().create(
        practice=practice_a,
        practitioner=dentist,
        location=location_a,
        date=NIGHT,
        start_time=dt.time(1),
        end_time=dt.time(4),
    )
    return dentist


def _picks(client, location, ctype, practitioner) -> dict[str, dict]:
    """The finder's buttons that night, by what they say."""
    response = client.get(
        reverse("appointment-free-times"),
        {
            "location": location.pk,
            "consultation_type": ctype.pk,
            "practitioner": practitioner.pk,
            "date": NIGHT.isoformat(),
        },
        HTTP_HX_REQUEST="true",
    )
    return {
        label.strip(): {"date": date, "start_time": time, "instant": html_lib.unescape(instant)}
        for date, time, instant, label in BUTTON.findall(response.content.decode())
    }


def _book(client, patient, location, practitioner, ctype, **fields):
    data = {
        "patient": patient.pk,
        "location": location.pk,
        "practitioner": practitioner.pk,
        "consultation_type": ctype.pk,
        **fields,
    }
    return client.post(reverse("appointment-create"), data)


def test_picking_the_second_0200_in_the_finder_books_the_second_0200(
    rita_client, patient_a, location_a, dirk_works_the_night, ctype_a
):
    # given: the finder offers both 02:00s
    picks = _picks(rita_client, location_a, ctype_a, dirk_works_the_night)
    assert picks["02:00 (summer time)"]["start_time"] == picks["02:00 (winter time)"]["start_time"]
    # when: Rita clicks the second (the button fills date, start and the hidden instant)
    response = _book(
        rita_client,
        patient_a,
        location_a,
        dirk_works_the_night,
        ctype_a,
        **picks["02:00 (winter time)"],
    )
    # then: the second 02:00 is booked, and the message says which
    assert response.status_code == 302
    assert Appointment.objects.unscoped().get().starts_at == WINTER_0200
    [booked] = get_messages(response.wsgi_request)
    assert str(booked) == "Booked Anna de Vries at 02:00 (winter time)."


def test_picking_the_first_0200_in_the_finder_books_the_first_0200(
    rita_client, patient_a, location_a, dirk_works_the_night, ctype_a
):
    picks = _picks(rita_client, location_a, ctype_a, dirk_works_the_night)
    _book(
        rita_client,
        patient_a,
        location_a,
        dirk_works_the_night,
        ctype_a,
        **picks["02:00 (summer time)"],
    )
    assert Appointment.objects.unscoped().get().starts_at == SUMMER_0200


def test_a_repeated_time_typed_by_hand_books_the_first_and_says_summer_time(
    rita_client, patient_a, location_a, dirk_works_the_night, ctype_a
):
    # when: Rita types 02:00 herself (no free time picked)
    response = _book(
        rita_client,
        patient_a,
        location_a,
        dirk_works_the_night,
        ctype_a,
        date=NIGHT.isoformat(),
        start_time="02:00",
        instant="",
    )
    # then: the documented default, the first 02:00, named in the message
    assert Appointment.objects.unscoped().get().starts_at == SUMMER_0200
    [booked] = get_messages(response.wsgi_request)
    assert str(booked) == "Booked Anna de Vries at 02:00 (summer time)."


def test_a_time_typed_over_a_picked_free_time_is_not_booked_at_the_picked_instant(
    rita_client, patient_a, location_a, dirk_works_the_night, ctype_a
):
    # given: the second 02:00 picked, then the start typed over as 02:15
    picked = _picks(rita_client, location_a, ctype_a, dirk_works_the_night)["02:00 (winter time)"]
    # when
    _book(
        rita_client,
        patient_a,
        location_a,
        dirk_works_the_night,
        ctype_a,
        **{**picked, "start_time": "02:15"},
    )
    # then: 02:15 as typed (its default, the first), not 02:00 winter time
    assert Appointment.objects.unscoped().get().starts_at == SUMMER_0200 + dt.timedelta(minutes=15)


@pytest.mark.parametrize(
    "instant", ["yesterday", "2027-10-31T01:00:00", "9999-12-31T23:59:59-23:59"]
)
def test_a_hidden_instant_that_is_not_one_falls_back_to_the_typed_time(
    rita_client, patient_a, location_a, dirk_works_the_night, ctype_a, instant
):
    response = _book(
        rita_client,
        patient_a,
        location_a,
        dirk_works_the_night,
        ctype_a,
        date=NIGHT.isoformat(),
        start_time="02:00",
        instant=instant,
    )
    assert response.status_code == 302
    assert Appointment.objects.unscoped().get().starts_at == SUMMER_0200


def _appointment(practice, location, practitioner, ctype, start, minutes=30):
    return f.AppointmentFactory(
        practice=practice,
        practitioner=practitioner,
        location=location,
        consultation_type=ctype,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=minutes),
        patient=f.PatientFactory(practice=practice, name="Bram Bos"),
    )


def test_moving_a_winter_time_appointment_to_another_practitioner_keeps_its_instant(
    rita_client, practice_a, location_a, dentist, ctype_a
):
    # given: Bram at the second 02:30; the panel's Move form
    bram = _appointment(
        practice_a, location_a, dentist, ctype_a, WINTER_0200 + dt.timedelta(minutes=30)
    )
    other = f.MembershipFactory(practice=practice_a, role=Role.DENTIST)
    panel = rita_client.get(reverse("appointment-detail", args=[bram.pk])).content.decode()
    move_form = panel.split('id="move-form"')[1]
    instant = html_lib.unescape(re.search(r'name="instant" value="([^"]+)"', move_form)[1])
    # when: only the practitioner changes
    response = rita_client.post(
        reverse("appointment-move", args=[bram.pk]),
        {
            "practitioner": other.pk,
            "date": NIGHT.isoformat(),
            "start_time": "02:30",
            "instant": instant,
        },
    )
    # then: still the second 02:30
    assert response.status_code == 302
    bram.refresh_from_db()
    assert (bram.practitioner_id, bram.starts_at) == (
        other.pk,
        WINTER_0200 + dt.timedelta(minutes=30),
    )


# --- what the blocks say -------------------------------------------------------------------

ACROSS = "02:30 (summer time) – 02:00 (winter time)"
WITHIN_WINTER = "02:00–02:30 (winter time)"


@pytest.fixture
def night_blocks(practice_a, location_a, dentist, ctype_a):
    """02:30 summer time to 02:00 winter time (30 minutes), and 02:00–02:30 winter time."""
    across = _appointment(
        practice_a, location_a, dentist, ctype_a, SUMMER_0200 + dt.timedelta(minutes=30)
    )
    within = _appointment(practice_a, location_a, dentist, ctype_a, WINTER_0200)
    return across, within


def test_the_day_view_says_which_0200_a_block_on_the_repeated_hour_ends_at(
    rita_client, location_a, night_blocks
):
    response = rita_client.get(
        reverse("calendar"), {"location": location_a.pk, "date": NIGHT.isoformat()}
    )
    content = html_lib.unescape(response.content.decode())
    assert ACROSS in content
    assert WITHIN_WINTER in content
    assert "02:30–02:00" not in content


def test_the_week_view_says_which_0200_a_block_on_the_repeated_hour_ends_at(
    rita_client, location_a, dentist, night_blocks
):
    response = rita_client.get(
        reverse("calendar"),
        {
            "location": location_a.pk,
            "date": NIGHT.isoformat(),
            "view": "week",
            "practitioner": dentist.pk,
        },
    )
    content = html_lib.unescape(response.content.decode())
    assert ACROSS in content
    assert WITHIN_WINTER in content
    assert "02:30–02:00" not in content


def test_the_panel_says_which_0200_an_appointment_on_the_repeated_hour_ends_at(
    rita_client, night_blocks
):
    across, within = night_blocks
    first = rita_client.get(reverse("appointment-detail", args=[across.pk])).content.decode()
    second = rita_client.get(reverse("appointment-detail", args=[within.pk])).content.decode()
    assert ACROSS in html_lib.unescape(first)
    assert WITHIN_WINTER in html_lib.unescape(second)


def test_a_block_off_the_repeated_hour_reads_as_before(
    rita_client, practice_a, location_a, dentist, ctype_a
):
    _appointment(
        practice_a, location_a, dentist, ctype_a, dt.datetime(2027, 10, 31, 9, 0, tzinfo=UTC)
    )
    response = rita_client.get(
        reverse("calendar"), {"location": location_a.pk, "date": NIGHT.isoformat()}
    )
    assert "10:00–10:30<" in response.content.decode()
