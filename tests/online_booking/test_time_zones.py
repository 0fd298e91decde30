"""Free times as a client reaches them, in the practice's own zone, on every night of the year.

Every test here goes through the public JSON or the public page: the middleware activates
the practice's zone there, which is what hid the fault where held times were read in the
active zone and moved by its UTC offset. The suite's own default zone (Asia/Kathmandu) is
neither UTC nor the practice's.
"""

import datetime as dt
import zoneinfo

import pytest

from appointments.models import Appointment, WorkingHours
from online_booking.models import OnlineWindow
from practice.models import Room

from .. import factories as f
from .conftest import MONDAY, open_for_online

pytestmark = pytest.mark.django_db

ZONES = ["Europe/Helsinki", "Europe/Amsterdam", "Asia/Kathmandu", "Pacific/Chatham"]
# Helsinki: clocks go forward on 2030-03-31 (03:00 → 04:00), back on 2030-10-27
# (04:00 → 03:00).
SPRING_SUNDAY = dt.date(2030, 3, 31)
AUTUMN_SUNDAY = dt.date(2030, 10, 27)


def _practice(zone: str, slug: str = "zone"):
    practice = f.PracticeFactory(slug=slug, time_zone=zone, language="en")
    location = f.LocationFactory(practice=practice, name="Main", time_zone="")
    practitioner = f.MembershipFactory(practice=practice)
    ctype = f.ConsultationTypeFactory(practice=practice)
    reason = open_for_online(practice, location, practitioner, ctype)
    return practice, location, practitioner, reason


def _hold(practice, location, practitioner, start, **extra):
    patient = f.PatientFactory(practice=practice, client=f.ClientFactory(practice=practice))
    return f.AppointmentFactory(
        practice=practice,
        patient=patient,
        practitioner=practitioner,
        location=location,
        consultation_type=f.ConsultationTypeFactory(practice=practice),
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        **extra,
    )


def _json_times(client, practice, location, reason, day) -> list[dict]:
    response = client.get(
        f"/api/v1/public/{practice.slug}/times/",
        {"location": location.pk, "reason": reason.pk, "date": day.isoformat()},
    )
    assert response.status_code == 200, response.content
    return response.json()


def _instant(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _local_labels(times: list[dict]) -> list[str]:
    return [t["label"] for t in times]


@pytest.mark.parametrize("zone", ZONES)
def test_a_booking_at_nine_blocks_nine_local_in_the_public_json(client, zone):
    practice, location, practitioner, reason = _practice(zone)
    nine = dt.datetime.combine(MONDAY, dt.time(9), tzinfo=zoneinfo.ZoneInfo(zone))
    _hold(practice, location, practitioner, nine)
    labels = _local_labels(_json_times(client, practice, location, reason, MONDAY))
    assert "09:00" not in labels
    assert "09:15" not in labels  # 09:15–09:45 would overlap it
    assert labels[0] == "09:30"
    assert "11:00" in labels
    assert "11:30" in labels


@pytest.mark.parametrize("zone", ["Europe/Helsinki", "Asia/Kathmandu"])
def test_every_offered_time_in_the_json_is_the_instant_of_its_local_label(client, zone):
    practice, location, _practitioner, reason = _practice(zone)
    tz = zoneinfo.ZoneInfo(zone)
    for time in _json_times(client, practice, location, reason, MONDAY):
        assert _instant(time["starts_at"]).astimezone(tz).strftime("%H:%M") == time["label"]


@pytest.mark.parametrize("zone", ["Europe/Helsinki", "Pacific/Chatham"])
def test_a_booking_at_nine_blocks_nine_local_on_the_public_page(client, zone):
    practice, location, practitioner, reason = _practice(zone)
    nine = dt.datetime.combine(MONDAY, dt.time(9), tzinfo=zoneinfo.ZoneInfo(zone))
    _hold(practice, location, practitioner, nine)
    page = client.get(
        f"/p/{practice.slug}/book/",
        {"location": location.pk, "reason": reason.pk, "day": MONDAY.isoformat()},
    ).content.decode()
    assert "<strong>09:00</strong>" not in page
    assert "<strong>09:30</strong>" in page
    assert "<strong>11:00</strong>" in page


def test_a_room_held_at_nine_by_another_practitioner_blocks_nine_local(client):
    practice, location, practitioner, reason = _practice("Europe/Helsinki")
    room = f.RoomFactory(practice=practice, location=location, kind=Room.Kind.SURGERY)
    reason.consultation_type.room_kind = Room.Kind.SURGERY
    reason.consultation_type.save()
    other = f.MembershipFactory(practice=practice)
    nine = dt.datetime.combine(MONDAY, dt.time(9), tzinfo=location.tz)
    _hold(practice, location, other, nine, room=room)
    labels = _local_labels(_json_times(client, practice, location, reason, MONDAY))
    assert "09:00" not in labels
    assert "11:00" in labels


def test_a_day_that_is_full_in_local_time_is_not_green_in_the_month(client):
    practice, location, practitioner, reason = _practice("Europe/Helsinki")
    tz = location.tz
    start = dt.datetime.combine(MONDAY, dt.time(8), tzinfo=tz)
    for quarter in range(8):  # 08:00–12:00, the whole working morning
        _hold(practice, location, practitioner, start + dt.timedelta(minutes=30 * quarter))
    response = client.get(
        f"/api/v1/public/{practice.slug}/days/",
        {"location": location.pk, "reason": reason.pk, "month": "2030-01"},
    )
    days = response.json()["days"]
    assert MONDAY.isoformat() not in days
    assert (MONDAY + dt.timedelta(days=1)).isoformat() in days


def _open_on_a_sunday_night(practice, location, practitioner):
    """Works and books online on Sundays from 02:00 to 05:00, across the switch hour."""
    WorkingHours.objects.unscoped().create(
        practice=practice,
        practitioner=practitioner,
        location=location,
        weekday=6,
        start_time=dt.time(2),
        end_time=dt.time(5),
    )
    OnlineWindow.objects.unscoped().create(
        practice=practice, location=location, weekday=6, start_time=dt.time(0), end_time=dt.time(6)
    )


def test_the_hour_the_clocks_skip_is_never_offered_and_no_instant_twice(client):
    practice, location, practitioner, reason = _practice("Europe/Helsinki")
    _open_on_a_sunday_night(practice, location, practitioner)
    times = _json_times(client, practice, location, reason, SPRING_SUNDAY)
    assert _local_labels(times) == ["02:00", "02:15", "02:30", "02:45", "04:00", "04:15", "04:30"]
    instants = [_instant(t["starts_at"]) for t in times]
    assert len(set(instants)) == len(instants)
    assert instants[4] == dt.datetime(2030, 3, 31, 1, 0, tzinfo=dt.UTC)  # 04:00 EEST


def test_each_instant_of_the_repeated_hour_is_offered_once_and_labelled(client):
    practice, location, practitioner, reason = _practice("Europe/Helsinki")
    _open_on_a_sunday_night(practice, location, practitioner)
    times = _json_times(client, practice, location, reason, AUTUMN_SUNDAY)
    instants = [_instant(t["starts_at"]) for t in times]
    # 02:00 EEST to 05:00 EET is four real hours: every quarter once, 30 minutes to spare.
    assert len(instants) == 15
    gaps = {b - a for a, b in zip(instants, instants[1:], strict=False)}
    assert gaps == {dt.timedelta(minutes=15)}
    labels = _local_labels(times)
    assert labels[4:12] == [
        "03:00 (summer time)",
        "03:15 (summer time)",
        "03:30 (summer time)",
        "03:45 (summer time)",
        "03:00 (winter time)",
        "03:15 (winter time)",
        "03:30 (winter time)",
        "03:45 (winter time)",
    ]
    assert len(set(labels)) == len(labels)


def test_the_repeated_hour_shows_both_labels_on_the_booking_page(client):
    practice, location, practitioner, reason = _practice("Europe/Helsinki")
    _open_on_a_sunday_night(practice, location, practitioner)
    page = client.get(
        f"/p/{practice.slug}/book/",
        {"location": location.pk, "reason": reason.pk, "day": AUTUMN_SUNDAY.isoformat()},
    ).content.decode()
    assert page.count("<strong>03:30</strong>") == 2
    assert '<small class="time-note">summer time</small>' in page
    assert '<small class="time-note">winter time</small>' in page


def test_booking_the_second_half_thirty_of_the_repeated_hour_books_that_instant(client):
    practice, location, practitioner, reason = _practice("Europe/Helsinki")
    _open_on_a_sunday_night(practice, location, practitioner)
    times = _json_times(client, practice, location, reason, AUTUMN_SUNDAY)
    second = next(t for t in times if t["label"] == "03:30 (winter time)")
    response = client.post(
        f"/api/v1/public/{practice.slug}/book/",
        {
            "location": location.pk,
            "reason": reason.pk,
            "starts_at": second["starts_at"],
            "first_name": "Aino",
            "last_name": "Laine",
            "email": "aino@example.fi",
            "mobile": "+358401112223",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    appointment = Appointment.objects.unscoped().get(pk=response.json()["appointment"])
    assert appointment.starts_at == dt.datetime(2030, 10, 27, 1, 30, tzinfo=dt.UTC)
    # The first 03:30, an hour earlier, is still free.
    labels = _local_labels(_json_times(client, practice, location, reason, AUTUMN_SUNDAY))
    assert "03:30 (summer time)" in labels
    assert "03:30 (winter time)" not in labels


def test_the_repeated_hour_notes_speak_the_practices_language(client):
    practice, location, practitioner, reason = _practice("Europe/Helsinki")
    practice.language = "fi"
    practice.save()
    _open_on_a_sunday_night(practice, location, practitioner)
    page = client.get(
        f"/p/{practice.slug}/book/",
        {"location": location.pk, "reason": reason.pk, "day": AUTUMN_SUNDAY.isoformat()},
    ).content.decode()
    assert '<small class="time-note">kesäaika</small>' in page
    assert '<small class="time-note">talviaika</small>' in page
