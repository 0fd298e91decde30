"""Link codes are made on first use, for one appointment or for a batch of them at once."""

import datetime as dt

import pytest

from appointments.links import appointment_link_code, appointment_link_codes
from appointments.models import Appointment

from .. import factories as f


@pytest.fixture
def three(practice_a, patient_a, dentist, location_a, ctype_a, tomorrow_9):
    return [
        f.AppointmentFactory(
            practice=practice_a,
            patient=patient_a,
            practitioner=dentist,
            location=location_a,
            consultation_type=ctype_a,
            starts_at=tomorrow_9 + dt.timedelta(hours=i),
            ends_at=tomorrow_9 + dt.timedelta(hours=i, minutes=30),
        )
        for i in range(3)
    ]


def stored(appointment):
    return Appointment.objects.unscoped().values_list("link_code", flat=True).get(pk=appointment.pk)


def test_a_batch_gives_each_appointment_its_own_code_and_keeps_one_already_made(
    three, django_assert_num_queries
):
    made = appointment_link_code(three[0])
    with django_assert_num_queries(2):
        appointment_link_codes(three)
    codes = [a.link_code for a in three]
    assert codes[0] == made
    assert len(set(codes)) == 3
    assert codes == [stored(a) for a in three]


def test_a_code_made_meanwhile_by_another_caller_wins(three):
    # given: another worker gave the first appointment its code after we loaded it
    Appointment.objects.unscoped().filter(pk=three[0].pk).update(link_code="theirs123456")
    # when
    appointment_link_codes(three)
    # then: theirs is kept, and ours reads it back
    assert three[0].link_code == stored(three[0]) == "theirs123456"


def test_the_same_appointment_loaded_twice_gets_one_code_on_both(three):
    again = Appointment.objects.unscoped().get(pk=three[0].pk)
    appointment_link_codes([three[0], again])
    assert three[0].link_code == again.link_code == stored(again)


def test_nothing_is_asked_when_every_appointment_has_its_code(three, django_assert_num_queries):
    appointment_link_codes(three)
    with django_assert_num_queries(0):
        appointment_link_codes(three)
