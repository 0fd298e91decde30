"""Demo tasks: a few for reception in each demo practice, some overdue, some due today,
later and without a due time, so the top bar's count and the task list have something to
show. Made through `task_create`, like every task. Idempotent: a practice with tasks gets
none added."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from appointments.models import Appointment
from patients.models import Patient
from practice.models import Membership, Practice, Role
from practice.scoping import for_practice

from . import derive
from .models import Channel, ChannelGroup, ChannelRule, Communication, ContactRecord, Task
from .services import task_create

# (kind, description, hours from now, or None for no due time), per language.
DEMO = {
    "nl": [
        (Task.Kind.RECALL, "Bellen voor de halfjaarlijkse controle", -26),
        (Task.Kind.PAYMENT, "Openstaande rekening van de vullingen nabellen", -2),
        (Task.Kind.OTHER, "Röntgenfoto's opvragen bij de vorige tandarts", 3),
        (Task.Kind.COLLECTION, "Betalingsregeling bevestigen", 27),
        (Task.Kind.OTHER, "Nieuw e-mailadres controleren", None),
    ],
    "fi": [
        (Task.Kind.RECALL, "Soita rokotusmuistutus", -26),
        (Task.Kind.PAYMENT, "Avoin lasku: muistuta omistajaa", -2),
        (Task.Kind.OTHER, "Pyydä laboratoriotulokset", 3),
        (Task.Kind.COLLECTION, "Perintä: vahvista maksusuunnitelma", 27),
        (Task.Kind.OTHER, "Tarkista omistajan puhelinnumero", None),
    ],
}


def demo_tasks(practice: Practice) -> None:
    if for_practice(Task, practice).exists():
        return
    staff = for_practice(Membership, practice).select_related("user")
    reception = staff.filter(role=Role.RECEPTION, is_active=True).first()
    director = staff.filter(role=Role.DIRECTOR).first()
    patients = list(for_practice(Patient, practice).order_by("id")[:5])
    if reception is None or not patients:
        return
    # On the hour, as people set them.
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    rows = DEMO.get(practice.language, DEMO["nl"])
    for (kind, description, hours), patient in zip(rows, patients, strict=False):
        task_create(
            practice,
            actor=director.user if director else None,
            patient=patient,
            kind=kind,
            description=description,
            assignee=reception,
            due_at=None if hours is None else now + dt.timedelta(hours=hours),
        )


# Ad channels the fake telephony's traffic finds (crm.fake_telephony): (group, channel,
# rules as (kind, priority, fields)). Names are the practice's own words in a real setup.
AD_CHANNELS = [
    ("Context ads", "Google Ads", [
        ("utm", 10, {"utm_source": "google", "utm_medium": "cpc"}),
        ("service", 20, {"value": "Google Ads number"}),
    ]),
    ("Social media", "Facebook", [("utm", 10, {"utm_source": "facebook"})]),
    ("E-mail", "Newsletter", [("utm", 10, {"utm_source": "newsletter"})]),
    ("Messengers", "WhatsApp", [("chat_channel", 10, {"value": "whatsapp"})]),
    ("Messengers", "Telegram", [("chat_channel", 10, {"value": "telegram"})]),
    ("Own website", "Website", [
        ("chat_channel", 20, {"value": "site widget"}),
        ("service", 30, {"value": "site"}),
    ]),
    ("Phone", "Main line", [("service", 50, {"value": "Main line"})]),
]  # fmt: skip


# The groups' and channels' names in the demo practices' own words (brands stay as they are).
AD_CHANNEL_NAMES = {
    "nl": {
        "Context ads": "Zoekadvertenties",
        "Social media": "Sociale media",
        "Own website": "Eigen website",
        "Phone": "Telefoon",
        "Newsletter": "Nieuwsbrief",
        "Main line": "Hoofdnummer",
    },
    "fi": {
        "Context ads": "Hakumainonta",
        "Social media": "Sosiaalinen media",
        "E-mail": "Sähköposti",
        "Messengers": "Pikaviestimet",
        "Own website": "Oma verkkosivusto",
        "Phone": "Puhelin",
        "Newsletter": "Uutiskirje",
        "Website": "Verkkosivusto",
        "Main line": "Päänumero",
    },
}


def demo_ad_channels(practice: Practice) -> None:
    """Ad channel groups, channels and their rules, so the demo's calls, chats and web
    requests show where they came from and which rule said so. Idempotent: a practice with
    channel groups gets none added."""
    if for_practice(ChannelGroup, practice).exists():
        return
    names = AD_CHANNEL_NAMES.get(practice.language, {})
    for group_name, channel_name, rules in AD_CHANNELS:
        group, _created = ChannelGroup.objects.unscoped().get_or_create(
            practice=practice, name=names.get(group_name, group_name)
        )
        channel = Channel.objects.unscoped().create(
            practice=practice, group=group, name=names.get(channel_name, channel_name)
        )
        for kind, priority, fields in rules:
            ChannelRule.objects.unscoped().create(
                practice=practice, channel=channel, kind=kind, priority=priority, **fields
            )


def demo_contact_results(practice: Practice) -> None:
    """Half of the demo's answered calls from known clients ended in a booking: the next
    visit of that client (the demo's own appointments, so the schedule stays as built) is
    recorded as made by the employee who took the call, three minutes into it. The contact
    history then shows booked, attended and cancelled results. Idempotent: a practice whose
    contacts have records gets none added."""
    if for_practice(ContactRecord, practice).exists():
        return
    rng = random.Random(f"{practice.slug}:results")
    calls = (
        for_practice(Communication, practice)
        .filter(
            kind=Communication.Kind.CALL,
            direction=Communication.Direction.INCOMING,
            status=Communication.Status.ANSWERED,
            client__isnull=False,
            employee__isnull=False,
        )
        .select_related("employee")
        .order_by("started_at")
    )
    taken: set[int] = set()
    booked: list[int] = []
    for call in calls:
        if rng.random() < 0.5:
            continue
        visits = for_practice(Appointment, practice).filter(
            client_id=call.client_id, starts_at__gt=call.started_at + dt.timedelta(hours=2)
        )
        visit = visits.exclude(pk__in=taken).order_by("starts_at").first()
        if visit is None:
            continue
        for_practice(Appointment, practice).filter(pk=visit.pk).update(
            created_by_id=call.employee.user_id,
            created_at=call.started_at + dt.timedelta(minutes=3),
        )
        taken.add(visit.pk)
        booked.append(call.pk)
    if booked:
        derive.communications_changed(practice, booked)
