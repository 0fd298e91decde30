"""The demo makes the issue's example possible on a fresh `bin/start`: Amsterdam clients with
marketing consent not seen for 18 months in the Dutch practice, an example workflow paused,
and the Finnish practice untouched."""

import re

from django.core.management import call_command
from django.urls import reverse

from marketing_workflows.demo import FORGOTTEN, REFUSED
from marketing_workflows.models import Enrolment, Workflow
from patients.models import Client
from practice.models import Membership, Practice, StaffProfile


def test_the_demo_has_amsterdam_patients_not_seen_for_18_months_and_a_paused_example(db, client):
    # given a fresh demo
    call_command("seed_demo", "--clients", "20", verbosity=0)
    dutch = Practice.objects.get(default_country="NL")
    finnish = Practice.objects.get(default_country="FI")
    director = Membership.objects.unscoped().get(user__username="director")
    # The demo's staff start in their practice's language; this test reads English.
    StaffProfile.objects.create(user=director.user, language="en")
    client.force_login(director.user)
    # when the manager previews the criteria in the builder
    data = {
        "name": "Niet gezien",
        "op": "preview",
        "criteria-0-subject": "patient",
        "criteria-0-field": "last_appointment",
        "criteria-0-operator": "days_ago_gt",
        "criteria-0-value": "540",
        "criteria-1-subject": "patient",
        "criteria-1-field": "city",
        "criteria-1-operator": "eq",
        "criteria-1-value": "Amsterdam",
    }
    preview = client.post(reverse("workflow-preview"), data).content.decode()
    # then the long-unseen Amsterdam patients match (those who refused marketing too: the
    # messages skip them)
    count = int(re.search(r'class="match-count">(\d+)<', preview).group(1))
    assert count == FORGOTTEN + REFUSED
    amsterdam = Client.objects.unscoped().filter(practice=dutch, city="Amsterdam")
    assert amsterdam.filter(marketing_consent=True).count() >= FORGOTTEN
    # and an example workflow waits, paused, with nobody in it
    example = Workflow.objects.unscoped().get(practice=dutch)
    assert (example.status, example.current_version.is_frozen) == ("paused", True)
    assert not Enrolment.objects.unscoped().exists()
    page = client.get(reverse("workflow-list")).content.decode()
    assert example.name in page
    assert "Paused" in page
    # the Finnish practice got none of it
    assert not Client.objects.unscoped().filter(practice=finnish, city="Amsterdam").exists()
    assert not Workflow.objects.unscoped().filter(practice=finnish).exists()
    # seeding again adds nothing
    call_command("seed_demo", "--if-empty", verbosity=0)
    assert Workflow.objects.unscoped().count() == 1
