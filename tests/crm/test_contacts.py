"""Contacts: one person's communications in one practice-local day, and their result."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from appointments.models import Appointment, WaitlistEntry
from appointments.services import appointment_set_status
from crm.contacts import Record, contact_result, main_record
from crm.derive import communications_changed
from crm.models import Communication, Contact, ContactRecord

from .. import factories as f
from .derived import comm, minutes
from .history_factories import CommunicationFactory

pytestmark = pytest.mark.django_db
Result = Contact.Result
HELSINKI_NUMBER = "+358401234567"


def _helsinki(practice_b, *wall, fold=0):
    return dt.datetime(*wall, tzinfo=practice_b.tz, fold=fold)


def _call_b(practice_b, at, **fields):
    fields = {"phone_raw": HELSINKI_NUMBER, "phone_e164": HELSINKI_NUMBER, **fields}
    return comm(practice_b, started_at=at, **fields)


def test_calls_either_side_of_local_midnight_in_helsinki_are_two_contacts(practice_b, patient_b):
    late = _call_b(practice_b, _helsinki(practice_b, 2030, 3, 4, 23, 59, 59))
    early = _call_b(practice_b, _helsinki(practice_b, 2030, 3, 5, 0, 0))
    assert late.contact_id != early.contact_id
    assert (late.local_date, early.local_date) == (dt.date(2030, 3, 4), dt.date(2030, 3, 5))


def test_a_whole_helsinki_day_is_one_contact_though_utc_has_two_dates(practice_b, patient_b):
    # 00:10 Helsinki is 22:10 UTC the day before
    first = _call_b(practice_b, _helsinki(practice_b, 2030, 3, 5, 0, 10))
    last = _call_b(practice_b, _helsinki(practice_b, 2030, 3, 5, 23, 50))
    assert first.contact_id == last.contact_id
    contact = Contact.objects.unscoped().get(pk=first.contact_id)
    assert contact.local_date == dt.date(2030, 3, 5)
    assert (contact.first_at, contact.last_at) == (first.started_at, last.started_at)


def test_the_25_hour_night_the_clocks_go_back_is_one_day(practice_b, patient_b):
    # Helsinki leaves summer time on 27 October 2030: 04:00 happens twice.
    first = _call_b(practice_b, _helsinki(practice_b, 2030, 10, 27, 0, 5))
    repeated = _call_b(practice_b, _helsinki(practice_b, 2030, 10, 27, 3, 30, fold=1))
    last = _call_b(practice_b, _helsinki(practice_b, 2030, 10, 27, 23, 55))
    assert last.started_at - first.started_at > dt.timedelta(hours=24)
    assert first.contact_id == repeated.contact_id == last.contact_id
    next_day = _call_b(practice_b, _helsinki(practice_b, 2030, 10, 28, 0, 0))
    assert next_day.contact_id != first.contact_id


def test_one_clients_calls_from_different_numbers_and_a_chat_are_one_contact(practice_a, patient_a):
    call = comm(practice_a)
    chat = comm(
        practice_a,
        kind=Communication.Kind.CHAT,
        status=Communication.Status.CLOSED,
        phone_raw="",
        phone_e164="",
        email="anna@example.nl",
        started_at=call.started_at + minutes(30),
    )
    assert chat.contact_id == call.contact_id
    assert Contact.objects.unscoped().get(pk=call.contact_id).person_key == (
        f"client:{patient_a.client_id}"
    )


def test_an_unknown_number_is_its_own_contact_and_two_withheld_calls_are_two(practice_a):
    one = comm(practice_a, phone_raw="+31687654321", phone_e164="+31687654321")
    two = comm(practice_a, phone_raw="+31687654321", phone_e164="+31687654321")
    assert one.contact_id == two.contact_id
    hidden = [comm(practice_a, phone_raw="anonymous", phone_e164="") for _ in range(2)]
    assert hidden[0].contact_id != hidden[1].contact_id


# -- records and results ---------------------------------------------------------------


@pytest.fixture
def book(practice_a, patient_a, dentist, location_a, ctype_a):
    """book(by, made_at, starts_in_days, status): an appointment for Anna made at `made_at`
    by user `by`."""

    def make(by, made_at, starts_in_days=2, status=Appointment.Status.BOOKED):
        appointment = f.AppointmentFactory(
            practice=practice_a,
            patient=patient_a,
            practitioner=dentist,
            location=location_a,
            consultation_type=ctype_a,
            starts_at=made_at + dt.timedelta(days=starts_in_days),
            status=status,
            created_by=by,
        )
        Appointment.objects.unscoped().filter(pk=appointment.pk).update(created_at=made_at)
        appointment.refresh_from_db()
        return appointment

    return make


@pytest.fixture
def wait(practice_a, patient_a, location_a, ctype_a):
    def make(by, made_at, status=WaitlistEntry.Status.OPEN, appointment=None):
        entry = WaitlistEntry.objects.unscoped().create(
            practice=practice_a,
            client=patient_a.client,
            patient=patient_a,
            consultation_type=ctype_a,
            location=location_a,
            created_by=by,
            status=status,
            appointment=appointment,
        )
        WaitlistEntry.objects.unscoped().filter(pk=entry.pk).update(created_at=made_at)
        entry.refresh_from_db()
        return entry

    return make


AT = dt.datetime(2030, 3, 4, 9, 0, tzinfo=dt.UTC)


def _contact(practice, call_id) -> Contact:
    communications_changed(practice, [call_id])
    call = Communication.objects.unscoped().get(pk=call_id)
    return Contact.objects.unscoped().get(pk=call.contact_id)


def test_a_contact_without_records_didnt_book(practice_a, patient_a, receptionist):
    call = comm(practice_a, employee=receptionist, started_at=AT)
    contact = Contact.objects.unscoped().get(pk=call.contact_id)
    assert contact.result == Result.DIDNT_BOOK
    assert contact.result_reason


def test_an_appointment_the_employee_made_that_day_books_the_contact(
    practice_a, receptionist, book
):
    call = comm(practice_a, employee=receptionist, started_at=AT, derive=False)
    appointment = book(receptionist.user, AT + minutes(2))
    contact = _contact(practice_a, call.pk)
    assert contact.result == Result.BOOKED
    record = ContactRecord.objects.unscoped().get(contact=contact)
    assert (record.appointment_id, record.is_main) == (appointment.pk, True)
    assert record.created_status == Appointment.Status.BOOKED


def test_an_appointment_another_employee_made_or_made_another_day_does_not_count(
    practice_a, receptionist, director, book
):
    call = comm(practice_a, employee=receptionist, started_at=AT, derive=False)
    book(director.user, AT + minutes(2))
    book(receptionist.user, AT + dt.timedelta(days=1))
    assert _contact(practice_a, call.pk).result == Result.DIDNT_BOOK


def test_an_open_web_request_without_a_booking_is_requests_open(practice_a, patient_a):
    request = comm(
        practice_a,
        kind=Communication.Kind.WEB_REQUEST,
        status=Communication.Status.OPEN,
        started_at=AT,
    )
    assert Contact.objects.unscoped().get(pk=request.contact_id).result == Result.REQUESTS


def _record(kind, status, created_minute, booked_status="", pk=None):
    created = AT + minutes(created_minute)
    if kind == "appointment":
        return Record(pk or created_minute + 1, None, 1, created, status)
    return Record(None, pk or created_minute + 1, 1, created, status, booked_status)


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        # (1) beats (2) beats (3), whatever was created first
        ([("appointment", "cancelled", 0), ("appointment", "booked", 1)], Result.BOOKED),
        ([("waitlist", "open", 0), ("appointment", "completed", 5)], Result.ATTENDED),
        ([("waitlist", "closed", 0), ("waitlist", "open", 5)], Result.WAITLIST),
        ([("appointment", "booked", 0), ("waitlist", "booked", 5)], Result.BOOKED),
        ([("appointment", "cancelled", 0), ("waitlist", "closed", 5)], Result.CANCELLED),
        # equal success: the one created first
        ([("waitlist", "open", 3), ("appointment", "booked", 1)], Result.BOOKED),
        ([("appointment", "booked", 3), ("waitlist", "open", 1)], Result.WAITLIST),
    ],
)
def test_the_main_record_is_the_most_successful_then_the_first_created(records, expected):
    made = [_record(*r) for r in records]
    assert contact_result(made, open_requests=0)[0] == expected
    assert contact_result(list(reversed(made)), open_requests=0)[0] == expected


def test_a_waitlist_entry_closed_by_an_attended_appointment_is_booked_and_attended():
    record = _record("waitlist", "booked", 0, booked_status="completed")
    assert contact_result([record], open_requests=0)[0] == Result.ATTENDED
    assert main_record([record, _record("appointment", "booked", -5)]) == record


def test_the_contact_follows_its_appointment_to_attended_and_keeps_what_was_created(
    practice_a, receptionist, dentist, book, django_capture_on_commit_callbacks
):
    call = comm(practice_a, employee=receptionist, started_at=AT, derive=False)
    appointment = book(receptionist.user, AT + minutes(2))
    contact = _contact(practice_a, call.pk)
    started = appointment.starts_at + minutes(5)
    with django_capture_on_commit_callbacks(execute=True), time_machine.travel(started):
        for status in ("arrived", "completed"):
            appointment = appointment_set_status(
                practice_a, actor=receptionist.user, appointment=appointment, status=status
            )
    contact.refresh_from_db()
    assert contact.result == Result.ATTENDED
    record = ContactRecord.objects.unscoped().get(contact=contact)
    assert record.created_status == Appointment.Status.BOOKED


def test_a_relinked_call_changes_the_contacts_result(practice_a, patient_a, receptionist, book):
    # given: a web request from an unknown email, open; Rita called Anna and booked her
    request = comm(
        practice_a,
        kind=Communication.Kind.WEB_REQUEST,
        status=Communication.Status.OPEN,
        phone_raw="",
        phone_e164="",
        email="someone@else.example",
        started_at=AT,
    )
    call = comm(
        practice_a,
        direction=Communication.Direction.OUTGOING,
        employee=receptionist,
        started_at=AT + minutes(20),
    )
    book(receptionist.user, AT + minutes(22))
    communications_changed(practice_a, [call.pk])
    assert Contact.objects.unscoped().get(pk=request.contact_id).result == Result.REQUESTS
    # when: the call is relinked by hand to the request it answered
    Communication.objects.unscoped().filter(pk=call.pk).update(answers_request=request)
    communications_changed(practice_a, [call.pk])
    # then: the request is Anna's, in her contact, which booked
    request.refresh_from_db()
    call.refresh_from_db()
    assert request.client_id == patient_a.client_id
    assert request.contact_id == call.contact_id
    assert Contact.objects.unscoped().get(pk=call.contact_id).result == Result.BOOKED
    assert not Contact.objects.unscoped().filter(person_key="email:someone@else.example").exists()


def _records(contact):
    return ContactRecord.objects.unscoped().filter(contact=contact).count()


def test_the_result_does_not_depend_on_the_order_communications_arrived(
    practice_a, receptionist, director, book, wait
):
    made = [
        comm(practice_a, derive=False, employee=who, started_at=AT + minutes(m))
        for who, m in ((receptionist, 0), (director, 30), (None, 60))
    ]
    wait(director.user, AT + minutes(31))
    book(receptionist.user, AT + minutes(5), status=Appointment.Status.CANCELLED)
    results = []
    for order in (made, list(reversed(made))):
        Contact.objects.unscoped().filter(practice=practice_a).delete()
        for one in order:
            communications_changed(practice_a, [one.pk])
        contact = Contact.objects.unscoped().get(practice=practice_a)
        results.append((contact.result, contact.employee_id, _records(contact)))
    assert results[0] == results[1] == (Result.WAITLIST, receptionist.pk, 2)


def test_recomputing_a_day_costs_the_same_queries_for_3_or_60_communications(
    practice_a, receptionist, book
):
    def queries_for(count, start):
        clients = [
            f.ClientFactory(practice=practice_a, mobile=f"+3161000{start + i:04d}")
            for i in range(count)
        ]
        comms = [
            CommunicationFactory(
                practice=practice_a,
                employee=receptionist,
                phone_raw=c.mobile,
                phone_e164=c.mobile,
                started_at=AT + minutes(i),
            )
            for i, c in enumerate(clients)
        ]
        with CaptureQueriesContext(connection) as captured:
            communications_changed(practice_a, [c.pk for c in comms])
        return len(captured)

    queries_for(1, 900)  # the practice's settings are made on first use
    small, large = queries_for(3, 0), queries_for(60, 100)
    assert large == small
    assert Contact.objects.unscoped().filter(practice=practice_a).count() == 64


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("phone:+31612345678", "+31612345678"),
        ("email:a@b.nl", "a@b.nl"),
        ("unknown:17", "Withheld number"),
    ],
)
def test_a_contact_without_a_client_is_named_by_its_number_address_or_as_withheld(key, label):
    from crm.models import Contact

    with translation.override("en"):
        assert Contact(person_key=key).person_label == label
