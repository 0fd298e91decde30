"""Every staff page answers another practice's id exactly like a missing id (404)."""

import re

import pytest
from django.urls import reverse

_CSRF = re.compile(rb'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+')


def _without_csrf(content: bytes) -> bytes:
    """Each response carries a freshly masked CSRF token; everything else must be equal."""
    return _CSRF.sub(rb"\1", content)


MISSING = 987_654

# (url name, kwarg, fixture providing practice B's object, methods)
ID_VIEWS = [
    ("appointment-detail", "appointment_id", "appointment_b", ["get"]),
    ("appointment-move", "appointment_id", "appointment_b", ["post"]),
    ("appointment-cancel", "appointment_id", "appointment_b", ["post"]),
    ("appointment-status", "appointment_id", "appointment_b", ["post"]),
    ("patient-card", "patient_id", "patient_b", ["get"]),
    ("patient-edit", "patient_id", "patient_b", ["get", "post"]),
    ("client-edit", "client_id", "client_b", ["get", "post"]),
    ("patient-create", "client_id", "client_b", ["get", "post"]),
    ("client-consent", "client_id", "client_b", ["post"]),
    ("appointment-messages", "appointment_id", "appointment_b", ["get"]),
    ("appointment-online", "appointment_id", "appointment_b", ["get"]),
    ("online-booking-reviewed", "booking_id", "online_booking_b", ["post"]),
    ("task-done", "task_id", "task_b", ["post"]),
    ("task-reassign", "task_id", "task_b", ["post"]),
    ("patient-tasks", "patient_id", "patient_b", ["get"]),
    ("patient-task-add", "patient_id", "patient_b", ["post"]),
    ("workflow-detail", "wf_id", "workflow_b", ["get"]),
    ("workflow-edit", "wf_id", "workflow_b", ["get", "post"]),
    ("workflow-dry-run", "wf_id", "workflow_b", ["get"]),
    ("workflow-activate", "wf_id", "workflow_b", ["post"]),
    ("workflow-pause", "wf_id", "workflow_b", ["post"]),
    ("patient-workflows", "patient_id", "patient_b", ["get"]),
    ("contact-communication", "communication_id", "communication_b", ["get"]),
    ("contact-processed", "communication_id", "communication_b", ["post"]),
    ("contact-relink", "communication_id", "communication_b", ["get", "post"]),
    ("contact-comment", "communication_id", "communication_b", ["post"]),
    ("contact-comment-delete", "comment_id", "comment_b", ["post"]),
    ("report-contacts-contact", "contact_id", "contact_b", ["get"]),
    ("report-contacts-channel", "communication_id", "communication_b", ["get"]),
    ("patient-contacts", "patient_id", "patient_b", ["get"]),
]


@pytest.fixture
def comment_b(practice_b, outsider):
    from django.utils import timezone

    from crm.models import Comment

    return Comment.objects.unscoped().create(
        practice=practice_b, author=outsider, text="Soitto", stated_at=timezone.now()
    )


@pytest.fixture
def online_booking_b(appointment_b):
    from online_booking.models import OnlineBooking

    return OnlineBooking.objects.unscoped().create(
        practice=appointment_b.practice, appointment=appointment_b, typed={}
    )


@pytest.fixture
def task_b(patient_b, vet_b):
    from crm.models import Task

    return Task.objects.unscoped().create(
        practice=patient_b.practice, patient=patient_b, kind="recall", assignee=vet_b
    )


@pytest.fixture
def workflow_b(practice_b, outsider):
    from marketing_workflows.services import workflow_create

    return workflow_create(practice_b, actor=outsider.user, name="Theirs")


@pytest.fixture
def contact_b(practice_b):
    from tests.crm.history_factories import ContactFactory

    return ContactFactory(practice=practice_b)


@pytest.fixture
def communication_b(contact_b):
    from tests.crm.history_factories import CommunicationFactory

    return CommunicationFactory(practice=contact_b.practice, contact=contact_b)


@pytest.fixture
def client_b(patient_b):
    return patient_b.client


@pytest.mark.parametrize(("name", "kwarg", "fixture", "methods"), ID_VIEWS)
def test_other_practices_id_answers_404_like_a_missing_one(
    rita_client, request, name, kwarg, fixture, methods
):
    other = request.getfixturevalue(fixture)
    for method in methods:
        send = getattr(rita_client, method)
        other_url = reverse(name, kwargs={kwarg: other.pk})
        missing_url = reverse(name, kwargs={kwarg: MISSING})
        other_response, missing_response = send(other_url), send(missing_url)
        assert other_response.status_code == 404
        assert missing_response.status_code == 404
        # The page echoes its own path (language switcher's "next"): compare the rest.
        other_body = _without_csrf(other_response.content).replace(
            other_url.encode(), missing_url.encode()
        )
        assert other_body == _without_csrf(missing_response.content)


@pytest.mark.parametrize(
    ("name", "param", "fixture"),
    [
        ("calendar", "location", "location_b"),
        ("appointment-create", "patient", "patient_b"),
    ],
)
def test_other_practices_id_in_query_answers_404(rita_client, request, name, param, fixture):
    other = request.getfixturevalue(fixture)
    url = reverse(name)
    assert rita_client.get(url, {param: other.pk}).status_code == 404
    assert rita_client.get(url, {param: MISSING}).status_code == 404


def test_booking_form_refuses_another_practices_patient_and_saves_nothing(
    rita_client, patient_b, location_a, dentist, ctype_a
):
    from appointments.models import Appointment

    response = rita_client.post(
        reverse("appointment-create"),
        {
            "patient": patient_b.pk,
            "location": location_a.pk,
            "practitioner": dentist.pk,
            "consultation_type": ctype_a.pk,
            "date": "2030-01-07",
            "start_time": "09:00",
        },
    )
    assert response.status_code == 200
    assert "patient" in response.context["form"].errors
    assert not Appointment.objects.unscoped().exists()


def test_search_never_lists_another_practices_patients(rita_client, patient_a, patient_b):
    for query in [patient_b.name, patient_b.client.mobile[1:8], patient_b.client.last_name]:
        response = rita_client.get(reverse("patient-search"), {"q": query})
        assert response.context["results"] == [], query


def test_calendar_never_shows_another_practices_appointments(
    rita_client, appointment_a, appointment_b, location_a
):
    day = appointment_b.starts_at.astimezone(location_a.tz).date()
    response = rita_client.get(reverse("calendar"), {"date": day.isoformat()})
    content = response.content.decode()
    assert appointment_b.patient.name not in content
    assert appointment_b.practitioner.name not in content


@pytest.mark.parametrize("url", ["/calendar/", "/patients/", "/appointments/new/", "/clients/new/"])
def test_pages_require_login(client, url, practice_a):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_user_without_membership_is_refused(client, db):
    from .factories import UserFactory

    client.force_login(UserFactory(username="nobody"))
    assert client.get("/calendar/").status_code == 403
