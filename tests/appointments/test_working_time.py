import datetime as dt

from appointments.models import Absence, WorkingHoursException
from appointments.working_time import working_intervals

from .. import factories as f

MONDAY = dt.date(2030, 1, 7)


def hours(practice, practitioner, location, weekday=0, start=8, end=17):
    return f.WorkingHoursFactory(
        practice=practice,
        practitioner=practitioner,
        location=location,
        weekday=weekday,
        start_time=dt.time(start),
        end_time=dt.time(end),
    )


def test_weekly_hours_are_local_time_at_the_location(practice_a, dentist, location_a):
    hours(practice_a, dentist, location_a)
    result = working_intervals(practice_a, location=location_a, day=MONDAY)
    start, end = result[dentist.pk][0]
    assert start.astimezone(dt.UTC).hour == 7  # 08:00 in Amsterdam in winter
    assert end.astimezone(location_a.tz).time() == dt.time(17)


def test_weekly_hours_survive_a_dst_change(practice_a, dentist, location_a):
    hours(practice_a, dentist, location_a, weekday=6)
    dst_sunday = dt.date(2030, 3, 31)  # clocks go forward at 02:00 in Amsterdam
    start, _ = working_intervals(practice_a, location=location_a, day=dst_sunday)[dentist.pk][0]
    assert start.astimezone(dt.UTC).hour == 6  # 08:00 CEST


def test_working_hours_that_span_the_hour_the_clocks_skip_are_that_much_shorter(
    practice_a, dentist, location_a
):
    hours(practice_a, dentist, location_a, weekday=6, start=1, end=5)
    dst_sunday = dt.date(2030, 3, 31)  # 02:00 → 03:00 in Amsterdam
    [(start, end)] = working_intervals(practice_a, location=location_a, day=dst_sunday)[dentist.pk]
    assert end - start == dt.timedelta(hours=3)


def test_working_hours_that_span_the_repeated_hour_are_that_much_longer(
    practice_a, dentist, location_a
):
    hours(practice_a, dentist, location_a, weekday=6, start=1, end=5)
    autumn_sunday = dt.date(2030, 10, 27)  # 03:00 → 02:00 in Amsterdam
    [(start, end)] = working_intervals(practice_a, location=location_a, day=autumn_sunday)[
        dentist.pk
    ]
    assert end - start == dt.timedelta(hours=5)


def test_a_date_exception_replaces_the_weekly_hours(practice_a, dentist, location_a):
    hours(practice_a, dentist, location_a)
    WorkingHoursException.objects.unscoped().create(
        practice=practice_a,
        practitioner=dentist,
        location=location_a,
        date=MONDAY,
        start_time=dt.time(12),
        end_time=dt.time(14),
    )
    [(start, end)] = working_intervals(practice_a, location=location_a, day=MONDAY)[dentist.pk]
    tz = location_a.tz
    assert (start.astimezone(tz).hour, end.astimezone(tz).hour) == (12, 14)


def test_an_exception_without_times_means_a_day_off(practice_a, dentist, location_a):
    hours(practice_a, dentist, location_a)
    WorkingHoursException.objects.unscoped().create(
        practice=practice_a, practitioner=dentist, location=location_a, date=MONDAY
    )
    assert working_intervals(practice_a, location=location_a, day=MONDAY)[dentist.pk] == []


def test_absences_are_cut_out(practice_a, dentist, location_a):
    hours(practice_a, dentist, location_a)
    tz = location_a.tz
    Absence.objects.unscoped().create(
        practice=practice_a,
        practitioner=dentist,
        starts_at=dt.datetime(2030, 1, 7, 10, tzinfo=tz),
        ends_at=dt.datetime(2030, 1, 7, 11, tzinfo=tz),
    )
    intervals = working_intervals(practice_a, location=location_a, day=MONDAY)[dentist.pk]
    assert [(s.astimezone(tz).hour, e.astimezone(tz).hour) for s, e in intervals] == [
        (8, 10),
        (11, 17),
    ]


def test_other_practices_hours_are_not_mixed_in(practice_a, practice_b, vet_b, location_a):
    f.WorkingHoursFactory(
        practice=practice_b,
        practitioner=vet_b,
        location=f.LocationFactory(practice=practice_b),
        weekday=0,
    )
    assert working_intervals(practice_a, location=location_a, day=MONDAY) == {}


def test_calendar_greys_hours_off_and_hides_practitioners_not_working(
    rita_client, practice_a, dentist, location_a
):
    hours(practice_a, dentist, location_a, start=9, end=12)
    f.MembershipFactory(practice=practice_a, user=f.UserFactory(username="free", first_name="Vrij"))
    response = rita_client.get("/calendar/", {"date": MONDAY.isoformat()})
    [column] = response.context["grid"].columns
    assert column.practitioner == dentist
    # Grid runs 08:00-18:00 at 2px a minute: off 08-09 and 12-18.
    assert column.off == [(0, 120), (480, 720)]
