"""practice.parsing: the one reader of ids, dates, months, datetimes, link codes and next."""

import datetime as dt

import pytest
from django.test import RequestFactory

from practice.parsing import (
    MAX_ID,
    InvalidInput,
    parse_aware_datetime,
    parse_date,
    parse_id,
    parse_link_code,
    parse_month,
    parse_text,
    parse_wall_clock,
    query_param,
    safe_next,
)


@pytest.mark.parametrize(
    ("value", "expected"), [("7", 7), ("0042", 42), (9, 9), (str(MAX_ID), MAX_ID)]
)
def test_an_id_is_ascii_digits_within_bigint(value, expected):
    assert parse_id(value, field="location") == expected


@pytest.mark.parametrize(
    "value",
    ["\u00b2", "\u0663\u0664", "\uff11", "-1", "1.0", "1e3", " ", "", str(MAX_ID + 1), "9" * 5000]
    + [None, True, [], 1.5, -3],
)
def test_anything_else_is_not_an_id_and_names_the_field(value):
    with pytest.raises(InvalidInput) as refused:
        parse_id(value, field="location")
    assert refused.value.field == "location"
    assert refused.value.message == "Give a whole number."


def test_a_date_is_iso_within_the_sane_years():
    assert parse_date("2030-01-07", field="day") == dt.date(2030, 1, 7)
    assert parse_date("1900-01-01", field="day") == dt.date(1900, 1, 1)


@pytest.mark.parametrize(
    "value",
    ["0001-01-01", "9999-12-31", "1899-12-31", "2201-01-01", "2030-02-30", "20300107"]
    + ["2030-W01-1", "2030-01-07T09:00", "２０３０-01-07", "", "\x00"],
)
def test_other_dates_are_refused(value):
    with pytest.raises(InvalidInput):
        parse_date(value, field="day")


def test_a_month_is_its_first_day():
    assert parse_month("2030-02", field="month") == dt.date(2030, 2, 1)


@pytest.mark.parametrize("value", ["0001-01", "9999-12", "2030-13", "2030-1", "2030-01-01", "x"])
def test_other_months_are_refused(value):
    with pytest.raises(InvalidInput):
        parse_month(value, field="month")


def test_an_aware_datetime_keeps_its_offset():
    moment = parse_aware_datetime("2030-01-07T08:00:00Z", field="start")
    assert moment == dt.datetime(2030, 1, 7, 8, tzinfo=dt.UTC)
    moment = parse_aware_datetime("2030-01-07T09:00:00+01:00", field="start")
    assert moment.utcoffset() == dt.timedelta(hours=1)


@pytest.mark.parametrize(
    "value",
    ["2030-01-07T09:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"]
    + ["2200-12-31T23:00:00-05:00", "1900-01-01T00:30:00+01:00", "2030-01-07T25:00Z", "soon"],
)
def test_naive_or_extreme_datetimes_are_refused(value):
    # the last two lie in range locally but out of it in UTC
    with pytest.raises(InvalidInput):
        parse_aware_datetime(value, field="start")


def test_a_wall_clock_time_is_naive():
    assert parse_wall_clock("2030-01-07T09:00", field="start") == dt.datetime(2030, 1, 7, 9)
    with pytest.raises(InvalidInput):
        parse_wall_clock("2030-01-07T09:00+01:00", field="start")


@pytest.mark.parametrize("value", ["AbC-_12xyz09", "abcdefgh", "a" * 16])
def test_a_link_code_has_our_alphabet_and_length(value):
    assert parse_link_code(value) == value


@pytest.mark.parametrize(
    "value", ["abc", "a" * 17, "abcdefg\x00", "abcdefgh/", "ab cd efgh", "²" * 8]
)
def test_other_link_codes_are_refused(value):
    with pytest.raises(InvalidInput):
        parse_link_code(value)


def test_text_refuses_nul_and_control_bytes_but_keeps_newlines():
    assert parse_text("STOP\r\nplease", field="Body", max_length=20) == "STOP\r\nplease"
    for value in ["a\x00", "a\x1b[0m", "x" * 21]:
        with pytest.raises(InvalidInput):
            parse_text(value, field="Body", max_length=20)


def test_a_query_param_is_its_default_when_absent_or_empty():
    assert query_param({}, "day", parse_date, default=dt.date(2030, 1, 1)) == dt.date(2030, 1, 1)
    assert query_param({"day": ""}, "day", parse_date) is None
    with pytest.raises(InvalidInput) as refused:
        query_param({"day": "x"}, "day", parse_date)
    assert refused.value.field == "day"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/patients/?q=anna", "/patients/?q=anna"),
        ("calendar", ""),
        ("//evil.example/", ""),
        ("/\\evil.example/", ""),
        ("https://evil.example/", ""),
        ("javascript:alert(1)", ""),
        ("/x\x00", ""),
        ("/" + "x" * 3000, ""),
        (None, ""),
    ],
)
def test_next_is_a_path_on_this_site_or_nothing(value, expected):
    request = RequestFactory().get("/")
    assert safe_next(request, value) == expected
