"""The local-time helper: wall clock to UTC and back, on ordinary days and switch nights."""

import datetime as dt
import zoneinfo

import pytest

from practice import localtime as lt

HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")
AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
KATHMANDU = zoneinfo.ZoneInfo("Asia/Kathmandu")
CHATHAM = zoneinfo.ZoneInfo("Pacific/Chatham")
SANTIAGO = zoneinfo.ZoneInfo("America/Santiago")

# Helsinki: clocks go forward 2026-03-29 03:00 → 04:00 (01:00 UTC), back 2026-10-25
# 04:00 → 03:00 (01:00 UTC).
SPRING = dt.date(2026, 3, 29)
AUTUMN = dt.date(2026, 10, 25)


def utc(*args):
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_a_wall_time_in_the_spring_gap_has_no_instant():
    assert lt.wall_instants(SPRING, dt.time(3, 30), HELSINKI) == []


def test_a_wall_time_in_the_autumn_repeat_has_two_instants_earliest_first():
    assert lt.wall_instants(AUTUMN, dt.time(3, 30), HELSINKI) == [
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 25, 1, 30),
    ]


def test_an_ordinary_wall_time_has_one_instant_with_the_zone_offset():
    assert lt.wall_instants(dt.date(2026, 6, 1), dt.time(9), KATHMANDU) == [utc(2026, 6, 1, 3, 15)]


def test_a_boundary_in_the_gap_resolves_to_the_moment_of_the_switch():
    assert lt.wall_to_utc(SPRING, dt.time(3, 30), HELSINKI) == utc(2026, 3, 29, 1, 0)


def test_a_repeated_boundary_opens_at_the_earlier_and_closes_at_the_later_instant():
    assert lt.wall_interval(AUTUMN, dt.time(3), dt.time(3, 30), HELSINKI) == (
        utc(2026, 10, 25, 0, 0),
        utc(2026, 10, 25, 1, 30),
    )


def test_a_switch_day_is_23_or_25_hours_long():
    start, end = lt.day_bounds(SPRING, HELSINKI)
    assert end - start == dt.timedelta(hours=23)
    start, end = lt.day_bounds(AUTUMN, HELSINKI)
    assert end - start == dt.timedelta(hours=25)


def test_a_day_starts_at_local_midnight_in_a_zone_whose_offset_is_not_whole_hours():
    assert lt.day_bounds(dt.date(2026, 6, 1), KATHMANDU) == (
        utc(2026, 5, 31, 18, 15),
        utc(2026, 6, 1, 18, 15),
    )


def test_a_midnight_that_does_not_exist_starts_the_day_at_the_switch():
    # Chile skips 00:00–01:00 on 2026-09-06.
    start, _end = lt.day_bounds(dt.date(2026, 9, 6), SANTIAGO)
    assert start.astimezone(SANTIAGO).time() == dt.time(1)


@pytest.mark.parametrize("tz", [HELSINKI, AMSTERDAM, KATHMANDU, CHATHAM, SANTIAGO])
def test_grid_instants_are_each_real_instant_once_with_their_wall_label_on_the_grid(tz):
    for day in lt.days(dt.date(2026, 1, 1), dt.date(2026, 12, 31)):
        instants = lt.grid_instants(day, tz, 15)
        assert instants == sorted(set(instants))
        for moment in instants:
            local = moment.astimezone(tz)
            assert local.date() == day
            assert local.minute % 15 == 0
            # The label converts back to this very instant.
            assert moment in lt.wall_instants(day, local.time(), tz)


def test_grid_skips_the_gap_and_repeats_the_repeated_hour():
    spring = [
        m.astimezone(HELSINKI).strftime("%H:%M") for m in lt.grid_instants(SPRING, HELSINKI, 30)
    ]
    assert "03:00" not in spring
    assert "03:30" not in spring
    assert spring.count("04:00") == 1
    assert len(spring) == 46
    autumn = [
        m.astimezone(HELSINKI).strftime("%H:%M") for m in lt.grid_instants(AUTUMN, HELSINKI, 30)
    ]
    assert autumn.count("03:30") == 2
    assert len(autumn) == 50


def test_the_repeated_hour_is_labelled_so_the_two_can_be_told_apart():
    first, second = lt.wall_instants(AUTUMN, dt.time(3, 30), HELSINKI)
    assert lt.time_label(first, HELSINKI) == "03:30 (summer time)"
    assert lt.time_label(second, HELSINKI) == "03:30 (winter time)"
    assert lt.time_label(utc(2026, 10, 25, 8, 0), HELSINKI) == "10:00"


def test_only_the_repeated_hour_is_labelled_to_its_edges():
    """Helsinki goes back from 04:00 to 03:00 on 25 Oct 2026: 03:00–03:59 happen twice."""
    before = utc(2026, 10, 24, 23, 59)  # 02:59 summer time, once
    first_start = utc(2026, 10, 25, 0, 0)  # 03:00 summer time
    second_end = utc(2026, 10, 25, 1, 59)  # 03:59 winter time
    after = utc(2026, 10, 25, 2, 0)  # 04:00 winter time, once
    assert lt.time_label(before, HELSINKI) == "02:59"
    assert lt.time_label(first_start, HELSINKI) == "03:00 (summer time)"
    assert lt.time_label(second_end, HELSINKI) == "03:59 (winter time)"
    assert lt.time_label(after, HELSINKI) == "04:00"
    assert [lt.is_repeated(m, HELSINKI) for m in (before, first_start, second_end, after)] == [
        False,
        True,
        True,
        False,
    ]
    assert not lt.is_repeated(first_start, dt.UTC)


def test_latest_within_moves_a_late_moment_back_to_the_window_end():
    moment = utc(2026, 6, 1, 20, 0)  # 23:00 in Helsinki
    assert lt.latest_within(moment, HELSINKI, dt.time(9), dt.time(20)) == utc(2026, 6, 1, 17, 0)


def test_latest_within_moves_an_early_moment_to_the_window_end_the_day_before():
    moment = utc(2026, 6, 2, 3, 0)  # 06:00 in Helsinki
    assert lt.latest_within(moment, HELSINKI, dt.time(9), dt.time(20)) == utc(2026, 6, 1, 17, 0)


def test_earliest_within_waits_for_the_next_allowed_weekday_and_hour():
    friday_night = utc(2026, 6, 5, 19, 0)  # Friday 22:00 in Helsinki
    allowed = lt.earliest_within(
        friday_night, HELSINKI, dt.time(9), dt.time(17), weekdays=frozenset(range(5))
    )
    assert allowed == utc(2026, 6, 8, 6, 0)  # Monday 09:00


def test_earliest_within_across_the_spring_switch_opens_at_the_local_hour():
    saturday_night = utc(2026, 3, 28, 21, 0)  # 23:00 EET
    allowed = lt.earliest_within(saturday_night, HELSINKI, dt.time(9), dt.time(17))
    assert allowed == utc(2026, 3, 29, 6, 0)  # 09:00 EEST
