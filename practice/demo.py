"""Demo and benchmark data: a Dutch dental practice and a Finnish veterinary practice.

Deterministic (seeded random) and built with bulk inserts, so `--scale 1000000` builds a
million appointments in minutes. Appointments are laid out per practitioner per day one
after another, and each practitioner has their own surgery, so neither a practitioner nor a
room is ever double-booked (the PostgreSQL exclusion constraints would refuse it).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from appointments.models import (
    Appointment,
    ConsultationType,
    Payment,
    PlannedTreatment,
    Recall,
    TreatmentPlan,
    WaitlistEntry,
    WorkingHours,
)
from patients.models import Client, Patient
from practice import localtime
from practice.hooks import run_demo_extras
from practice.models import Location, Membership, Practice, Role, Room

PASSWORD = "demo1234"  # noqa: S105 - demo logins, printed for the user
BATCH = 5_000

NL_FIRST = [
    "Anna",
    "Daan",
    "Emma",
    "Sem",
    "Julia",
    "Lucas",
    "Sophie",
    "Milan",
    "Tess",
    "Levi",
    "Fleur",
    "Finn",
    "Sanne",
    "Bram",
    "Lotte",
    "Thijs",
    "Noor",
    "Jesse",
    "Eva",
    "Ruben",
    "Isa",
    "Lars",
    "Mila",
    "Stijn",
    "Femke",
    "Jeroen",
    "Marieke",
    "Pieter",
    "Ingrid",
    "Henk",
]
NL_LAST = [
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "Kok",
    "Jacobs",
    "Vermeulen",
    "van Dam",
    "Willems",
]
NL_STREETS = [
    "Oudegracht",
    "Biltstraat",
    "Amsterdamsestraatweg",
    "Nachtegaalstraat",
    "Kanaalstraat",
    "Lange Nieuwstraat",
    "Twijnstraat",
    "Voorstraat",
]
FI_FIRST = [
    "Aino",
    "Eino",
    "Helmi",
    "Väinö",
    "Sofia",
    "Leo",
    "Olivia",
    "Oliver",
    "Ella",
    "Onni",
    "Venla",
    "Elias",
    "Lilja",
    "Toivo",
    "Emilia",
    "Matti",
    "Liisa",
    "Juha",
    "Pirjo",
    "Kari",
]
FI_LAST = [
    "Korhonen",
    "Virtanen",
    "Mäkinen",
    "Nieminen",
    "Mäkelä",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
    "Lehtinen",
    "Saarinen",
    "Salminen",
    "Heinonen",
    "Niemi",
    "Heikkilä",
    "Kinnunen",
    "Salonen",
    "Turunen",
]
FI_STREETS = [
    "Mannerheimintie",
    "Hämeentie",
    "Fredrikinkatu",
    "Runeberginkatu",
    "Sturenkatu",
    "Mechelininkatu",
]
PETS = {
    "dog": (
        ["Musti", "Rekku", "Nalle", "Luna", "Max", "Bella", "Vilma", "Remu"],
        ["Suomenlapinkoira", "Labradorinnoutaja", "Saksanpaimenkoira", "Sekarotuinen"],
    ),
    "cat": (
        ["Mirri", "Kisu", "Viiru", "Misu", "Tassu", "Nöpö"],
        ["Maatiainen", "Norjalainen metsäkissa", "Siamilainen"],
    ),
    "rabbit": (["Pupu", "Hippu", "Töpö"], ["Kääpiöluppa", "Leijonaharja"]),
}


@dataclass
class PracticeSpec:
    slug: str
    name: str
    kind: str
    time_zone: str
    language: str
    country: str
    locations: list[tuple[str, str, str]]  # name, address, city
    staff: list[tuple[str, str, str, str]]  # username, first, last, role
    types: list[tuple[str, int, str, str, str]]  # name, minutes, category, colour, room kind
    first_names: list[str]
    last_names: list[str]
    streets: list[str]
    mobile: Callable[[random.Random], str]
    treatments: list[tuple[str, str, str]] = field(default_factory=list)
    # Rooms in the practice's language: a surgery per practitioner (numbered), a consulting
    # room per location.
    surgery_room: str = "Behandelkamer"
    consulting_room: str = "Spreekkamer"
    plan_titles: tuple[str, ...] = ("Behandelplan", "Plan")


def _nl_mobile(rng: random.Random) -> str:
    return f"+316{rng.randint(10_000_000, 59_999_999)}"


def _fi_mobile(rng: random.Random) -> str:
    return f"+35840{rng.randint(1_000_000, 9_999_999)}"


DENTAL = PracticeSpec(
    slug="tandartspraktijk-de-molen",
    name="Tandartspraktijk De Molen",
    kind=Practice.Kind.DENTAL,
    time_zone="Europe/Amsterdam",
    language="nl",
    country="NL",
    locations=[("Utrecht Centrum", "Oudegracht 120", "Utrecht"), ("Zeist", "Slotlaan 45", "Zeist")],
    staff=[
        ("director", "Marjolein", "Visser", Role.DIRECTOR),
        ("reception", "Rita", "de Boer", Role.RECEPTION),
        ("dentist", "Jan", "Bakker", Role.DENTIST),
        ("dentist2", "Sophie", "Mulder", Role.DENTIST),
        ("hygienist", "Linda", "Smit", Role.HYGIENIST),
    ],
    types=[
        ("Periodieke controle", 15, "examination", "#6aa84f", ""),
        ("Gebitsreiniging", 30, "hygienist_recall", "#3d85c6", ""),
        ("Vulling", 45, "treatment", "#e69138", "surgery"),
        ("Wortelkanaalbehandeling", 60, "treatment", "#cc4125", "surgery"),
        ("Spoedconsult", 20, "examination", "#c27ba0", ""),
        ("Controle tandarts", 20, "dentist_recall", "#93c47d", ""),
    ],
    first_names=NL_FIRST,
    last_names=NL_LAST,
    streets=NL_STREETS,
    mobile=_nl_mobile,
    treatments=[
        ("V21", "Eénvlaksvulling composiet", "61.50"),
        ("V22", "Tweevlaksvulling composiet", "81.90"),
        ("E13", "Wortelkanaalbehandeling, één kanaal", "214.90"),
        ("R24", "Kroon", "560.00"),
        ("M03", "Gebitsreiniging per 5 min", "14.20"),
    ],
)

VET = PracticeSpec(
    slug="elainklinikka-kivi",
    name="Eläinklinikka Kivi",
    kind=Practice.Kind.VET,
    time_zone="Europe/Helsinki",
    language="fi",
    country="FI",
    locations=[("Helsinki Kallio", "Hämeentie 12", "Helsinki")],
    staff=[
        ("johtaja", "Sari", "Laine", Role.DIRECTOR),
        ("vastaanotto", "Tiina", "Koskinen", Role.RECEPTION),
        ("elainlaakari", "Mikko", "Heikkinen", Role.VET),
        ("elainlaakari2", "Anna", "Salonen", Role.VET),
        ("hoitaja", "Jenni", "Niemi", Role.NURSE),
    ],
    types=[
        ("Rokotus", 20, "vaccination", "#6aa84f", ""),
        ("Terveystarkastus", 30, "examination", "#3d85c6", ""),
        ("Leikkaus", 90, "surgery", "#cc4125", "surgery"),
        ("Hammashoito", 60, "treatment", "#e69138", "surgery"),
        ("Päivystyskäynti", 30, "examination", "#c27ba0", ""),
    ],
    first_names=FI_FIRST,
    last_names=FI_LAST,
    streets=FI_STREETS,
    mobile=_fi_mobile,
    treatments=[
        ("HAM1", "Hammaskiven poisto", "180.00"),
        ("KAS1", "Kastraatio", "320.00"),
        ("ROK1", "Rokotus, yhdistelmä", "55.00"),
    ],
    surgery_room="Toimenpidehuone",
    consulting_room="Vastaanottohuone",
    plan_titles=("Hoitosuunnitelma", "Suunnitelma"),
)

SPECS = [DENTAL, VET]


@dataclass
class Built:
    practice: Practice
    logins: list[tuple[str, str]]  # username, role label
    clients: int = 0
    patients: int = 0
    appointments: int = 0


def demo_exists() -> bool:
    return Practice.objects.filter(slug__in=[s.slug for s in SPECS]).exists()


def delete_demo() -> None:
    """Remove the demo practices and their staff users."""
    for practice in Practice.objects.filter(slug__in=[s.slug for s in SPECS]):
        delete_practice(practice)


def delete_practice(practice: Practice) -> None:
    """Remove a practice, everything it owns and its staff users with no other practice."""
    with transaction.atomic():
        # PROTECT foreign keys: delete the dependants first, children before parents.
        for model in (
            Payment,
            WaitlistEntry,
            PlannedTreatment,
            TreatmentPlan,
            Recall,
            Appointment,
            Patient,
            Client,
        ):
            model.objects.unscoped().filter(practice=practice).delete()
        user_ids = list(
            Membership.objects.unscoped()
            .filter(practice=practice)
            .values_list("user_id", flat=True)
        )
        practice.delete()
        get_user_model().objects.filter(pk__in=user_ids, memberships__isnull=True).delete()


def ensure_admin() -> None:
    user_model = get_user_model()
    if not user_model.objects.filter(username="admin").exists():
        user_model.objects.create_superuser("admin", "admin@example.com", PASSWORD)


def _users_and_staff(practice: Practice, spec: PracticeSpec, extra_practitioners: int):
    user_model = get_user_model()
    password = make_password(PASSWORD)
    staff = list(spec.staff)
    clinical_role = Role.VET if spec.kind == Practice.Kind.VET else Role.DENTIST
    for i in range(extra_practitioners):
        first = spec.first_names[i % len(spec.first_names)]
        last = spec.last_names[(i * 7) % len(spec.last_names)]
        staff.append((f"{spec.slug[:12]}-p{i + 1}", first, last, clinical_role))
    colours = ["#4f7cac", "#c0504d", "#9bbb59", "#8064a2", "#4bacc6", "#f79646"]
    users = user_model.objects.bulk_create(
        [
            user_model(
                username=u,
                first_name=fn,
                last_name=ln,
                password=password,
                is_staff=role in (Role.DIRECTOR, Role.RECEPTION),
            )
            for u, fn, ln, role in staff
        ]
    )
    users = list(user_model.objects.filter(username__in=[s[0] for s in staff]))
    by_name = {u.username: u for u in users}
    memberships = Membership.objects.unscoped().bulk_create(
        [
            Membership(
                practice=practice,
                user=by_name[u],
                role=role,
                display_name=f"{fn} {ln}",
                colour=colours[i % len(colours)],
            )
            for i, (u, fn, ln, role) in enumerate(staff)
        ]
    )
    return staff[: len(spec.staff)], memberships


def _clients_and_patients(practice, spec, rng, count):
    clients = []
    for i in range(count):
        first, last = rng.choice(spec.first_names), rng.choice(spec.last_names)
        clients.append(
            Client(
                practice=practice,
                first_name=first,
                last_name=last,
                mobile=spec.mobile(rng) if rng.random() > 0.08 else "",
                email=(
                    f"{first}.{last}.{i}@example.com".lower().replace(" ", "")
                    if rng.random() > 0.15
                    else ""
                ),
                address=f"{rng.choice(spec.streets)} {rng.randint(1, 250)}",
                postal_code=(
                    f"{rng.randint(1000, 9999)} AB"
                    if spec.country == "NL"
                    else f"00{rng.randint(100, 990)}"
                ),
                city=spec.locations[0][2],
                sex=rng.choice("fm"),
                birth_date=dt.date(1940, 1, 1) + dt.timedelta(days=rng.randint(0, 30_000)),
                preferred_channel=rng.choice(["", "sms", "email", "both"]),
                marketing_consent=rng.choice([None, None, True, False]),
            )
        )
    for start in range(0, len(clients), BATCH):
        Client.objects.unscoped().bulk_create(clients[start : start + BATCH])
    clients = list(Client.objects.unscoped().filter(practice=practice).order_by("id"))
    patients = []
    for client in clients:
        if spec.kind == Practice.Kind.VET:
            for _ in range(rng.choice([1, 1, 1, 2])):
                species = rng.choice(list(PETS))
                names, breeds = PETS[species]
                patients.append(
                    Patient(
                        practice=practice,
                        client=client,
                        name=rng.choice(names),
                        species=species,
                        breed=rng.choice(breeds),
                        sex=rng.choice("fm"),
                        birth_date=dt.date(2010, 1, 1) + dt.timedelta(days=rng.randint(0, 5_000)),
                    )
                )
        else:
            patients.append(
                Patient(
                    practice=practice,
                    client=client,
                    name=client.full_name,
                    sex=client.sex,
                    birth_date=client.birth_date,
                )
            )
    clients_by_id = {c.pk: c for c in clients}
    for patient in patients:
        patient.search_text = patient.build_search_text(clients_by_id[patient.client_id])
    for start in range(0, len(patients), BATCH):
        Patient.objects.unscoped().bulk_create(patients[start : start + BATCH])
    return clients, list(Patient.objects.unscoped().filter(practice=practice).order_by("id"))


def _working_days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        if day.weekday() < 5:
            yield day
        day += dt.timedelta(days=1)


def _types_for(practitioner: Membership, types: list[ConsultationType]) -> list[ConsultationType]:
    """Hygienists do cleanings; dentists, vets and nurses everything else."""
    hygiene = [t for t in types if t.category == ConsultationType.Category.HYGIENIST_RECALL]
    if practitioner.role == Role.HYGIENIST:
        return hygiene or types
    return [t for t in types if t not in hygiene] or types


def _appointments(
    practice,
    rng,
    *,
    practitioners,
    rooms_by_practitioner,
    location_of,
    types,
    patients,
    first_day,
    last_day,
    limit,
) -> Iterator[Appointment]:
    """Yield appointments practitioner by practitioner, day by day, never overlapping."""
    now = timezone.now()
    types_of = {p.pk: _types_for(p, types) for p in practitioners}
    made = 0
    for day in _working_days(first_day, last_day):
        for practitioner in practitioners:
            location = location_of[practitioner.pk]
            tz = location.tz
            moment = localtime.wall_to_utc(day, dt.time(8), tz)
            closing = localtime.wall_to_utc(day, dt.time(17), tz)
            while True:
                moment += dt.timedelta(minutes=rng.choice([0, 0, 0, 15, 30]))
                ctype = rng.choice(types_of[practitioner.pk])
                end = moment + dt.timedelta(minutes=ctype.duration_minutes)
                if end > closing:
                    break
                patient = rng.choice(patients)
                status = Appointment.Status.BOOKED
                if end < now:
                    roll = rng.random()
                    status = (
                        Appointment.Status.CANCELLED
                        if roll < 0.07
                        else Appointment.Status.NO_SHOW
                        if roll < 0.10
                        else Appointment.Status.COMPLETED
                    )
                yield Appointment(
                    practice=practice,
                    patient=patient,
                    client_id=patient.client_id,
                    practitioner=practitioner,
                    location=location,
                    room=rooms_by_practitioner.get(practitioner.pk) if ctype.room_kind else None,
                    consultation_type=ctype,
                    starts_at=moment,
                    ends_at=end,
                    held_from=moment,  # bulk_create skips save(), which fills these
                    held_until=end,
                    status=status,
                    source=Appointment.Source.STAFF,
                )
                made += 1
                if limit and made >= limit:
                    return
                moment = end


def _slots_per_day(types) -> float:
    average = sum(t.duration_minutes for t in types) / len(types)
    return 9 * 60 / (average + 7.5)


def build_practice(
    spec: PracticeSpec,
    *,
    clients: int = 250,
    appointments: int | None = None,
    past_days: int = 182,
    future_days: int = 31,
    seed: int = 7,
    log: Callable[[str], None] = lambda _: None,
    demo_extras: bool = True,
) -> Built:
    """Build one practice. `appointments` set: that many, over past_days + future_days."""
    rng = random.Random(seed)
    today = localtime.local_today(zoneinfo.ZoneInfo(spec.time_zone))
    first_day, last_day = (
        today - dt.timedelta(days=past_days),
        today + dt.timedelta(days=future_days),
    )
    practice = Practice.objects.create(
        name=spec.name,
        slug=spec.slug,
        kind=spec.kind,
        time_zone=spec.time_zone,
        language=spec.language,
        currency="EUR",
        default_country=spec.country,
        phone="+31302345678" if spec.country == "NL" else "+35891234567",
    )
    types = ConsultationType.objects.unscoped().bulk_create(
        [
            ConsultationType(
                practice=practice, name=n, duration_minutes=m, category=c, colour=col, room_kind=rk
            )
            for n, m, c, col, rk in spec.types
        ]
    )
    working_days = sum(1 for _ in _working_days(first_day, last_day))
    base_staff = [s for s in spec.staff if s[3] not in (Role.DIRECTOR, Role.RECEPTION)]
    extra = 0
    if appointments:
        # 15% spare capacity: the day-by-day fill stops at exactly `appointments`.
        needed = math.ceil(1.15 * appointments / (working_days * _slots_per_day(types)))
        extra = max(0, needed - len(base_staff))
    staff, memberships = _users_and_staff(practice, spec, extra)
    practitioners = [m for m in memberships if m.is_practitioner]
    # Locations: the spec's, plus more for a big practice (about ten practitioners each).
    location_names = list(spec.locations)
    while len(location_names) * 10 < len(practitioners):
        n = len(location_names) + 1
        location_names.append((f"{spec.locations[0][2]} {n}", f"Straat {n}", spec.locations[0][2]))
    locations = Location.objects.unscoped().bulk_create(
        [
            Location(practice=practice, name=n, address=a, city=c, phone=practice.phone)
            for n, a, c in location_names
        ]
    )
    location_of = {p.pk: locations[i % len(locations)] for i, p in enumerate(practitioners)}
    rooms = Room.objects.unscoped().bulk_create(
        [
            Room(
                practice=practice,
                location=location_of[p.pk],
                name=f"{spec.surgery_room} {i + 1}",
                kind=Room.Kind.SURGERY,
            )
            for i, p in enumerate(practitioners)
        ]
        + [
            Room(
                practice=practice,
                location=loc,
                name=spec.consulting_room,
                kind=Room.Kind.CONSULTING,
            )
            for loc in locations
        ]
    )
    rooms_by_practitioner = {p.pk: rooms[i] for i, p in enumerate(practitioners)}
    WorkingHours.objects.unscoped().bulk_create(
        [
            WorkingHours(
                practice=practice,
                practitioner=p,
                location=location_of[p.pk],
                weekday=d,
                start_time=dt.time(8),
                end_time=dt.time(17),
            )
            for p in practitioners
            for d in range(5)
        ]
    )
    log(f"{spec.name}: {len(practitioners)} practitioners at {len(locations)} locations")
    client_rows, patient_rows = _clients_and_patients(practice, spec, rng, clients)
    log(f"{spec.name}: {len(client_rows)} clients, {len(patient_rows)} patients")
    made = 0
    batch: list[Appointment] = []
    for appointment in _appointments(
        practice,
        rng,
        practitioners=practitioners,
        rooms_by_practitioner=rooms_by_practitioner,
        location_of=location_of,
        types=types,
        patients=patient_rows,
        first_day=first_day,
        last_day=last_day,
        limit=appointments,
    ):
        batch.append(appointment)
        if len(batch) >= BATCH:
            Appointment.objects.unscoped().bulk_create(batch)
            made += len(batch)
            batch = []
            if made % 100_000 == 0:
                log(f"{spec.name}: {made} appointments")
    Appointment.objects.unscoped().bulk_create(batch)
    made += len(batch)
    log(f"{spec.name}: {made} appointments")
    _extras(practice, spec, rng, patient_rows, types, practitioners, locations)
    if demo_extras:  # other apps' demo data; a benchmark may write its own instead
        run_demo_extras(practice)
    analyze()
    logins = [(u, Role(role).label) for u, _, _, role in staff]
    return Built(practice, logins, len(client_rows), len(patient_rows), made)


def analyze() -> None:
    """Refresh PostgreSQL's statistics after bulk loads, so plans fit the new sizes."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _extras(practice, spec, rng, patients, types, practitioners, locations) -> None:
    """Treatment plans, recalls, payments for completed appointments, a few waitlist entries."""
    sample = (
        rng.sample(patients, k=max(1, len(patients) // 5))
        if len(patients) < 50_000
        else (rng.sample(patients, k=2_000))
    )
    plans = TreatmentPlan.objects.unscoped().bulk_create(
        [
            TreatmentPlan(
                practice=practice,
                patient=p,
                title=rng.choice(spec.plan_titles),
                status=TreatmentPlan.Status.ACCEPTED,
            )
            for p in sample
        ]
    )
    PlannedTreatment.objects.unscoped().bulk_create(
        [
            PlannedTreatment(
                practice=practice,
                plan=plan,
                code=code,
                description=desc,
                fee=Decimal(fee),
                to_book=rng.random() < 0.5,
            )
            for plan in plans
            for code, desc, fee in rng.sample(spec.treatments, k=2)
        ]
    )
    today = localtime.local_today(practice.tz)
    if spec.kind == Practice.Kind.DENTAL:
        Recall.objects.unscoped().bulk_create(
            [
                Recall(
                    practice=practice,
                    patient=p,
                    kind=kind,
                    due_date=today + dt.timedelta(days=rng.randint(-60, 180)),
                )
                for p in sample
                for kind in (Recall.Kind.DENTIST, Recall.Kind.HYGIENIST)
            ]
        )
    completed = (
        Appointment.objects.unscoped()
        .filter(practice=practice, status=Appointment.Status.COMPLETED)
        .values_list("id", "client_id", "patient_id", "ends_at")
        .order_by("-starts_at")[:20_000]
    )
    Payment.objects.unscoped().bulk_create(
        [
            Payment(
                practice=practice,
                appointment_id=a_id,
                client_id=c_id,
                patient_id=p_id,
                amount=Decimal(rng.choice(["25.00", "45.50", "61.50", "120.00", "214.90"])),
                method=rng.choice(list(Payment.Method.values)),
                taken_at=ends_at,
            )
            for a_id, c_id, p_id, ends_at in completed
            if rng.random() < 0.8
        ],
        batch_size=BATCH,
    )
    WaitlistEntry.objects.unscoped().bulk_create(
        [
            WaitlistEntry(
                practice=practice,
                client_id=p.client_id,
                patient=p,
                consultation_type=rng.choice(types),
                location=locations[0],
                practitioner=rng.choice(practitioners),
                notes="Liefst 's ochtends",
            )
            for p in rng.sample(patients, k=min(5, len(patients)))
        ]
    )


def seed_demo(
    *, clients: int = 250, scale: int | None = None, log: Callable[[str], None] = lambda _: None
) -> list[Built]:
    """Both demo practices; `scale` = appointments for the Dutch practice."""
    ensure_admin()
    built = [build_practice(DENTAL, clients=clients, appointments=scale, log=log, seed=1)]
    built.append(build_practice(VET, clients=clients, log=log, seed=2))
    return built


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, practice, role) of the demo staff, as they are in the database."""
    rows = (
        Membership.objects.unscoped()
        .filter(practice__slug__in=[s.slug for s in SPECS])
        .filter(user__username__in=[s[0] for spec in SPECS for s in spec.staff])
        .select_related("practice", "user")
        .order_by("practice__name", "id")
    )
    return [(m.user.username, m.practice.name, m.get_role_display()) for m in rows]
