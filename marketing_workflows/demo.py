"""Demo data for marketing workflows, in the Dutch dental demo practice only.

So that a manager can try the issue's example on a fresh demo ('patients not seen for 18
months in Amsterdam → email, pause 7 days, SMS, task for reception'): clients living in
Amsterdam with marketing consent whose last visit was 19 to 30 months ago, a few who were
seen recently or refused marketing (the preview and the dry run tell them apart), and one
example workflow, paused. The other demo practices are left as they are. Idempotent: a
practice that has Amsterdam clients gets nothing more.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from appointments.models import Appointment
from patients.models import Client, Patient
from practice import localtime
from practice.models import Location, Membership, Practice, Role
from practice.scoping import for_practice

from . import services
from .models import Step

CITY = "Amsterdam"
FORGOTTEN = 18  # with marketing consent, last seen 19 to 30 months ago: they match
REFUSED = 3  # last seen as long ago, but refused marketing: matched, and not messaged
RECENT = 4  # seen in the last months: no match
FIRST = ["Annelies", "Bas", "Carlijn", "Dirk", "Esther", "Floris", "Gerda", "Hugo", "Iris",
         "Joost", "Karin", "Luuk", "Maaike", "Niels", "Olga", "Pim", "Roos", "Sjoerd",
         "Tamara", "Ugo", "Vera", "Wouter", "Yara", "Zeger", "Anouk"]  # fmt: skip
LAST = ["Kuiper", "Prins", "Blom", "Huisman", "Koster", "Veenstra", "Post", "Kramer",
        "Schouten", "van Vliet", "Hoekstra", "Maas", "Verhoeven", "Boer", "Timmermans"]  # fmt: skip
STREETS = ["Prinsengracht", "Overtoom", "Ferdinand Bolstraat", "Javastraat", "Kinkerstraat"]


def demo_marketing(practice: Practice) -> None:
    if practice.default_country != "NL" or practice.kind != Practice.Kind.DENTAL:
        return
    if for_practice(Client, practice).filter(city=CITY).exists():
        return
    with transaction.atomic():
        _amsterdam_clients(practice, random.Random(practice.pk * 11))
        _example_workflow(practice)


def _amsterdam_clients(practice: Practice, rng: random.Random) -> None:
    """Clients in Amsterdam, each with one visit of the past. The visits are cancelled
    appointments the demo already has, moved and marked completed: the practice keeps the
    number of appointments it was built with (`seed_demo --scale N` builds N)."""
    location = for_practice(Location, practice).order_by("id").first()
    if location is None:
        return
    now = timezone.now()
    spare = list(
        for_practice(Appointment, practice)
        .filter(status=Appointment.Status.CANCELLED, ends_at__lt=now)
        .select_related("location")
        .order_by("starts_at", "id")[: FORGOTTEN + REFUSED + RECENT]
    )
    today = localtime.local_today(location.tz)
    # Long ago, each on a weekday of its own: no two moved visits ever overlap.
    weekdays = [n for n in range(19 * 30, 30 * 30) if _weekday(today, n)]
    days_ago = rng.sample(weekdays, k=FORGOTTEN + REFUSED)
    for n, visit in enumerate(spare):
        patient = _amsterdam_patient(practice, rng, n)
        if n < len(days_ago):
            _move_back(visit, today - dt.timedelta(days=days_ago[n]))
        visit.patient, visit.client_id = patient, patient.client_id
        visit.status, visit.cancel_reason = Appointment.Status.COMPLETED, ""
        visit.save()


def _amsterdam_patient(practice: Practice, rng: random.Random, n: int) -> Patient:
    first, last = FIRST[n % len(FIRST)], LAST[(n * 7) % len(LAST)]
    client = Client.objects.unscoped().create(
        practice=practice,
        first_name=first,
        last_name=last,
        mobile=f"+316{rng.randint(10_000_000, 59_999_999)}",  # valid 06 numbers
        email=f"{first}.{last}.ams{n}@example.com".lower().replace(" ", ""),
        address=f"{rng.choice(STREETS)} {rng.randint(1, 300)}",
        postal_code=f"10{rng.randint(10, 99)} {rng.choice(['AB', 'KL', 'RT'])}",
        city=CITY,
        sex=rng.choice("fm"),
        birth_date=dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 20_000)),
        marketing_consent=not (FORGOTTEN <= n < FORGOTTEN + REFUSED),
    )
    patient = Patient(
        practice=practice, client=client, name=client.full_name, sex=client.sex,
        birth_date=client.birth_date,
    )  # fmt: skip
    patient.search_text = patient.build_search_text(client)
    patient.save()
    return patient


def _move_back(visit: Appointment, day: dt.date) -> None:
    """To the same local time on `day`, with its length and buffers."""
    tz = visit.location.tz
    wall = localtime.to_local(visit.starts_at, tz).time().replace(tzinfo=None)
    start = localtime.wall_to_utc(day, wall, tz)
    shift = start - visit.starts_at
    visit.starts_at, visit.ends_at = start, visit.ends_at + shift
    visit.held_from, visit.held_until = visit.held_from + shift, visit.held_until + shift


def _weekday(today: dt.date, days_ago: int) -> bool:
    return (today - dt.timedelta(days=days_ago)).weekday() < 5


def _example_workflow(practice: Practice) -> None:
    """An example to open: a recall four months after the last visit, paused."""
    director = for_practice(Membership, practice).filter(role=Role.DIRECTOR).first()
    reception = for_practice(Membership, practice).filter(role=Role.RECEPTION).first()
    if director is None or reception is None:
        return
    actor = director.user
    workflow = services.workflow_create(practice, actor=actor, name="Controle na vier maanden")
    services.workflow_version_save(
        practice,
        actor=actor,
        workflow=workflow,
        settings={"goal": "booked_appointment", "weekdays": "01234"},
        criteria=[
            {"subject": "patient", "field": "last_appointment", "operator": "days_ago_gt",
             "value": "120"},
            {"subject": "patient", "field": "last_appointment", "operator": "days_ago_lte",
             "value": "365"},
            {"subject": "patient", "field": "marketing_consent", "operator": "eq",
             "value": "yes"},
        ],
        steps=[
            {"kind": Step.Kind.EMAIL, "subject": "Tijd voor uw controle, {patient}",
             "body": "Beste {client},\n\nUw laatste bezoek is vier maanden geleden. Plan "
                     "uw controle via {booking_link}.\n\nGroet, {practice}"},
            {"kind": Step.Kind.PAUSE, "pause_days": 14},
            {"kind": Step.Kind.TASK, "task_kind": "recall",
             "task_description": "Bellen voor de controle",
             "task_assignee_id": reception.pk},
        ],
    )  # fmt: skip
    # Live once (patients who already match wait until they match anew), then paused.
    services.workflow_activate(practice, actor=actor, workflow=workflow)
    services.workflow_pause(practice, actor=actor, workflow=workflow)
