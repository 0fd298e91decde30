import datetime as dt
from collections import defaultdict

import phonenumbers
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from appointments.models import Appointment
from patients.models import Client, Patient
from practice.models import Practice


def _seed(*args):
    call_command("seed_demo", "--clients", "20", *args, verbosity=0)


def test_seed_builds_a_dutch_dental_and_a_finnish_vet_practice(db):
    _seed()
    dental = Practice.objects.get(slug="tandartspraktijk-de-molen")
    vet = Practice.objects.get(slug="elainklinikka-kivi")
    assert (dental.kind, dental.time_zone) == ("dental", "Europe/Amsterdam")
    assert (vet.kind, vet.time_zone) == ("vet", "Europe/Helsinki")
    # django-axes (brute-force protection) needs the login's request to count failures.
    login = RequestFactory().post("/login/")
    assert authenticate(login, username="reception", password="demo1234") is not None
    assert authenticate(login, username="vastaanotto", password="demo1234") is not None
    assert Patient.objects.unscoped().filter(practice=vet).exclude(species="").exists()


def test_seeded_data_is_valid_and_never_double_books(db):
    _seed()
    now = timezone.now()
    appointments = Appointment.objects.unscoped().exclude(status__in=Appointment.RELEASED)
    assert appointments.filter(starts_at__lt=now - dt.timedelta(days=90)).exists()
    assert appointments.filter(starts_at__gt=now + dt.timedelta(days=14)).exists()
    held = defaultdict(list)
    for a in appointments.order_by("starts_at"):
        for key in (("p", a.practitioner_id), ("r", a.room_id)):
            if key[1] is None:
                continue
            if held[key]:
                assert held[key][-1] <= a.starts_at, f"overlap on {key}"
            held[key].append(a.ends_at)
    for client in Client.objects.unscoped().exclude(mobile=""):
        assert phonenumbers.is_valid_number(phonenumbers.parse(client.mobile))
    assert not Patient.objects.unscoped().filter(search_text="").exists()


def test_if_empty_does_not_duplicate(db, capsys):
    _seed()
    count = Appointment.objects.unscoped().count()
    _seed("--if-empty")
    assert Appointment.objects.unscoped().count() == count
    assert Practice.objects.count() == 2


def test_scale_builds_that_many_appointments(db):
    _seed("--scale", "700")
    dental = Practice.objects.get(slug="tandartspraktijk-de-molen")
    assert Appointment.objects.unscoped().filter(practice=dental).count() == 700


def test_reset_rebuilds(db):
    _seed()
    _seed("--reset")
    assert Practice.objects.count() == 2
