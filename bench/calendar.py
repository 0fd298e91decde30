"""Day calendar of a busy location: N appointments in the practice (default 200,000)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appointments.models import Appointment
from appointments.selectors import day_calendar
from practice import demo
from practice.models import Location, Membership, Role
from practice.scoping import for_practice

from .common import dataset, p50, p95, practice_for, timed_ms

DEFAULT_SCALE = 200_000


def build(scale: int) -> bool:
    return dataset(
        "calendar",
        scale,
        lambda spec: demo.build_practice(
            spec, clients=5_000, appointments=scale, past_days=300, future_days=60, seed=12
        ),
    )


def _busiest(practice) -> tuple[Location, dt.date]:
    """The first location on its busiest day."""
    location = for_practice(Location, practice).order_by("id").first()
    busiest = (
        for_practice(Appointment, practice)
        .filter(location=location)
        .annotate(day=TruncDate("starts_at", tzinfo=location.tz))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("-n", "-day")
        .first()
    )
    return location, busiest["day"]


def run(scale: int) -> dict[str, object]:
    practice = practice_for("calendar")
    location, day = _busiest(practice)
    calendar_times = timed_ms(lambda: day_calendar(practice, location=location, day=day), repeat=20)
    with CaptureQueriesContext(connection) as ctx:
        cal = day_calendar(practice, location=location, day=day)
    receptionist = (
        for_practice(Membership, practice).filter(role=Role.RECEPTION).select_related("user")
    ).first()
    browser = Client()
    browser.force_login(receptionist.user)
    url = reverse("calendar") + f"?location={location.pk}&date={day.isoformat()}"
    assert browser.get(url).status_code == 200
    page_times = timed_ms(lambda: browser.get(url), repeat=20)
    with CaptureQueriesContext(connection) as page_ctx:
        browser.get(url)
    return {
        "appointments_total": for_practice(Appointment, practice).count(),
        "practitioners_at_location": len(cal.practitioners),
        "appointments_on_day": len(cal.appointments),
        "calendar_ms_p50": p50(calendar_times),
        "calendar_ms_p95": p95(calendar_times),
        "calendar_queries": len(ctx),
        "page_ms_p50": p50(page_times),
        "page_ms_p95": p95(page_times),
        "page_queries": len(page_ctx),
    }
