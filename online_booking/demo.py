"""Demo online booking: both demo practices open to clients booking online.

The Finnish vet practice asks for the species first and offers vaccinations, check-ups and
dental care per species; the Dutch dental practice offers check-ups with the dentists and
cleanings with the hygienist. The data is in the practice's own language.

Species are the lower-case words the demo patients carry (`dog`, `cat`, `rabbit`, see
`practice.demo.PETS`): matching a typed patient to a stored one needs name and species
exactly equal.

Online windows are the practice's intended opening hours, kept only on the weekdays someone
works at the location and clipped to those working hours, so every window has bookable time.

Idempotent: every row is looked up by its natural key first, so running it again adds
nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max, Min

from appointments.models import ConsultationType, WorkingHours
from practice.models import Location, Membership, Practice, Role
from practice.scoping import for_practice

from .models import OnlineBookingSettings, OnlineLocation, OnlineWindow, Reason, ReasonGroup


@dataclass(frozen=True)
class DemoReason:
    name: str
    consultation_type: str  # the practice's consultation type, by name
    roles: tuple[str, ...]  # practitioners of these roles take it
    species: str = ""
    instructions: str = ""
    buffer_after_minutes: int = 0


@dataclass(frozen=True)
class DemoGroup:
    name: str
    instructions: str
    reasons: list[DemoReason]


@dataclass(frozen=True)
class DemoConfig:
    settings: dict
    asks_species: bool
    windows: list[tuple[int, dt.time, dt.time]]  # weekday, local start, local end
    groups: list[DemoGroup] = field(default_factory=list)


def _weekdays(start: int, end: int) -> list[tuple[int, dt.time, dt.time]]:
    return [(d, dt.time(start), dt.time(end)) for d in range(5)]


VET_CONFIG = DemoConfig(
    settings={
        "info_text": "Varaa aika verkossa. Kiireellisissä tapauksissa soita meille.",
        "lead_time_minutes": 60,
        "horizon_days": 60,
        "slot_minutes": 15,
        "show_duration": True,
        "show_practitioner": True,
        "require_mobile": True,
        "require_email": True,
    },
    asks_species=True,
    # Mon–Fri 08–18 and Sat 09–14; the demo vets work Mon–Fri 08–17, so that is what stays.
    windows=_weekdays(8, 18) + [(5, dt.time(9), dt.time(14))],
    groups=[
        DemoGroup(
            "Rokotukset",
            "Perusrokotukset ja tehosterokotukset.",
            [
                DemoReason(
                    "Koiran rokotus",
                    "Rokotus",
                    (Role.VET,),
                    species="dog",
                    instructions="Ota mukaan rokotuskortti.",
                ),
                DemoReason(
                    "Kissan rokotus",
                    "Rokotus",
                    (Role.VET,),
                    species="cat",
                    instructions="Ota mukaan rokotuskortti. Tuo kissa kuljetuslaatikossa.",
                ),
                DemoReason(
                    "Kanin rokotus",
                    "Rokotus",
                    (Role.VET,),
                    species="rabbit",
                    instructions="Ota mukaan rokotuskortti. Tuo kani kuljetuslaatikossa.",
                ),
            ],
        ),
        DemoGroup(
            "Terveystarkastukset",
            "Vuosittainen terveystarkastus tai tarkastus ennen matkaa.",
            [
                DemoReason(
                    "Terveystarkastus",
                    "Terveystarkastus",
                    (Role.VET,),
                    species="dog, cat, rabbit",
                    instructions="Kirjoita ylös lemmikin mahdolliset oireet ja lääkitys.",
                ),
            ],
        ),
        DemoGroup(
            "Hammashoito",
            "Hampaiden tarkastus ja hammaskiven poisto nukutuksessa.",
            [
                DemoReason(
                    "Hammaskiven poisto",
                    "Hammashoito",
                    (Role.VET,),
                    species="dog, cat",
                    instructions="Eläin ei saa syödä 12 tuntiin ennen käyntiä. Vettä saa juoda.",
                    buffer_after_minutes=15,
                ),
            ],
        ),
    ],
)

DENTAL_CONFIG = DemoConfig(
    settings={
        "info_text": "Maak online een afspraak. Heeft u pijn of een spoedgeval? Bel ons dan.",
        "lead_time_minutes": 120,
        "horizon_days": 60,
        "slot_minutes": 15,
        "show_duration": True,
        "show_practitioner": True,
        "require_mobile": True,
        "require_email": True,
    },
    asks_species=False,
    windows=_weekdays(8, 17),
    groups=[
        DemoGroup(
            "Controle",
            "Periodieke controle van uw gebit bij de tandarts.",
            [
                DemoReason(
                    "Periodieke controle",
                    "Periodieke controle",
                    (Role.DENTIST,),
                    instructions="Neem uw legitimatiebewijs en zorgpas mee.",
                ),
                DemoReason(
                    "Controle kinderen (tot 18 jaar)",
                    "Periodieke controle",
                    (Role.DENTIST,),
                    instructions="Een ouder of verzorger komt mee.",
                ),
            ],
        ),
        DemoGroup(
            "Mondhygiëne",
            "Gebitsreiniging en advies bij de mondhygiënist.",
            [
                DemoReason(
                    "Gebitsreiniging",
                    "Gebitsreiniging",
                    (Role.HYGIENIST,),
                    instructions="Poets uw tanden vlak voor de afspraak.",
                ),
            ],
        ),
    ],
)

CONFIGS = {Practice.Kind.VET: VET_CONFIG, Practice.Kind.DENTAL: DENTAL_CONFIG}


def demo_online_booking(practice: Practice) -> None:
    """Open the demo practice to online booking (again: adds only what is missing)."""
    config = CONFIGS.get(practice.kind)
    if config is None:
        return
    with transaction.atomic():
        OnlineBookingSettings.objects.unscoped().update_or_create(
            practice=practice, defaults={"enabled": True, **config.settings}
        )
        locations = list(for_practice(Location, practice).order_by("id"))
        for location in locations:
            OnlineLocation.objects.unscoped().update_or_create(
                location=location,
                defaults={
                    "practice": practice,
                    "enabled": True,
                    "asks_species": config.asks_species,
                },
            )
        _windows(practice, locations, config.windows)
        _reasons(practice, config.groups)


def _windows(practice, locations, template) -> None:
    """The template's windows where someone works that weekday, clipped to their hours."""
    worked = {
        (row["location_id"], row["weekday"]): (row["start"], row["end"])
        for row in for_practice(WorkingHours, practice)
        .values("location_id", "weekday")
        .annotate(start=Min("start_time"), end=Max("end_time"))
    }
    existing = set(
        for_practice(OnlineWindow, practice).values_list(
            "location_id", "weekday", "start_time", "end_time"
        )
    )
    new = []
    for location in locations:
        for weekday, start, end in template:
            hours = worked.get((location.pk, weekday))
            if hours is None:
                continue
            start, end = max(start, hours[0]), min(end, hours[1])
            key = (location.pk, weekday, start, end)
            if start < end and key not in existing:
                existing.add(key)
                new.append(
                    OnlineWindow(
                        practice=practice,
                        location=location,
                        weekday=weekday,
                        start_time=start,
                        end_time=end,
                    )
                )
    OnlineWindow.objects.unscoped().bulk_create(new)


def _reasons(practice, groups) -> None:
    types = {t.name: t for t in for_practice(ConsultationType, practice)}
    by_role: dict[str, list[int]] = {}
    for pk, role in for_practice(Membership, practice).values_list("pk", "role"):
        by_role.setdefault(role, []).append(pk)
    links = []
    for g_position, demo_group in enumerate(groups):
        group, _ = ReasonGroup.objects.unscoped().get_or_create(
            practice=practice,
            name=demo_group.name,
            defaults={"instructions": demo_group.instructions, "position": g_position},
        )
        for position, demo in enumerate(demo_group.reasons):
            ctype = types.get(demo.consultation_type)
            if ctype is None:  # not a practice built from the demo spec
                continue
            reason, _ = Reason.objects.unscoped().get_or_create(
                practice=practice,
                group=group,
                name=demo.name,
                defaults={
                    "consultation_type": ctype,
                    "species": demo.species,
                    "instructions": demo.instructions,
                    "buffer_after_minutes": demo.buffer_after_minutes,
                    "position": position,
                },
            )
            links.extend(
                Reason.practitioners.through(reason_id=reason.pk, membership_id=pk)
                for role in demo.roles
                for pk in by_role.get(role, [])
            )
    Reason.practitioners.through.objects.bulk_create(links, ignore_conflicts=True)
