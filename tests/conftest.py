"""Two practices and named people (the healthchecks alice/bob/charlie pattern).

Practice A (dental, Amsterdam): director Dora, receptionist Rita, dentist Dirk.
Practice B (vet, Helsinki): outsider Otto, vet Vera. Every view and endpoint is tried with
B's ids as A's staff and must answer exactly like a missing id.
"""

import datetime as dt
import os

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from practice import localtime
from practice.models import Practice, Role
from practice.tenancy import practice_scope

from . import factories as f


def pytest_report_header(config):
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    if settings.IS_POSTGRES:
        return f"database: {engine} (PostgreSQL-only tests run)"
    return f"database: {engine} (PostgreSQL-only tests are SKIPPED: set DATABASE_URL)"


def pytest_collection_modifyitems(config, items):
    if os.environ.get("REQUIRE_POSTGRES") and not settings.IS_POSTGRES:
        raise pytest.UsageError("REQUIRE_POSTGRES is set but the suite would run on SQLite.")
    if settings.IS_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL to a PostgreSQL server)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def on_postgres():
    assert connection.vendor == "postgresql"


@pytest.fixture
def practice_a(db):
    return f.PracticeFactory(
        name="Tandartspraktijk Centrum",
        slug="centrum",
        kind=Practice.Kind.DENTAL,
        time_zone="Europe/Amsterdam",
        default_country="NL",
    )


@pytest.fixture
def practice_b(db):
    return f.PracticeFactory(
        name="Eläinklinikka Kivi",
        slug="kivi",
        kind=Practice.Kind.VET,
        time_zone="Europe/Helsinki",
        language="fi",
        default_country="FI",
    )


@pytest.fixture
def location_a(practice_a):
    return f.LocationFactory(practice=practice_a, name="Centrum", city="Utrecht")


@pytest.fixture
def location_b(practice_b):
    return f.LocationFactory(practice=practice_b, name="Kivi", city="Helsinki", time_zone="")


@pytest.fixture
def director(practice_a):
    return f.MembershipFactory(
        practice=practice_a,
        role=Role.DIRECTOR,
        user=f.UserFactory(username="dora", first_name="Dora", last_name="Director"),
    )


@pytest.fixture
def receptionist(practice_a):
    return f.MembershipFactory(
        practice=practice_a,
        role=Role.RECEPTION,
        user=f.UserFactory(username="rita", first_name="Rita", last_name="Reception"),
    )


@pytest.fixture
def dentist(practice_a):
    return f.MembershipFactory(
        practice=practice_a,
        role=Role.DENTIST,
        user=f.UserFactory(username="dirk", first_name="Dirk", last_name="Dentist"),
    )


@pytest.fixture
def outsider(practice_b):
    return f.MembershipFactory(
        practice=practice_b,
        role=Role.DIRECTOR,
        user=f.UserFactory(username="otto", first_name="Otto", last_name="Outsider"),
    )


@pytest.fixture
def vet_b(practice_b):
    return f.MembershipFactory(
        practice=practice_b,
        role=Role.VET,
        user=f.UserFactory(username="vera", first_name="Vera", last_name="Vet"),
    )


@pytest.fixture
def ctype_a(practice_a):
    return f.ConsultationTypeFactory(practice=practice_a, name="Periodic check-up")


@pytest.fixture
def patient_a(practice_a):
    client = f.ClientFactory(
        practice=practice_a,
        first_name="Anna",
        last_name="de Vries",
        mobile="+31612345678",
        email="anna@example.nl",
    )
    return f.PatientFactory(practice=practice_a, client=client)


@pytest.fixture
def patient_b(practice_b):
    client = f.ClientFactory(
        practice=practice_b, first_name="Matti", last_name="Virtanen", mobile="+358401234567"
    )
    return f.PatientFactory(practice=practice_b, client=client, name="Musti", species="dog")


@pytest.fixture
def tomorrow_9(location_a):
    """Tomorrow 09:00 in the location's time zone."""
    day = localtime.local_today(location_a.tz) + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(9), tzinfo=location_a.tz)


@pytest.fixture
def appointment_a(practice_a, patient_a, dentist, location_a, ctype_a, tomorrow_9):
    return f.AppointmentFactory(
        practice=practice_a,
        patient=patient_a,
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=tomorrow_9,
        ends_at=tomorrow_9 + dt.timedelta(minutes=30),
    )


@pytest.fixture
def appointment_b(practice_b, patient_b, vet_b, location_b):
    ctype = f.ConsultationTypeFactory(practice=practice_b, name="Rokotus")
    tomorrow = localtime.local_today(location_b.tz) + dt.timedelta(days=1)
    start = dt.datetime.combine(tomorrow, dt.time(10), tzinfo=location_b.tz)
    return f.AppointmentFactory(
        practice=practice_b,
        patient=patient_b,
        practitioner=vet_b,
        location=location_b,
        consultation_type=ctype,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=20),
    )


@pytest.fixture
def rita_client(client, receptionist):
    """Django test client logged in as practice A's receptionist."""
    client.force_login(receptionist.user)
    return client


@pytest.fixture
def scope_a(practice_a):
    """Practice A current and its zone active, as CurrentPracticeMiddleware makes them for a
    request (the suite's default zone, Asia/Kathmandu, is neither UTC nor the practice's)."""
    with practice_scope(practice_a), timezone.override(practice_a.tz):
        yield practice_a


@pytest.fixture
def scope_b(practice_b):
    with practice_scope(practice_b), timezone.override(practice_b.tz):
        yield practice_b


@pytest.fixture(autouse=True)
def _language_reset():
    """A request in another language leaves it active in the worker's thread (the locale
    middleware activates it and nothing deactivates it); every test starts in English."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Every test starts with no requests counted against the public booking limits."""
    from django.core.cache import caches

    caches["ratelimit"].clear()
