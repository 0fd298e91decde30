"""The online booking path: matching rules, what is saved, refusals, and the race."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from appointments.models import Appointment
from online_booking.models import OnlineBooking, OnlineBookingSettings
from online_booking.services import BookingRequest, SlotTaken, online_book
from patients.models import Client, Patient

from .. import factories as f
from .conftest import MONDAY, open_for_online

pytestmark = pytest.mark.django_db

ANNA = {
    "first_name": "Anna",
    "last_name": "de Vries",
    "mobile": "06 1234 5678",
    "email": "anna@example.nl",
}


def at(location, hour, minute=0, day=MONDAY):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=location.tz)


def request(location, reason, start, client=None, **extra):
    return BookingRequest(
        location_id=location.pk,
        reason_id=reason.pk,
        starts_at=start,
        client=client or dict(ANNA),
        **extra,
    )


def test_booking_makes_an_online_appointment_for_a_new_client(practice_a, location_a, setup):
    appointment = online_book(
        practice_a, request(location_a, setup, at(location_a, 9), note="Sensitive tooth")
    )
    assert appointment.source == Appointment.Source.ONLINE
    assert appointment.notes == "Sensitive tooth"
    client = Client.objects.unscoped().get(pk=appointment.client_id)
    assert (client.first_name, client.mobile) == ("Anna", "+31612345678")
    record = OnlineBooking.objects.unscoped().get(appointment=appointment)
    assert not record.client_matched


def test_client_matches_on_exact_names_and_one_equal_contact_detail(
    practice_a, location_a, setup, patient_a
):
    # patient_a's client is Anna de Vries with this mobile; she types another email.
    typed = {**ANNA, "email": "new@example.nl"}
    appointment = online_book(practice_a, request(location_a, setup, at(location_a, 9), typed))
    assert appointment.client_id == patient_a.client_id
    assert appointment.patient_id == patient_a.pk


def test_matched_client_keeps_stored_data_and_differences_are_kept_for_review(
    practice_a, location_a, setup, patient_a
):
    typed = {**ANNA, "email": "new@example.nl"}
    appointment = online_book(practice_a, request(location_a, setup, at(location_a, 9), typed))
    client = Client.objects.unscoped().get(pk=patient_a.client_id)
    assert client.email == "anna@example.nl"  # not overwritten
    record = OnlineBooking.objects.unscoped().get(appointment=appointment)
    assert record.client_matched
    assert record.differences == {"email": {"stored": "anna@example.nl", "typed": "new@example.nl"}}


def test_equal_names_without_an_equal_contact_detail_make_a_new_client(
    practice_a, location_a, setup, patient_a
):
    typed = {**ANNA, "mobile": "0687654321", "email": "other@example.nl"}
    appointment = online_book(practice_a, request(location_a, setup, at(location_a, 9), typed))
    assert appointment.client_id != patient_a.client_id


def test_names_must_be_exactly_equal(practice_a, location_a, setup, patient_a):
    typed = {**ANNA, "last_name": "De Vries"}
    appointment = online_book(practice_a, request(location_a, setup, at(location_a, 9), typed))
    assert appointment.client_id != patient_a.client_id


def test_twins_matching_fails_and_the_new_client_is_flagged(
    practice_a, location_a, setup, patient_a
):
    f.ClientFactory(
        practice=practice_a, first_name="Anna", last_name="de Vries", mobile="+31612345678"
    )
    appointment = online_book(practice_a, request(location_a, setup, at(location_a, 9)))
    record = OnlineBooking.objects.unscoped().get(appointment=appointment)
    assert not record.client_matched
    assert record.possible_duplicate
    assert Client.objects.unscoped().filter(first_name="Anna").count() == 3


def test_vet_patient_matches_on_exact_name_and_species_else_new(
    practice_b, location_b, vet_b, patient_b
):
    ctype = f.ConsultationTypeFactory(practice=practice_b, name="Rokotus")
    reason = open_for_online(practice_b, location_b, vet_b, ctype)
    matti = {"first_name": "Matti", "last_name": "Virtanen", "mobile": "+358401234567"}
    OnlineBookingSettings.objects.unscoped().filter(practice=practice_b).update(require_email=False)
    same = online_book(
        practice_b,
        request(location_b, reason, at(location_b, 9), matti, patient_name="Musti", species="dog"),
    )
    assert same.patient_id == patient_b.pk
    other_species = online_book(
        practice_b,
        request(location_b, reason, at(location_b, 10), matti, patient_name="Musti", species="cat"),
    )
    assert other_species.patient_id != patient_b.pk
    assert other_species.client_id == patient_b.client_id
    assert Patient.objects.unscoped().get(pk=other_species.patient_id).species == "cat"


def test_a_time_not_offered_is_refused_with_the_nearest_free_times(practice_a, location_a, setup):
    with pytest.raises(SlotTaken) as taken:
        online_book(practice_a, request(location_a, setup, at(location_a, 13)))  # not working
    nearest = [
        s.starts_at.astimezone(location_a.tz).strftime("%H:%M") for s in taken.value.alternatives
    ]
    assert nearest == ["11:00", "11:15", "11:30"]
    assert not Appointment.objects.unscoped().exists()


def test_booking_the_same_time_again_is_refused_politely(practice_a, location_a, setup):
    online_book(practice_a, request(location_a, setup, at(location_a, 9)))
    other = {"first_name": "Bram", "last_name": "Smit", "mobile": "0611111111", "email": "b@x.nl"}
    with pytest.raises(SlotTaken) as taken:
        online_book(practice_a, request(location_a, setup, at(location_a, 9), other))
    assert "just taken" in taken.value.messages[0]
    assert taken.value.alternatives
    assert not Client.objects.unscoped().filter(first_name="Bram").exists()


def test_bad_input_is_refused_and_nothing_is_saved(practice_a, location_a, setup):
    typed = {"first_name": "", "last_name": "Smit", "mobile": "12ab", "email": "bram@"}
    with pytest.raises(ValidationError) as error:
        online_book(practice_a, request(location_a, setup, at(location_a, 9), typed))
    assert set(error.value.message_dict) == {"first_name", "mobile", "email"}
    assert not Client.objects.unscoped().filter(last_name="Smit").exists()


def test_closed_online_booking_is_refused(practice_a, location_a, setup):
    OnlineBookingSettings.objects.unscoped().filter(practice=practice_a).update(enabled=False)
    with pytest.raises(ValidationError, match="not open"):
        online_book(practice_a, request(location_a, setup, at(location_a, 9)))


def test_cap_on_upcoming_online_bookings_per_client(practice_a, location_a, setup):
    OnlineBookingSettings.objects.unscoped().filter(practice=practice_a).update(
        max_upcoming_per_client=1
    )
    online_book(practice_a, request(location_a, setup, at(location_a, 9)))
    with pytest.raises(ValidationError, match="most online bookings"):
        online_book(practice_a, request(location_a, setup, at(location_a, 10)))


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_online_bookings_of_one_time_exactly_one_wins(
    practice_a, location_a, setup, on_postgres
):
    people = [
        {"first_name": f"P{i}", "last_name": "Race", "mobile": f"06123400{i:02d}", "email": ""}
        for i in range(5)
    ]
    OnlineBookingSettings.objects.unscoped().filter(practice=practice_a).update(require_email=False)
    barrier = threading.Barrier(len(people))
    results: list[str] = []

    def attempt(person):
        try:
            barrier.wait()
            online_book(practice_a, request(location_a, setup, at(location_a, 9), person))
            results.append("booked")
        except SlotTaken:
            results.append("taken")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["booked"] + ["taken"] * 4
    assert Appointment.objects.unscoped().filter(starts_at=at(location_a, 9)).count() == 1
    # The losers' clients were rolled back with their bookings.
    assert Client.objects.unscoped().filter(last_name="Race").count() == 1


def test_an_online_booking_holds_the_reasons_buffers_and_equipment(
    practice_a, location_a, setup, ctype_a
):
    ctype_a.equipment_kind = "x-ray"
    ctype_a.save()
    xray = f.EquipmentFactory(practice=practice_a, location=location_a, kind="x-ray")
    setup.buffer_before_minutes, setup.buffer_after_minutes = 5, 10
    setup.save()
    appointment = online_book(practice_a, request(location_a, setup, at(location_a, 9)))
    assert appointment.equipment == xray
    assert appointment.held_from == at(location_a, 8, 55)
    assert appointment.held_until == at(location_a, 9, 40)
