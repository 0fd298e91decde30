"""Reception reviews online bookings: differences typed, possible duplicates, reviewed."""

import datetime as dt

import pytest

from online_booking.models import OnlineBooking
from online_booking.services import BookingRequest, online_book
from practice.models import AuditLog

from .. import factories as f
from .conftest import MONDAY

pytestmark = pytest.mark.django_db


def _book(practice, location, reason, hour, **typed):
    client = {"first_name": "Anna", "last_name": "de Vries", "mobile": "0612345678"}
    client.update(typed)
    start = dt.datetime.combine(MONDAY, dt.time(hour), tzinfo=location.tz)
    asked = BookingRequest(
        location_id=location.pk, reason_id=reason.pk, starts_at=start, client=client
    )
    return online_book(practice, asked)


def test_the_panel_shows_what_the_client_typed_that_differs_from_the_stored_client(
    rita_client, practice_a, location_a, setup, patient_a
):
    appointment = _book(practice_a, location_a, setup, 9, email="new@example.nl")
    page = rita_client.get(f"/appointments/{appointment.pk}/online/").content.decode()
    assert "Matched an existing client" in page
    assert "anna@example.nl" in page  # stored
    assert "new@example.nl" in page  # typed online, not applied


def test_twins_show_as_a_possible_duplicate_in_the_list(
    rita_client, practice_a, location_a, setup, patient_a
):
    twin = f.ClientFactory(
        practice=practice_a, first_name="Anna", last_name="de Vries", mobile="+31612345678"
    )
    assert twin.pk
    _book(practice_a, location_a, setup, 9, email="anna.twin@example.nl")
    page = rita_client.get("/online-bookings/").content.decode()
    assert "Possible duplicate" in page


def test_marking_reviewed_takes_it_off_the_list_with_an_audit_row(
    rita_client, practice_a, location_a, setup, patient_a
):
    appointment = _book(practice_a, location_a, setup, 9, email="new@example.nl")
    booking = OnlineBooking.objects.unscoped().get(appointment=appointment)
    response = rita_client.post(f"/online-bookings/{booking.pk}/reviewed/", {"next": "//evil"})
    assert response.status_code == 302
    assert response["Location"] == "/online-bookings/"
    booking.refresh_from_db()
    assert booking.reviewed_at is not None
    assert AuditLog.objects.unscoped().filter(action="online_booking.review").count() == 1
    assert "new@example.nl" not in rita_client.get("/online-bookings/").content.decode()


def test_the_review_list_runs_a_constant_number_of_queries(
    rita_client, practice_a, location_a, setup, django_assert_max_num_queries
):
    for hour in (9, 10, 11):
        _book(practice_a, location_a, setup, hour, first_name=f"P{hour}", email=f"p{hour}@ex.nl")
    with django_assert_max_num_queries(9):  # 8, and the top bar's task count
        page = rita_client.get("/online-bookings/")
    assert page.content.decode().count("review-card") == 3


def test_online_bookings_are_marked_in_the_calendar(
    rita_client, practice_a, location_a, setup, patient_a
):
    _book(practice_a, location_a, setup, 9, email="anna@example.nl")
    page = rita_client.get(f"/calendar/?location={location_a.pk}&date={MONDAY}")
    assert page.content.decode().count('class="online-mark"') == 1
