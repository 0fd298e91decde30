"""Every endpoint answers practice B's ids to A's staff exactly as missing ids: 404."""

import pytest

from appointments.models import Payment

MISSING = 987_654

DETAIL = [
    ("clients", "client_b", "get"),
    ("clients", "client_b", "patch"),
    ("patients", "patient_b", "get"),
    ("patients", "patient_b", "patch"),
    ("appointments", "appointment_b", "get"),
    ("appointments", "appointment_b", "patch"),
    ("consultation-types", "ctype_b", "get"),
    ("practitioners", "vet_b", "get"),
]
ACTIONS = [
    ("appointments", "appointment_b", "cancel"),
    ("appointments", "appointment_b", "status"),
    ("appointments", "appointment_b", "payments"),
]


@pytest.fixture
def client_b(patient_b):
    return patient_b.client


@pytest.fixture
def ctype_b(appointment_b):
    return appointment_b.consultation_type


@pytest.mark.parametrize(("resource", "fixture", "method"), DETAIL)
def test_detail_of_another_practice_answers_like_a_missing_id(
    api, request, resource, fixture, method
):
    other = request.getfixturevalue(fixture)
    send = getattr(api, method)
    other_response = send(f"/api/v1/{resource}/{other.pk}/", {}, format="json")
    missing_response = send(f"/api/v1/{resource}/{MISSING}/", {}, format="json")
    assert other_response.status_code == missing_response.status_code == 404
    assert other_response.json() == missing_response.json()


@pytest.mark.parametrize(("resource", "fixture", "name"), ACTIONS)
def test_actions_on_another_practices_id_answer_404(api, request, resource, fixture, name):
    other = request.getfixturevalue(fixture)
    body = {"status": {"status": "arrived"}, "payments": {"amount": "10.00", "method": "card"}}.get(
        name, {}
    )
    response = api.post(f"/api/v1/{resource}/{other.pk}/{name}/", body, format="json")
    missing = api.post(f"/api/v1/{resource}/{MISSING}/{name}/", body, format="json")
    assert response.status_code == missing.status_code == 404
    other.refresh_from_db()
    assert other.status == "booked"
    assert not Payment.objects.unscoped().filter(appointment=other).exists()


@pytest.mark.parametrize(
    ("resource", "fixtures"),
    [
        ("clients", ["patient_a", "patient_b"]),
        ("patients", ["patient_a", "patient_b"]),
        ("appointments", ["appointment_a", "appointment_b"]),
        ("consultation-types", ["appointment_a", "appointment_b"]),
        ("practitioners", ["dentist", "vet_b"]),
    ],
)
def test_lists_never_show_another_practices_rows(api, request, resource, fixtures, practice_a):
    for name in fixtures:
        request.getfixturevalue(name)
    rows = api.get(f"/api/v1/{resource}/").json()["results"]
    assert rows
    from django.apps import apps

    model = {
        "clients": "patients.Client",
        "patients": "patients.Patient",
        "appointments": "appointments.Appointment",
        "consultation-types": "appointments.ConsultationType",
        "practitioners": "practice.Membership",
    }[resource]
    ids = {row["id"] for row in rows}
    practices = set(
        apps.get_model(model)
        .objects.unscoped()
        .filter(pk__in=ids)
        .values_list("practice_id", flat=True)
    )
    assert practices == {practice_a.pk}


def test_booking_with_another_practices_patient_is_refused_as_unknown(
    api, patient_b, dentist, location_a, ctype_a, tomorrow_9
):
    response = api.post(
        "/api/v1/appointments/",
        {
            "patient": patient_b.pk,
            "practitioner": dentist.pk,
            "location": location_a.pk,
            "consultation_type": ctype_a.pk,
            "starts_at": tomorrow_9.isoformat(),
        },
        format="json",
    )
    missing = api.post(
        "/api/v1/appointments/",
        {
            "patient": MISSING,
            "practitioner": dentist.pk,
            "location": location_a.pk,
            "consultation_type": ctype_a.pk,
            "starts_at": tomorrow_9.isoformat(),
        },
        format="json",
    )
    assert response.status_code == missing.status_code == 400
    assert response.json()["patient"] == [
        m.replace(str(MISSING), str(patient_b.pk)) for m in missing.json()["patient"]
    ]


@pytest.mark.parametrize("field", ["practitioner", "location", "consultation_type"])
def test_booking_with_another_practices_resources_is_refused(
    api,
    patient_a,
    dentist,
    location_a,
    ctype_a,
    tomorrow_9,
    vet_b,
    location_b,
    appointment_b,
    field,
):
    others = {
        "practitioner": vet_b,
        "location": location_b,
        "consultation_type": appointment_b.consultation_type,
    }
    body = {
        "patient": patient_a.pk,
        "practitioner": dentist.pk,
        "location": location_a.pk,
        "consultation_type": ctype_a.pk,
        "starts_at": tomorrow_9.isoformat(),
    }
    body[field] = others[field].pk
    response = api.post("/api/v1/appointments/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_new_patient_under_another_practices_client_is_refused(api, patient_b):
    response = api.post(
        "/api/v1/patients/", {"client": patient_b.client_id, "name": "Rex"}, format="json"
    )
    assert response.status_code == 400
    assert "client" in response.json()


def test_a_user_of_two_practices_chooses_one_with_the_x_practice_header(
    practice_a, practice_b, patient_a, patient_b
):
    from rest_framework.test import APIClient

    from .. import factories as f

    user = f.UserFactory(username="both")
    f.MembershipFactory(practice=practice_a, user=user, role="reception")
    f.MembershipFactory(practice=practice_b, user=user, role="reception")
    client = APIClient()
    client.force_authenticate(user)
    names_a = [
        r["name"]
        for r in client.get("/api/v1/patients/", HTTP_X_PRACTICE="centrum").json()["results"]
    ]
    names_b = [
        r["name"] for r in client.get("/api/v1/patients/", HTTP_X_PRACTICE="kivi").json()["results"]
    ]
    assert names_a == [patient_a.name]
    assert names_b == [patient_b.name]
    refused = client.get("/api/v1/patients/", HTTP_X_PRACTICE="no-such-practice")
    assert refused.status_code == 403
