"""The booked appointment as an iCalendar file (RFC 5545) for the client's own calendar."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from appointments.models import Appointment
from messaging.links import appointment_link

from .selectors import booked_reason_name


def appointment_ics(appointment: Appointment) -> bytes:
    practice, location = appointment.practice, appointment.location
    calendar = Calendar()
    calendar.add("prodid", "-//Practice platform//Online booking//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    host = settings.PUBLIC_BASE_URL.split("://")[-1].split("/")[0]
    event.add("uid", f"appointment-{appointment.pk}@{host}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.starts_at)  # UTC: every calendar shows it locally
    event.add("dtend", appointment.ends_at)
    event.add("summary", f"{booked_reason_name(practice, appointment)} – {practice.name}")
    event.add(
        "location",
        ", ".join(p for p in [location.name, location.address, location.city] if p),
    )
    event.add(
        "description",
        f"{appointment.patient.name}\n{location.phone or practice.phone}\n"
        f"{appointment_link(appointment)}",
    )
    calendar.add_component(event)
    return calendar.to_ical()
