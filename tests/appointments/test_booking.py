import datetime as dt
import threading

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from appointments.models import Appointment
from appointments.services import (
    AppointmentConflict,
    appointment_book,
    appointment_cancel,
    appointment_move,
    appointment_set_status,
)
from practice.models import Role

from .. import factories as f


def book(practice, patient, practitioner, location, ctype, starts_at, **kw):
    return appointment_book(
        practice,
        actor=None,
        patient=patient,
        practitioner=practitioner,
        location=location,
        consultation_type=ctype,
        starts_at=starts_at,
        **kw,
    )


def test_booking_takes_the_consultation_types_duration(
    practice_a, patient_a, dentist, location_a, ctype_a, tomorrow_9
):
    appointment = book(practice_a, patient_a, dentist, location_a, ctype_a, tomorrow_9)
    assert appointment.ends_at - appointment.starts_at == dt.timedelta(minutes=30)
    assert appointment.client_id == patient_a.client_id
    assert appointment.status == Appointment.Status.BOOKED


def test_end_before_start_is_refused_and_nothing_saved(
    practice_a, patient_a, dentist, location_a, ctype_a, tomorrow_9
):
    with pytest.raises(ValidationError) as err:
        book(
            practice_a,
            patient_a,
            dentist,
            location_a,
            ctype_a,
            tomorrow_9,
            ends_at=tomorrow_9 - dt.timedelta(minutes=5),
        )
    assert "ends_at" in err.value.message_dict
    assert not Appointment.objects.unscoped().exists()


def test_overlapping_booking_is_refused_naming_the_conflict(
    practice_a, appointment_a, patient_a, dentist, location_a, ctype_a, tomorrow_9
):
    other = f.PatientFactory(practice=practice_a)
    with pytest.raises(AppointmentConflict) as err:
        book(practice_a, other, dentist, location_a, ctype_a, tomorrow_9 + dt.timedelta(minutes=15))
    assert err.value.conflict == appointment_a
    assert patient_a.name in err.value.messages[0]
    assert Appointment.objects.unscoped().count() == 1


def test_back_to_back_bookings_do_not_conflict(
    practice_a, appointment_a, dentist, location_a, ctype_a, tomorrow_9
):
    other = f.PatientFactory(practice=practice_a)
    book(practice_a, other, dentist, location_a, ctype_a, tomorrow_9 + dt.timedelta(minutes=30))
    assert Appointment.objects.unscoped().count() == 2


def test_a_cancelled_appointment_frees_its_time(
    practice_a, appointment_a, dentist, location_a, ctype_a, tomorrow_9
):
    appointment_cancel(practice_a, actor=None, appointment=appointment_a, reason="ill")
    other = f.PatientFactory(practice=practice_a)
    book(practice_a, other, dentist, location_a, ctype_a, tomorrow_9)
    appointment_a.refresh_from_db()
    assert appointment_a.status == Appointment.Status.CANCELLED
    assert appointment_a.cancel_reason == "ill"


def test_a_room_cannot_hold_two_overlapping_appointments(
    practice_a, location_a, patient_a, dentist, tomorrow_9
):
    room = f.RoomFactory(practice=practice_a, location=location_a)
    ctype = f.ConsultationTypeFactory(practice=practice_a, room_kind=room.kind)
    first = book(practice_a, patient_a, dentist, location_a, ctype, tomorrow_9)
    assert first.room == room
    hygienist = f.MembershipFactory(practice=practice_a, role=Role.HYGIENIST)
    with pytest.raises(ValidationError) as err:
        book(
            practice_a,
            f.PatientFactory(practice=practice_a),
            hygienist,
            location_a,
            ctype,
            tomorrow_9,
        )
    assert "room" in err.value.message_dict


def test_move_keeps_duration_and_refuses_overlap(
    practice_a, appointment_a, dentist, location_a, ctype_a, tomorrow_9
):
    later = book(
        practice_a,
        f.PatientFactory(practice=practice_a),
        dentist,
        location_a,
        ctype_a,
        tomorrow_9 + dt.timedelta(hours=2),
    )
    moved = appointment_move(
        practice_a,
        actor=None,
        appointment=appointment_a,
        starts_at=tomorrow_9 + dt.timedelta(hours=1),
    )
    assert moved.ends_at - moved.starts_at == dt.timedelta(minutes=30)
    with pytest.raises(AppointmentConflict):
        appointment_move(
            practice_a,
            actor=None,
            appointment=appointment_a,
            starts_at=later.starts_at + dt.timedelta(minutes=10),
        )


def test_another_practices_patient_cannot_be_booked(
    practice_a, patient_b, dentist, location_a, ctype_a, tomorrow_9
):
    with pytest.raises(ValidationError):
        book(practice_a, patient_b, dentist, location_a, ctype_a, tomorrow_9)


def test_status_moves_forward_only(practice_a, appointment_a):
    # On the day, once it started: a visit still ahead cannot be arrived or completed.
    with time_machine.travel(appointment_a.starts_at + dt.timedelta(minutes=5), tick=False):
        appointment_set_status(practice_a, actor=None, appointment=appointment_a, status="arrived")
        appointment_set_status(
            practice_a, actor=None, appointment=appointment_a, status="completed"
        )
    with pytest.raises(ValidationError):
        appointment_set_status(practice_a, actor=None, appointment=appointment_a, status="booked")


@pytest.mark.postgres_only
def test_database_refuses_overlap_even_when_code_checks_are_skipped(appointment_a, on_postgres):
    from django.db import IntegrityError, transaction

    clash = Appointment(
        practice=appointment_a.practice,
        patient=appointment_a.patient,
        client=appointment_a.client,
        practitioner=appointment_a.practitioner,
        location=appointment_a.location,
        consultation_type=appointment_a.consultation_type,
        starts_at=appointment_a.starts_at + dt.timedelta(minutes=10),
        ends_at=appointment_a.ends_at + dt.timedelta(minutes=10),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clash.save()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_bookings_of_the_same_time_exactly_one_wins(
    practice_a, dentist, location_a, ctype_a, tomorrow_9, on_postgres
):
    patients = [f.PatientFactory(practice=practice_a) for _ in range(6)]
    barrier = threading.Barrier(len(patients))
    results: list[str] = []

    def attempt(patient):
        try:
            barrier.wait()
            book(practice_a, patient, dentist, location_a, ctype_a, tomorrow_9)
            results.append("booked")
        except AppointmentConflict:
            results.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(p,)) for p in patients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["booked"] + ["conflict"] * 5
    assert Appointment.objects.unscoped().filter(practitioner=dentist).count() == 1


def test_an_appointment_longer_than_a_day_is_refused(
    practice_a, patient_a, dentist, location_a, ctype_a, tomorrow_9
):
    with pytest.raises(ValidationError) as err:
        book(
            practice_a,
            patient_a,
            dentist,
            location_a,
            ctype_a,
            tomorrow_9,
            ends_at=tomorrow_9 + dt.timedelta(hours=25),
        )
    assert "ends_at" in err.value.message_dict


def test_a_long_appointment_from_yesterday_still_conflicts(
    practice_a, patient_a, dentist, location_a, ctype_a, tomorrow_9
):
    book(
        practice_a,
        patient_a,
        dentist,
        location_a,
        ctype_a,
        tomorrow_9 - dt.timedelta(hours=20),
        ends_at=tomorrow_9 + dt.timedelta(hours=1),
    )
    with pytest.raises(AppointmentConflict):
        book(
            practice_a,
            f.PatientFactory(practice=practice_a),
            dentist,
            location_a,
            ctype_a,
            tomorrow_9,
        )
