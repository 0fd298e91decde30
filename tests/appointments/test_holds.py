"""What a booking holds: its practitioner, a room and a piece of equipment when the
consultation type needs them, over its time widened by buffers (staff and online alike)."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from appointments.models import Appointment
from appointments.services import AppointmentConflict, appointment_move

from .. import factories as f
from .test_booking import book

pytestmark = pytest.mark.django_db

MIN = dt.timedelta(minutes=1)


@pytest.fixture
def xray_type(practice_a):
    return f.ConsultationTypeFactory(
        practice=practice_a, name="Bitewings", duration_minutes=30, equipment_kind="x-ray"
    )


@pytest.fixture
def other_dentist(practice_a):
    return f.MembershipFactory(practice=practice_a, role="dentist")


def test_staff_booking_holds_a_free_piece_of_the_needed_equipment(
    practice_a, patient_a, dentist, location_a, xray_type, tomorrow_9
):
    xray = f.EquipmentFactory(practice=practice_a, location=location_a)
    appointment = book(practice_a, patient_a, dentist, location_a, xray_type, tomorrow_9)
    assert appointment.equipment == xray


def test_staff_booking_is_refused_when_the_only_equipment_is_taken(
    practice_a, patient_a, dentist, other_dentist, location_a, xray_type, tomorrow_9
):
    f.EquipmentFactory(practice=practice_a, location=location_a)
    book(practice_a, patient_a, dentist, location_a, xray_type, tomorrow_9)
    other = f.PatientFactory(practice=practice_a)
    with pytest.raises(ValidationError) as err:
        book(practice_a, other, other_dentist, location_a, xray_type, tomorrow_9 + 10 * MIN)
    assert "x-ray" in str(err.value)
    assert Appointment.objects.unscoped().count() == 1


def test_a_second_piece_of_equipment_lets_both_book(
    practice_a, patient_a, dentist, other_dentist, location_a, xray_type, tomorrow_9
):
    f.EquipmentFactory(practice=practice_a, location=location_a)
    f.EquipmentFactory(practice=practice_a, location=location_a)
    first = book(practice_a, patient_a, dentist, location_a, xray_type, tomorrow_9)
    second = book(
        practice_a,
        f.PatientFactory(practice=practice_a),
        other_dentist,
        location_a,
        xray_type,
        tomorrow_9,
    )
    assert first.equipment_id != second.equipment_id


def test_buffers_are_held_around_the_appointment(
    practice_a, patient_a, dentist, location_a, ctype_a, tomorrow_9
):
    held = book(
        practice_a,
        patient_a,
        dentist,
        location_a,
        ctype_a,
        tomorrow_9,
        buffer_before=10 * MIN,
        buffer_after=15 * MIN,
    )
    assert (held.held_from, held.held_until) == (tomorrow_9 - 10 * MIN, held.ends_at + 15 * MIN)
    other = f.PatientFactory(practice=practice_a)
    # Starting 5 minutes after the end falls in the 15 minutes held for cleaning.
    with pytest.raises(AppointmentConflict):
        book(practice_a, other, dentist, location_a, ctype_a, held.ends_at + 5 * MIN)
    # Ending 5 minutes before the start falls in the 10 minutes held for preparing.
    with pytest.raises(AppointmentConflict):
        book(practice_a, other, dentist, location_a, ctype_a, tomorrow_9 - 35 * MIN)
    after = book(practice_a, other, dentist, location_a, ctype_a, held.ends_at + 15 * MIN)
    assert after.starts_at == held.held_until


def test_a_moved_appointment_keeps_its_buffers(
    practice_a, patient_a, dentist, location_a, ctype_a, tomorrow_9
):
    held = book(
        practice_a, patient_a, dentist, location_a, ctype_a, tomorrow_9, buffer_after=15 * MIN
    )
    moved = appointment_move(
        practice_a, actor=None, appointment=held, starts_at=tomorrow_9 + 60 * MIN
    )
    assert moved.held_until == moved.ends_at + 15 * MIN
    assert moved.held_from == moved.starts_at


def test_the_buffer_is_free_again_when_the_appointment_is_cancelled(
    practice_a, patient_a, dentist, location_a, ctype_a, tomorrow_9
):
    from appointments.services import appointment_cancel

    held = book(
        practice_a, patient_a, dentist, location_a, ctype_a, tomorrow_9, buffer_after=15 * MIN
    )
    appointment_cancel(practice_a, actor=None, appointment=held)
    other = f.PatientFactory(practice=practice_a)
    assert book(practice_a, other, dentist, location_a, ctype_a, held.ends_at + 5 * MIN).pk


def _raw_clash(appointment, **changes):
    """An overlapping row saved straight to the database, skipping every code check."""
    fields = {
        "practice": appointment.practice,
        "patient": appointment.patient,
        "client": appointment.client,
        "practitioner": appointment.practitioner,
        "location": appointment.location,
        "consultation_type": appointment.consultation_type,
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        **changes,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment(**fields).save()


@pytest.mark.postgres_only
def test_database_refuses_a_booking_inside_another_bookings_buffer(
    practice_a, patient_a, dentist, location_a, ctype_a, tomorrow_9, on_postgres
):
    held = book(
        practice_a, patient_a, dentist, location_a, ctype_a, tomorrow_9, buffer_after=15 * MIN
    )
    _raw_clash(held, starts_at=held.ends_at + 5 * MIN, ends_at=held.ends_at + 35 * MIN)


@pytest.mark.postgres_only
def test_database_refuses_double_use_of_equipment(
    practice_a, patient_a, dentist, other_dentist, location_a, xray_type, tomorrow_9, on_postgres
):
    f.EquipmentFactory(practice=practice_a, location=location_a)
    held = book(practice_a, patient_a, dentist, location_a, xray_type, tomorrow_9)
    _raw_clash(held, practitioner=other_dentist, equipment=held.equipment)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_of_the_only_equipment_exactly_one_wins(
    practice_a, location_a, xray_type, tomorrow_9, on_postgres
):
    f.EquipmentFactory(practice=practice_a, location=location_a)
    dentists = [f.MembershipFactory(practice=practice_a, role="dentist") for _ in range(5)]
    patients = [f.PatientFactory(practice=practice_a) for _ in dentists]
    barrier = threading.Barrier(len(dentists))
    results: list[str] = []

    def attempt(dentist, patient):
        try:
            barrier.wait()
            book(practice_a, patient, dentist, location_a, xray_type, tomorrow_9)
            results.append("booked")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=pair) for pair in zip(dentists, patients, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["booked"] + ["refused"] * 4
    assert Appointment.objects.unscoped().filter(equipment__isnull=False).count() == 1
