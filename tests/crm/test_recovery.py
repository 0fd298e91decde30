"""Missed-call recovery: called back, called again, booked online, or not recovered."""

import datetime as dt

import pytest

from crm.derive import communications_changed
from crm.models import Communication, Source
from crm.recovery import recovery_summary, request_answer_summary

from .derived import channel, comm, minutes

pytestmark = pytest.mark.django_db
Recovery = Communication.Recovery
AT = dt.datetime(2030, 3, 4, 9, 0, tzinfo=dt.UTC)
DAY = dt.date(2030, 3, 4)


def _missed(practice, **fields):
    return comm(practice, status=Communication.Status.MISSED, started_at=AT, **fields)


def _refetch(one):
    one.refresh_from_db()
    return one


def test_a_missed_call_nobody_followed_is_not_recovered(practice_a):
    assert _missed(practice_a).recovery == Recovery.NOT_RECOVERED


def test_staffs_answered_call_back_recovers_it_with_the_minutes_it_took(practice_a, receptionist):
    missed = _missed(practice_a)
    back = comm(
        practice_a,
        direction=Communication.Direction.OUTGOING,
        employee=receptionist,
        started_at=AT + minutes(12),
    )
    missed = _refetch(missed)
    assert (missed.recovery, missed.recovery_minutes) == (Recovery.CALLED_BACK, 12)
    assert missed.recovered_by_id == back.pk


def test_a_call_back_nobody_answered_recovers_nothing(practice_a, receptionist):
    missed = _missed(practice_a)
    comm(
        practice_a,
        direction=Communication.Direction.OUTGOING,
        status=Communication.Status.MISSED,
        employee=receptionist,
        started_at=AT + minutes(3),
    )
    assert _refetch(missed).recovery == Recovery.NOT_RECOVERED


def test_the_caller_calling_again_and_getting_through_recovers_it(practice_a):
    missed = _missed(practice_a)
    comm(practice_a, started_at=AT + minutes(40))
    assert _refetch(missed).recovery == Recovery.CALLED_AGAIN
    assert missed.recovery_minutes == 40


def test_booking_online_recovers_it(practice_a, patient_a):
    missed = _missed(practice_a)
    comm(
        practice_a,
        kind=Communication.Kind.WEB_REQUEST,
        status=Communication.Status.PROCESSED,
        source=Source.ONLINE_BOOKING,
        phone_raw="",
        phone_e164="",
        email="anna@example.nl",
        started_at=AT + minutes(5),
    )
    assert _refetch(missed).recovery == Recovery.BOOKED_ONLINE


def test_the_first_recovery_wins_whatever_order_they_arrived_in(practice_a, receptionist):
    again = comm(practice_a, started_at=AT + minutes(30), derive=False)
    back = comm(
        practice_a,
        direction=Communication.Direction.OUTGOING,
        employee=receptionist,
        started_at=AT + minutes(10),
        derive=False,
    )
    missed = _missed(practice_a)
    communications_changed(practice_a, [again.pk])
    assert _refetch(missed).recovered_by_id == back.pk
    communications_changed(practice_a, [back.pk, missed.pk])
    assert _refetch(missed).recovered_by_id == back.pk


def test_an_earlier_call_does_not_recover_a_later_missed_one(practice_a, receptionist):
    comm(
        practice_a,
        direction=Communication.Direction.OUTGOING,
        employee=receptionist,
        started_at=AT - minutes(1),
    )
    assert _missed(practice_a).recovery == Recovery.NOT_RECOVERED


def test_the_summary_gives_the_share_recovered_within_15_minutes_per_employee_and_channel(
    practice_a, receptionist, django_assert_max_num_queries
):
    ads = channel(practice_a, "Search")
    numbers = [f"+3161200000{i}" for i in range(4)]
    for i, number in enumerate(numbers):
        comm(
            practice_a,
            status=Communication.Status.MISSED,
            phone_raw=number,
            phone_e164=number,
            started_at=AT + minutes(i),
        )
    for number, after in ((numbers[0], 15), (numbers[1], 16), (numbers[2], 3)):
        comm(
            practice_a,
            direction=Communication.Direction.OUTGOING,
            employee=receptionist,
            phone_raw=number,
            phone_e164=number,
            started_at=AT + minutes(numbers.index(number) + after),
        )
    Communication.objects.unscoped().filter(phone_e164=numbers[2]).update(channel=ads)
    with django_assert_max_num_queries(1):
        rows = recovery_summary(practice_a, DAY, DAY)
    by = {(r["who"], r["channel_id"]): r for r in rows}
    rita = by[(receptionist.pk, None)]
    assert (rita["missed"], rita["quick"], rita["share"]) == (2, 1, 50.0)  # 15 in, 16 out
    assert by[(receptionist.pk, ads.pk)]["share"] == 100.0
    assert by[(None, None)]["quick"] == 0


def test_time_to_first_answer_of_web_requests(practice_a, receptionist):
    request = comm(
        practice_a,
        kind=Communication.Kind.WEB_REQUEST,
        status=Communication.Status.OPEN,
        started_at=AT,
        phone_raw="+31612000009",
        phone_e164="+31612000009",
    )
    comm(
        practice_a,
        direction=Communication.Direction.OUTGOING,
        employee=receptionist,
        phone_raw="+31612000009",
        phone_e164="+31612000009",
        started_at=AT + minutes(25),
        answers_request=request,
    )
    [row] = request_answer_summary(practice_a, DAY, DAY)
    assert (row["who"], row["requests"], row["answered"]) == (receptionist.pk, 1, 1)
    assert row["average"] == dt.timedelta(minutes=25)
