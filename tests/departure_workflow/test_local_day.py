"""The checkout's 'same local day' is the location's calendar day, also when it has 23 hours."""

import datetime as dt
from decimal import Decimal

import time_machine

from departure_workflow import services
from departure_workflow.models import ActionKind, Outcome

from .. import factories as f
from .helpers import action_of, build, complete_with_reasons

# Amsterdam's clocks go forward on 2030-03-31: 02:00 → 03:00, a 23-hour day.
SPRING_SUNDAY = dt.date(2030, 3, 31)


def _visit(practice, patient, dentist, location, ctype, local_time, *, day=SPRING_SUNDAY):
    start = dt.datetime.combine(day, local_time, tzinfo=location.tz)
    return f.AppointmentFactory(
        practice=practice,
        patient=patient,
        practitioner=dentist,
        location=location,
        consultation_type=ctype,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=10),
        status="completed",
    )


def test_visits_at_both_ends_of_a_23_hour_local_day_are_the_same_day(
    practice_a, patient_a, dentist, location_a, ctype_a, receptionist
):
    ctype_a.fee = Decimal("40.00")
    ctype_a.save()
    rita = receptionist.user
    # 00:15 CET is still Saturday in UTC; 23:30 CEST is 21:30 UTC on Sunday.
    with time_machine.travel(dt.datetime(2030, 3, 30, 23, 20, tzinfo=dt.UTC), tick=False):
        first = build(
            practice_a, _visit(practice_a, patient_a, dentist, location_a, ctype_a, dt.time(0, 15))
        )
        complete_with_reasons(practice_a, first, rita)
    assert action_of(first, ActionKind.PAYMENT).outcome == Outcome.FAILED
    with time_machine.travel(dt.datetime(2030, 3, 31, 21, 45, tzinfo=dt.UTC), tick=False):
        second = build(
            practice_a, _visit(practice_a, patient_a, dentist, location_a, ctype_a, dt.time(23, 30))
        )
        payment = action_of(second, ActionKind.PAYMENT)
        assert payment.amount_due == Decimal("80.00")  # the morning's unpaid visit too
        services.action_take_payment(
            practice_a, actor=rita, action=payment, amount=Decimal("80.00"), method="card"
        )
        complete_with_reasons(practice_a, second, rita)
    assert first.local_date == second.local_date == SPRING_SUNDAY
    assert action_of(first, ActionKind.PAYMENT).outcome == Outcome.SUCCESS


def test_a_visit_just_after_local_midnight_starts_a_new_day(
    practice_a, patient_a, dentist, location_a, ctype_a, receptionist
):
    ctype_a.fee = Decimal("40.00")
    ctype_a.save()
    rita = receptionist.user
    with time_machine.travel(dt.datetime(2030, 3, 31, 21, 45, tzinfo=dt.UTC), tick=False):
        first = build(
            practice_a, _visit(practice_a, patient_a, dentist, location_a, ctype_a, dt.time(23, 30))
        )
        complete_with_reasons(practice_a, first, rita)
    monday = SPRING_SUNDAY + dt.timedelta(days=1)
    with time_machine.travel(dt.datetime(2030, 3, 31, 22, 20, tzinfo=dt.UTC), tick=False):
        second = build(
            practice_a,
            _visit(practice_a, patient_a, dentist, location_a, ctype_a, dt.time(0, 10), day=monday),
        )
        assert action_of(second, ActionKind.PAYMENT).amount_due == Decimal("40.00")
    assert second.local_date == monday
