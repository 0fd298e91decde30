"""The week view of a practitioner who works at two locations: the week at one location
says, day by day, where else they work or are booked, and links to that location's week
(the same location picker as the day view chooses which one the grid shows)."""

import datetime as dt
import html

import pytest

from appointments.models import Absence

from .. import factories as f
from .test_calendar_views import MONDAY, book, local, week, weekdays_8_to_17

WEDNESDAY = MONDAY + dt.timedelta(days=2)
THURSDAY = MONDAY + dt.timedelta(days=3)


@pytest.fixture
def oost(practice_a):
    return f.LocationFactory(practice=practice_a, name="Oost", city="Utrecht")


@pytest.fixture
def dirk_at_two_places(practice_a, location_a, oost, dentist):
    """Dirk works Monday, Tuesday and Friday at Centrum, Wednesday at Oost."""
    weekdays_8_to_17(practice_a, location_a, dentist, days=(0, 1, 4))
    weekdays_8_to_17(practice_a, oost, dentist, days=(2,))
    return dentist


def _elsewhere(response) -> dict[dt.date, list[str]]:
    return {c.day: [p.name for p in c.elsewhere] for c in response.context["grid"].columns}


def test_the_week_at_one_location_says_where_else_the_practitioner_works_that_day(
    rita_client, location_a, oost, dirk_at_two_places
):
    # when: reception opens Dirk's week at Centrum
    response = week(rita_client, location_a, dirk_at_two_places, MONDAY)
    # then: Wednesday says he works at Oost, linked to his week there; no other day does
    assert _elsewhere(response)[WEDNESDAY] == ["Oost"]
    assert sum(bool(places) for places in _elsewhere(response).values()) == 1
    content = html.unescape(response.content.decode())
    link = f"?location={oost.pk}&date={WEDNESDAY}&view=week&practitioner={dirk_at_two_places.pk}"
    assert f'href="{link}">Works at Oost →' in content
    # ... and that link opens the week at Oost, with his Wednesday there and Centrum's days
    there = rita_client.get("/calendar/" + link)
    assert there.context["location"] == oost
    assert _elsewhere(there)[MONDAY] == ["Centrum"]


def test_an_appointment_at_another_location_is_pointed_to_on_its_day(
    rita_client, practice_a, location_a, oost, dirk_at_two_places, ctype_a
):
    # given: Dirk has no hours at Oost on Thursday but one appointment there
    book(practice_a, oost, dirk_at_two_places, ctype_a, local(oost, THURSDAY, 18))
    response = week(rita_client, location_a, dirk_at_two_places, MONDAY)
    assert _elsewhere(response)[THURSDAY] == ["Oost"]


def test_a_day_off_at_the_other_location_is_not_pointed_to(
    rita_client, practice_a, location_a, oost, dirk_at_two_places
):
    # given: Dirk is away all Wednesday
    Absence.objects.unscoped().create(
        practice=practice_a,
        practitioner=dirk_at_two_places,
        starts_at=local(oost, WEDNESDAY, 0),
        ends_at=local(oost, THURSDAY, 0),
    )
    response = week(rita_client, location_a, dirk_at_two_places, MONDAY)
    assert _elsewhere(response)[WEDNESDAY] == []


def test_another_practices_location_is_never_pointed_to(
    rita_client, practice_b, location_a, dirk_at_two_places, oost
):
    f.LocationFactory(practice=practice_b, name="Kivi 2")
    response = week(rita_client, location_a, dirk_at_two_places, MONDAY)
    assert "Kivi" not in response.content.decode()


def test_the_week_with_another_location_runs_a_constant_number_of_queries(
    rita_client,
    practice_a,
    location_a,
    oost,
    dirk_at_two_places,
    ctype_a,
    django_assert_max_num_queries,
):
    book(practice_a, oost, dirk_at_two_places, ctype_a, local(oost, WEDNESDAY, 7))
    with django_assert_max_num_queries(40) as few:
        assert week(rita_client, location_a, dirk_at_two_places, MONDAY).status_code == 200
    for day in range(7):
        for hour in range(8, 16):
            start = local(oost, MONDAY + dt.timedelta(days=day), hour)
            book(practice_a, oost, dirk_at_two_places, ctype_a, start)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = week(rita_client, location_a, dirk_at_two_places, MONDAY)
    assert all(_elsewhere(response).values())
