"""The API's records: messages, payments, treatment plans and recalls (reading them; writing
payments, plans and recalls is tested in test_record_writes.py).

Like the rest of /api/v1/: practice staff only, scoped to the current practice (another
practice's id answers 404 like a missing one), filters that refuse bad input with a 400,
a bounded number of queries per list, and every endpoint in the schema.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from appointments.models import PlannedTreatment, Recall
from messaging.models import Message

from .. import factories as f

MISSING = 987_654
TODAY = dt.date(2030, 1, 9)  # recalls are dated; the filters read dates only
RESOURCES = ["messages", "payments", "treatment-plans", "recalls"]


def _message(appointment, kind="confirmation", status="sent", **extra):
    return Message.objects.unscoped().create(
        practice=appointment.practice,
        appointment=appointment,
        client=appointment.client,
        patient=appointment.patient,
        kind=kind,
        channel="sms",
        recipient=appointment.client.mobile,
        body="Tervetuloa",
        status=status,
        due_at=timezone.now(),
        idempotency_key=f"{kind}-{appointment.pk}-{extra.pop('key', '')}",
        **extra,
    )


def _plan(patient, title="Plan", n=2):
    plan = f.TreatmentPlanFactory(practice=patient.practice, patient=patient, title=title)
    for i in range(n):
        PlannedTreatment.objects.unscoped().create(
            practice=patient.practice,
            plan=plan,
            code=f"C{i}",
            description=f"Treatment {i}",
            fee=Decimal("80.00"),
        )
    return plan


def _recall(patient, kind="dentist", days=180):
    return Recall.objects.unscoped().create(
        practice=patient.practice,
        patient=patient,
        kind=kind,
        due_date=TODAY + dt.timedelta(days=days),
    )


def _payment(appointment, amount="45.00", method="card"):
    return f.PaymentFactory(
        practice=appointment.practice,
        client=appointment.client,
        patient=appointment.patient,
        appointment=appointment,
        amount=Decimal(amount),
        method=method,
    )


@pytest.fixture
def records_a(appointment_a):
    return {
        "messages": _message(appointment_a),
        "payments": _payment(appointment_a),
        "treatment-plans": _plan(appointment_a.patient),
        "recalls": _recall(appointment_a.patient),
    }


@pytest.fixture
def records_b(appointment_b):
    return {
        "messages": _message(appointment_b),
        "payments": _payment(appointment_b),
        "treatment-plans": _plan(appointment_b.patient),
        "recalls": _recall(appointment_b.patient),
    }


@pytest.mark.parametrize("resource", RESOURCES)
def test_records_need_a_practice_login(resource, records_a):
    assert APIClient().get(f"/api/v1/{resource}/").status_code in (401, 403)


def test_messages_are_read_only(api, records_a):
    row = records_a["messages"]
    assert api.post("/api/v1/messages/", {}, format="json").status_code == 405
    assert api.patch(f"/api/v1/messages/{row.pk}/", {}, format="json").status_code == 405
    assert api.delete(f"/api/v1/messages/{row.pk}/").status_code == 405


@pytest.mark.parametrize("resource", RESOURCES)
def test_a_record_of_another_practice_answers_like_a_missing_id(
    api, resource, records_a, records_b
):
    other = api.get(f"/api/v1/{resource}/{records_b[resource].pk}/")
    missing = api.get(f"/api/v1/{resource}/{MISSING}/")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert api.get(f"/api/v1/{resource}/{records_a[resource].pk}/").status_code == 200


@pytest.mark.parametrize("resource", RESOURCES)
def test_record_lists_never_show_another_practices_rows(api, resource, records_a, records_b):
    rows = api.get(f"/api/v1/{resource}/").json()["results"]
    assert [row["id"] for row in rows] == [records_a[resource].pk]


@pytest.mark.parametrize("resource", RESOURCES)
def test_record_lists_take_a_fixed_number_of_queries(
    api, resource, appointment_a, practice_a, django_assert_max_num_queries
):
    for i in range(12):
        patient = f.PatientFactory(practice=practice_a, name=f"Patient {i}")
        appointment = f.AppointmentFactory(
            practice=practice_a,
            patient=patient,
            practitioner=appointment_a.practitioner,
            location=appointment_a.location,
            consultation_type=appointment_a.consultation_type,
            starts_at=appointment_a.starts_at + dt.timedelta(days=i + 1),
            ends_at=appointment_a.ends_at + dt.timedelta(days=i + 1),
        )
        _message(appointment)
        _payment(appointment)
        _plan(patient, n=3)
        _recall(patient)
    # session/auth, practice, count, rows (+ the plans' treatments in one more)
    with django_assert_max_num_queries(6):
        response = api.get(f"/api/v1/{resource}/")
    assert response.json()["count"] == 12


def test_a_treatment_plan_lists_its_treatments_and_fees(api, records_a):
    plan = records_a["treatment-plans"]
    body = api.get(f"/api/v1/treatment-plans/{plan.pk}/").json()
    assert body["title"] == "Plan"
    assert [t["code"] for t in body["treatments"]] == ["C0", "C1"]
    assert body["treatments"][0]["fee"] == "80.00"


def test_messages_filter_by_appointment_kind_and_status(api, appointment_a, records_a, practice_a):
    reminder = _message(appointment_a, kind="reminder", status="failed", key="r")
    other = f.AppointmentFactory(
        practice=practice_a,
        patient=appointment_a.patient,
        practitioner=appointment_a.practitioner,
        location=appointment_a.location,
        consultation_type=appointment_a.consultation_type,
        starts_at=appointment_a.starts_at + dt.timedelta(days=7),
        ends_at=appointment_a.ends_at + dt.timedelta(days=7),
    )
    _message(other, key="o")

    def ids(**query):
        return [row["id"] for row in api.get("/api/v1/messages/", query).json()["results"]]

    assert set(ids(appointment=appointment_a.pk)) == {records_a["messages"].pk, reminder.pk}
    assert ids(kind="reminder") == [reminder.pk]
    assert ids(status="failed") == [reminder.pk]


def test_payments_filter_by_method_and_time(api, appointment_a, records_a):
    cash = _payment(appointment_a, amount="12.50", method="cash")
    cash.taken_at = timezone.now() - dt.timedelta(days=10)
    cash.save()

    def ids(**query):
        return [row["id"] for row in api.get("/api/v1/payments/", query).json()["results"]]

    assert ids(method="cash") == [cash.pk]
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert ids(taken_from=since) == [records_a["payments"].pk]
    assert ids(patient=appointment_a.patient_id) == [records_a["payments"].pk, cash.pk]


def test_recalls_filter_by_kind_and_due_date(api, appointment_a, records_a):
    hygienist = _recall(appointment_a.patient, kind="hygienist", days=30)

    def ids(**query):
        return [row["id"] for row in api.get("/api/v1/recalls/", query).json()["results"]]

    assert ids() == [hygienist.pk, records_a["recalls"].pk]  # soonest first
    assert ids(kind="dentist") == [records_a["recalls"].pk]
    due_to = (TODAY + dt.timedelta(days=60)).isoformat()
    assert ids(due_to=due_to) == [hygienist.pk]
    assert ids(to_book="true") == []


@pytest.mark.parametrize(
    ("resource", "query"),
    [
        ("messages", {"status": "lost"}),
        ("messages", {"due_from": "yesterday"}),
        ("messages", {"appointment": "x"}),
        ("payments", {"method": "bitcoin"}),
        ("payments", {"taken_to": "2026-13-40"}),
        ("treatment-plans", {"status": "maybe"}),
        ("recalls", {"due_from": "soon"}),
        ("recalls", {"to_book": "perhaps"}),
    ],
)
def test_bad_filter_input_is_a_400_with_the_reason(api, records_a, resource, query):
    response = api.get(f"/api/v1/{resource}/", query)
    assert response.status_code == 400
    assert set(query) <= set(response.json())


def test_the_schema_documents_the_records():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for resource in RESOURCES:
        assert set(paths[f"/api/v1/{resource}/"]) >= {"get"}
        assert set(paths[f"/api/v1/{resource}/{{id}}/"]) >= {"get"}
    assert "post" not in paths["/api/v1/messages/"]
    filters = {p["name"] for p in paths["/api/v1/messages/"]["get"]["parameters"]}
    assert {"appointment", "client", "patient", "kind", "channel", "status"} <= filters


def test_a_messages_failure_reason_reads_in_the_language_of_the_request(api, appointment_a):
    # given: stored by a worker in English, with its code
    _message(
        appointment_a,
        status="failed",
        error_code="landline",
        error="The number is a landline and cannot receive SMS.",
    )
    msgid = "The number is a landline and cannot receive SMS."
    for language in ("fi", "nl"):
        with translation.override(language):
            expected = translation.gettext(msgid)
        assert expected != msgid
        # when: read by a Finnish, then a Dutch integration
        row = api.get("/api/v1/messages/", HTTP_ACCEPT_LANGUAGE=language).json()["results"][0]
        # then
        assert (row["error_code"], row["error"]) == ("landline", expected)
