import datetime as dt

import pytest
from django.utils import timezone

from crm.models import Task

from .. import factories as f


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def make_task(practice_a, patient_a, receptionist):
    """make_task(hours=…, **fields): a task in practice A for Rita about Anna, due `hours`
    from now (None: no due time)."""

    def make(hours=None, **fields):
        practice = fields.pop("practice", practice_a)
        due = fields.pop("due_at", None)
        if due is None and hours is not None:
            due = timezone.now() + dt.timedelta(hours=hours)
        values = {
            "practice": practice,
            "patient": patient_a,
            "kind": Task.Kind.RECALL,
            "description": "Call about the check-up",
            "assignee": receptionist,
            "due_at": due,
            **fields,
        }
        return Task.objects.unscoped().create(**values)

    return make


@pytest.fixture
def task_b(practice_b, patient_b, vet_b):
    return Task.objects.unscoped().create(
        practice=practice_b,
        patient=patient_b,
        kind=Task.Kind.PAYMENT,
        description="Muistuta laskusta",
        assignee=vet_b,
        due_at=timezone.now() - dt.timedelta(hours=1),
    )


@pytest.fixture
def other_patient_a(practice_a):
    client = f.ClientFactory(practice=practice_a, first_name="Bram", last_name="Bakker")
    return f.PatientFactory(practice=practice_a, client=client, name="Bram Bakker")


@pytest.fixture
def api_key_a(practice_a, director):
    """Practice A's integration key (plain text, as the admin shows it once)."""
    from crm.api_keys import api_key_create

    return api_key_create(practice_a, actor=director.user, name="Telephony").plain


@pytest.fixture
def api_key_b(practice_b, outsider):
    from crm.api_keys import api_key_create

    return api_key_create(practice_b, actor=outsider.user, name="Puhelin").plain


@pytest.fixture
def post_event(client):
    """post_event(path, key, **body): POST JSON to /api/v1/crm/<path> with the key."""

    def post(path, key, **body):
        return client.post(
            f"/api/v1/crm/{path}",
            body,
            content_type="application/json",
            headers={"Authorization": f"Api-Key {key}"},
        )

    return post
