"""Free times for online booking: hours, windows, appointments, buffers, rooms, DST."""

import datetime as dt

import pytest

from appointments.models import Absence
from online_booking.availability import available_days, available_times, free_slots
from online_booking.models import OnlineBookingSettings

from .. import factories as f
from .conftest import MONDAY

pytestmark = pytest.mark.django_db


def _half_hour(patient, practitioner, ctype, location, start, **extra):
    """A 30-minute appointment holding `practitioner` from `start`."""
    return f.AppointmentFactory(
        practice=patient.practice,
        patient=patient,
        practitioner=practitioner,
        location=location,
        consultation_type=ctype,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        **extra,
    )


def _times(practice, location, reason, day, now=None):
    now = now or dt.datetime(2029, 12, 1, tzinfo=dt.UTC)
    return [
        s.starts_at.astimezone(location.tz).strftime("%H:%M")
        for s in available_times(practice, location=location, reason=reason, day=day, now=now)
    ]


def test_free_times_are_working_hours_inside_online_windows_on_the_slot_grid(
    practice_a, location_a, setup
):
    times = _times(practice_a, location_a, setup, MONDAY)
    # Works 08–12, online from 09: 30-minute check-ups every 15 minutes until 11:30.
    assert times[0] == "09:00"
    assert times[-1] == "11:30"
    assert len(times) == 11


def test_existing_appointments_and_absences_are_not_free(
    practice_a, location_a, dentist, setup, patient_a, ctype_a
):
    start = dt.datetime.combine(MONDAY, dt.time(10), tzinfo=location_a.tz)
    _half_hour(patient_a, dentist, ctype_a, location_a, start)
    Absence.objects.unscoped().create(
        practice=practice_a,
        practitioner=dentist,
        starts_at=start + dt.timedelta(hours=1),
        ends_at=start + dt.timedelta(hours=2),
    )
    times = _times(practice_a, location_a, setup, MONDAY)
    assert "09:30" in times
    assert "10:30" in times
    assert "09:45" not in times
    assert "10:00" not in times
    assert "10:15" not in times
    assert "11:00" not in times
    assert "11:30" not in times


def test_cancelled_appointments_free_their_time(
    practice_a, location_a, dentist, setup, patient_a, ctype_a
):
    start = dt.datetime.combine(MONDAY, dt.time(10), tzinfo=location_a.tz)
    _half_hour(patient_a, dentist, ctype_a, location_a, start, status="cancelled")
    assert "10:00" in _times(practice_a, location_a, setup, MONDAY)


def test_buffers_before_and_after_keep_time_free_around_appointments(
    practice_a, location_a, dentist, setup, patient_a, ctype_a
):
    setup.buffer_before_minutes = 15
    setup.buffer_after_minutes = 15
    setup.save()
    start = dt.datetime.combine(MONDAY, dt.time(10), tzinfo=location_a.tz)
    _half_hour(patient_a, dentist, ctype_a, location_a, start)
    times = _times(practice_a, location_a, setup, MONDAY)
    assert "09:15" in times
    assert "10:45" in times
    assert "09:30" not in times  # would end at 10:00 with no 15 minutes after it
    assert "10:30" not in times  # would start right after, with no 15 minutes before


def test_lead_time_and_horizon(practice_a, location_a, setup):
    settings = OnlineBookingSettings.objects.unscoped().get(practice=practice_a)
    settings.lead_time_minutes = 120
    settings.horizon_days = 7
    settings.save()
    now = dt.datetime.combine(MONDAY, dt.time(8), tzinfo=location_a.tz)
    assert _times(practice_a, location_a, setup, MONDAY, now=now)[0] == "10:00"
    days = available_days(
        practice_a,
        location=location_a,
        reason=setup,
        first=MONDAY,
        last=MONDAY + dt.timedelta(days=30),
        now=now,
    )
    assert days[-1] <= MONDAY + dt.timedelta(days=7)
    assert dt.date(2030, 1, 12) not in days  # Saturday: no hours


def test_free_times_keep_local_hours_across_a_dst_change(practice_a, location_a, setup):
    # Amsterdam goes from CEST to CET on Sunday 27 October 2030; Friday and Monday
    # around it both open at 09:00 local.
    for day in (dt.date(2030, 10, 25), dt.date(2030, 10, 28)):
        assert _times(practice_a, location_a, setup, day)[0] == "09:00"
    before = free_slots(
        practice_a,
        location=location_a,
        reason=setup,
        first=dt.date(2030, 10, 25),
        last=dt.date(2030, 10, 28),
        now=dt.datetime(2030, 10, 1, tzinfo=dt.UTC),
    )
    utc_hours = {day: slots[0].starts_at.astimezone(dt.UTC).hour for day, slots in before.items()}
    assert utc_hours == {dt.date(2030, 10, 25): 7, dt.date(2030, 10, 28): 8}


def test_a_reason_needing_a_room_is_free_only_when_a_room_is(
    practice_a, location_a, dentist, setup, ctype_a, patient_a
):
    ctype_a.room_kind = "surgery"
    ctype_a.save()
    assert _times(practice_a, location_a, setup, MONDAY) == []  # no surgery room at all
    room = f.RoomFactory(practice=practice_a, location=location_a, kind="surgery")
    other = f.MembershipFactory(practice=practice_a, role="dentist")
    start = dt.datetime.combine(MONDAY, dt.time(9), tzinfo=location_a.tz)
    f.AppointmentFactory(
        practice=practice_a,
        patient=patient_a,
        practitioner=other,
        location=location_a,
        consultation_type=ctype_a,
        room=room,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )
    times = _times(practice_a, location_a, setup, MONDAY)
    assert times[0] == "10:00"  # the dentist is free at 9, the only surgery is not


def test_month_of_days_in_a_constant_number_of_queries(
    practice_a, location_a, setup, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        days = available_days(
            practice_a,
            location=location_a,
            reason=setup,
            first=MONDAY,
            last=MONDAY + dt.timedelta(days=30),
            now=dt.datetime(2029, 12, 1, tzinfo=dt.UTC),
        )
    assert len(days) == 23  # the weekdays of 7 Jan – 6 Feb 2030


def test_a_reason_needing_equipment_is_free_only_when_a_piece_is(
    practice_a, location_a, setup, ctype_a, patient_a
):
    ctype_a.equipment_kind = "x-ray"
    ctype_a.save()
    assert _times(practice_a, location_a, setup, MONDAY) == []  # no x-ray at this location
    xray = f.EquipmentFactory(practice=practice_a, location=location_a, kind="x-ray")
    other = f.MembershipFactory(practice=practice_a, role="dentist")
    start = dt.datetime.combine(MONDAY, dt.time(9), tzinfo=location_a.tz)
    _half_hour(patient_a, other, ctype_a, location_a, start, equipment=xray)
    times = _times(practice_a, location_a, setup, MONDAY)
    assert times[0] == "09:30"  # the dentist is free at 9, the only x-ray is not
    slot = available_times(
        practice_a,
        location=location_a,
        reason=setup,
        day=MONDAY,
        now=dt.datetime(2029, 12, 1, tzinfo=dt.UTC),
    )[0]
    assert slot.equipment_id == xray.pk


def test_time_held_for_an_existing_bookings_buffer_is_not_free(
    practice_a, location_a, dentist, setup, ctype_a, patient_a
):
    start = dt.datetime.combine(MONDAY, dt.time(9), tzinfo=location_a.tz)
    booked = _half_hour(patient_a, dentist, ctype_a, location_a, start)
    booked.set_times(booked.starts_at, booked.ends_at, after=dt.timedelta(minutes=20))
    booked.save()
    times = _times(practice_a, location_a, setup, MONDAY)
    assert "09:30" not in times
    assert "09:45" not in times
    assert times[0] == "10:00"  # 09:30 + 20 minutes held for cleaning, on the 15-minute grid
