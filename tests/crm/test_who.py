"""Rule 'Who': a communication is matched to a person by normalised number or email, within
the practice only."""

import datetime as dt

import pytest
from django.utils import timezone

from appointments.models import Appointment
from crm.matching import normalise_number
from crm.models import Communication

from .. import factories as f
from .derived import comm

pytestmark = pytest.mark.django_db
Kind = Communication.PersonKind


def test_normalise_number_reads_national_numbers_with_the_practice_region():
    assert normalise_number("06 1234 5678", "NL") == "+31612345678"
    assert normalise_number("0031612345678", "NL") == "+31612345678"
    assert normalise_number("31612345678", "FI") == "+31612345678"  # UIS: digits, no '+'
    assert normalise_number("sip:+31612345678@pbx.example", "NL") == "+31612345678"


@pytest.mark.parametrize("raw", ["anonymous", "Withheld", "", "+266696687", "12"])
def test_normalise_number_gives_nothing_for_a_withheld_or_broken_number(raw):
    assert normalise_number(raw, "NL") == ""


def test_a_call_from_a_clients_mobile_is_matched_to_that_client(practice_a, patient_a):
    call = comm(practice_a)
    assert call.client_id == patient_a.client_id
    assert call.patient_id == patient_a.pk
    assert call.matched_count == 1
    assert "number" in call.match_note_text


def test_a_web_request_is_matched_by_email_case_insensitively(practice_a, patient_a):
    request = comm(
        practice_a,
        kind=Communication.Kind.WEB_REQUEST,
        status=Communication.Status.OPEN,
        phone_raw="",
        phone_e164="",
        email="Anna@Example.NL",
    )
    assert request.client_id == patient_a.client_id


def test_another_practices_client_with_the_number_matches_no_one(practice_b, patient_a):
    call = comm(practice_b)  # Anna's number, but Anna is practice A's
    assert call.client_id is None
    assert call.person_kind == Kind.OTHER


def test_a_withheld_number_matches_no_one(practice_a, patient_a):
    call = comm(practice_a, phone_raw="anonymous", phone_e164="")
    assert call.client_id is None
    assert call.person_kind == Kind.OTHER
    assert "withheld" in call.match_note_text


def test_a_shared_number_says_so_and_takes_the_client_with_the_most_recent_visit(
    practice_a, patient_a, dentist, location_a, ctype_a
):
    # given: Anna's partner Bas has the same number and visited more recently
    bas = f.PatientFactory(
        practice=practice_a,
        client=f.ClientFactory(practice=practice_a, mobile=patient_a.client.mobile),
    )
    now = timezone.now()
    for patient, days_ago in ((patient_a, 30), (bas, 3)):
        f.AppointmentFactory(
            practice=practice_a,
            patient=patient,
            practitioner=dentist,
            location=location_a,
            consultation_type=ctype_a,
            starts_at=now - dt.timedelta(days=days_ago),
            status=Appointment.Status.COMPLETED,
        )
    # when
    call = comm(practice_a)
    # then
    assert call.matched_count == 2
    assert "2 clients" in call.match_note_text
    assert call.client_id == bas.client_id
    assert call.person_kind == Kind.PATIENT


def test_a_client_without_a_completed_visit_before_the_call_is_a_new_patient(
    practice_a, patient_a, dentist, location_a, ctype_a
):
    call = comm(practice_a)
    assert call.person_kind == Kind.NEW_PATIENT
    f.AppointmentFactory(
        practice=practice_a,
        patient=patient_a,
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=call.started_at - dt.timedelta(days=10),
        status=Appointment.Status.COMPLETED,
    )
    later = comm(practice_a)
    assert later.person_kind == Kind.PATIENT


def test_a_visit_completed_after_the_call_does_not_make_the_caller_a_patient_yet(
    practice_a, patient_a, dentist, location_a, ctype_a
):
    f.AppointmentFactory(
        practice=practice_a,
        patient=patient_a,
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=timezone.now() + dt.timedelta(hours=1),
        status=Appointment.Status.COMPLETED,
    )
    assert comm(practice_a).person_kind == Kind.NEW_PATIENT


def test_a_staff_members_email_is_an_employee(practice_a, receptionist):
    receptionist.user.email = "rita@centrum.example"
    receptionist.user.save()
    chat = comm(
        practice_a,
        kind=Communication.Kind.CHAT,
        status=Communication.Status.CLOSED,
        phone_raw="",
        phone_e164="",
        email="RITA@centrum.example",
    )
    assert chat.person_kind == Kind.EMPLOYEE


def test_a_call_from_one_of_the_practices_own_numbers_is_an_employee(practice_a, location_a):
    location_a.phone = "030 123 4567"
    location_a.save()
    call = comm(practice_a, phone_raw="+31301234567", phone_e164="+31301234567")
    assert call.person_kind == Kind.EMPLOYEE


def test_an_unknown_number_is_other(practice_a):
    call = comm(practice_a, phone_raw="+31687654321", phone_e164="+31687654321")
    assert call.person_kind == Kind.OTHER
    assert call.client_id is None
