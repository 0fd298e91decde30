"""Reads for appointments and the day calendar."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from practice import localtime
from practice.models import AuditLog, Equipment, Location, Membership, Practice, Room
from practice.scoping import for_practice
from practice.selectors import practitioner_list

from .models import (
    MAX_APPOINTMENT_SPAN,
    Appointment,
    ConsultationType,
    Payment,
    Recall,
    TreatmentPlan,
)
from .working_time import working_intervals, working_intervals_range


def appointment_list(practice: Practice) -> QuerySet[Appointment]:
    return for_practice(Appointment, practice).select_related(
        "patient", "client", "practitioner__user", "location", "room", "consultation_type"
    )


def overlapping(start: dt.datetime, end: dt.datetime) -> dict[str, dt.datetime]:
    """Filter kwargs for appointments overlapping [start, end), bounded for the index."""
    return {
        "starts_at__lt": end,
        "starts_at__gt": start - MAX_APPOINTMENT_SPAN,
        "ends_at__gt": start,
    }


def holding(start: dt.datetime, end: dt.datetime) -> dict[str, dt.datetime]:
    """Filter kwargs for appointments whose held time (buffers included) overlaps [start, end).

    Buffers are short, so a held time starts at most a day before its appointment: the
    bound on starts_at keeps the index usable.
    """
    return {
        "starts_at__lt": end + MAX_APPOINTMENT_SPAN,
        "starts_at__gt": start - 2 * MAX_APPOINTMENT_SPAN,
        "held_from__lt": end,
        "held_until__gt": start,
    }


def appointment_conflicts(
    practice: Practice,
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    practitioner: Membership | None,
    room: Room | None = None,
    equipment: Equipment | None = None,
    exclude_id: int | None = None,
) -> QuerySet[Appointment]:
    """Appointments holding the practitioner's, room's or equipment's time in [starts_at,
    ends_at) (pass the held time, buffers included)."""
    resource = Q(pk__in=[])
    if practitioner is not None:
        resource |= Q(practitioner=practitioner)
    if room is not None:
        resource |= Q(room=room)
    if equipment is not None:
        resource |= Q(equipment=equipment)
    queryset = (
        appointment_list(practice)
        .filter(resource, **holding(starts_at, ends_at))
        .exclude(status__in=Appointment.RELEASED)
    )
    if exclude_id:
        queryset = queryset.exclude(pk=exclude_id)
    return queryset


def consultation_type_list(practice: Practice) -> QuerySet[ConsultationType]:
    return for_practice(ConsultationType, practice).filter(is_active=True)


@dataclass
class DayCalendar:
    location: Location
    day: dt.date
    practitioners: list[Membership]
    appointments: list[Appointment]
    # Per practitioner id, the aware intervals they work that day (empty: not working).
    working: dict[int, list[tuple[dt.datetime, dt.datetime]]]

    def by_practitioner(self) -> list[tuple[Membership, list[Appointment]]]:
        columns: dict[int, list[Appointment]] = {p.pk: [] for p in self.practitioners}
        for appointment in self.appointments:
            columns.setdefault(appointment.practitioner_id, []).append(appointment)
        return [(p, columns[p.pk]) for p in self.practitioners]


# What the calendar blocks show: fewer joined rows make this the cheap part of the page.
CALENDAR_FIELDS = (
    "id",
    "practitioner_id",
    "location_id",
    "starts_at",
    "ends_at",
    "status",
    "source",
    "confirmed_at",
    "patient__id",
    "patient__name",
    "consultation_type__id",
    "consultation_type__name",
    "consultation_type__colour",
    "room__id",
    "room__name",
)


def day_calendar(
    practice: Practice, *, location: Location, day: dt.date, include_cancelled: bool = False
) -> DayCalendar:
    """A location's day: practitioners as columns, their appointments and working hours.

    Columns are the practitioners working there that day or holding an appointment there
    (all practitioners when nobody has hours there yet). Five queries, whatever the size.
    """
    start, end = localtime.day_bounds(day, location.tz)
    # Only what the grid shows: the columns already hold practitioners, and the location
    # is known; fewer joined rows make this the cheap part of the page.
    appointments = (
        for_practice(Appointment, practice)
        .filter(location=location, **overlapping(start, end))
        .select_related("patient", "consultation_type", "room")
        .only(*CALENDAR_FIELDS)
    )
    if not include_cancelled:
        appointments = appointments.exclude(status__in=Appointment.RELEASED)
    appointments = list(appointments.order_by("starts_at"))
    working = working_intervals(practice, location=location, day=day)
    practitioners = list(practitioner_list(practice))
    present = set(working) | {a.practitioner_id for a in appointments}
    if present:
        practitioners = [p for p in practitioners if p.pk in present]
    return DayCalendar(location, day, practitioners, appointments, working)


@dataclass
class WeekCalendar:
    location: Location
    practitioner: Membership
    days: list[dt.date]
    appointments: list[Appointment]
    # Per local day, per practitioner id, the aware intervals worked (absent: not working).
    working: dict[dt.date, dict[int, list[tuple[dt.datetime, dt.datetime]]]]

    def by_day(self) -> dict[dt.date, list[Appointment]]:
        """Appointments by the local day they start on."""
        result: dict[dt.date, list[Appointment]] = {day: [] for day in self.days}
        tz = self.location.tz
        for appointment in self.appointments:
            day = localtime.local_date(appointment.starts_at, tz)
            result.setdefault(day, []).append(appointment)
        return result


def week_start(day: dt.date) -> dt.date:
    """The Monday of `day`'s week."""
    return day - dt.timedelta(days=day.weekday())


def week_calendar(
    practice: Practice,
    *,
    location: Location,
    practitioner: Membership,
    day: dt.date,
    include_cancelled: bool = False,
) -> WeekCalendar:
    """One practitioner's week (Monday to Sunday, local days) at a location. Four queries,
    whatever the number of appointments."""
    first = week_start(day)
    days = list(localtime.days(first, first + dt.timedelta(days=6)))
    start, end = localtime.range_bounds(days[0], days[-1], location.tz)
    appointments = (
        for_practice(Appointment, practice)
        .filter(location=location, practitioner=practitioner, **overlapping(start, end))
        .select_related("patient", "consultation_type", "room")
        .only(*CALENDAR_FIELDS)
    )
    if not include_cancelled:
        appointments = appointments.exclude(status__in=Appointment.RELEASED)
    working = working_intervals_range(
        practice,
        location=location,
        first=days[0],
        last=days[-1],
        practitioner_ids=[practitioner.pk],
    )
    return WeekCalendar(
        location, practitioner, days, list(appointments.order_by("starts_at")), working
    )


def practitioner_elsewhere(
    practice: Practice, *, practitioner: Membership, location: Location, days: list[dt.date]
) -> dict[dt.date, list[Location]]:
    """Per local day of `days`: the practice's other active locations where `practitioner`
    works (their hours there, absences taken off) or has an appointment that day, so the
    week view at one location points to the others. Three queries per other location for
    the hours and one for all their appointments, whatever the number of appointments."""
    others = list(
        for_practice(Location, practice)
        .filter(is_active=True)
        .exclude(pk=location.pk)
        .order_by("name")
    )
    found: dict[dt.date, set[int]] = {day: set() for day in days}
    for other in others:
        hours = working_intervals_range(
            practice,
            location=other,
            first=days[0],
            last=days[-1],
            practitioner_ids=[practitioner.pk],
        )
        for day, by_practitioner in hours.items():
            if by_practitioner.get(practitioner.pk):
                found[day].add(other.pk)
    if others:
        by_id = {other.pk: other for other in others}
        # A day either side: another location may keep another zone.
        start, end = localtime.range_bounds(
            days[0] - dt.timedelta(days=1), days[-1] + dt.timedelta(days=1), location.tz
        )
        booked = (
            for_practice(Appointment, practice)
            .filter(practitioner=practitioner, location__in=others, **overlapping(start, end))
            .exclude(status__in=Appointment.RELEASED)
            .values_list("location_id", "starts_at")
        )
        for location_id, starts_at in booked:
            day = localtime.local_date(starts_at, by_id[location_id].tz)
            if day in found:
                found[day].add(location_id)
    return {
        day: [other for other in others if other.pk in ids] for day, ids in found.items() if ids
    }


# How far ahead the calendar looks for the next day someone works at a location.
OPEN_DAY_HORIZON = dt.timedelta(days=120)


def next_open_day(
    practice: Practice, *, location: Location, after: dt.date, practitioner_ids=None
) -> dt.date | None:
    """The first local day after `after` on which someone (of `practitioner_ids`, if given)
    works at `location`; None when nobody does within the horizon (no hours set at all)."""
    working = working_intervals_range(
        practice,
        location=location,
        first=after + dt.timedelta(days=1),
        last=after + OPEN_DAY_HORIZON,
        practitioner_ids=practitioner_ids,
    )
    return next((day for day, hours in sorted(working.items()) if hours), None)


def patient_appointments(practice: Practice, patient_id: int) -> QuerySet[Appointment]:
    return appointment_list(practice).filter(patient_id=patient_id).order_by("-starts_at")


def patient_treatment_plans(practice: Practice, patient_id: int) -> QuerySet[TreatmentPlan]:
    return (
        for_practice(TreatmentPlan, practice)
        .filter(patient_id=patient_id)
        .prefetch_related("treatments")
    )


def patient_payments(practice: Practice, patient_id: int) -> QuerySet[Payment]:
    return (
        for_practice(Payment, practice)
        .filter(patient_id=patient_id)
        .select_related("taken_by", "appointment")
    )


def patient_recalls(practice: Practice, patient_id: int) -> QuerySet[Recall]:
    return for_practice(Recall, practice).filter(patient_id=patient_id)


@dataclass(frozen=True)
class Notified:
    """The last time staff marked the patient notified of an appointment, and by whom."""

    by: str
    at: dt.datetime


def appointment_last_notified(practice: Practice, appointment: Appointment) -> Notified | None:
    """The latest `appointment.notified` mark (services.appointment_mark_notified), named by
    the staff member's name in the practice. Two queries at most."""
    row = (
        for_practice(AuditLog, practice)
        .filter(
            action="appointment.notified",
            object_type=Appointment._meta.label_lower,
            object_id=appointment.pk,
        )
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )
    if row is None:
        return None
    member = (
        for_practice(Membership, practice)
        .filter(user_id=row.actor_id)
        .select_related("user")
        .first()
        if row.actor_id
        else None
    )
    if member is not None:
        by = member.name
    elif row.actor is not None:
        by = row.actor.get_full_name() or row.actor.get_username()
    else:
        by = "—"
    return Notified(by=by, at=row.at)
