"""The demo opens both practices to online booking, with free days soon."""

import datetime as dt

from django.core.management import call_command
from django.utils import timezone

from online_booking.availability import available_days
from online_booking.demo import demo_online_booking
from online_booking.models import (
    OnlineBookingSettings,
    OnlineLocation,
    OnlineWindow,
    Reason,
    ReasonGroup,
)
from patients.models import Patient
from practice.models import Practice
from practice.scoping import for_practice

MODELS = (OnlineBookingSettings, OnlineLocation, OnlineWindow, ReasonGroup, Reason)


def _seed(*args):
    call_command("seed_demo", "--clients", "20", *args, verbosity=0)


def _free_days_within_two_weeks(practice, reason):
    now = timezone.now()
    today = timezone.localdate(now)
    return {
        location.name: available_days(
            practice,
            location=location,
            reason=reason,
            first=today,
            last=today + dt.timedelta(days=14),
            now=now,
        )
        for location in (o.location for o in for_practice(OnlineLocation, practice))
    }


def test_demo_opens_both_practices_with_free_days_in_the_next_two_weeks(db):
    _seed()
    vet = Practice.objects.get(slug="elainklinikka-kivi")
    dental = Practice.objects.get(slug="tandartspraktijk-de-molen")
    assert for_practice(OnlineBookingSettings, vet).get().enabled
    assert for_practice(OnlineBookingSettings, dental).get().enabled
    assert all(o.asks_species for o in for_practice(OnlineLocation, vet))
    assert not any(o.asks_species for o in for_practice(OnlineLocation, dental))

    dog_vaccination = for_practice(Reason, vet).get(
        species="dog", consultation_type__category="vaccination"
    )
    # The species online is the word the demo's patients carry, so matching finds them.
    assert Patient.objects.unscoped().filter(practice=vet, species="dog").exists()
    assert any(_free_days_within_two_weeks(vet, dog_vaccination).values())

    check_up = for_practice(Reason, dental).get(name="Periodieke controle")
    free = _free_days_within_two_weeks(dental, check_up)
    assert all(free.values()), free  # at each location: a dentist works at both


def test_demo_online_booking_runs_twice_without_duplicates(db):
    _seed()
    counts = [m.objects.unscoped().count() for m in MODELS]
    links = Reason.practitioners.through.objects.count()
    for practice in Practice.objects.all():
        demo_online_booking(practice)
    _seed("--if-empty")
    assert [m.objects.unscoped().count() for m in MODELS] == counts
    assert Reason.practitioners.through.objects.count() == links
    _seed("--reset")
    assert [m.objects.unscoped().count() for m in MODELS] == counts
