"""Online availability: a location with N practitioners (default 20) and 30 days of busy
calendars. Prints the month of available days (`month_ms`), one day's free times
(`day_ms`) and the queries each takes (`queries`, `day_queries`)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appointments.models import Appointment, ConsultationType, WorkingHours
from online_booking.availability import available_days, available_times
from online_booking.models import OnlineBookingSettings, OnlineWindow, Reason, ReasonGroup
from practice import demo, localtime
from practice.models import Location, Membership
from practice.scoping import for_practice

from .common import dataset, p50, p95, practice_for, timed_ms

DEFAULT_SCALE = 20  # practitioners at the location


def build(scale: int) -> bool:
    return dataset("availability", scale, lambda spec: _build(spec, scale))


def _build(spec, practitioners: int) -> None:
    # About 14 appointments a practitioner a working day, 30 days ahead: busy calendars.
    working_days = 22
    built = demo.build_practice(
        spec,
        clients=3_000,
        appointments=practitioners * 14 * working_days,
        past_days=0,
        future_days=30,
        seed=5,
        demo_extras=False,
    )
    practice = built.practice
    location = for_practice(Location, practice).order_by("id").first()
    members = [m for m in for_practice(Membership, practice) if m.is_practitioner]
    # The demo spreads practitioners over locations; move them all to the first one.
    Appointment.objects.unscoped().filter(practice=practice).update(location=location)
    WorkingHours.objects.unscoped().filter(practice=practice).delete()
    WorkingHours.objects.unscoped().bulk_create(
        WorkingHours(
            practice=practice,
            practitioner=m,
            location=location,
            weekday=weekday,
            start_time=dt.time(8),
            end_time=dt.time(17),
        )
        for m in members
        for weekday in range(5)
    )
    OnlineWindow.objects.unscoped().bulk_create(
        OnlineWindow(
            practice=practice,
            location=location,
            weekday=weekday,
            start_time=dt.time(8),
            end_time=dt.time(18),
        )
        for weekday in range(6)
    )
    OnlineBookingSettings.objects.unscoped().create(
        practice=practice, enabled=True, lead_time_minutes=60, horizon_days=60, slot_minutes=15
    )
    ctype = for_practice(ConsultationType, practice).filter(room_kind="").first()
    group = ReasonGroup.objects.unscoped().create(practice=practice, name="Check-ups")
    reason = Reason.objects.unscoped().create(
        practice=practice, group=group, consultation_type=ctype, name="Check-up"
    )
    Reason.practitioners.through.objects.bulk_create(
        Reason.practitioners.through(reason_id=reason.pk, membership_id=m.pk) for m in members
    )


def run(scale: int) -> dict[str, object]:
    practice = practice_for("availability")
    location = for_practice(Location, practice).order_by("id").first()
    # As a client reaches it: the public pages activate the practice's zone.
    with timezone.override(location.tz):
        return _measure(practice, location)


def _measure(practice, location) -> dict[str, object]:
    reason = for_practice(Reason, practice).get()
    today = localtime.local_today(location.tz)
    first, last = today, today + dt.timedelta(days=30)

    def month():
        return available_days(practice, location=location, reason=reason, first=first, last=last)

    days = month()
    busiest = days[len(days) // 2] if days else today

    def day():
        return available_times(practice, location=location, reason=reason, day=busiest)

    month_times = timed_ms(month, repeat=15)
    day_times = timed_ms(day, repeat=15)
    with CaptureQueriesContext(connection) as month_ctx:
        month()
    with CaptureQueriesContext(connection) as day_ctx:
        times = day()
    return {
        "practitioners": len(Reason.practitioners.through.objects.filter(reason_id=reason.pk)),
        "appointments_in_window": for_practice(Appointment, practice)
        .filter(location=location)
        .count(),
        "days_with_free_times": len(days),
        "free_times_on_day": len(times),
        "month_ms": p50(month_times),
        "month_ms_p95": p95(month_times),
        "day_ms": p50(day_times),
        "day_ms_p95": p95(day_times),
        "queries": len(month_ctx),
        "day_queries": len(day_ctx),
    }
