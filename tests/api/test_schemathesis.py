"""The API answers what its schema says (schemathesis over /api/schema/).

Practice A's director (Basic auth) and the public (no account) call every operation the schema
documents with generated input. No answer may be a 5xx, an undocumented status, or a body the
schema does not describe, and none may carry a value of practice B's rows.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
import schemathesis
from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from online_booking.models import Reason
from practice.models import Practice, Role

from .. import factories as f
from ..online_booking.conftest import open_for_online

# Practice B's rows get ids far above anything the test creates for A, so an id of B's in an
# answer can't be A's by coincidence; its names are words no generator produces.
B_FIRST_ID = 7_000_001
B_MARKER = "Qzxbravo"

# A WSGI server names the client's address; the booking API's rate limits count by it.
CLIENT_ADDRESS = {"REMOTE_ADDR": "127.0.0.1"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
BOUND = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same examples on every run: CI fails or passes for a reason
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
)


@pytest.fixture
def wsgi_app():
    """Django's WSGI app answering inside the test's transaction.

    A real WSGI server closes stale connections around each request; here that would close the
    test's own connection, so (as Django's test client does) those handlers are set aside.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def b_ids(db) -> set[int]:
    """Practice B's rows, ids from B_FIRST_ID, names with B_MARKER; returns their ids."""
    ids = iter(range(B_FIRST_ID, B_FIRST_ID + 100))
    practice = f.PracticeFactory(
        id=next(ids), name=f"Kivi{B_MARKER}", slug="kivi", kind=Practice.Kind.VET
    )
    location = f.LocationFactory(id=next(ids), practice=practice, name=f"Kivi{B_MARKER}")
    user = f.UserFactory(
        id=next(ids), username="otto", first_name=f"Otto{B_MARKER}", last_name=B_MARKER
    )
    vet = f.MembershipFactory(id=next(ids), practice=practice, user=user, role=Role.VET)
    client = f.ClientFactory(
        id=next(ids),
        practice=practice,
        first_name=f"Matti{B_MARKER}",
        last_name=B_MARKER,
        mobile="+358401234567",
        email=f"{B_MARKER.lower()}@example.fi",
    )
    patient = f.PatientFactory(
        id=next(ids), practice=practice, client=client, name=f"Musti{B_MARKER}", species="dog"
    )
    ctype = f.ConsultationTypeFactory(id=next(ids), practice=practice, name=f"Rokotus{B_MARKER}")
    start = dt.datetime.now(tz=location.tz).replace(minute=0, second=0, microsecond=0)
    appointment = f.AppointmentFactory(
        id=next(ids),
        practice=practice,
        patient=patient,
        practitioner=vet,
        location=location,
        consultation_type=ctype,
        starts_at=start + dt.timedelta(days=1),
        ends_at=start + dt.timedelta(days=1, minutes=20),
        notes=f"Notes{B_MARKER}",
    )
    reason = open_for_online(practice, location, vet, ctype)
    Reason.objects.unscoped().filter(pk=reason.pk).update(name=f"Reason{B_MARKER}")
    return {row.pk for row in (practice, location, user, vet, client, patient, ctype, appointment)}


@pytest.fixture
def seeded_a(practice_a, location_a, director, dentist, patient_a, appointment_a, ctype_a):
    f.RoomFactory(practice=practice_a, location=location_a, name="Room 1")
    f.PatientFactory(
        practice=practice_a,
        client=f.ClientFactory(practice=practice_a, email="", sex=""),
        name="No email",
        sex="",
    )
    open_for_online(practice_a, location_a, dentist, ctype_a)
    return practice_a


def _basic(username: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:pw".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def api_schema(wsgi_app, seeded_a, b_ids, director):
    return schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app, headers=_basic("dora"))


def _values(data: Any):
    if isinstance(data, dict):
        for key, value in data.items():
            yield key, value
            yield from _values(value)
    elif isinstance(data, list):
        for item in data:
            yield from _values(item)


def assert_nothing_of_practice_b(response, b_ids: set[int]) -> None:
    text = response.text
    assert B_MARKER.lower() not in text.lower(), f"practice B's data in: {text[:500]}"
    try:
        body = json.loads(text)
    except ValueError:
        return
    leaked = {
        value
        for _key, value in _values(body)
        if isinstance(value, int) and not isinstance(value, bool) and value in b_ids
    }
    assert not leaked, f"practice B's ids {leaked} in: {text[:500]}"


def _run(schema, call, *, path_parameters=None) -> list[str]:
    """Every operation, with valid and with invalid input; the failures, one line each.

    Operations are driven through `operation.as_strategy()` with Hypothesis directly:
    schemathesis' pytest integration (`schemathesis.pytest.from_fixture`) breaks on pytest 9.2
    (it sets `item._nodeid`), and this way one test still covers every operation.
    """
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(mode, path_parameters=path_parameters)

            @BOUND
            @given(case=strategy)
            def run(case):
                call(case)

            try:
                run()
            except (AssertionError, FailureGroup, Failure) as error:
                failures.append(f"{operation.label} ({mode.value}): {error}")
    return failures


@pytest.mark.postgres_only
def test_the_api_answers_practice_staff_what_its_schema_says(api_schema, b_ids):
    def call(case):
        response = case.call_and_validate(
            headers=_basic("dora"), checks=CHECKS, environ_base=CLIENT_ADDRESS
        )
        assert_nothing_of_practice_b(response, b_ids)

    failures = _run(api_schema.exclude(path_regex=r"^/api/v1/public/"), call)
    assert not failures, "\n\n".join(failures)


@pytest.mark.postgres_only
def test_the_public_booking_api_answers_what_its_schema_says(api_schema, b_ids, practice_a):
    def call(case):
        caches["ratelimit"].clear()  # the limits have their own tests; here every call is heard
        response = case.call_and_validate(checks=CHECKS, environ_base=CLIENT_ADDRESS)
        assert_nothing_of_practice_b(response, b_ids)

    public = api_schema.include(path_regex=r"^/api/v1/public/")
    failures = _run(public, call, path_parameters={"practice_slug": practice_a.slug})
    assert not failures, "\n\n".join(failures)
